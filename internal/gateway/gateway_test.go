package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/latchkey/latchkey/internal/authz"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/principal"
)

// echo answers with the event it received, so tests can inspect it.
func echo(_ context.Context, req httpx.Request) (httpx.Response, error) {
	b, _ := json.Marshal(req)
	return httpx.Response{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(b)}, nil
}

func allow() Authorizer {
	return func(_ context.Context, req authz.Request) (authz.Response, error) {
		return authz.Render(authz.Decision{Effect: authz.Allow, Principal: principal.Principal{UserID: "usr_1"}}, req.MethodArn)
	}
}

func newGateway(a Authorizer) *Gateway {
	return &Gateway{
		Functions:  map[string]Function{"public-posts-list": echo, "public-posts-get": echo, "not-found": echo},
		Authorizer: a,
	}
}

func serve(g *Gateway, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	return w
}

func TestProxyEventIsWhatAPIGatewayBuilds(t *testing.T) {
	r := httptest.NewRequest("GET", "http://localhost:8080/api/public/posts/post_a%2Fb?limit=2&tag=x&tag=y", nil)
	r.Header.Set("User-Agent", "test/1")
	r.Header.Add("X-Multi", "1")
	r.Header.Add("X-Multi", "2")
	w := serve(newGateway(nil), r)
	if w.Code != 200 {
		t.Fatalf("status = %d; want 200", w.Code)
	}
	var got events.APIGatewayProxyRequest
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"resource", got.Resource, "/api/public/posts/{id}"},
		{"path", got.Path, "/api/public/posts/post_a/b"},
		{"method", got.HTTPMethod, "GET"},
		{"path parameter", got.PathParameters["id"], "post_a/b"},
		{"single query keeps the last value", got.QueryStringParameters["tag"], "y"},
		{"multi query keeps all", strings.Join(got.MultiValueQueryStringParameters["tag"], ","), "x,y"},
		{"single header keeps the last value", got.Headers["X-Multi"], "2"},
		{"multi header keeps all", strings.Join(got.MultiValueHeaders["X-Multi"], ","), "1,2"},
		{"host header", got.Headers["Host"], "localhost:8080"},
		{"stage", got.RequestContext.Stage, Stage},
		{"resource path", got.RequestContext.ResourcePath, "/api/public/posts/{id}"},
		{"context method", got.RequestContext.HTTPMethod, "GET"},
		{"source ip", got.RequestContext.Identity.SourceIP, "192.0.2.1"},
		{"user agent", got.RequestContext.Identity.UserAgent, "test/1"},
		{"no authorizer on a public route", len(got.RequestContext.Authorizer), 0},
		{"request id set", len(got.RequestContext.RequestID), 36},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
		}
	}
}

// TestBodiesReachTheFunctionAsUTF8Text: with no binary media types on the
// API, API Gateway passes every body as a UTF-8 string, never base64,
// whatever its Content-Type, none included; a byte that is not UTF-8
// becomes U+FFFD.
func TestBodiesReachTheFunctionAsUTF8Text(t *testing.T) {
	tests := []struct {
		name, contentType, body, want string
	}{
		{"json", "application/json", `{"a":1}`, `{"a":1}`},
		{"no Content-Type", "", "\x00\x01 text é", "\x00\x01 text é"},
		{"octets", "application/octet-stream", "\x00\x01\x02", "\x00\x01\x02"},
		{"octets that are not UTF-8", "application/octet-stream", "\x89PNG\r\n\x1a\n", "\uFFFDPNG\r\n\x1a\n"},
		{"no Content-Type, not UTF-8", "", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"text that is not UTF-8, each byte replaced", "text/plain", "\xff\xfe€", "\uFFFD\uFFFD€"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got httpx.Request
			g := newGateway(nil)
			g.Functions["not-found"] = func(_ context.Context, req httpx.Request) (httpx.Response, error) {
				got = req
				return httpx.Response{StatusCode: 204}, nil
			}
			r := httptest.NewRequest("POST", "/api/public/anything", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			if w := serve(g, r); w.Code != 204 {
				t.Fatalf("status = %d %s; want the function's 204", w.Code, w.Body)
			}
			if got.IsBase64Encoded || got.Body != tc.want {
				t.Fatalf("event body = %q (base64 %v); want %q as text", got.Body, got.IsBase64Encoded, tc.want)
			}
			if b, err := httpx.Body(got, 1<<10); err != nil || string(b) != tc.want {
				t.Fatalf("httpx.Body = %q, %v; want %q", b, err, tc.want)
			}
		})
	}
}

