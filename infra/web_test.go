package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/devserver"
	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/httpx"
)

// CloudFront's managed policies, by id.
const (
	cachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	cachingOptimized          = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	allViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
)

func distributionConfig(t *testing.T, tmpl map[string]any) map[string]any {
	t.Helper()
	ds := resources(tmpl, "AWS::CloudFront::Distribution")
	if len(ds) != 1 {
		t.Fatalf("%d distributions; want 1", len(ds))
	}
	for _, d := range ds {
		return props(d)["DistributionConfig"].(map[string]any)
	}
	return nil
}

// TestDistribution: HTTPS only, HTTP/2 and 3, logs without cookies; the web
// app from the private bucket through origin access control; /api/* to the
// API stage uncached, with every viewer header but Host, over TLS 1.2, with
// the origin secret as a dynamic reference (never its value).
func TestDistribution(t *testing.T) {
	for name, d := range map[string]func(*testing.T) *deployment{"plain": plain, "full": full} {
		t.Run(name, func(t *testing.T) {
			dc := distributionConfig(t, d(t).tmpl)
			if dc["HttpVersion"] != "http2and3" || dc["IPV6Enabled"] != true || dc["DefaultRootObject"] != "index.html" {
				t.Errorf("http %v, ipv6 %v, root %v; want http2and3, true, index.html", dc["HttpVersion"], dc["IPV6Enabled"], dc["DefaultRootObject"])
			}
			if get(dc, "Logging", "IncludeCookies") != false || get(dc, "Logging", "Bucket") == nil {
				t.Errorf("logging %s; want a bucket and no cookies", jsonString(dc["Logging"]))
			}
			def := dc["DefaultCacheBehavior"]
			if get(def, "ViewerProtocolPolicy") != "redirect-to-https" || get(def, "CachePolicyId") != cachingOptimized {
				t.Errorf("default behaviour %s; want redirect-to-https, CachingOptimized", jsonString(def))
			}
			behaviors := asList(dc["CacheBehaviors"])
			if len(behaviors) != 1 {
				t.Fatalf("%d cache behaviours; want /api/* alone", len(behaviors))
			}
			api := behaviors[0]
			if get(api, "PathPattern") != "/api/*" || get(api, "ViewerProtocolPolicy") != "https-only" ||
				get(api, "CachePolicyId") != cachingDisabled || get(api, "OriginRequestPolicyId") != allViewerExceptHostHeader ||
				len(asList(get(api, "AllowedMethods"))) != 7 {
				t.Errorf("/api/* behaviour %s; want https-only, CachingDisabled, AllViewerExceptHostHeader, every method", jsonString(api))
			}
			if refTo(get(api, "ResponseHeadersPolicyId")) == "" || refTo(get(api, "ResponseHeadersPolicyId")) != refTo(get(def, "ResponseHeadersPolicyId")) {
				t.Errorf("response headers policies %v, %v; want the stack's one on both", get(api, "ResponseHeadersPolicyId"), get(def, "ResponseHeadersPolicyId"))
			}
			origins := map[string]any{}
			for _, o := range asList(dc["Origins"]) {
				origins[get(o, "Id").(string)] = o
			}
			s3 := origins[get(def, "TargetOriginId").(string)]
			if refTo(get(s3, "OriginAccessControlId")) == "" {
				t.Errorf("web origin %s; want origin access control", jsonString(s3))
			}
			apiOrigin := origins[get(api, "TargetOriginId").(string)]
			if get(apiOrigin, "OriginPath") != "/"+StageName || get(apiOrigin, "CustomOriginConfig", "OriginProtocolPolicy") != "https-only" ||
				jsonString(get(apiOrigin, "CustomOriginConfig", "OriginSSLProtocols")) != `["TLSv1.2"]` ||
				!strings.Contains(jsonString(get(apiOrigin, "DomainName")), ".execute-api.") {
				t.Errorf("API origin %s; want the execute-api stage over HTTPS, TLSv1.2 only", jsonString(apiOrigin))
			}
			headers := asList(get(apiOrigin, "OriginCustomHeaders"))
			if len(headers) != 1 || get(headers[0], "HeaderName") != frontdoor.Header ||
				!strings.Contains(jsonString(get(headers[0], "HeaderValue")), "{{resolve:secretsmanager:") {
				t.Errorf("API origin headers %s; want %s from a Secrets Manager dynamic reference", jsonString(headers), frontdoor.Header)
			}
		})
	}
}

