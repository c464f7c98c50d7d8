package login

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
)

// browserAccept is what Chromium sends on a navigation.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

func depsWith(t *testing.T, env map[string]string) deps.Deps {
	t.Helper()
	cfg := depstest.Config(t, env)
	cfg.LoginKey = make([]byte, 32)
	_, _ = rand.Read(cfg.LoginKey)
	return depstest.Local(cfg)
}

// TestNavigationsGetPagesNotJSON: a failed sign-in that a browser navigated
// to is a small HTML page with the message in words, a link back to the app,
// the same status and the web app's CSP; fetch() and scripts keep the JSON
// error shape.
func TestNavigationsGetPagesNotJSON(t *testing.T) {
	unreachable := depsWith(t, map[string]string{
		// Port 1 on loopback: nothing listens, discovery fails at once.
		"LATCHKEY_OIDC_ISSUER": "http://127.0.0.1:1", "LATCHKEY_OIDC_CLIENT_ID": "latchkey",
		"LATCHKEY_OIDC_CLIENT_SECRET": "client-secret",
	})
	unconfigured := depsWith(t, nil)
	tests := []struct {
		name       string
		handler    httpx.Handler
		query      map[string]string
		wantStatus int
		wantText   string
	}{
		{"the person cancelled at the provider", depstest.Build(t, Callback, unreachable), map[string]string{"error": "access_denied", "state": "s"}, 400, "Sign-in was cancelled."},
		{"another provider error", depstest.Build(t, Callback, unreachable), map[string]string{"error": "server_error", "state": "s"}, 400, "the identity provider answered server_error"},
		{"a callback this browser did not start", depstest.Build(t, Callback, unreachable), map[string]string{"state": "s", "code": "c"}, 400, "this browser did not start the sign-in"},
		{"the provider cannot be reached", depstest.Build(t, Start, unreachable), nil, 503, "The identity provider cannot be reached"},
		{"sign-in is not configured", depstest.Build(t, Start, unconfigured), nil, 500, "Internal error."},
	}
	for _, tc := range tests {
		for _, accept := range []string{browserAccept, "application/json", "*/*", ""} {
			t.Run(tc.name+" with Accept "+accept, func(t *testing.T) {
				req := httpx.Request{HTTPMethod: "GET", QueryStringParameters: tc.query, Headers: map[string]string{"Accept": accept}}
				resp, err := httpx.Adapt(slog.New(slog.DiscardHandler), tc.handler)(context.Background(), req)
				if err != nil || resp.StatusCode != tc.wantStatus {
					t.Fatalf("= %d, %v; want %d", resp.StatusCode, err, tc.wantStatus)
				}
				if accept != browserAccept {
					if !strings.HasPrefix(resp.Headers["Content-Type"], "application/json") || !strings.HasPrefix(resp.Body, `{"error":`) {
						t.Fatalf("a non-browser request got %s %q; want the JSON error shape", resp.Headers["Content-Type"], resp.Body)
					}
					return
				}
				if resp.Headers["Content-Type"] != "text/html; charset=utf-8" {
					t.Fatalf("Content-Type = %q; want an HTML page", resp.Headers["Content-Type"])
				}
				if resp.Headers["Content-Security-Policy"] != httpx.ContentSecurityPolicy || resp.Headers["Cache-Control"] != "no-store" {
					t.Fatalf("headers = %v; want the web app's CSP and no-store", resp.Headers)
				}
				for _, want := range []string{tc.wantText, `<a class="button" href="/">Back to Latchkey</a>`, `<html lang="en">`} {
					if !strings.Contains(resp.Body, want) {
						t.Errorf("page lacks %q:\n%s", want, resp.Body)
					}
				}
				if strings.Contains(resp.Body, "<script") || strings.Contains(resp.Body, "style=") {
					t.Errorf("page has inline script or style:\n%s", resp.Body)
				}
				if tc.wantStatus == 503 && resp.Headers["Retry-After"] == "" {
					t.Error("a 503 page lacks Retry-After")
				}
			})
		}
	}
}