func TestGatewayResponses(t *testing.T) {
	unauthorized := func(context.Context, authz.Request) (authz.Response, error) {
		return authz.Response{}, authz.ErrUnauthorized
	}
	deny := func(_ context.Context, req authz.Request) (authz.Response, error) {
		return authz.Render(authz.Decision{Effect: authz.Deny}, req.MethodArn)
	}
	denyIP := func(_ context.Context, req authz.Request) (authz.Response, error) {
		return authz.Render(authz.Decision{Effect: authz.Deny, Code: httpx.CodeIPNotAllowed}, req.MethodArn)
	}
	denyUnknownCode := func(_ context.Context, req authz.Request) (authz.Response, error) {
		resp, err := authz.Render(authz.Decision{Effect: authz.Deny}, req.MethodArn)
		resp.Context[httpx.DenialCode] = "made_up"
		return resp, err
	}
	otherArn := func(context.Context, authz.Request) (authz.Response, error) {
		return authz.Render(authz.Decision{Effect: authz.Allow}, MethodArn("GET", "/api/other"))
	}
	failing := func(context.Context, authz.Request) (authz.Response, error) {
		return authz.Response{}, errors.New("store down")
	}
	badContext := func(_ context.Context, req authz.Request) (authz.Response, error) {
		resp, _ := authz.Render(authz.Decision{Effect: authz.Allow}, req.MethodArn)
		resp.Context["nested"] = map[string]any{"a": 1}
		return resp, nil
	}
	tests := []struct {
		name       string
		authorizer Authorizer
		method     string
		path       string
		body       string
		wantStatus int
		wantCode   string
	}{
		{"unknown path outside the catch-alls", nil, "GET", "/api/", "", 404, "not_found"},
		{"known path, wrong method", nil, "DELETE", "/api/public/posts", "", 404, "not_found"},
		{"no authorizer answer is 401", unauthorized, "GET", "/api/nothing-here", "", 401, "unauthorized"},
		{"deny is 403", deny, "GET", "/api/nothing-here", "", 403, "forbidden"},
		{"deny naming an address outside the key's list is 403 ip_not_allowed", denyIP, "GET", "/api/nothing-here", "", 403, "ip_not_allowed"},
		{"deny naming a code no denial has is 403 forbidden", denyUnknownCode, "GET", "/api/nothing-here", "", 403, "forbidden"},
		{"allow for another ARN is 403", otherArn, "GET", "/api/nothing-here", "", 403, "forbidden"},
		{"authorizer failure fails closed", failing, "GET", "/api/nothing-here", "", 503, "unavailable"},
		{"non-primitive context is refused", badContext, "GET", "/api/nothing-here", "", 503, "unavailable"},
		{"body over the payload limit", nil, "POST", "/api/public/x", strings.Repeat("a", MaxBody+1), 413, "too_large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(newGateway(tc.authorizer), httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
			var body struct{ Error, Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q is not the JSON error shape: %v", w.Body.String(), err)
			}
			if w.Code != tc.wantStatus || body.Error != tc.wantCode || body.Message == "" {
				t.Fatalf("%s %s = %d %+v; want %d %q", tc.method, tc.path, w.Code, body, tc.wantStatus, tc.wantCode)
			}
			if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("gateway response lacks no-store/nosniff: %v", w.Header())
			}
			if tc.wantStatus == 401 && w.Header().Get("WWW-Authenticate") != httpx.WWWAuthenticate {
				t.Errorf("401 WWW-Authenticate = %q; want %q", w.Header().Get("WWW-Authenticate"), httpx.WWWAuthenticate)
			}
		})
	}
}

