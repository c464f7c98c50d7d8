package httpx

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestAdaptHidesInternalErrors(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	tests := []struct {
		name       string
		h          Handler
		wantStatus int
		wantCode   string
	}{
		{"chosen error", func(context.Context, Request) (Response, error) { return Response{}, NotFound("post") }, 404, CodeNotFound},
		{"wrapped chosen error", func(context.Context, Request) (Response, error) {
			return Response{}, errors.Join(errors.New("x"), BadRequest("no"))
		}, 400, CodeBadRequest},
		{"internal error", func(context.Context, Request) (Response, error) {
			return Response{}, errors.New("dynamodb: table latchkey-posts: secret detail")
		}, 500, CodeInternal},
		{"panic", func(context.Context, Request) (Response, error) { panic("boom") }, 500, CodeInternal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := Adapt(log, tc.h)(context.Background(), Request{})
			if err != nil {
				t.Fatalf("Adapt returned error %v; want an answer", err)
			}
			var body struct{ Error, Message string }
			_ = json.Unmarshal([]byte(resp.Body), &body)
			if resp.StatusCode != tc.wantStatus || body.Error != tc.wantCode {
				t.Fatalf("answer = %d %s; want %d %s", resp.StatusCode, resp.Body, tc.wantStatus, tc.wantCode)
			}
			if strings.Contains(resp.Body, "secret detail") || strings.Contains(resp.Body, "dynamodb") {
				t.Fatalf("answer leaks the internal error: %s", resp.Body)
			}
		})
	}
	if !strings.Contains(logs.String(), "secret detail") {
		t.Error("the internal error was not logged for the operator")
	}
}

func TestJSONCarriesAPIHeaders(t *testing.T) {
	resp := JSON(200, map[string]int{"a": 1})
	for k, want := range map[string]string{
		"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
	} {
		if resp.Headers[k] != want {
			t.Errorf("header %s = %q; want %q", k, resp.Headers[k], want)
		}
	}
}

// TestEachAnswerCarriesItsHeaders: the API's answers carry APIHeaders, the
// web app's pages PageHeaders (CloudFront's response headers policy), and
// the API's HTML error pages both, exactly these and no others.
func TestEachAnswerCarriesItsHeaders(t *testing.T) {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	shared := map[string]string{
		"X-Content-Type-Options":    "nosniff",
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		"Referrer-Policy":           "strict-origin-when-cross-origin",
	}
	with := func(extra ...string) map[string]string {
		m := maps.Clone(shared)
		for i := 0; i < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		got  map[string]string
		want map[string]string
	}{
		{"APIHeaders", APIHeaders(), with("Cache-Control", "no-store")},
		{"a JSON answer", JSON(200, map[string]int{"a": 1}).Headers,
			with("Cache-Control", "no-store", "Content-Type", "application/json; charset=utf-8")},
		{"PageHeaders", PageHeaders(), with("X-Frame-Options", "DENY", "Content-Security-Policy", csp)},
		{"an HTML error page", ErrorPage("Sign-in failed", BadRequest("no")).Headers,
			with("Cache-Control", "no-store", "Content-Type", "text/html; charset=utf-8", "X-Frame-Options", "DENY", "Content-Security-Policy", csp)},
		{"a 401 HTML error page", ErrorPage("Sign-in failed", Errorf(401, CodeUnauthorized, "no")).Headers,
			with("Cache-Control", "no-store", "Content-Type", "text/html; charset=utf-8", "X-Frame-Options", "DENY", "Content-Security-Policy", csp,
				"WWW-Authenticate", WWWAuthenticate)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !maps.Equal(tc.got, tc.want) {
				t.Errorf("headers\n%v\nwant\n%v", tc.got, tc.want)
			}
		})
	}
}

