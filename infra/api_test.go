package main

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/routes"
)

// apiMethods reads every method of the template as "METHOD /path" with its
// resource properties, rebuilding each path from the resource tree.
func apiMethods(t *testing.T, tmpl map[string]any) map[string]map[string]any {
	t.Helper()
	res := resources(tmpl, "AWS::ApiGateway::Resource")
	var path func(id string) string
	path = func(id string) string {
		r, ok := res[id]
		if !ok {
			return "" // the API's root
		}
		return path(refTo(props(r)["ParentId"])) + "/" + props(r)["PathPart"].(string)
	}
	out := map[string]map[string]any{}
	for id, m := range resources(tmpl, "AWS::ApiGateway::Method") {
		p := props(m)
		key := p["HttpMethod"].(string) + " " + path(refTo(p["ResourceId"]))
		if _, dup := out[key]; dup {
			t.Errorf("two methods %s (%s)", key, id)
		}
		out[key] = p
	}
	return out
}

// TestEveryRouteIsAMethod: the API has exactly the route table's routes,
// each integrated with its own function (Lambda proxy), the authorizer on
// every non-public route and on no public one.
func TestEveryRouteIsAMethod(t *testing.T) {
	for name, d := range map[string]func(*testing.T) *deployment{"plain": plain, "full": full} {
		t.Run(name, func(t *testing.T) {
			d := d(t)
			methods := apiMethods(t, d.tmpl)
			authorizers := resources(d.tmpl, "AWS::ApiGateway::Authorizer")
			if len(authorizers) != 1 {
				t.Fatalf("%d authorizers; want 1", len(authorizers))
			}
			authID := slices.Collect(maps.Keys(authorizers))[0]

			var want []string
			for _, r := range routes.Table {
				key := r.Method + " " + r.Path
				want = append(want, key)
				m, ok := methods[key]
				if !ok {
					t.Errorf("route %s has no method", key)
					continue
				}
				if got := get(m, "Integration", "Type"); got != "AWS_PROXY" {
					t.Errorf("%s integration type = %v; want AWS_PROXY", key, got)
				}
				if fn := logicalName(r.Function) + "Function"; !mentions(get(m, "Integration", "Uri"), fn) {
					t.Errorf("%s integration does not invoke %s: %s", key, fn, jsonString(get(m, "Integration", "Uri")))
				}
				if r.Need == routes.NeedPublic {
					if m["AuthorizationType"] != "NONE" || m["AuthorizerId"] != nil {
						t.Errorf("public route %s has authorization %v %v; want NONE and no authorizer", key, m["AuthorizationType"], m["AuthorizerId"])
					}
				} else if m["AuthorizationType"] != "CUSTOM" || refTo(m["AuthorizerId"]) != authID {
					t.Errorf("route %s (needs %s) has authorization %v %v; want CUSTOM with the authorizer", key, r.Need, m["AuthorizationType"], m["AuthorizerId"])
				}
			}
			got := slices.Sorted(maps.Keys(methods))
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("methods =\n%v\nwant the route table's\n%v", got, want)
			}
		})
	}
}

// TestEveryResourceBelowAPIHasAMethod: API Gateway answers a resource that
// has no method with its own 404 and never falls back to a catch-all, so a
// stranger could tell /api/auth (a resource on the way to the sign-in
// routes) from a path that does not exist. Every resource below /api has a
// method; /api itself is outside CloudFront's /api/* behaviour.
func TestEveryResourceBelowAPIHasAMethod(t *testing.T) {
	d := plain(t)
	withMethod := map[string]bool{}
	for key := range apiMethods(t, d.tmpl) {
		withMethod[strings.SplitN(key, " ", 2)[1]] = true
	}
	res := resources(d.tmpl, "AWS::ApiGateway::Resource")
	var path func(id string) string
	path = func(id string) string {
		r, ok := res[id]
		if !ok {
			return ""
		}
		return path(refTo(props(r)["ParentId"])) + "/" + props(r)["PathPart"].(string)
	}
	n := 0
	for id := range res {
		p := path(id)
		if p == "/api" {
			continue
		}
		n++
		if !withMethod[p] {
			t.Errorf("resource %s has no method: API Gateway would answer it with its own 404", p)
		}
	}
	if n < 10 {
		t.Fatalf("%d resources below /api; the template is not what the test expects", n)
	}
}

