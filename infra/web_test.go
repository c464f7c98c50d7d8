package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/webapp"
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
			// No error is cached: 5xx from a failing-closed authorizer, or
			// one caller's 403, must not reach another caller.
			errs := map[float64]bool{}
			for _, e := range asList(dc["CustomErrorResponses"]) {
				if get(e, "ErrorCachingMinTTL") != float64(0) || get(e, "ResponsePagePath") != nil || get(e, "ResponseCode") != nil {
					t.Errorf("error response %s; want a zero caching TTL and the origin's own answer", jsonString(e))
				}
				errs[get(e, "ErrorCode").(float64)] = true
			}
			for _, code := range []float64{400, 403, 404, 405, 414, 500, 501, 502, 503, 504} {
				if !errs[code] {
					t.Errorf("no zero-TTL error response for %v", code)
				}
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

// TestResponseHeadersPolicy: CloudFront's one response headers policy
// sends exactly the page headers (httpx.PageHeaders: HSTS for two years
// with subdomains, nosniff, frame denial, strict referrer policy and the
// web app's content security policy), which the local server and the
// API's HTML pages send too, each overriding the origin's.
func TestResponseHeadersPolicy(t *testing.T) {
	policies := resources(plain(t).tmpl, "AWS::CloudFront::ResponseHeadersPolicy")
	if len(policies) != 1 {
		t.Fatalf("%d response headers policies; want one", len(policies))
	}
	for id, p := range policies {
		cfg, _ := get(props(p), "ResponseHeadersPolicyConfig").(map[string]any)
		// Custom or removed headers, CORS or Server-Timing would make
		// CloudFront's answers differ from the local server's.
		for k := range cfg {
			if k != "Name" && k != "Comment" && k != "SecurityHeadersConfig" {
				t.Errorf("%s: %s; want the security headers alone, as httpx.PageHeaders has them", id, k)
			}
		}
		sec, _ := cfg["SecurityHeadersConfig"].(map[string]any)
		got := map[string]string{}
		for name, v := range sec {
			if get(v, "Override") != true {
				t.Errorf("%s: %s does not override the origin's: %s", id, name, jsonString(v))
			}
			header, value := securityHeader(name, v)
			got[header] = value
		}
		if want := httpx.PageHeaders(); !maps.Equal(got, want) {
			t.Errorf("%s sends\n%v\nwant the page headers (httpx.PageHeaders)\n%v", id, got, want)
		}
	}
}

// securityHeader is the header, and its value, that one setting of a
// response headers policy's SecurityHeadersConfig makes CloudFront send
// (CloudFront Developer Guide, "Understand response headers policies",
// security headers).
func securityHeader(setting string, v any) (header, value string) {
	str := func(path ...any) string { s, _ := get(v, path...).(string); return s }
	switch setting {
	case "StrictTransportSecurity":
		age, _ := get(v, "AccessControlMaxAgeSec").(float64)
		value = "max-age=" + strconv.FormatFloat(age, 'f', -1, 64)
		if get(v, "IncludeSubdomains") == true {
			value += "; includeSubDomains"
		}
		if get(v, "Preload") == true {
			value += "; preload"
		}
		return "Strict-Transport-Security", value
	case "ContentTypeOptions":
		return "X-Content-Type-Options", "nosniff"
	case "FrameOptions":
		return "X-Frame-Options", str("FrameOption")
	case "ReferrerPolicy":
		return "Referrer-Policy", str("ReferrerPolicy")
	case "ContentSecurityPolicy":
		return "Content-Security-Policy", str("ContentSecurityPolicy")
	}
	return setting, jsonString(v)
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

// TestWebDeploymentCacheControl: the web app's files are copied with
// Cache-Control: no-cache, so that browsers revalidate each one and never
// mix a new module with an old cached one after a deploy.
func TestWebDeploymentCacheControl(t *testing.T) {
	deployments := resources(plain(t).tmpl, "Custom::CDKBucketDeployment")
	if len(deployments) != 1 {
		t.Fatalf("%d bucket deployments; want the web app's", len(deployments))
	}
	for id, d := range deployments {
		if got := get(props(d), "SystemMetadata", "cache-control"); got != "no-cache" {
			t.Errorf("%s: cache-control %v; want no-cache (system metadata %s)", id, got, jsonString(props(d)["SystemMetadata"]))
		}
	}
}

// hostCheck returns /api/*'s function (the viewer's address, and with a
// domain the host check), or nil.
func hostCheck(t *testing.T, tmpl map[string]any) (id string, fn map[string]any) {
	t.Helper()
	return cfFunction(t, tmpl, "HostCheck")
}

// cfFunction returns the CloudFront function of the Web construct named
// name, if any; there are at most the two, Views and HostCheck.
func cfFunction(t *testing.T, tmpl map[string]any, name string) (id string, fn map[string]any) {
	t.Helper()
	fns := resources(tmpl, "AWS::CloudFront::Function")
	if len(fns) > 2 {
		t.Fatalf("%d CloudFront functions; want at most the views function and the host check", len(fns))
	}
	for id, fn := range fns {
		if strings.HasPrefix(id, "Web"+name) {
			return id, fn
		}
	}
	return "", nil
}

// TestHostCheck: with a domain, a cloudfront-js-2.0 function holding the
// domain runs on viewer request on /api/*, and the views function, which
// holds it too, on the web app; without one, /api/* still runs its function,
// for the viewer's address only, and neither function checks a host.
func TestHostCheck(t *testing.T) {
	t.Run("full", func(t *testing.T) {
		tmpl := full(t).tmpl
		id, fn := hostCheck(t, tmpl)
		viewsID, views := cfFunction(t, tmpl, "Views")
		if fn == nil || views == nil {
			t.Fatal("no CloudFront function; want the host check and the views function")
		}
		for _, f := range []map[string]any{fn, views} {
			p := props(f)
			if get(p, "FunctionConfig", "Runtime") != "cloudfront-js-2.0" || p["AutoPublish"] != true {
				t.Errorf("function config %s, auto-publish %v; want cloudfront-js-2.0, published", jsonString(p["FunctionConfig"]), p["AutoPublish"])
			}
			code, _ := p["FunctionCode"].(string)
			if !strings.Contains(code, `const domain = "`+fullDomain+`";`) {
				t.Errorf("function code does not name %s:\n%s", fullDomain, code)
			}
		}
		dc := distributionConfig(t, tmpl)
		for name, want := range map[string]string{"default": viewsID, "/api/*": id} {
			b := dc["DefaultCacheBehavior"]
			if name != "default" {
				b = get(dc, "CacheBehaviors", 0)
			}
			as := asList(get(b, "FunctionAssociations"))
			if len(as) != 1 || get(as[0], "EventType") != "viewer-request" || refTo(get(as[0], "FunctionARN")) != want {
				t.Errorf("%s behaviour's function associations %s; want %s on viewer-request", name, jsonString(get(b, "FunctionAssociations")), want)
			}
		}
	})
	t.Run("plain", func(t *testing.T) {
		tmpl := plain(t).tmpl
		apiID, api := hostCheck(t, tmpl)
		if api == nil {
			t.Fatal("no function on /api/*; want the one that sets the viewer's address")
		}
		if code, _ := props(api)["FunctionCode"].(string); strings.Contains(code, "domain") || !strings.Contains(code, httpx.ViewerAddressHeader) {
			t.Errorf("/api/* function without a domain:\n%s\nwant no host check, and the viewer's address set", code)
		}
		viewsID, views := cfFunction(t, tmpl, "Views")
		if views == nil {
			t.Fatal("no views function")
		}
		if code, _ := props(views)["FunctionCode"].(string); strings.Contains(code, "domain") {
			t.Errorf("views function checks a host without a domain:\n%s", code)
		}
		dc := distributionConfig(t, tmpl)
		if as := asList(get(get(dc, "CacheBehaviors", 0), "FunctionAssociations")); len(as) != 1 || refTo(get(as[0], "FunctionARN")) != apiID {
			t.Errorf("/api/* behaviour's function associations %s; want %s", jsonString(as), apiID)
		}
		as := asList(get(dc["DefaultCacheBehavior"], "FunctionAssociations"))
		if len(as) != 1 || refTo(get(as[0], "FunctionARN")) != viewsID {
			t.Errorf("default behaviour's function associations %s; want the views function", jsonString(as))
		}
	})
}

// runFunction runs a synthesized CloudFront function's handler under Node
// (the jsii runtime's) on each event and returns what it answered.
func runFunction(t *testing.T, fn map[string]any, events []any) []map[string]any {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node: %v (the CDK's jsii runtime needs it too)", err)
	}
	in, err := json.Marshal(map[string]any{"code": props(fn)["FunctionCode"], "events": events})
	if err != nil {
		t.Fatal(err)
	}
	// The function is a script, not a module: CloudFront calls its global
	// handler. new Function evaluates it the same way and hands it back.
	const harness = `const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const handler = new Function(input.code + "\nreturn handler;")();
process.stdout.write(JSON.stringify(input.events.map((e) => handler(e))));`
	cmd := exec.Command(node, "-e", harness)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var results []map[string]any
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(events) {
		t.Fatalf("node printed %s (%v); want %d results", out, err, len(events))
	}
	return results
}

func viewerRequest(method, host, uri string) map[string]any {
	headers := map[string]any{"user-agent": map[string]any{"value": "test"}}
	if host != "" {
		headers["host"] = map[string]any{"value": host}
	}
	return map[string]any{
		"version": "1.0",
		"context": map[string]any{"eventType": "viewer-request"},
		"viewer":  map[string]any{"ip": "198.51.100.1"},
		"request": map[string]any{"method": method, "uri": uri, "querystring": map[string]any{}, "headers": headers, "cookies": map[string]any{}},
	}
}

// TestViewsCode runs the web app's viewer-request function under Node: a
// view's path is served as /index.html exactly where the local server
// (webapp.IsView) serves index.html, and files pass unchanged; with a
// domain, another host is refused first.
func TestViewsCode(t *testing.T) {
	paths := []string{"/", "/keys", "/keys/", "/posts/post_abc", "/posts/new", "/app.js", "/style.css", "/img/keys.png",
		"/index.html", "/apiary", "/v1.2/keys", "/a.b/", "/%2E%2E/x", "/.well-known/security.txt"}
	for _, tc := range []struct {
		name string
		tmpl map[string]any
		host string
	}{{"plain", plain(t).tmpl, "d1234abcd.cloudfront.net"}, {"full", full(t).tmpl, fullDomain}} {
		t.Run(tc.name, func(t *testing.T) {
			_, fn := cfFunction(t, tc.tmpl, "Views")
			if fn == nil {
				t.Fatal("no views function")
			}
			var events []any
			for _, p := range paths {
				events = append(events, viewerRequest("GET", tc.host, p))
			}
			events = append(events, viewerRequest("GET", "evil.example", "/keys"))
			got := runFunction(t, fn, events)
			for i, p := range paths {
				want := p
				if webapp.IsView(p) {
					want = "/index.html"
				}
				if uri := get(got[i], "uri"); uri != want {
					t.Errorf("%s: handler's uri %v; want %s (webapp.IsView = %v)", p, uri, want, webapp.IsView(p))
				}
			}
			last := got[len(paths)]
			if tc.name == "full" && get(last, "statusCode") != 421.0 {
				t.Errorf("another host: %s; want 421", jsonString(last))
			}
			if tc.name == "plain" && get(last, "uri") != "/index.html" {
				t.Errorf("without a domain, any host: %s; want the view served", jsonString(last))
			}
		})
	}
}

// TestHostCheckCode runs the synthesized host check's handler under Node
// (the jsii runtime's): the domain in any case passes the request through
// unchanged; any other host, or none, gets 421 with the API's error body and
// headers.
func TestHostCheckCode(t *testing.T) {
	_, fn := hostCheck(t, full(t).tmpl)
	if fn == nil {
		t.Fatal("no CloudFront function; want the host check")
	}
	// Passed on: the domain in any letter case, fully qualified (a trailing
	// dot), with the https port. Refused: anything else.
	pass := map[string]bool{fullDomain: true, "App.Example.COM": true, fullDomain + ".": true, fullDomain + ":443": true, "APP.example.com.:443": true}
	hosts := []string{fullDomain, "App.Example.COM", fullDomain + ".", fullDomain + ":443", "APP.example.com.:443",
		"", "d1234abcd.cloudfront.net", fullDomain + ".evil.example", "evil." + fullDomain, fullDomain + ":8443",
		fullDomain + "..", fullDomain + ":443:443", ".", ":443"}
	var events []any
	for _, h := range hosts {
		ev := viewerRequest("POST", h, "/api/posts")
		// A viewer's own claim to an address is written over.
		ev["request"].(map[string]any)["headers"].(map[string]any)[httpx.ViewerAddressHeader] = map[string]any{"value": "10.0.0.1"}
		events = append(events, ev)
	}
	results := runFunction(t, fn, events)
	for i, h := range hosts {
		got := results[i]
		if pass[h] {
			// Passed on, with the viewer's address written over the one
			// the viewer sent.
			want, _ := json.Marshal(get(events[i], "request"))
			var wantReq map[string]any
			_ = json.Unmarshal(want, &wantReq)
			wantReq["headers"].(map[string]any)[httpx.ViewerAddressHeader] = map[string]any{"value": "198.51.100.1"}
			if jsonString(got) != jsonString(wantReq) {
				t.Errorf("host %q: handler returned %s; want the request with the viewer's address", h, jsonString(got))
			}
			continue
		}
		if get(got, "statusCode") != 421.0 || get(got, "statusDescription") != "Misdirected Request" ||
			get(got, "body", "encoding") != "text" || get(got, "method") != nil {
			t.Errorf("host %q: handler returned %s; want a 421 response", h, jsonString(got))
			continue
		}
		if want := `{"error":"forbidden","message":"use https://` + fullDomain + `"}`; get(got, "body", "data") != want {
			t.Errorf("host %q: body %v; want %s", h, get(got, "body", "data"), want)
		}
		for name, want := range httpx.ErrorResponse(httpx.Errorf(421, httpx.CodeForbidden, "")).Headers {
			if v := get(got, "headers", strings.ToLower(name), "value"); v != want {
				t.Errorf("host %q: header %s = %v; want %q", h, name, v, want)
			}
		}
	}
}
