package login

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/metrics/emftest"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

type rig struct {
	op     *fakeOP
	h      Handlers
	stores store.Stores
	logs   *bytes.Buffer
	now    time.Time
}

func newRig(t *testing.T) *rig {
	t.Helper()
	op := newFakeOP(t)
	cfg := depstest.Config(t, map[string]string{
		"LATCHKEY_OIDC_ISSUER": op.srv.URL, "LATCHKEY_OIDC_CLIENT_ID": "latchkey", "LATCHKEY_OIDC_CLIENT_SECRET": "client-secret",
		"LATCHKEY_PUBLIC_URL": "https://app.example.com", "LATCHKEY_EDITORS": "alice@example.com",
	})
	cfg.LoginKey = make([]byte, 32)
	_, _ = rand.Read(cfg.LoginKey)
	r := &rig{op: op, stores: embedded.New().Stores(), logs: &bytes.Buffer{}, now: time.Now()}
	s, err := NewService(deps.Deps{Config: cfg, Stores: r.stores, Log: slog.New(slog.NewJSONHandler(r.logs, nil)), Now: func() time.Time { return r.now }, Rand: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	r.h = Handlers{S: s}
	return r
}

// idToken is a valid ID token for the nonce, as the provider issues it now.
func (r *rig) idToken(nonce string) string {
	return r.op.sign(r.op.claims(nonce, r.now), r.op.key, "k1", jose.RS256)
}

// start runs /api/auth/login and returns the provider URL's parameters and
// the login cookie.
func (r *rig) start(t *testing.T, returnTo string) (url.Values, string) {
	t.Helper()
	return r.login(t, httpx.Request{HTTPMethod: "GET", QueryStringParameters: map[string]string{"return_to": returnTo}})
}

// login runs /api/auth/login with req and returns the provider URL's
// parameters and the login cookie.
func (r *rig) login(t *testing.T, req httpx.Request) (url.Values, string) {
	t.Helper()
	resp, err := r.h.Login(context.Background(), req)
	if err != nil || resp.StatusCode != 302 {
		t.Fatalf("Login = %d, %v", resp.StatusCode, err)
	}
	loc, err := url.Parse(resp.Headers["Location"])
	if err != nil || !strings.HasPrefix(resp.Headers["Location"], r.op.srv.URL+"/authorize?") {
		t.Fatalf("Location = %q; want the provider's authorization endpoint", resp.Headers["Location"])
	}
	set := resp.MultiValueHeaders["Set-Cookie"]
	if len(set) != 1 {
		t.Fatalf("Set-Cookie = %q; want the login cookie", set)
	}
	return loc.Query(), strings.SplitN(set[0], ";", 2)[0]
}

func (r *rig) callback(query map[string]string, cookie string) httpx.Response {
	req := httpx.Request{HTTPMethod: "GET", QueryStringParameters: query, Headers: map[string]string{"Cookie": cookie, "User-Agent": "test-browser/1"}}
	ctx := httpx.WithLogger(context.Background(), slog.New(slog.NewJSONHandler(r.logs, nil)))
	resp, err := r.h.Callback(ctx, req)
	if err != nil {
		return httpx.Response{StatusCode: 500, Body: err.Error()}
	}
	return resp
}

// wantSignIn checks that the last EMF line logged counts one sign-in of
// this outcome and class, and only that, in the Deployment and Environment
// of the rig.
func (r *rig) wantSignIn(t *testing.T, outcome, class string) {
	t.Helper()
	docs := emftest.Lines(t, r.logs.Bytes())
	if len(docs) == 0 {
		t.Fatalf("no EMF line in the log:\n%s", r.logs.String())
	}
	d := docs[len(docs)-1]
	if err := emftest.CheckKnown(d, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{metrics.DimDeployment: config.DeploymentLocal, metrics.DimEnvironment: config.EnvTest, metrics.DimOutcome: outcome, metrics.DimReason: class}
	if got := d.Dimensions(); !maps.Equal(got, want) || !maps.Equal(d.Metrics(), map[string]float64{metrics.SignIns: 1}) {
		t.Fatalf("sign-in metrics %v %v; want %v and one SignIns", got, d.Metrics(), want)
	}
	if !slices.Equal(d.Sets(metrics.SignIns), []string{"Deployment,Environment,Outcome", "Deployment,Environment,Outcome,Reason"}) {
		t.Fatalf("SignIns by %v", d.Sets(metrics.SignIns))
	}
	// The line names the provider, for the saved query "sign-ins by
	// provider and outcome": the OpenID issuer's host.
	lines := bytes.Split(bytes.TrimSpace(r.logs.Bytes()), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		var line map[string]any
		if json.Unmarshal(lines[i], &line) != nil || line[metrics.SignIns] == nil {
			continue
		}
		if want := strings.TrimPrefix(r.op.srv.URL, "http://"); line["provider"] != want {
			t.Fatalf("sign-in line's provider %v; want %q", line["provider"], want)
		}
		return
	}
	t.Fatal("no sign-in line")
}

func (r *rig) sessionCount(t *testing.T) int {
	t.Helper()
	ss, _, err := r.stores.Sessions.List(context.Background(), store.UserID(r.op.srv.URL, "alice"), store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return len(ss)
}

func TestSignInSucceeds(t *testing.T) {
	r := newRig(t)
	q, cookie := r.start(t, "/posts/mine?x=1")
	for k, want := range map[string]string{"response_type": "code", "client_id": "latchkey", "code_challenge_method": "S256", "redirect_uri": "https://app.example.com/api/auth/callback"} {
		if q.Get(k) != want {
			t.Errorf("authorize %s = %q; want %q", k, q.Get(k), want)
		}
	}
	if !strings.Contains(q.Get("scope"), "openid") || q.Get("state") == "" || q.Get("nonce") == "" || q.Get("code_challenge") == "" {
		t.Fatalf("authorize query %v lacks scope openid, state, nonce or a PKCE challenge", q)
	}
	r.op.issue("code-1", q.Get("code_challenge"), r.idToken(q.Get("nonce")))
	resp := r.callback(map[string]string{"state": q.Get("state"), "code": "code-1", "iss": r.op.srv.URL}, cookie)
	if resp.StatusCode != 303 || resp.Headers["Location"] != "/posts/mine?x=1" {
		t.Fatalf("Callback = %d %s %q; want 303 to return_to", resp.StatusCode, resp.Body, resp.Headers["Location"])
	}
	cookies := resp.MultiValueHeaders["Set-Cookie"]
	if len(cookies) != 2 || !strings.HasPrefix(cookies[0], session.CookieName+"=") || !strings.Contains(cookies[1], "Max-Age=0") {
		t.Fatalf("Set-Cookie = %q; want the session cookie and the login cookie cleared", cookies)
	}
	for _, attr := range []string{"Path=/;", "Secure", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(cookies[0], attr) {
			t.Errorf("session cookie %q lacks %s", cookies[0], attr)
		}
	}
	if strings.Contains(strings.ToLower(cookies[0]), "domain=") {
		t.Errorf("session cookie %q has a Domain", cookies[0])
	}
	if n := r.sessionCount(t); n != 1 {
		t.Fatalf("sessions = %d; want 1", n)
	}
	r.wantSignIn(t, metrics.OutcomeSuccess, metrics.SignInOK)
	u, err := r.stores.Users.Get(context.Background(), store.UserID(r.op.srv.URL, "alice"))
	if err != nil || u.Email != "alice@example.com" || len(u.Roles) != 1 || u.Roles[0] != "editor" {
		t.Fatalf("user = %+v, %v; want alice with the editor role from LATCHKEY_EDITORS", u, err)
	}
	token := strings.TrimPrefix(strings.SplitN(cookies[0], ";", 2)[0], session.CookieName+"=")
	for _, secret := range []string{token, "code-1", r.op.secret} {
		if strings.Contains(r.logs.String(), secret) || strings.Contains(resp.Body, secret) {
			t.Fatalf("a secret appears in the logs or the body")
		}
	}
	// Replaying the same callback (same cookie, same code) makes no session.
	if again := r.callback(map[string]string{"state": q.Get("state"), "code": "code-1"}, cookie); again.StatusCode != 400 {
		t.Fatalf("replayed callback = %d; want 400", again.StatusCode)
	}
	if n := r.sessionCount(t); n != 1 {
		t.Fatalf("sessions after replay = %d; want still 1", n)
	}
}

// TestIDTokenRejections follows the OpenID Foundation's relying-party
// certification tests: each ID token must be refused, with no session.
func TestIDTokenRejections(t *testing.T) {
	tests := []struct {
		name string // certification test id, or a description where none exists
		mint func(r *rig, nonce string) string
	}{
		{"rp-id_token-sig-none", func(r *rig, n string) string { return unsigned(r.op.claims(n, r.now)) }},
		{"rp-id_token-bad-sig-rs256", func(r *rig, n string) string { return r.op.sign(r.op.claims(n, r.now), r.op.other, "k1", jose.RS256) }},
		{"rp-id_token-issuer-mismatch", withClaims(func(_ *rig, c map[string]any) { c["iss"] = "https://evil.example" })},
		{"rp-id_token-aud", withClaims(func(_ *rig, c map[string]any) { c["aud"] = "another-client" })},
		{"rp-id_token-aud with several audiences and no azp", withClaims(func(_ *rig, c map[string]any) { c["aud"] = []string{"latchkey", "another-client"} })},
		{"azp naming another client", withClaims(func(_ *rig, c map[string]any) { c["azp"] = "another-client" })},
		{"expired (exp in the past)", func(r *rig, n string) string {
			c := r.op.claims(n, r.now.Add(-time.Hour))
			return r.op.sign(c, r.op.key, "k1", jose.RS256)
		}},
		{"rp-id_token-iat (missing)", withClaims(func(_ *rig, c map[string]any) { delete(c, "iat") })},
		{"iat in the future", withClaims(func(r *rig, c map[string]any) {
			c["iat"] = r.now.Add(10 * time.Minute).Unix()
			c["exp"] = r.now.Add(20 * time.Minute).Unix()
		})},
		{"rp-id_token-sub (missing)", withClaims(func(_ *rig, c map[string]any) { delete(c, "sub") })},
		{"rp-nonce-invalid", func(r *rig, _ string) string {
			return r.op.sign(r.op.claims("not-the-nonce", r.now), r.op.key, "k1", jose.RS256)
		}},
		{"rp-nonce-unless-code-flow (nonce sent, missing from the token)", func(r *rig, _ string) string {
			c := r.op.claims("", r.now)
			delete(c, "nonce")
			return r.op.sign(c, r.op.key, "k1", jose.RS256)
		}},
		{"unknown kid (a key not in the JWKS)", func(r *rig, n string) string { return r.op.sign(r.op.claims(n, r.now), r.op.other, "k9", jose.RS256) }},
		{"HS256 signed with the client secret", func(r *rig, n string) string {
			s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(r.op.secret + strings.Repeat("x", 32))}, nil)
			payload, _ := jsonMarshal(r.op.claims(n, r.now))
			jws, _ := s.Sign(payload)
			out, _ := jws.CompactSerialize()
			return out
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			q, cookie := r.start(t, "/")
			r.op.issue("code", q.Get("code_challenge"), tc.mint(r, q.Get("nonce")))
			resp := r.callback(map[string]string{"state": q.Get("state"), "code": "code"}, cookie)
			if resp.StatusCode != 400 || !strings.Contains(resp.Body, `"bad_request"`) {
				t.Fatalf("Callback = %d %s; want 400", resp.StatusCode, resp.Body)
			}
			if set := strings.Join(resp.MultiValueHeaders["Set-Cookie"], "\n"); strings.Contains(set, session.CookieName+"=") {
				t.Fatalf("a refused sign-in set a session cookie: %s", set)
			}
			if n := r.sessionCount(t); n != 0 {
				t.Fatalf("sessions = %d; want none", n)
			}
			r.wantSignIn(t, metrics.OutcomeFailure, metrics.SignInTokenInvalid)
		})
	}
}

// withClaims mints an ID token as the provider would for the nonce, signed
// with its key, after edit has changed its claims.
func withClaims(edit func(r *rig, c map[string]any)) func(r *rig, nonce string) string {
	return func(r *rig, nonce string) string {
		c := r.op.claims(nonce, r.now)
		edit(r, c)
		return r.op.sign(c, r.op.key, "k1", jose.RS256)
	}
}

func TestCallbackRefusals(t *testing.T) {
	tests := []struct {
		name   string
		class  string
		mutate func(q map[string]string, cookie string) (map[string]string, string)
	}{
		{"provider error", metrics.SignInCancelled, func(q map[string]string, c string) (map[string]string, string) {
			return map[string]string{"error": "access_denied", "state": q["state"]}, c
		}},
		{"another provider error", metrics.SignInProviderError, func(q map[string]string, c string) (map[string]string, string) {
			return map[string]string{"error": "server_error", "state": q["state"]}, c
		}},
		{"no login cookie", metrics.SignInLoginExpired, func(q map[string]string, _ string) (map[string]string, string) { return q, "" }},
		{"tampered login cookie", metrics.SignInLoginExpired, func(q map[string]string, c string) (map[string]string, string) {
			b := []byte(c)
			b[len(b)-5] ^= 1
			return q, string(b)
		}},
		{"wrong state", metrics.SignInStateMismatch, func(q map[string]string, c string) (map[string]string, string) {
			first := "x"
			if q["state"][0] == 'x' {
				first = "y"
			}
			q["state"] = first + q["state"][1:]
			return q, c
		}},
		{"missing state", metrics.SignInIncomplete, func(q map[string]string, c string) (map[string]string, string) { delete(q, "state"); return q, c }},
		{"missing code", metrics.SignInIncomplete, func(q map[string]string, c string) (map[string]string, string) { delete(q, "code"); return q, c }},
		{"another issuer in iss (mix-up)", metrics.SignInIssuerMismatch, func(q map[string]string, c string) (map[string]string, string) {
			q["iss"] = "https://evil.example"
			return q, c
		}},
		{"a code for another PKCE verifier", metrics.SignInTokenInvalid, func(q map[string]string, c string) (map[string]string, string) {
			q["code"] = "stolen-code"
			return q, c
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			q, cookie := r.start(t, "/")
			r.op.issue("code", q.Get("code_challenge"), r.idToken(q.Get("nonce")))
			r.op.issue("stolen-code", "another-challenge", r.idToken(q.Get("nonce")))
			query, c := tc.mutate(map[string]string{"state": q.Get("state"), "code": "code"}, cookie)
			resp := r.callback(query, c)
			if resp.StatusCode != 400 {
				t.Fatalf("Callback = %d %s; want 400", resp.StatusCode, resp.Body)
			}
			if n := r.sessionCount(t); n != 0 {
				t.Fatalf("sessions = %d; want none", n)
			}
			r.wantSignIn(t, metrics.OutcomeFailure, tc.class)
		})
	}
}

func TestLoginCookieExpires(t *testing.T) {
	r := newRig(t)
	q, cookie := r.start(t, "/")
	r.op.issue("code", q.Get("code_challenge"), r.idToken(q.Get("nonce")))
	r.now = r.now.Add(loginTTL)
	if resp := r.callback(map[string]string{"state": q.Get("state"), "code": "code"}, cookie); resp.StatusCode != 400 {
		t.Fatalf("Callback after 10 minutes = %d; want 400", resp.StatusCode)
	}
	r.wantSignIn(t, metrics.OutcomeFailure, metrics.SignInLoginExpired)
}

func TestLoginCookieAttributes(t *testing.T) {
	r := newRig(t)
	resp, err := r.h.Login(context.Background(), httpx.Request{HTTPMethod: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	c := resp.MultiValueHeaders["Set-Cookie"][0]
	for _, attr := range []string{session.LoginCookieName + "=", "Path=/;", "Max-Age=600", "Secure", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(c, attr) {
			t.Errorf("login cookie %q lacks %s", c, attr)
		}
	}
}

func TestCallbackRefusesARepeatedIss(t *testing.T) {
	r := newRig(t)
	q, cookie := r.start(t, "/")
	r.op.issue("code", q.Get("code_challenge"), r.idToken(q.Get("nonce")))
	req := httpx.Request{HTTPMethod: "GET",
		QueryStringParameters:           map[string]string{"state": q.Get("state"), "code": "code", "iss": "https://evil.example"},
		MultiValueQueryStringParameters: map[string][]string{"state": {q.Get("state")}, "code": {"code"}, "iss": {"https://evil.example", "https://evil.example"}},
		Headers:                         map[string]string{"Cookie": cookie}}
	resp, err := r.h.Callback(context.Background(), req)
	if err != nil || resp.StatusCode != 400 || r.sessionCount(t) != 0 {
		t.Fatalf("Callback with iss twice = %d, %v; want 400 and no session", resp.StatusCode, err)
	}
}

// TestSigningInAgainEndsTheOldSession (ASVS 5.0 7.2.4): a browser that
// signs in while it holds a session ends that session, whether the old
// cookie came with the sign-in's start (the usual case: the provider's
// redirect back is cross-site, so a SameSite=Strict cookie does not come
// with the callback) or with the callback (a same-site provider).
func TestSigningInAgainEndsTheOldSession(t *testing.T) {
	for _, where := range []string{"login", "callback"} {
		t.Run("the old cookie at the "+where, func(t *testing.T) {
			r := newRig(t)
			first := r.signIn(t, "", "")
			old := session.CookieName + "=" + first
			loginCookie, callbackCookie := old, ""
			if where == "callback" {
				loginCookie, callbackCookie = "", old
			}
			second := r.signIn(t, loginCookie, callbackCookie)
			if _, err := r.stores.Sessions.Get(context.Background(), session.ID(first)); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the first session after signing in again: %v; want ended", err)
			}
			if _, err := r.stores.Sessions.Get(context.Background(), session.ID(second)); err != nil {
				t.Fatalf("the new session: %v", err)
			}
		})
	}
}

// signIn runs a whole sign-in as alice, with extra cookies on the login
// request and on the callback, and returns the new session's token.
func (r *rig) signIn(t *testing.T, atLogin, atCallback string) string {
	t.Helper()
	q, flow := r.login(t, httpx.Request{HTTPMethod: "GET", QueryStringParameters: map[string]string{"return_to": "/"}, Headers: map[string]string{"Cookie": atLogin}})
	r.op.issue("code", q.Get("code_challenge"), r.idToken(q.Get("nonce")))
	cookies := flow
	if atCallback != "" {
		cookies += "; " + atCallback
	}
	cb := r.callback(map[string]string{"state": q.Get("state"), "code": "code"}, cookies)
	if cb.StatusCode != 303 {
		t.Fatalf("callback = %d %s", cb.StatusCode, cb.Body)
	}
	for _, c := range cb.MultiValueHeaders["Set-Cookie"] {
		if v, ok := strings.CutPrefix(c, session.CookieName+"="); ok {
			return v[:strings.Index(v, ";")]
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// TestReauthAsksTheProviderToSignInAgain: ?reauth=1 sends prompt=login and
// max_age=0 to the provider, and a plain sign-in sends neither.
func TestReauthAsksTheProviderToSignInAgain(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		query map[string]string
		fresh bool
	}{{map[string]string{"return_to": "/keys"}, false}, {map[string]string{"return_to": "/keys", "reauth": "1"}, true}} {
		resp, err := r.h.Login(context.Background(), httpx.Request{HTTPMethod: "GET", QueryStringParameters: tc.query})
		if err != nil || resp.StatusCode != 302 {
			t.Fatalf("Login = %d, %v", resp.StatusCode, err)
		}
		loc, _ := url.Parse(resp.Headers["Location"])
		q := loc.Query()
		if got := q.Get("prompt") == "login" && q.Get("max_age") == "0"; got != tc.fresh {
			t.Errorf("Login(%v) asks prompt=%q max_age=%q; want a fresh sign-in: %v", tc.query, q.Get("prompt"), q.Get("max_age"), tc.fresh)
		}
	}
}

// TestProviderOutageAnswers503InBound: a token endpoint that fails (5xx)
// or hangs ends the callback with 503 unavailable and Retry-After, within
// the provider deadline, with no session; a refused code stays 400.
func TestProviderOutageAnswers503InBound(t *testing.T) {
	for _, tc := range []struct {
		fault string
		want  int
		class string
	}{{"500", 503, metrics.SignInProviderUnavailable}, {"hang", 503, metrics.SignInProviderUnavailable}, {"", 400, metrics.SignInTokenInvalid}} {
		t.Run("fault "+tc.fault, func(t *testing.T) {
			r := newRig(t)
			r.h.S.ProviderTimeout = 300 * time.Millisecond
			q, cookie := r.start(t, "/")
			r.op.fault.Store(tc.fault)
			start := time.Now()
			// "wrong-code" was never issued: without a fault it is refused.
			resp := r.callback(map[string]string{"state": q.Get("state"), "code": "wrong-code"}, cookie)
			if took := time.Since(start); took > 1500*time.Millisecond {
				t.Fatalf("the callback took %v; want it bounded by the provider deadline", took)
			}
			if resp.StatusCode != tc.want {
				t.Fatalf("callback = %d %s; want %d", resp.StatusCode, resp.Body, tc.want)
			}
			if tc.want == 503 && resp.Headers["Retry-After"] == "" {
				t.Error("503 without Retry-After")
			}
			if n := r.sessionCount(t); n != 0 {
				t.Fatalf("sessions = %d; want none", n)
			}
			r.wantSignIn(t, metrics.OutcomeFailure, tc.class)
		})
	}
}

// TestAuthTimeIsKept: a sign-in that the provider made without asking the
// person (its auth_time is old) records that time on the session, so that
// key management still asks for a fresh one; a fresh sign-in asked for
// with reauth=1 and answered with an old auth_time is refused.
func TestAuthTimeIsKept(t *testing.T) {
	old := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	for _, tc := range []struct {
		name  string
		query map[string]string
		ok    bool
	}{
		{"a plain sign-in keeps the provider's auth_time", map[string]string{"return_to": "/"}, true},
		{"a fresh sign-in answered with an old one is refused", map[string]string{"return_to": "/", "reauth": "1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			q, flow := r.login(t, httpx.Request{HTTPMethod: "GET", QueryStringParameters: tc.query})
			c := r.op.claims(q.Get("nonce"), r.now)
			c["auth_time"] = old.Unix()
			r.op.issue("code", q.Get("code_challenge"), r.op.sign(c, r.op.key, "k1", jose.RS256))
			cb := r.callback(map[string]string{"state": q.Get("state"), "code": "code"}, flow)
			if !tc.ok {
				if cb.StatusCode != 400 || r.sessionCount(t) != 0 {
					t.Fatalf("callback = %d %s with %d sessions; want 400 and none", cb.StatusCode, cb.Body, r.sessionCount(t))
				}
				r.wantSignIn(t, metrics.OutcomeFailure, metrics.SignInStaleAuthTime)
				return
			}
			if cb.StatusCode != 303 {
				t.Fatalf("callback = %d %s", cb.StatusCode, cb.Body)
			}
			ss, _, err := r.stores.Sessions.List(context.Background(), store.UserID(r.op.srv.URL, "alice"), store.Page{})
			if err != nil || len(ss) != 1 || !ss[0].AuthTime.Equal(old) {
				t.Fatalf("session = %+v, %v; want auth time %v", ss, err, old)
			}
		})
	}
}

type failingUsers struct{ store.UserStore }

func (failingUsers) Upsert(context.Context, store.User) (store.User, error) {
	return store.User{}, errors.New("dynamodb: throttled")
}

// TestAFailedSaveIsCounted: a sign-in the store could not save is a 500,
// counted as a failure of class store_error.
func TestAFailedSaveIsCounted(t *testing.T) {
	r := newRig(t)
	r.h.S.Users = failingUsers{r.stores.Users}
	q, cookie := r.start(t, "/")
	r.op.issue("code", q.Get("code_challenge"), r.op.sign(r.op.claims(q.Get("nonce"), r.now), r.op.key, "k1", jose.RS256))
	if resp := r.callback(map[string]string{"state": q.Get("state"), "code": "code"}, cookie); resp.StatusCode != 500 {
		t.Fatalf("callback = %d %s; want the 500 of a failed save", resp.StatusCode, resp.Body)
	}
	r.wantSignIn(t, metrics.OutcomeFailure, metrics.SignInStoreError)
}

// TestDiscoveredEndpointsMustBeSecure: a discovery document whose
// authorization endpoint, token endpoint or jwks_uri is plain http off
// loopback, or carries a user and password, is refused as the issuer
// would be: sign-in does not start, and the log says which member.
func TestDiscoveredEndpointsMustBeSecure(t *testing.T) {
	for _, member := range []string{"authorization_endpoint", "token_endpoint", "jwks_uri"} {
		for _, bad := range []string{"http://idp.example.com/x", "https://u:p@idp.example.com/x", "ftp://127.0.0.1/x", ""} {
			t.Run(member+"="+bad, func(t *testing.T) {
				r := newRig(t)
				r.op.discovery = map[string]string{member: bad}
				var logs bytes.Buffer
				ctx := httpx.WithLogger(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil)))
				resp, err := r.h.Login(ctx, httpx.Request{HTTPMethod: "GET"})
				if err != nil || resp.StatusCode != 503 {
					t.Fatalf("Login = %d %s, %v; want 503, sign-in refused", resp.StatusCode, resp.Headers["Location"], err)
				}
				if !strings.Contains(logs.String(), member) {
					t.Errorf("the log does not name %s: %s", member, logs.String())
				}
				if strings.Contains(logs.String(), "u:p@") {
					t.Errorf("the log quotes the URL's password: %s", logs.String())
				}
			})
		}
	}
	r := newRig(t) // the fake provider's own loopback addresses are fine
	if resp, err := r.h.Login(context.Background(), httpx.Request{HTTPMethod: "GET"}); err != nil || resp.StatusCode != 302 {
		t.Fatalf("Login = %d, %v; want 302", resp.StatusCode, err)
	}
}
