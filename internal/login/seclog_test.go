package login

import (
	"context"
	"crypto/rand"
	"log/slog"
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/seclog"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// TestSignInIsInTheSecurityLog: a sign-in is an event in the user's log
// with the provider, the caller's address (CloudFront's viewer address
// only behind CloudFront; a client's own header otherwise means nothing),
// the user agent and the new session's id, and nothing secret; a refused
// sign-in records nothing.
func TestSignInIsInTheSecurityLog(t *testing.T) {
	tests := []struct {
		name             string
		behindCloudFront bool
		wantAddress      string
	}{
		{"locally: the connection's address, not the forged header", false, "203.0.113.9"},
		{"behind CloudFront: the viewer address it wrote", true, "198.51.100.7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			cfg := config.Config{SecurityLogDays: 30}
			if tc.behindCloudFront {
				cfg.OriginSecrets = []string{"origin-secret"}
			}
			r.h.S.Events = seclog.For(deps.Deps{Config: cfg, Stores: r.stores, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return r.now }, Rand: rand.Reader})
			user := store.UserID(r.op.srv.URL, "alice")

			// A refused callback first: a state that is not this sign-in's.
			_, cookie := r.start(t, "/")
			if resp := r.signInCallback(map[string]string{"state": "not-the-state", "code": "code-0"}, cookie); resp.StatusCode != 400 {
				t.Fatalf("callback with a wrong state = %d; want 400", resp.StatusCode)
			}
			q, cookie := r.start(t, "/")
			r.op.issue("code-2", q.Get("code_challenge"), r.idToken(q.Get("nonce")))
			resp := r.signInCallback(map[string]string{"state": q.Get("state"), "code": "code-2"}, cookie)
			if resp.StatusCode != 303 {
				t.Fatalf("Callback = %d %s; want 303", resp.StatusCode, resp.Body)
			}
			token := strings.TrimPrefix(strings.SplitN(resp.MultiValueHeaders["Set-Cookie"][0], ";", 2)[0], session.CookieName+"=")

			events, _, err := r.stores.SecurityLog.List(context.Background(), user, r.now, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			host, _ := url.Parse(r.op.srv.URL)
			want := map[string]string{"provider": host.Host, "address": tc.wantAddress, "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "sessionId": session.ID(token)}
			if len(events) != 1 || events[0].Kind != store.EventSignIn || !maps.Equal(events[0].Details, want) {
				t.Fatalf("security log = %+v; want one sign-in with %v", events, want)
			}
			if events[0].ExpiresEpoch != r.now.Add(30*24*time.Hour).Unix() {
				t.Errorf("kept until %d; want the configured 30 days", events[0].ExpiresEpoch)
			}
			for _, v := range events[0].Details {
				for _, secret := range []string{token, session.Hash(token), "code-2", r.op.secret, cookie} {
					if strings.Contains(v, secret) {
						t.Fatalf("the sign-in event holds a secret: %v", events[0].Details)
					}
				}
			}
		})
	}
}

// signInCallback is the callback as a browser behind a proxy sends it:
// with a user agent, from 203.0.113.9, carrying a viewer-address header
// that only CloudFront may set (the rig's CloudFront, when it has one, has
// written 198.51.100.7 over whatever the client sent).
func (r *rig) signInCallback(query map[string]string, cookie string) httpx.Response {
	req := httpx.Request{HTTPMethod: "GET", QueryStringParameters: query, Headers: map[string]string{
		"Cookie": cookie, "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", httpx.ViewerAddressHeader: "198.51.100.7",
	}}
	req.RequestContext.Identity.SourceIP = "203.0.113.9"
	resp, err := r.h.Callback(context.Background(), req)
	if err != nil {
		return httpx.Response{StatusCode: 500, Body: err.Error()}
	}
	return resp
}

func TestProviderNameInTheSecurityLog(t *testing.T) {
	tests := []struct {
		name     string
		provider Provider
		want     string
	}{
		{"GitHub", &GitHub{WebURL: "https://github.com"}, "github"},
		{"an OpenID provider: its issuer's host", &OIDC{IssuerURL: "https://accounts.example.com/realms/x"}, "accounts.example.com"},
		{"an issuer with a port", &OIDC{IssuerURL: "http://localhost:8080/dev-idp"}, "localhost:8080"},
	}
	for _, tc := range tests {
		if got := (&Service{Provider: tc.provider}).providerName(); got != tc.want {
			t.Errorf("%s: providerName = %q; want %q", tc.name, got, tc.want)
		}
	}
}