func TestUnauthorizedNamesTheSchemes(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"a function's 401", Errorf(401, CodeUnauthorized, "no"), WWWAuthenticate},
		{"a 403 has no challenge", Errorf(403, CodeForbidden, "no"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorResponse(tc.err).Headers["WWW-Authenticate"]; got != tc.want {
				t.Fatalf("ErrorResponse(%d) WWW-Authenticate = %q; want %q", tc.err.Status, got, tc.want)
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	type body struct {
		Title string `json:"title"`
	}
	jsonCT := map[string]string{"content-type": "application/json; charset=utf-8"}
	tests := []struct {
		name       string
		req        Request
		wantStatus int
	}{
		{"valid", Request{Headers: jsonCT, Body: `{"title":"x"}`}, 0},
		{"valid base64", Request{Headers: jsonCT, Body: base64.StdEncoding.EncodeToString([]byte(`{"title":"x"}`)), IsBase64Encoded: true}, 0},
		{"wrong content type", Request{Headers: map[string]string{"Content-Type": "text/plain"}, Body: `{"title":"x"}`}, 415},
		{"no content type", Request{Body: `{"title":"x"}`}, 415},
		{"malformed", Request{Headers: jsonCT, Body: `{"title":`}, 400},
		{"empty", Request{Headers: jsonCT, Body: ``}, 400},
		{"unknown field", Request{Headers: jsonCT, Body: `{"title":"x","admin":true}`}, 400},
		{"wrong type", Request{Headers: jsonCT, Body: `{"title":5}`}, 400},
		{"trailing data", Request{Headers: jsonCT, Body: `{"title":"x"} {"title":"y"}`}, 400},
		{"over the limit", Request{Headers: jsonCT, Body: `{"title":"` + strings.Repeat("a", 100) + `"}`}, 413},
		{"over the limit in base64", Request{Headers: jsonCT, Body: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("a"), 200)), IsBase64Encoded: true}, 413},
		{"bad base64", Request{Headers: jsonCT, Body: "!!!", IsBase64Encoded: true}, 400},
		{"not UTF-8 in a string", Request{Headers: jsonCT, Body: "{\"title\":\"a\xffb\"}"}, 400},
		{"not UTF-8 in base64", Request{Headers: jsonCT, Body: base64.StdEncoding.EncodeToString([]byte("{\"title\":\"\xc3\"}")), IsBase64Encoded: true}, 400},
		{"UTF-8 beyond ASCII", Request{Headers: jsonCT, Body: `{"title":"café ☕"}`}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b body
			err := DecodeJSON(tc.req, 64, &b)
			status := 0
			var e *Error
			if errors.As(err, &e) {
				status = e.Status
			} else if err != nil {
				t.Fatalf("DecodeJSON = %v; want an *Error", err)
			}
			if status != tc.wantStatus {
				t.Fatalf("DecodeJSON status = %d (%v); want %d", status, err, tc.wantStatus)
			}
		})
	}
}

func TestHeaderAndQuery(t *testing.T) {
	req := Request{
		Headers:                         map[string]string{"X-One": "1"},
		MultiValueHeaders:               map[string][]string{"X-One": {"1"}, "Authorization": {"a", "b"}},
		QueryStringParameters:           map[string]string{"limit": "5", "dup": "2"},
		MultiValueQueryStringParameters: map[string][]string{"limit": {"5"}, "dup": {"1", "2"}},
	}
	if v, ok := Header(req, "x-one"); !ok || v != "1" {
		t.Errorf("Header(x-one) = %q, %v; want 1", v, ok)
	}
	if _, ok := Header(req, "authorization"); ok {
		t.Error("Header(authorization) with two values answered one; want none")
	}
	if n := HeaderCount(req, "AUTHORIZATION"); n != 2 {
		t.Errorf("HeaderCount = %d; want 2", n)
	}
	if n, err := QueryInt(req, "limit", 20, 1, 100); n != 5 || err != nil {
		t.Errorf("QueryInt(limit) = %d, %v; want 5", n, err)
	}
	if _, err := QueryInt(req, "dup", 20, 1, 100); err == nil {
		t.Error("QueryInt(repeated) = nil error; want 400")
	}
	for _, bad := range []string{"0", "101", "-1", "abc", "1e2", "99999999999"} {
		r := Request{QueryStringParameters: map[string]string{"limit": bad}}
		if _, err := QueryInt(r, "limit", 20, 1, 100); err == nil {
			t.Errorf("QueryInt(limit=%s) = nil error; want 400", bad)
		}
	}
}

// TestHeaderLookupsReadTheSameValues: Header, HeaderValues and HeaderCount
// are one lookup. The multi-value map wins when it gives any value, under
// every spelling of the name; the single-value map is read otherwise, an
// empty multi-value entry included; names fold as strings.EqualFold folds
// them (the Kelvin sign is a k); one value is the only one Header gives.
func TestHeaderLookupsReadTheSameValues(t *testing.T) {
	tests := []struct {
		name   string
		req    Request
		lookup string // the name looked up; "x-one" when empty
		want   []string
		header string // Header's answer; "" when it gives none
	}{
		{"absent", Request{Headers: map[string]string{"Host": "h"}}, "", nil, ""},
		{"single-value map only, any case", Request{Headers: map[string]string{"x-ONE": "1"}}, "", []string{"1"}, "1"},
		{"multi-value map wins over the single-value one",
			Request{Headers: map[string]string{"X-One": "s"}, MultiValueHeaders: map[string][]string{"X-One": {"m"}}}, "", []string{"m"}, "m"},
		{"two spellings in the multi-value map give both",
			Request{MultiValueHeaders: map[string][]string{"X-One": {"a"}, "x-one": {"b"}}}, "", []string{"a", "b"}, ""},
		{"two spellings in the single-value map give both",
			Request{Headers: map[string]string{"X-One": "a", "X-ONE": "b"}}, "", []string{"a", "b"}, ""},
		{"an empty multi-value entry falls back to the single-value map",
			Request{Headers: map[string]string{"X-One": "s"}, MultiValueHeaders: map[string][]string{"X-One": {}}}, "", []string{"s"}, "s"},
		{"Unicode folding: the Kelvin sign", Request{Headers: map[string]string{"X-\u212Aey": "k"}}, "X-KEY", []string{"k"}, "k"},
		{"another name is not read", Request{MultiValueHeaders: map[string][]string{"X-Ones": {"a"}}}, "", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.lookup
			if name == "" {
				name = "x-one"
			}
			got := HeaderValues(tc.req, name)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("HeaderValues = %q; want %q", got, tc.want)
			}
			if n := HeaderCount(tc.req, name); n != len(tc.want) {
				t.Errorf("HeaderCount = %d; want %d", n, len(tc.want))
			}
			v, ok := Header(tc.req, name)
			if v != tc.header || ok != (tc.header != "") {
				t.Errorf("Header = %q, %v; want %q", v, ok, tc.header)
			}
		})
	}
}

