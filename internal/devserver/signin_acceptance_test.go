package devserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/browsertest"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/openapi/openapitest"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/session"
)

// TestSignInThroughTheDevelopmentProvider is issue 4's acceptance through
// the local server as `make dev` builds it: sign in as the seeded author
// on the built-in provider's page, use the session, make a key from the
// app's origin (and fail from another), sign out, and find the old cookie
// refused.
func TestSignInThroughTheDevelopmentProvider(t *testing.T) {
	srv, base := browsertest.Unstarted(t)
	startWithDevProvider(t, srv, base)
	b := browsertest.New(t, base)
	devSignIn(t, b, base, "ada")
	token := b.Cookies[session.CookieName]

	resp, body := b.Do("GET", "/api/me", nil, "")
	var me struct {
		User struct{ Email, Name string }
		Auth struct{ Method string }
	}
	_ = json.Unmarshal([]byte(body), &me)
	if resp.StatusCode != 200 || me.Auth.Method != "session" || me.User.Email != "ada@example.com" {
		t.Fatalf("GET /api/me = %d %s; want Ada by session", resp.StatusCode, body)
	}
	if resp, body = b.Do("POST", "/api/keys", map[string]string{"Origin": base}, `{"label":"laptop","permissions":["read","write"]}`); resp.StatusCode != 201 {
		t.Fatalf("POST /api/keys from the app = %d %s; want 201", resp.StatusCode, body)
	}
	if resp, body = b.Do("POST", "/api/keys", map[string]string{"Origin": "https://evil.example"}, `{"label":"x","permissions":["read"]}`); resp.StatusCode != 403 {
		t.Fatalf("POST /api/keys from another origin = %d %s; want 403", resp.StatusCode, body)
	}
	if resp, body = b.Do("POST", "/api/auth/logout", map[string]string{"Origin": base}, ""); resp.StatusCode != 200 {
		t.Fatalf("logout = %d %s", resp.StatusCode, body)
	}
	b.Cookies[session.CookieName] = token
	if resp, _ = b.Do("GET", "/api/me", nil, ""); resp.StatusCode != 401 {
		t.Fatalf("GET /api/me with the signed-out cookie = %d; want 401", resp.StatusCode)
	}
}

// devSignIn signs b in through the development provider as the seeded
// user with subject sub, with SignIn.
func devSignIn(t *testing.T, b *browsertest.Browser, base, sub string) {
	t.Helper()
	_, err := SignIn(base, sub, func(method, target string, header map[string]string, body string) (*http.Response, string, error) {
		resp, page := b.Do(method, target, header, body)
		return resp, page, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// startWithDevProvider serves the local server as `make dev` builds it (the
// development provider mounted, an in-memory store) on srv, at public URL
// base, with any other LATCHKEY_* settings in env.
func startWithDevProvider(t *testing.T, srv *httptest.Server, base string, env ...string) {
	t.Helper()
	serveWithDevProvider(t, srv, base, slog.New(slog.DiscardHandler), env...)
}

// serveWithDevProvider is startWithDevProvider logging to log, and returns
// the server's dependencies.
func serveWithDevProvider(t *testing.T, srv *httptest.Server, base string, log *slog.Logger, env ...string) deps.Deps {
	t.Helper()
	vars := map[string]string{"LATCHKEY_PUBLIC_URL": base}
	for i := 0; i+1 < len(env); i += 2 {
		vars[env[i]] = env[i+1]
	}
	cfg := depstest.Config(t, vars)
	idp, cfg, err := DevProvider(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h, d := localHandler(t, cfg, log)
	srv.Config.Handler = openapitest.Middleware(t, WithDevProvider(h, idp, cfg.PublicURL))
	srv.Start()
	return d
}

// TestAnyPort is `LATCHKEY_ADDR=127.0.0.1:<port> make dev` with nothing
// else set: the public URL follows the port, signing in as Ada through the
// page is the seeded author (her seeded draft is hers), the demo key is
// hers too, and the page or a sign-in opened on another loopback name is
// sent to the public URL's origin first.
func TestAnyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	cfg := depstest.Config(t, map[string]string{"LATCHKEY_ADDR": addr})
	base := "http://localhost:" + port
	if cfg.PublicURL != base {
		t.Fatalf("LATCHKEY_PUBLIC_URL defaults to %q; want %q", cfg.PublicURL, base)
	}
	idp, cfg, err := DevProvider(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h, d := localHandler(t, cfg, slog.New(slog.DiscardHandler))
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: openapitest.Middleware(t, WithDevProvider(h, idp, cfg.PublicURL))}}
	srv.Start()
	defer srv.Close()
	demo, err := DemoKey(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t, base)
	devSignIn(t, b, base, "ada")
	resp, body := b.Do("GET", "/api/me", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"id":"`+seed.Author.ID+`"`) {
		t.Fatalf("GET /api/me after signing in as Ada on port %s = %d %s; want the seeded author %s", port, resp.StatusCode, body, seed.Author.ID)
	}
	if resp, body = b.Do("GET", "/api/posts/"+seed.DraftID, nil, ""); resp.StatusCode != 200 {
		t.Fatalf("Ada's seeded draft = %d %s; want 200", resp.StatusCode, body)
	}
	resp, body = b.Do("GET", "/api/me", map[string]string{"Authorization": "Bearer " + demo}, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"id":"`+seed.Author.ID+`"`) {
		t.Fatalf("GET /api/me with the printed key = %d %s; want the seeded author", resp.StatusCode, body)
	}

	other := browsertest.New(t, "http://"+addr)
	for _, tc := range []struct {
		method, path string
		redirect     bool
	}{
		{"GET", "/", true},
		{"GET", "/keys?x=1", true},
		{"GET", "/api/auth/login?return_to=/keys", true},
		{"GET", "/api/public/posts", false},
		{"GET", "/app.js", false},
		{"POST", "/api/auth/logout", false},
	} {
		resp, _ := other.Do(tc.method, tc.path, nil, "")
		loc := resp.Header.Get("Location")
		if tc.redirect && (resp.StatusCode != 307 || loc != base+tc.path) {
			t.Errorf("%s %s on 127.0.0.1 = %d to %q; want 307 to %s", tc.method, tc.path, resp.StatusCode, loc, base+tc.path)
		}
		if !tc.redirect && resp.StatusCode == 307 {
			t.Errorf("%s %s on 127.0.0.1 redirected to %q; want it served", tc.method, tc.path, loc)
		}
	}
}