// TestDistributionTLS: with a domain, the ACM certificate from us-east-1,
// the alias, TLSv1.2_2021 and SNI, the web ACL, and DNS alias records;
// without one, CloudFront's own certificate and address.
func TestDistributionTLS(t *testing.T) {
	d := full(t)
	dc := distributionConfig(t, d.tmpl)
	vc := dc["ViewerCertificate"]
	if get(vc, "MinimumProtocolVersion") != "TLSv1.2_2021" || get(vc, "SslSupportMethod") != "sni-only" ||
		get(vc, "AcmCertificateArn", "Fn::GetStackOutput", "Region") != EdgeRegion {
		t.Errorf("viewer certificate %s; want the us-east-1 certificate, TLSv1.2_2021, SNI", jsonString(vc))
	}
	if jsonString(dc["Aliases"]) != `["`+fullDomain+`"]` {
		t.Errorf("aliases %s; want %s", jsonString(dc["Aliases"]), fullDomain)
	}
	if get(dc, "WebACLId", "Fn::GetStackOutput", "Region") != EdgeRegion {
		t.Errorf("web ACL %s; want the us-east-1 web ACL", jsonString(dc["WebACLId"]))
	}
	for _, typ := range []string{"A", "AAAA"} {
		found := false
		for _, r := range resources(d.tmpl, "AWS::Route53::RecordSet") {
			p := props(r)
			if p["Type"] == typ && strings.TrimSuffix(p["Name"].(string), ".") == fullDomain && p["HostedZoneId"] == fullZoneID && p["AliasTarget"] != nil {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s alias record for %s in zone %s", typ, fullDomain, fullZoneID)
		}
	}

	edge := assertions.Template_FromStack(d.l.EdgeStack, nil)
	if r := *d.l.EdgeStack.Region(); r != EdgeRegion {
		t.Errorf("edge stack in %s; want %s", r, EdgeRegion)
	}
	assertNoPanic(t, "certificate", func() {
		edge.HasResourceProperties(jsii.String("AWS::CertificateManager::Certificate"), map[string]any{
			"DomainName":              fullDomain,
			"ValidationMethod":        "DNS",
			"DomainValidationOptions": []any{map[string]any{"DomainName": fullDomain, "HostedZoneId": fullZoneID}},
		})
	})
	assertNoPanic(t, "web ACL", func() {
		edge.HasResourceProperties(jsii.String("AWS::WAFv2::WebACL"), map[string]any{
			"Scope": "CLOUDFRONT",
			"Rules": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Name":      "RatePerIp",
				"Statement": map[string]any{"RateBasedStatement": map[string]any{"AggregateKeyType": "IP", "Limit": 1000}},
			})}),
		})
	})

	if vc := distributionConfig(t, plain(t).tmpl)["ViewerCertificate"]; vc != nil {
		t.Errorf("plain: viewer certificate %s; want CloudFront's default", jsonString(vc))
	}
	if plain(t).l.EdgeStack != nil {
		t.Error("plain: an edge stack; want none without a domain or the WAF")
	}
}

// TestResponseHeadersPolicy: HSTS for two years with subdomains, nosniff,
// frame denial, strict referrer policy, and the web app's content security
// policy — the one the local server sends — all overriding the origin.
func TestResponseHeadersPolicy(t *testing.T) {
	if ContentSecurityPolicy != devserver.ContentSecurityPolicy {
		t.Fatalf("infra's CSP\n%s\ndiffers from the local server's\n%s", ContentSecurityPolicy, devserver.ContentSecurityPolicy)
	}
	if want := "max-age=63072000; includeSubDomains"; httpx.APIHeaders()["Strict-Transport-Security"] != want {
		t.Fatalf("the functions send HSTS %q; this test expects %q, as CloudFront sends", httpx.APIHeaders()["Strict-Transport-Security"], want)
	}
	tmpl := assertions.Template_FromStack(plain(t).l.Stack, nil)
	assertNoPanic(t, "response headers policy", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::CloudFront::ResponseHeadersPolicy"), map[string]any{
			"ResponseHeadersPolicyConfig": assertions.Match_ObjectLike(&map[string]any{
				"SecurityHeadersConfig": map[string]any{
					"StrictTransportSecurity": map[string]any{"AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": true, "Override": true},
					"ContentTypeOptions":      map[string]any{"Override": true},
					"FrameOptions":            map[string]any{"FrameOption": "DENY", "Override": true},
					"ReferrerPolicy":          map[string]any{"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": true},
					"ContentSecurityPolicy":   map[string]any{"ContentSecurityPolicy": devserver.ContentSecurityPolicy, "Override": true},
				},
			}),
		})
	})
}

// TestBuckets: both buckets private, encrypted and TLS-only; the site bucket
// logs its access.
func TestBuckets(t *testing.T) {
	d := plain(t)
	buckets := resources(d.tmpl, "AWS::S3::Bucket")
	if len(buckets) != 2 {
		t.Fatalf("%d buckets; want the site and its logs", len(buckets))
	}
	logged := 0
	for id, b := range buckets {
		p := props(b)
		bpa := p["PublicAccessBlockConfiguration"]
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if get(bpa, k) != true {
				t.Errorf("%s: %s is not on", id, k)
			}
		}
		if get(p, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm") != "AES256" {
			t.Errorf("%s: encryption %s", id, jsonString(p["BucketEncryption"]))
		}
		if p["LoggingConfiguration"] != nil {
			logged++
		}
	}
	if logged != 1 {
		t.Errorf("%d buckets log their access; want the site bucket", logged)
	}
	for id, bp := range resources(d.tmpl, "AWS::S3::BucketPolicy") {
		if !strings.Contains(jsonString(props(bp)), `"aws:SecureTransport":"false"`) {
			t.Errorf("%s does not refuse plain HTTP", id)
		}
	}
}
