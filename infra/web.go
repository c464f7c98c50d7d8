package main

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/webapp"
)

// Web is the front door: the distribution, the bucket it serves the web
// app from, and the bucket its and the web bucket's access logs go to.
type Web struct {
	Distribution awscloudfront.Distribution
	Headers      awscloudfront.ResponseHeadersPolicy
	Bucket       awss3.Bucket
	Logs         awss3.Bucket
	Deployment   awss3deployment.BucketDeployment
	DeployRole   awsiam.Role
	// HostCheck runs on /api/*: it sets the viewer's address
	// (httpx.ViewerAddressHeader) and, with a domain, refuses every other
	// host.
	HostCheck awscloudfront.Function
	// Views runs on the web app's behaviour: the host check with a domain,
	// and index.html for every view of the app (webapp.IsView).
	Views awscloudfront.Function
}

// Edge is what the us-east-1 stack gives the distribution.
type Edge struct {
	Certificate awscertificatemanager.ICertificate // nil without a domain
	WebACLArn   *string                            // nil without the WAF
	Alarms      *AlarmTopic                        // the web ACL's alarm, nil without the WAF
}

// newWeb creates the distribution in front of everything:
//   - HTTPS only: the web app redirects HTTP to HTTPS; /api/* refuses HTTP
//     (a redirected POST would have sent its body in clear already); TLS 1.2
//     (2021 policy) at least with a certificate, HTTP/2 and HTTP/3;
//   - the default behaviour serves web/ from a private bucket through origin
//     access control;
//   - /api/* goes to the REST API's stage, uncached, with every viewer
//     header but Host, every cookie and the query string, and with the
//     origin secret CloudFront adds (internal/frontdoor);
//   - one response headers policy for both: the page headers
//     (httpx.PageHeaders: HSTS, nosniff, frame denial, referrer policy and
//     the web app's content security policy), which the local server and
//     the API's HTML pages send too;
//   - with a domain, a CloudFront Function on both behaviours that refuses
//     any other Host, so that the distribution's *.cloudfront.net name
//     (CloudFront's certificate, TLS 1.0 allowed) serves nothing.
func newWeb(scope constructs.Construct, s Settings, api API, sec Secrets, edge Edge) Web {
	c := constructs.NewConstruct(scope, jsii.String("Web"))
	var w Web
	w.Logs = awss3.NewBucket(c, jsii.String("Logs"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		// CloudFront's standard logs are delivered with an object ACL.
		ObjectOwnership: awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(float64(s.LogRetentionDays))),
		}},
		RemovalPolicy:     removalPolicy(s),
		AutoDeleteObjects: jsii.Bool(!s.Retain),
	})
	w.Bucket = awss3.NewBucket(c, jsii.String("Site"), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:             jsii.Bool(true),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		ServerAccessLogsBucket: w.Logs,
		ServerAccessLogsPrefix: jsii.String("s3/"),
		RemovalPolicy:          removalPolicy(s),
		AutoDeleteObjects:      jsii.Bool(!s.Retain),
	})

	w.Headers = awscloudfront.NewResponseHeadersPolicy(c, jsii.String("Headers"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String(s.StackName + ": HSTS, nosniff, frame denial, referrer policy, CSP"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Seconds(jsii.Number(httpx.HSTSMaxAge)),
				IncludeSubdomains:   jsii.Bool(true),
				Override:            jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN, Override: jsii.Bool(true),
			},
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: jsii.String(httpx.ContentSecurityPolicy), Override: jsii.Bool(true),
			},
		},
	})

	// The API origin is named by the REST API's id and the stage's literal
	// name, not the stage resource: the functions' environment may name the
	// distribution's address, and the stage depends on the functions.
	apiOrigin := awscloudfrontorigins.NewHttpOrigin(
		jsii.String(*api.Rest.RestApiId()+".execute-api."+*awscdk.Stack_Of(c).Region()+"."+*awscdk.Stack_Of(c).UrlSuffix()),
		&awscloudfrontorigins.HttpOriginProps{
			OriginPath:         jsii.String("/" + StageName),
			ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
			OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
			// The value is a CloudFormation dynamic reference, resolved at
			// deploy time: it is not in the template.
			CustomHeaders: &map[string]*string{
				frontdoor.Header: sec.Origin.SecretValueFromJson(jsii.String(originSecretKey)).UnsafeUnwrap(),
			},
		})

	// The web app's behaviour always runs a function: it serves index.html
	// for the app's views (deep links), and with a domain it checks the
	// host first.
	var webFunctions, hostCheck *[]*awscloudfront.FunctionAssociation
	w.Views, webFunctions = viewerRequestFunction(c, "Views", viewerRequestCode(s.DomainName, true, false),
		"Latchkey: serves index.html for the web app's views; refuses hosts but the domain (domainName)")
	// /api/* always runs one too: it tells the API the viewer's address
	// (API Gateway sees CloudFront's), in a header it writes over whatever
	// the viewer sent, and with a domain it checks the host first.
	w.HostCheck, hostCheck = viewerRequestFunction(c, "HostCheck", viewerRequestCode(s.DomainName, false, true),
		"Latchkey: the viewer's address for the API; refuses hosts but the domain (domainName)")

	props := &awscloudfront.DistributionProps{
		Comment: jsii.String(s.StackName + " (secrets generation " + s.SecretsGeneration + ")"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(w.Bucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: w.Headers,
			Compress:              jsii.Bool(true),
			FunctionAssociations:  webFunctions,
		},
		AdditionalBehaviors: &map[string]*awscloudfront.BehaviorOptions{
			"/api/*": {
				Origin:                apiOrigin,
				ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
				AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_ALL(),
				CachePolicy:           awscloudfront.CachePolicy_CACHING_DISABLED(),
				OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
				ResponseHeadersPolicy: w.Headers,
				Compress:              jsii.Bool(true),
				FunctionAssociations:  hostCheck,
			},
		},
		ErrorResponses:    uncachedErrors(),
		DefaultRootObject: jsii.String("index.html"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableIpv6:        jsii.Bool(true),
		PriceClass:        priceClass(s),
		EnableLogging:     jsii.Bool(true),
		LogBucket:         w.Logs,
		LogFilePrefix:     jsii.String("cloudfront/"),
		// Cookies hold session tokens: never in the logs.
		LogIncludesCookies: jsii.Bool(false),
		WebAclId:           edge.WebACLArn,
	}
	if edge.Certificate != nil {
		props.Certificate = edge.Certificate
		props.DomainNames = jsii.Strings(s.DomainName)
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
		props.SslSupportMethod = awscloudfront.SSLMethod_SNI
	}
	w.Distribution = awscloudfront.NewDistribution(c, jsii.String("Distribution"), props)

	// The CDK's deployment function copies web/ into the bucket and
	// invalidates the distribution. It gets its own role and log group, so
	// that it needs no AWS managed policy; the CDK adds its S3 and
	// CloudFront grants to that role (suppressions in nag.go).
	deployLogs := awslogs.NewLogGroup(c, jsii.String("DeployLogs"), &awslogs.LogGroupProps{
		Retention:     retention(s),
		RemovalPolicy: removalPolicy(s),
	})
	w.DeployRole = awsiam.NewRole(c, jsii.String("DeployRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(s.StackName + ": the CDK's BucketDeployment function, which copies web/ to the site bucket"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"logs": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
				statement("Logs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, *deployLogs.LogGroupArn()),
			}}),
		},
	})
	w.Deployment = awss3deployment.NewBucketDeployment(c, jsii.String("Deploy"), &awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(s.WebDir), nil)},
		DestinationBucket: w.Bucket,
		Distribution:      w.Distribution,
		DistributionPaths: jsii.Strings("/*"),
		// Browsers ask again for every file (a 304 when it is unchanged),
		// so that after a deploy none runs a new module with an old cached
		// one. CloudFront's CachingOptimized policy keeps such an object
		// for its minimum TTL (1 s) only, and the deploy invalidates "/*".
		CacheControl: &[]awss3deployment.CacheControl{awss3deployment.CacheControl_NoCache()},
		Prune:        jsii.Bool(true),
		Role:         w.DeployRole,
		LogGroup:     deployLogs,
	})

	if s.DomainName != "" {
		zone := awsroute53.HostedZone_FromHostedZoneAttributes(c, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String(s.HostedZoneID), ZoneName: jsii.String(s.HostedZoneName),
		})
		target := awsroute53.RecordTarget_FromAlias(awsroute53targets.NewCloudFrontTarget(w.Distribution))
		awsroute53.NewARecord(c, jsii.String("AliasA"), &awsroute53.ARecordProps{
			Zone: zone, RecordName: jsii.String(s.DomainName), Target: target,
		})
		awsroute53.NewAaaaRecord(c, jsii.String("AliasAAAA"), &awsroute53.AaaaRecordProps{
			Zone: zone, RecordName: jsii.String(s.DomainName), Target: target,
		})
	}
	return w
}