// mentions reports whether a CloudFormation value refers to a logical id.
func mentions(v any, id string) bool {
	switch x := v.(type) {
	case map[string]any:
		if refTo(x) == id {
			return true
		}
		for _, e := range x {
			if mentions(e, id) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if mentions(e, id) {
				return true
			}
		}
	}
	return false
}

// TestAuthorizer: a REQUEST authorizer with no identity source and no
// result cache, running the authorizer function.
func TestAuthorizer(t *testing.T) {
	d := plain(t)
	tmpl := assertions.Template_FromStack(d.l.Stack, nil)
	assertNoPanic(t, "authorizer", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Authorizer"), map[string]any{
			"Type":                         "REQUEST",
			"AuthorizerResultTtlInSeconds": 0,
			"IdentitySource":               assertions.Match_Absent(),
		})
	})
	for id, a := range resources(d.tmpl, "AWS::ApiGateway::Authorizer") {
		if !mentions(props(a)["AuthorizerUri"], logicalName(routes.AuthorizerFunction)+"Function") {
			t.Errorf("authorizer %s does not run the authorizer function: %s", id, jsonString(props(a)["AuthorizerUri"]))
		}
	}
}

// TestGatewayResponses: every answer API Gateway gives by itself is the one
// the local gateway gives (httpx.GatewayResponses): status, JSON error body
// and headers.
func TestGatewayResponses(t *testing.T) {
	d := plain(t)
	byType := map[string]map[string]any{}
	for _, r := range resources(d.tmpl, "AWS::ApiGateway::GatewayResponse") {
		byType[props(r)["ResponseType"].(string)] = props(r)
	}
	if len(byType) != len(httpx.GatewayResponses) {
		t.Errorf("%d gateway responses; want %d", len(byType), len(httpx.GatewayResponses))
	}
	for _, g := range httpx.GatewayResponses {
		t.Run(g.Type, func(t *testing.T) {
			p, ok := byType[g.Type]
			if !ok {
				t.Fatalf("no gateway response %s", g.Type)
			}
			switch {
			case g.TypeStatus && p["StatusCode"] != nil:
				// A default's status would replace every other type's.
				t.Errorf("status = %v; want none, so that each type keeps its own", p["StatusCode"])
			case !g.TypeStatus && p["StatusCode"] != strconv.Itoa(g.Status):
				t.Errorf("status = %v; want %d", p["StatusCode"], g.Status)
			}
			template := get(p, "ResponseTemplates", "application/json").(string)
			var body struct{ Error, Message string }
			if err := json.Unmarshal([]byte(template), &body); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			switch {
			case g.FromAuthorizer && template != httpx.DenialTemplate:
				// The authorizer's Deny names the code and message.
				t.Errorf("body = %s; want %s", template, httpx.DenialTemplate)
			case !g.FromAuthorizer && (body.Error != g.Code || body.Message != g.Message):
				t.Errorf("body = %+v; want error %q, message %q", body, g.Code, g.Message)
			}
			want := map[string]string{
				"Cache-Control":          "no-store",
				"X-Content-Type-Options": "nosniff",
				"Content-Type":           "application/json; charset=utf-8",
			}
			maps.Copy(want, g.Headers)
			if g.Status == 401 {
				want["WWW-Authenticate"] = httpx.WWWAuthenticate
			}
			for k, v := range want {
				if got := get(p, "ResponseParameters", "gatewayresponse.header."+k); got != "'"+v+"'" {
					t.Errorf("header %s = %v; want '%s'", k, got, v)
				}
			}
		})
	}
}

