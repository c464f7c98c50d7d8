package signout

import (
	"context"
	"crypto/rand"
	"maps"
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
)

// logOf returns user's security log, newest first.
func logOf(t *testing.T, d deps.Deps, user string) []store.SecurityEvent {
	t.Helper()
	events, _, err := d.Stores.SecurityLog.List(context.Background(), user, time.Now(), store.Page{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return events
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
			events := logOf(t, d, "usr_a")
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
			m := keys.Manager{Keys: d.Stores.Keys, Env: "test", Rand: rand.Reader, Now: time.Now}
			for range 2 {
				if _, _, err := m.Issue(context.Background(), "usr_a", keys.NewKey{Label: "k", Permissions: []string{"read"}}); err != nil {
					t.Fatal(err)
				}
			}
			tok := newSession(t, d.Stores.Sessions)
			newSession(t, d.Stores.Sessions)
			newSession(t, d.Stores.Sessions)
			req := httpx.Request{HTTPMethod: "POST", Headers: map[string]string{"Content-Type": "application/json"}}
			req.RequestContext.Identity.SourceIP = "2001:db8::5"
			req.RequestContext.Authorizer = map[string]any{"userId": "usr_a", "method": "session", "sessionId": session.ID(tok), "permissions": "read,write"}
			if revoke {
				req.Body = `{"revokeKeys":true}`
			}
			resp, err := httpx.Adapt(d.Log, depstest.Build(t, LogoutAll, d))(context.Background(), req)
			if err != nil || resp.StatusCode != 204 {
				t.Fatalf("logout-all = %d %s, %v", resp.StatusCode, resp.Body, err)
			}
			revoked := map[bool]string{false: "0", true: "2"}[revoke]
			want := map[string]string{"scope": "all", "sessions": "3", "revokeKeys": strconv.FormatBool(revoke), "keysRevoked": revoked,
				"by": session.ID(tok), "address": "2001:db8::5"}
			events := logOf(t, d, "usr_a")
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