// viewerRequestFunction makes a CloudFront function (JS 2.0) of code, and
// the association that runs it on a behaviour's viewer requests.
func viewerRequestFunction(c constructs.Construct, id, code, comment string) (awscloudfront.Function, *[]*awscloudfront.FunctionAssociation) {
	f := awscloudfront.NewFunction(c, jsii.String(id), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(code)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String(comment),
	})
	return f, &[]*awscloudfront.FunctionAssociation{{Function: f, EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST}}
}

// viewerRequestCode is a CloudFront Function (cloudfront-js-2.0, viewer
// request). With a domain, it refuses a request whose Host is not the
// domain, in any case, with 421 Misdirected Request in the API's error
// shape and with the API's headers: 421 rather than 403, because the
// request is not refused for who sent it but for where it was sent, and RFC
// 9110 gives 421 to a server that will not answer for the address it was
// asked at. With views, it then serves /index.html for every path that is a
// view of the web app (webapp.IsView), so that a deep link such as /keys
// works on reload: the bucket has no such object, and CloudFront's custom
// error responses would apply to the whole distribution, /api/* included.
// The domain and the answer are written in as JSON, which is a valid
// JavaScript literal.
func viewerRequestCode(domain string, views, viewer bool) string {
	code := "// Latchkey (infra/web.go): a viewer-request function.\n"
	if domain != "" {
		refusal := httpx.ErrorResponse(httpx.Errorf(http.StatusMisdirectedRequest, httpx.CodeForbidden, "use https://%s", domain))
		headers := map[string]map[string]string{}
		for k, v := range refusal.Headers {
			headers[strings.ToLower(k)] = map[string]string{"value": v}
		}
		answer, err := json.MarshalIndent(map[string]any{
			"statusCode":        refusal.StatusCode,
			"statusDescription": http.StatusText(refusal.StatusCode),
			"headers":           headers,
			"body":              map[string]string{"encoding": "text", "data": refusal.Body},
		}, "", "  ")
		if err != nil {
			panic(err) // only strings and an int: cannot fail
		}
		name, _ := json.Marshal(domain)
		code += `// Only the domain serves the app and the API; any other Host, such as the
// distribution's *.cloudfront.net name, is refused.
const domain = ` + string(name) + `;
const refusal = ` + string(answer) + `;
`
	}
	if views {
		code += "\n// The web app's views are answered with its shell, index.html.\n" + webapp.ViewRuleJS + "\n"
	}
	code += "\nfunction handler(event) {\n  const request = event.request;\n"
	if domain != "" {
		// Letter case and the https port make no difference (RFC 9110
		// §4.2.3), nor does a trailing dot, the same DNS name written fully
		// qualified; the local server compares the same way (sameHost).
		code += `  const host = request.headers.host;
  let name = host ? host.value.toLowerCase() : '';
  if (name.endsWith(':443')) {
    name = name.slice(0, -4);
  }
  if (name.endsWith('.')) {
    name = name.slice(0, -1);
  }
  if (name !== domain) {
    return refusal;
  }
`
	}
	if views {
		code += `  if (isView(request.uri)) {
    request.uri = '/index.html';
  }
`
	}
	if viewer {
		// Written over any value the viewer sent: only CloudFront says it.
		code += "  request.headers['" + httpx.ViewerAddressHeader + "'] = { value: event.viewer.ip };\n"
	}
	return code + "  return request;\n}\n"
}