// TestAccountLogsRoleOutlivesTheStack: API Gateway's logging role is set
// once per account and region and serves every REST API there, so neither
// the role nor the account setting is deleted with the stack.
func TestAccountLogsRoleOutlivesTheStack(t *testing.T) {
	d := plain(t)
	accounts := resources(d.tmpl, "AWS::ApiGateway::Account")
	if len(accounts) != 1 {
		t.Fatalf("%d API Gateway account settings; want 1", len(accounts))
	}
	for id, a := range accounts {
		role := refTo(get(props(a), "CloudWatchRoleArn"))
		if role == "" {
			t.Fatalf("%s names no role of the stack: %s", id, jsonString(props(a)))
		}
		for name, r := range map[string]map[string]any{id: a, role: resource(t, d.tmpl, role)} {
			if r["DeletionPolicy"] != "Retain" || r["UpdateReplacePolicy"] != "Retain" {
				t.Errorf("%s: deletion %v, replace %v; want Retain for both", name, r["DeletionPolicy"], r["UpdateReplacePolicy"])
			}
		}
	}
}

// TestStage: a regional API whose stage throttles as configured, writes
// JSON access logs and error-level execution logs without request data,
// and which passes bodies as text (no binary media types).
func TestStage(t *testing.T) {
	tests := []struct {
		name        string
		d           func(*testing.T) *deployment
		rate, burst float64
		tracing     bool
	}{
		{"plain", plain, 50, 100, false},
		{"full", full, 25, 60, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d(t)
			stages := resources(d.tmpl, "AWS::ApiGateway::Stage")
			if len(stages) != 1 {
				t.Fatalf("%d stages; want 1", len(stages))
			}
			for _, st := range stages {
				p := props(st)
				if p["StageName"] != StageName || p["TracingEnabled"] != tc.tracing {
					t.Errorf("stage %v tracing %v; want %s, %v", p["StageName"], p["TracingEnabled"], StageName, tc.tracing)
				}
				ms := get(p, "MethodSettings", 0)
				if get(ms, "HttpMethod") != "*" || get(ms, "ResourcePath") != "/*" ||
					get(ms, "ThrottlingRateLimit") != tc.rate || get(ms, "ThrottlingBurstLimit") != tc.burst ||
					get(ms, "LoggingLevel") != "ERROR" || get(ms, "DataTraceEnabled") != false {
					t.Errorf("method settings = %s; want */* throttled at %v/%v, ERROR logs, no data trace", jsonString(ms), tc.rate, tc.burst)
				}
				var format map[string]string
				if err := json.Unmarshal([]byte(get(p, "AccessLogSetting", "Format").(string)), &format); err != nil {
					t.Fatalf("access log format is not JSON: %v", err)
				}
				for _, k := range []string{"apiId", "requestId", "status", "resourcePath", "httpMethod", "authorizerError", "errorType"} {
					if format[k] == "" {
						t.Errorf("access log format has no %s", k)
					}
				}
				if !mentions(get(p, "AccessLogSetting", "DestinationArn"), byPath(t, d.tmpl, d.l.Settings.StackName+"/Api/AccessLogs/Resource")) {
					t.Errorf("access logs go to %s; want the stack's log group", jsonString(get(p, "AccessLogSetting", "DestinationArn")))
				}
			}
			for _, api := range resources(d.tmpl, "AWS::ApiGateway::RestApi") {
				if types := get(props(api), "EndpointConfiguration", "Types"); jsonString(types) != `["REGIONAL"]` {
					t.Errorf("API endpoint types = %s; want REGIONAL", jsonString(types))
				}
				// Without binary media types or content handling, API
				// Gateway passes every body as UTF-8 text, as the local
				// gateway does (internal/gateway's utf8Text).
				if bmt := get(props(api), "BinaryMediaTypes"); bmt != nil {
					t.Errorf("API binary media types = %s; want none", jsonString(bmt))
				}
			}
			for id, m := range resources(d.tmpl, "AWS::ApiGateway::Method") {
				if ch := get(props(m), "Integration", "ContentHandling"); ch != nil {
					t.Errorf("%s: integration content handling %v; want none", id, ch)
				}
			}
		})
	}
}