// TestDecodeJSONRefusesAmbiguousNames: a body that names a field twice, in
// any letter case, or a field not spelt as documented, is refused rather
// than decided by "last one wins" or by case-insensitive matching.
func TestDecodeJSONRefusesAmbiguousNames(t *testing.T) {
	type body struct {
		Label       string   `json:"label"`
		Permissions []string `json:"permissions"`
		Meta        struct {
			A string `json:"a"`
		} `json:"meta"`
		List []struct {
			B string `json:"b"`
		} `json:"list"`
	}
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"plain", `{"label":"x","permissions":["read"]}`, true},
		{"nested objects and lists", `{"label":"x","meta":{"a":"1"},"list":[{"b":"1"},{"b":"2"}]}`, true},
		{"the same name twice", `{"permissions":["read"],"permissions":["read","write"]}`, false},
		{"a case variant beside the name", `{"permissions":["read"],"PERMISSIONS":["read","write"]}`, false},
		{"a case variant alone", `{"Permissions":["read","write"]}`, false},
		{"twice inside a nested object", `{"meta":{"a":"1","A":"2"}}`, false},
		{"twice inside a listed object", `{"list":[{"b":"1","b":"2"}]}`, false},
		{"the same name in two listed objects", `{"list":[{"b":"1"},{"b":"2"}],"label":"x"}`, true},
		{"a long s standing for s", `{"permissions":["read"],"permiſſions":["read","write"]}`, false},
		{"a long s alone", `{"permiſſions":["read","write"]}`, false},
		{"a Kelvin sign for k, nested", `{"meta":{"a":"1"},"list":[{"b":"1","\u212a":"2","k":"3"}]}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := Request{Body: tc.body, Headers: map[string]string{"Content-Type": "application/json"}}
			var b body
			err := DecodeJSON(req, 1<<10, &b)
			if (err == nil) != tc.ok {
				t.Fatalf("DecodeJSON(%s) = %v; want ok = %v", tc.body, err, tc.ok)
			}
			var e *Error
			if err != nil && (!errors.As(err, &e) || e.Status != 400) {
				t.Fatalf("error %v; want a 400", err)
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true,
		"localhoſt": false, "locaLHOST": true, "\u212Aocalhost": false,
		"": false, "localhost.evil.example": false, "10.0.0.1": false, "0.0.0.0": false, "::": false, "app.example": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v; want %v", host, got, want)
		}
	}
}

// TestSecureURL: https anywhere, plain http only on loopback, never another
// scheme, a missing host or userinfo.
func TestSecureURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://idp.example.com":            true,
		"https://idp.example.com/realms/app": true,
		"https://idp.example.com:8443/a?b=c": true,
		"HTTPS://idp.example.com":            true,
		"http://localhost:8080/dev-idp":      true,
		"http://127.0.0.1:9000":              true,
		"http://[::1]:9000":                  true,
		"http://idp.example.com":             false,
		"http://localhost.evil.example":      false,
		"ftp://localhost":                    false,
		"gopher://127.0.0.1:70":              false,
		"ws://localhost":                     false,
		"file://localhost/etc/passwd":        false,
		"http://user:pw@localhost":           false,
		"https://user@idp.example.com":       false,
		"https://:@idp.example.com":          false,
		"https:///path":                      false,
		"https://:443":                       false,
		"https:idp.example.com":              false,
		"//idp.example.com":                  false,
		"/api/auth/callback":                 false,
		"":                                   false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("url.Parse(%q): %v", raw, err)
		}
		if got := SecureURL(u); got != want {
			t.Errorf("SecureURL(%q) = %v; want %v", raw, got, want)
		}
	}
	if SecureURL(nil) {
		t.Error("SecureURL(nil) = true; want false")
	}
}

// TestHSTSSaysItsMaxAge: the header and the number infra gives CloudFront
// are one value.
func TestHSTSSaysItsMaxAge(t *testing.T) {
	if want := "max-age=" + strconv.Itoa(HSTSMaxAge) + "; includeSubDomains"; HSTS != want {
		t.Fatalf("HSTS = %q; want %q", HSTS, want)
	}
}