func priceClass(s Settings) awscloudfront.PriceClass {
	switch s.PriceClass {
	case "200":
		return awscloudfront.PriceClass_PRICE_CLASS_200
	case "All":
		return awscloudfront.PriceClass_PRICE_CLASS_ALL
	}
	return awscloudfront.PriceClass_PRICE_CLASS_100
}

// uncachedErrorCodes are the statuses whose caching a distribution can set
// ("Create a custom error page for specific HTTP status codes", CloudFront
// Developer Guide; 416 is never cached). By default CloudFront keeps an
// error for 10 seconds ("Control how long CloudFront caches errors") and
// honours the origin's Cache-Control: no-store only for 404, 410, 414 and
// 501 ("How CloudFront processes HTTP 4xx and 5xx status codes from your
// origin"). Under /api/* the cache key holds no cookie, no Authorization
// and no query string, so one caller's 503 (the authorizer failing closed),
// 502 or 403 would be served to every caller of that path at that edge.
var uncachedErrorCodes = []float64{400, 403, 404, 405, 414, 500, 501, 502, 503, 504}

// uncachedErrors keeps none of those errors. They set no response page, so
// the answer (the API's JSON error, the web's own) reaches the viewer as
// the origin gave it. The setting is the distribution's, for both
// behaviours; the web bucket's errors are cheap to ask again.
func uncachedErrors() *[]*awscloudfront.ErrorResponse {
	out := make([]*awscloudfront.ErrorResponse, len(uncachedErrorCodes))
	for i, code := range uncachedErrorCodes {
		out[i] = &awscloudfront.ErrorResponse{HttpStatus: jsii.Number(code), Ttl: awscdk.Duration_Seconds(jsii.Number(0))}
	}
	return &out
}
