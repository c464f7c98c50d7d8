package signout

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

const app0 = "https://app.example.com"

func newSession(t *testing.T, s store.SessionStore) string {
	t.Helper()
	tok, err := session.NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := s.Create(context.Background(), store.Session{ID: session.ID(tok), UserID: "usr_a", Hash: session.Hash(tok),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestLogout: sign-out needs no identity provider and no sign-in secret,
// ends the session only for a same-origin request, clears the cookie only
// for a request that carried it, writes an audit line, and names the
// provider's sign-out page when its discovery document has one.
// issueKeys issues a key to each of users (one more for each time a user
// is named), and returns the manager that did.
func issueKeys(t *testing.T, s store.KeyStore, users ...string) keys.Manager {
	t.Helper()
	m := keys.Manager{Keys: s, Env: "test", Rand: rand.Reader, Now: time.Now}
	for _, u := range users {
		if _, _, err := m.Issue(context.Background(), u, keys.NewKey{Label: "k", Permissions: []string{"read"}}); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// logoutAll signs usr_a out everywhere as the session tok, from address,
// with revokeKeys if revoke, and fails unless that is answered 204.
func logoutAll(t *testing.T, d deps.Deps, tok, address string, revoke bool) {
	t.Helper()
	req := httpx.Request{HTTPMethod: "POST", Headers: map[string]string{"Content-Type": "application/json"}}
	req.RequestContext.Identity.SourceIP = address
	req.RequestContext.Authorizer = map[string]any{"userId": "usr_a", "method": "session", "sessionId": session.ID(tok), "permissions": "read,write"}
	if revoke {
		req.Body = `{"revokeKeys":true}`
	}
	resp, err := httpx.Adapt(d.Log, depstest.Build(t, LogoutAll, d))(context.Background(), req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("logout-all = %d %s, %v", resp.StatusCode, resp.Body, err)
	}
}

func TestLogout(t *testing.T) {
	var idp, impostor *httptest.Server
	idp = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"issuer":"` + idp.URL + `","end_session_endpoint":"https://idp.example/logout"}`))
	}))
	defer idp.Close()
	// A discovery document that names another issuer is not the provider's.
	impostor = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"issuer":"https://evil.example","end_session_endpoint":"https://evil.example/logout"}`))
	}))
	defer impostor.Close()
	tests := []struct {
		name        string
		issuer      string
		origin      string
		withCookie  bool
		wantStatus  int
		wantEnded   bool
		wantCleared bool
		wantEndURL  bool
	}{
		{"no provider configured, same origin", "", app0, true, 200, true, true, false},
		{"a provider with a sign-out page", idp.URL, app0, true, 200, true, true, true},
		{"a discovery document of another issuer", impostor.URL, app0, true, 200, true, true, false},
		{"an unreachable provider: still signed out", "http://127.0.0.1:1", app0, true, 200, true, true, false},
		{"another origin with the cookie", "", "https://evil.example", true, 403, false, false, false},
		{"a cross-site form without the cookie (SameSite=Strict)", "", "https://evil.example", false, 200, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := depstest.Config(t, map[string]string{"LATCHKEY_PUBLIC_URL": app0, "LATCHKEY_OIDC_ISSUER": tc.issuer, "LATCHKEY_OIDC_CLIENT_ID": "c"})
			stores := embedded.New().Stores()
			var logs bytes.Buffer
			d := depstest.Local(cfg)
			d.Stores, d.Log = stores, slog.New(slog.NewJSONHandler(&logs, nil))
			tok := newSession(t, stores.Sessions)
			req := httpx.Request{HTTPMethod: "POST", Headers: map[string]string{"Origin": tc.origin}}
			if tc.withCookie {
				req.Headers["Cookie"] = session.CookieName + "=" + tok
			}
			resp, err := httpx.Adapt(d.Log, depstest.Build(t, Logout, d))(context.Background(), req)
			if err != nil || resp.StatusCode != tc.wantStatus {
				t.Fatalf("logout = %d %s, %v; want %d", resp.StatusCode, resp.Body, err, tc.wantStatus)
			}
			_, err = stores.Sessions.Get(context.Background(), session.ID(tok))
			if ended := err != nil; ended != tc.wantEnded {
				t.Errorf("session ended = %v; want %v", ended, tc.wantEnded)
			}
			if cleared := len(resp.MultiValueHeaders["Set-Cookie"]) == 1; cleared != tc.wantCleared {
				t.Errorf("cookie cleared = %v; want %v", cleared, tc.wantCleared)
			}
			if got := strings.Contains(resp.Body, "https://idp.example/logout?client_id=c"); got != tc.wantEndURL {
				t.Errorf("body %s; want the provider's sign-out page: %v", resp.Body, tc.wantEndURL)
			}
			if tc.wantEnded && !strings.Contains(logs.String(), `"msg":"signed out"`) {
				t.Errorf("no audit line: %s", logs.String())
			}
			if strings.Contains(logs.String(), tok) {
				t.Error("the log holds the session token")
			}
		})
	}
}