// TestEventsOverLambdasRequestLimitNeverReachTheFunction: a body within
// API Gateway's 10 MB whose event is over Lambda's 6 MB is refused as
// Lambda refuses the invocation, with API Gateway's 500, and the function
// never runs; the function's own 413 is not what the client sees.
func TestEventsOverLambdasRequestLimitNeverReachTheFunction(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantRun    bool
	}{
		{"a 7 MB body", strings.Repeat("a", 7<<20), 500, false},
		{"a body just under 6 MB, the event just over", strings.Repeat("a", httpx.MaxRequest-500), 500, false},
		{"a body that leaves room for the event", strings.Repeat("a", httpx.MaxRequest-8<<10), 413, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ran := false
			g := newGateway(allow())
			g.Functions["not-found"] = func(context.Context, httpx.Request) (httpx.Response, error) {
				ran = true
				return httpx.ErrorResponse(httpx.Errorf(413, httpx.CodeTooLarge, "the function's own limit")), nil
			}
			r := httptest.NewRequest("POST", "/api/nothing-here", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer k")
			w := serve(g, r)
			var body struct{ Error, Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %.80q is not the JSON error shape: %v", w.Body.String(), err)
			}
			if w.Code != tc.wantStatus || ran != tc.wantRun {
				t.Fatalf("= %d %+v, function ran %v; want %d, ran %v", w.Code, body, ran, tc.wantStatus, tc.wantRun)
			}
			if !tc.wantRun {
				want := httpx.GatewayInvokeRefused.Response()
				if w.Body.String() != want.Body {
					t.Fatalf("body = %s; want INTEGRATION_FAILURE's %s", w.Body.String(), want.Body)
				}
			}
		})
	}
}

func TestAllowPassesContextAndTheAuthorizerSeesTheRequest(t *testing.T) {
	var seen authz.Request
	a := func(ctx context.Context, req authz.Request) (authz.Response, error) {
		seen = req
		return allow()(ctx, req)
	}
	r := httptest.NewRequest("GET", "/api/nothing-here?x=1", nil)
	r.Header.Set("Authorization", "Bearer k")
	w := serve(newGateway(a), r)
	if w.Code != 200 {
		t.Fatalf("status = %d; want 200", w.Code)
	}
	if seen.Type != "REQUEST" || seen.Resource != "/api/{proxy+}" || seen.HTTPMethod != "GET" ||
		seen.MethodArn != MethodArn("GET", "/api/nothing-here") || seen.Headers["Authorization"] != "Bearer k" ||
		seen.QueryStringParameters["x"] != "1" || seen.RequestContext.ResourcePath != "/api/{proxy+}" {
		t.Fatalf("authorizer event = %+v; want the REQUEST event of GET /api/nothing-here", seen)
	}
	var got events.APIGatewayProxyRequest
	_ = json.Unmarshal(w.Body.Bytes(), &got)
	if got.RequestContext.Authorizer["principalId"] != "usr_1" || got.RequestContext.Authorizer["userId"] != "usr_1" {
		t.Fatalf("function's authorizer context = %v; want principalId and userId usr_1", got.RequestContext.Authorizer)
	}
}

func TestFunctionResponsesAreWrittenBack(t *testing.T) {
	g := newGateway(nil)
	g.Functions["public-posts-list"] = func(context.Context, httpx.Request) (httpx.Response, error) {
		return httpx.Response{
			StatusCode:        201,
			Headers:           map[string]string{"X-One": "1"},
			MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}},
			Body:              base64.StdEncoding.EncodeToString([]byte{0, 1, 2}),
			IsBase64Encoded:   true,
		}, nil
	}
	w := serve(g, httptest.NewRequest("GET", "/api/public/posts", nil))
	if w.Code != 201 || w.Header().Get("X-One") != "1" || len(w.Header().Values("Set-Cookie")) != 2 || w.Body.String() != "\x00\x01\x02" {
		t.Fatalf("written = %d %v %q; want 201, both cookies, decoded body", w.Code, w.Header(), w.Body.String())
	}
}

