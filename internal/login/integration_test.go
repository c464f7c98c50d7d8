package login_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/browsertest"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/functions"
	"github.com/latchkey/latchkey/internal/login/realidp"
	"github.com/latchkey/latchkey/internal/session"
)

// TestSignInWithARealProvider runs the whole flow against oidc-provider
// (npm), an independent OpenID provider, through the local gateway: sign
// in, use the session, make a key, sign out.
func TestSignInWithARealProvider(t *testing.T) {
	rp, base := browsertest.Unstarted(t)
	idp, err := realidp.Start(base + "/api/auth/callback")
	if err != nil {
		t.Fatal(err)
	}
	defer idp.Close()

	cfg := depstest.Config(t, map[string]string{
		"LATCHKEY_PUBLIC_URL": base, "LATCHKEY_OIDC_ISSUER": idp.Issuer,
		"LATCHKEY_OIDC_CLIENT_ID": idp.ClientID, "LATCHKEY_OIDC_CLIENT_SECRET": idp.ClientSecret,
		"LATCHKEY_EDITOR_GROUP": "editors", "LATCHKEY_CACHE_TTL": "30s",
	})
	cfg.LoginKey = make([]byte, 32)
	_, _ = rand.Read(cfg.LoginKey)
	var logs bytes.Buffer
	d := depstest.Local(cfg)
	d.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	gw, err := functions.Gateway(d)
	if err != nil {
		t.Fatal(err)
	}
	rp.Config.Handler = gw
	rp.Start()

	b := browsertest.New(t, base)
	jar, _ := cookiejar.New(nil)

	resp, _ := b.Do("GET", "/api/auth/login?return_to=/welcome", nil, "")
	if resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), idp.Issuer) {
		t.Fatalf("login = %d to %q; want a 302 to the provider", resp.StatusCode, resp.Header.Get("Location"))
	}
	callback, err := idp.SignIn(context.Background(), &http.Client{Jar: jar}, resp.Header.Get("Location"), "erin")
	if err != nil {
		t.Fatalf("%v\n%s", err, idp.Output())
	}
	code := callback.Query().Get("code")
	resp, body := b.Do("GET", callback.String(), nil, "")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/welcome" {
		t.Fatalf("callback = %d %s to %q; want 303 to /welcome", resp.StatusCode, body, resp.Header.Get("Location"))
	}
	token := b.Cookies[session.CookieName]
	if token == "" {
		t.Fatalf("no session cookie after the callback; Set-Cookie: %q", b.SetCookies)
	}

	resp, body = b.Do("GET", "/api/me", nil, "")
	var me struct {
		User struct {
			Email string
			Roles []string
		}
		Auth struct{ Method string }
	}
	_ = json.Unmarshal([]byte(body), &me)
	if resp.StatusCode != 200 || me.Auth.Method != "session" || me.User.Email != "erin@example.com" || len(me.User.Roles) != 1 {
		t.Fatalf("GET /api/me = %d %s; want erin by session, an editor by group", resp.StatusCode, body)
	}

	if resp, body = b.Do("POST", "/api/keys", map[string]string{"Origin": "https://evil.example"}, `{"label":"ci","permissions":["read"]}`); resp.StatusCode != 403 {
		t.Fatalf("POST /api/keys from another origin = %d %s; want 403", resp.StatusCode, body)
	}
	resp, body = b.Do("POST", "/api/keys", map[string]string{"Origin": base}, `{"label":"ci","permissions":["read"]}`)
	var created struct{ Key string }
	_ = json.Unmarshal([]byte(body), &created)
	if resp.StatusCode != 201 || created.Key == "" {
		t.Fatalf("POST /api/keys = %d %s; want 201 with the key", resp.StatusCode, body)
	}
	resp, body = b.Do("GET", "/api/sessions", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"current":true`) || strings.Contains(body, token) {
		t.Fatalf("GET /api/sessions = %d %s; want this session marked current, no token", resp.StatusCode, body)
	}

	resp, body = b.Do("POST", "/api/auth/logout", map[string]string{"Origin": base}, "")
	if resp.StatusCode != 200 || !strings.Contains(body, "endSessionUrl") {
		t.Fatalf("logout = %d %s; want 200 with the provider's logout URL", resp.StatusCode, body)
	}
	b.Cookies[session.CookieName] = token // the old cookie, kept by an attacker
	if resp, _ = b.Do("GET", "/api/me", nil, ""); resp.StatusCode != 401 {
		t.Fatalf("GET /api/me with the signed-out cookie = %d; want 401", resp.StatusCode)
	}

	// Every Set-Cookie attribute of docs/API.md.
	for _, c := range b.SetCookies {
		switch {
		case strings.HasPrefix(c, session.CookieName+"="):
			for _, attr := range []string{"; Path=/;", "; Secure", "; HttpOnly", "; SameSite=Strict"} {
				if !strings.Contains(c+";", attr) {
					t.Errorf("session Set-Cookie %q lacks %s", c, attr)
				}
			}
		case strings.HasPrefix(c, session.LoginCookieName+"="):
			for _, attr := range []string{"; Path=/;", "; Secure", "; HttpOnly", "; SameSite=Lax"} {
				if !strings.Contains(c+";", attr) {
					t.Errorf("login Set-Cookie %q lacks %s", c, attr)
				}
			}
			if !strings.Contains(c, "Max-Age=600") && !strings.Contains(c, "Max-Age=0") {
				t.Errorf("login Set-Cookie %q: want Max-Age 600 (or 0 to clear)", c)
			}
		default:
			t.Errorf("unexpected cookie %q", c)
		}
		if strings.Contains(strings.ToLower(c), "domain=") {
			t.Errorf("Set-Cookie %q has a Domain", c)
		}
	}
	// No token, code or secret in any body or log line (the key appears
	// once: in the answer that created it).
	all := strings.Join(b.Bodies, "\n")
	for name, secret := range map[string]string{"session token": token, "authorization code": code, "client secret": idp.ClientSecret} {
		if strings.Contains(all, secret) || strings.Contains(logs.String(), secret) {
			t.Errorf("the %s appears in a response body or the log", name)
		}
	}
	if strings.Count(all, created.Key) != 1 || strings.Contains(logs.String(), created.Key) {
		t.Error("the API key appears beyond the answer that created it")
	}
}