// TestDiscoveryKeepsOnlyASecureSignOutPage: the provider's sign-out page,
// where the browser is sent next, is held to the issuer's rule (https, or
// http only on loopback, no user or password); anything else is dropped.
func TestDiscoveryKeepsOnlyASecureSignOutPage(t *testing.T) {
	tests := []struct {
		name, page string
		kept       bool
	}{
		{"https", "https://idp.example/logout", true},
		{"https with a query", "https://idp.example/logout?x=1", true},
		{"http on loopback", "http://127.0.0.1:9/logout", true},
		{"http elsewhere", "http://idp.example/logout", false},
		{"another scheme on loopback", "ftp://localhost/logout", false},
		{"javascript", "javascript:alert(1)", false},
		{"a user and password", "https://user:pw@idp.example/logout", false},
		{"a user and password on loopback", "http://user:pw@localhost/logout", false},
		{"no host", "https:///logout", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var idp *httptest.Server
			idp = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = json.NewEncoder(w).Encode(map[string]string{"issuer": idp.URL, "end_session_endpoint": tc.page})
			}))
			defer idp.Close()
			got := discovery(idp.URL)(context.Background())
			if want := map[bool]string{true: tc.page}[tc.kept]; got != want {
				t.Errorf("sign-out page = %q; want %q", got, want)
			}
		})
	}
}

// TestSignOutEverywhereCanRevokeTheKeys: sign-out everywhere ends every
// session, and with revokeKeys every API key of the user (not another's).
func TestSignOutEverywhereCanRevokeTheKeys(t *testing.T) {
	for _, revoke := range []bool{false, true} {
		stores := embedded.New().Stores()
		d := depstest.Local(config.Config{})
		d.Stores = stores
		m := issueKeys(t, stores.Keys, "usr_a", "usr_a", "usr_b")
		tok := newSession(t, stores.Sessions)
		logoutAll(t, d, tok, "", revoke)
		if _, err := stores.Sessions.Get(context.Background(), session.ID(tok)); err == nil {
			t.Error("the session survived")
		}
		a, _ := m.List(context.Background(), "usr_a")
		b, _ := m.List(context.Background(), "usr_b")
		if wantA := map[bool]int{false: 2, true: 0}[revoke]; len(a) != wantA || len(b) != 1 {
			t.Errorf("revokeKeys %v: the user has %d keys (want %d), another user %d (want 1)", revoke, len(a), wantA, len(b))
		}
	}
}

// TestSignOutIsInTheSecurityLog: a sign-out that ends a session is
// recorded with the session's id and the caller's address; a refused one,
// or one without a session, records nothing; the token is never in it.
func TestSignOutIsInTheSecurityLog(t *testing.T) {
	tests := []struct {
		name      string
		origin    string
		cookie    bool
		wantEvent bool
	}{
		{"a sign-out from the app", app0, true, true},
		{"another origin with the cookie is refused", "https://evil.example", true, false},
		{"no cookie, no session ended", app0, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := depstest.Local(config.Config{PublicURL: app0})
			tok := newSession(t, d.Stores.Sessions)
			req := httpx.Request{HTTPMethod: "POST", Headers: map[string]string{"Origin": tc.origin}}
			req.RequestContext.Identity.SourceIP = "203.0.113.9"
			if tc.cookie {
				req.Headers["Cookie"] = session.CookieName + "=" + tok
			}
			if _, err := httpx.Adapt(d.Log, depstest.Build(t, Logout, d))(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			events := depstest.SecurityLog(t, d, "usr_a")
			if !tc.wantEvent {
				if len(events) != 0 {
					t.Fatalf("security log = %+v; want nothing", events)
				}
				return
			}
			want := map[string]string{"sessionId": session.ID(tok), "address": "203.0.113.9"}
			if len(events) != 1 || events[0].Kind != store.EventSignOut || !maps.Equal(events[0].Details, want) {
				t.Fatalf("security log = %+v; want one sign-out with %v", events, want)
			}
		})
	}
}

// TestSignOutEverywhereIsInTheSecurityLog: signing out everywhere is one
// event that says how many sessions ended and whether, and how many, keys
// were revoked.
func TestSignOutEverywhereIsInTheSecurityLog(t *testing.T) {
	for _, revoke := range []bool{false, true} {
		t.Run("revokeKeys "+strconv.FormatBool(revoke), func(t *testing.T) {
			d := depstest.Local(config.Config{})
			issueKeys(t, d.Stores.Keys, "usr_a", "usr_a")
			tok := newSession(t, d.Stores.Sessions)
			newSession(t, d.Stores.Sessions)
			newSession(t, d.Stores.Sessions)
			logoutAll(t, d, tok, "2001:db8::5", revoke)
			revoked := map[bool]string{false: "0", true: "2"}[revoke]
			want := map[string]string{"scope": "all", "sessions": "3", "revokeKeys": strconv.FormatBool(revoke), "keysRevoked": revoked,
				"by": session.ID(tok), "address": "2001:db8::5"}
			events := depstest.SecurityLog(t, d, "usr_a")
			if len(events) != 1 || events[0].Kind != store.EventSessionEnded || !maps.Equal(events[0].Details, want) {
				t.Fatalf("security log = %+v; want one session-ended with %v", events, want)
			}
			for _, v := range events[0].Details {
				if strings.Contains(v, tok) || strings.Contains(v, session.Hash(tok)) {
					t.Fatal("the security log holds the session's token or its hash")
				}
			}
		})
	}
}