// TestFunctionAnswersOverLambdasLimitAre502: the local gateway refuses a
// function's answer as Lambda does, by the size of the whole answer as the
// runtime encodes it, and API Gateway's 502 takes its place, as it does
// for a function that fails.
func TestFunctionAnswersOverLambdasLimitAre502(t *testing.T) {
	sized := func(body string) httpx.Response {
		return httpx.Response{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: body}
	}
	// fill is a body of a's that makes the encoded answer exactly n bytes.
	fill := func(n int) string { return strings.Repeat("a", n-httpx.EncodedSize(sized(""))) }
	// Each \u003c (how Go's encoder writes <) takes 7 bytes encoded again.
	escaped := strings.Repeat(`\u003c`, 900_000)
	tests := []struct {
		name       string
		body       string
		err        error
		wantStatus int
		wantLog    string
	}{
		{"exactly the limit passes", fill(httpx.MaxResponse), nil, 200, ""},
		{"one byte over the limit is 502", fill(httpx.MaxResponse + 1), nil, 502, "over Lambda's response limit"},
		{"5.4 MB of escapes is 6.3 MB encoded: 502", escaped, nil, 502, "over Lambda's response limit"},
		{"a function error is 502 too", "", errors.New("boom"), 502, "function returned an error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			g := newGateway(nil)
			g.Log = slog.New(slog.NewJSONHandler(&logs, nil))
			g.Functions["public-posts-list"] = func(context.Context, httpx.Request) (httpx.Response, error) {
				return sized(tc.body), tc.err
			}
			w := serve(g, httptest.NewRequest("GET", "/api/public/posts", nil))
			if w.Code != tc.wantStatus {
				t.Fatalf("status = %d; want %d", w.Code, tc.wantStatus)
			}
			if tc.wantStatus == 200 {
				if w.Body.Len() != len(tc.body) {
					t.Fatalf("body = %d bytes; want the function's %d", w.Body.Len(), len(tc.body))
				}
				return
			}
			var body struct{ Error, Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error != httpx.CodeInternal || body.Message == "" {
				t.Fatalf("body %.200q is not the JSON error shape with %q (%v)", w.Body.String(), httpx.CodeInternal, err)
			}
			if !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("the log does not say why: %s", logs.String())
			}
			if logs.Len() > 1000 {
				t.Errorf("the log holds %d bytes; want the reason, not the answer", logs.Len())
			}
		})
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"arn:a/*/GET/x", "arn:a/local/GET/x", true},
		{"arn:a/*", "arn:a/local/GET/x", true},
		{"arn:a/local/GET/?", "arn:a/local/GET/x", true},
		{"arn:a/local/POST/*", "arn:a/local/GET/x", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"*a*a*a*a*b", strings.Repeat("a", 200), false},
	}
	for _, tc := range tests {
		if got := glob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v; want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// TestAPIGatewayLimitsOnAuthorizedRequests: as on AWS, a method ARN over
// 1,600 bytes is a 414 before the authorizer runs, and a policy whose
// resource is over 512 characters is refused as a malformed authorizer
// answer (503 here, like every authorizer failure).
func TestAPIGatewayLimitsOnAuthorizedRequests(t *testing.T) {
	called := false
	allowAll := func(_ context.Context, req authz.Request) (authz.Response, error) {
		called = true
		return authz.Render(authz.Decision{Effect: authz.Allow}, authz.PolicyResource(req.MethodArn, req.Resource))
	}
	longResource := func(_ context.Context, req authz.Request) (authz.Response, error) {
		return authz.Render(authz.Decision{Effect: authz.Allow}, req.MethodArn) // the full ARN, path and all
	}
	arnFor := func(path string) int { return len(MethodArn("GET", path)) }
	fits := "/api/" + strings.Repeat("a", authz.MaxPolicyResource) // a long ARN, a short template
	over := "/api/" + strings.Repeat("a", MaxMethodArn)
	if arnFor(fits) <= authz.MaxPolicyResource || arnFor(fits) > MaxMethodArn || arnFor(over) <= MaxMethodArn {
		t.Fatal("the paths do not straddle the limits")
	}
	tests := []struct {
		name       string
		authorizer Authorizer
		path       string
		wantStatus int
		wantCalled bool
	}{
		{"a long path with the route's template in the policy", allowAll, fits, 200, true}, // the test's function echoes
		{"the same path with the full method ARN in the policy", longResource, fits, 503, false},
		{"a method ARN over 1,600 bytes", allowAll, over, 414, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called = false
			g := newGateway(tc.authorizer)
			w := serve(g, httptest.NewRequest("GET", tc.path, nil))
			var body struct{ Error, Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != tc.wantStatus {
				t.Fatalf("GET (%d-byte path) = %d %s; want %d in the JSON shape", len(tc.path), w.Code, w.Body.String(), tc.wantStatus)
			}
			if tc.wantCalled && !called {
				t.Error("the authorizer was not asked")
			}
			if tc.wantStatus == 414 && called {
				t.Error("the authorizer ran for a method ARN API Gateway refuses")
			}
		})
	}
}
