package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/httpx"
)

// EdgeRegion is where CloudFront's certificates and web ACLs must live.
const EdgeRegion = "us-east-1"

// newEdgeStack creates the us-east-1 stack, only when a domain or the WAF
// is configured: the ACM certificate for the domain, validated through DNS
// in its Route 53 zone, and the web ACL. The application stack reads their
// ARNs from this stack's outputs with Fn::GetStackOutput, the CDK's
// cross-region reference: a weak one, resolved when the application stack
// is deployed and not watched afterwards. So the order of a change matters
// (docs/DEPLOY.md, "Changing the domain or the WAF"): the application stack
// must stop using the web ACL before this stack deletes it; and the
// certificate is retained, so that a new domain's certificate never tries
// to delete the one CloudFront still serves.
func newEdgeStack(scope awscdk.App, s Settings) (awscdk.Stack, Edge) {
	stack := awscdk.NewStack(scope, jsii.String(s.StackName+"-Edge"), &awscdk.StackProps{
		Description:           jsii.String(s.StackName + ": CloudFront's certificate and web ACL (us-east-1)"),
		Env:                   &awscdk.Environment{Account: optional(s.Account), Region: jsii.String(EdgeRegion)},
		CrossRegionReferences: jsii.Bool(true),
	})
	var edge Edge
	if s.DomainName != "" {
		zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String(s.HostedZoneID), ZoneName: jsii.String(s.HostedZoneName),
		})
		cert := awscertificatemanager.NewCertificate(stack, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
			DomainName: jsii.String(s.DomainName),
			Validation: awscertificatemanager.CertificateValidation_FromDns(zone),
		})
		// Kept when replaced (a new domainName) or when the stack goes:
		// CloudFront may still serve it, and ACM refuses to delete a
		// certificate in use. A public certificate costs nothing; delete
		// the old one by hand once the distribution has moved on.
		cert.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN)
		edge.Certificate = cert
	}
	if s.WAF {
		edge.WebACLArn = newWebACL(stack, s).AttrArn()
		alarms := newEdgeAlarms(stack, s)
		edge.Alarms = &alarms
	}
	return stack, edge
}

// newWebACL is the optional web ACL: a rate-based rule per client IP, which
// answers 429 in the API's error shape, and AWS's known-bad-inputs rules
// (low false positives; the common rule set is left out because its body
// size rule would block posts over 8 KB).
func newWebACL(stack awscdk.Stack, s Settings) awswafv2.CfnWebACL {
	// No sampled requests: a sample keeps every header of a request, so
	// whoever may read WAF samples would read API keys, session cookies and
	// sign-in codes. The metrics are enough to see the rules work.
	visibility := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(s.StackName + name),
			SampledRequestsEnabled:   jsii.Bool(false),
		}
	}
	throttled := httpx.GatewayThrottled.Response()
	return awswafv2.NewCfnWebACL(stack, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("CLOUDFRONT"),
		Description:      jsii.String(s.StackName + ": rate limit per IP and known bad inputs"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		VisibilityConfig: visibility(webACLMetric),
		CustomResponseBodies: &map[string]*awswafv2.CfnWebACL_CustomResponseBodyProperty{
			"rateLimited": {ContentType: jsii.String("APPLICATION_JSON"), Content: jsii.String(throttled.Body)},
		},
		Rules: &[]*awswafv2.CfnWebACL_RuleProperty{
			{
				Name:     jsii.String("RatePerIp"),
				Priority: jsii.Number(0),
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
						Limit:            jsii.Number(float64(s.WAFRateLimit)),
						AggregateKeyType: jsii.String("IP"),
					},
				},
				Action: &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
					CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{
						ResponseCode:          jsii.Number(float64(throttled.StatusCode)),
						CustomResponseBodyKey: jsii.String("rateLimited"),
						ResponseHeaders: &[]*awswafv2.CfnWebACL_CustomHTTPHeaderProperty{
							{Name: jsii.String("Retry-After"), Value: jsii.String(throttled.Headers["Retry-After"])},
							{Name: jsii.String("Cache-Control"), Value: jsii.String("no-store")},
						},
					},
				}},
				VisibilityConfig: visibility("RatePerIp"),
			},
			{
				Name:     jsii.String("KnownBadInputs"),
				Priority: jsii.Number(1),
				Statement: &awswafv2.CfnWebACL_StatementProperty{
					ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
						VendorName: jsii.String("AWS"), Name: jsii.String("AWSManagedRulesKnownBadInputsRuleSet"),
					},
				},
				OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
				VisibilityConfig: visibility("KnownBadInputs"),
			},
		},
	})
}

// optional is nil for "", so that an unset account stays unset.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
