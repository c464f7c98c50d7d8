package devserver

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowserSignIn signs in through the web page in headless Chromium
// (testdata/browser/signin.mjs with playwright-core): the only test that
// sees what a browser does with SameSite=Strict across the provider's
// redirects. .ci/run installs Chromium; without it the test is skipped.
func TestBrowserSignIn(t *testing.T) {
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("LATCHKEY_REQUIRE_BROWSER") != "" {
			t.Fatalf("Chromium is not at %s, and LATCHKEY_REQUIRE_BROWSER is set", chromium)
		}
		t.Skip("Chromium is not installed (apt-get install chromium; .ci/run does)")
	}
	root, _ := filepath.Abs("../..")
	if _, err := os.Stat(filepath.Join(root, "node_modules", "playwright-core")); err != nil {
		t.Fatal("playwright-core is not installed: run make deps (npm ci)")
	}
	ctx := context.Background()
	srv := httptest.NewUnstartedServer(nil)
	defer srv.Close()
	// localhost, not 127.0.0.1: the origin people use, and a secure context
	// in which the browser keeps Secure and __Host- cookies over http.
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	base := "http://localhost:" + port
	startWithDevProvider(t, srv, base)

	run, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(run, "node", filepath.Join(root, "testdata", "browser", "signin.mjs"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "LATCHKEY_URL="+base, "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser run failed: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	var seen struct {
		SignedOutFirst bool
		Who            string
		Cookie         *struct {
			HTTPOnly, Secure, HostOnly bool
			SameSite, Path             string
		}
		ScriptCanReadCookie bool
		CreateKey           int
		MeAfterSignOut      int
	}
	if err := json.Unmarshal(out, &seen); err != nil {
		t.Fatalf("browser output %q: %v", out, err)
	}
	if !seen.SignedOutFirst || !strings.Contains(seen.Who, "ada@example.com") {
		t.Fatalf("after signing in, the page shows %q; want Ada", seen.Who)
	}
	if c := seen.Cookie; c == nil || !c.HTTPOnly || !c.Secure || c.SameSite != "Strict" || c.Path != "/" || !c.HostOnly {
		t.Fatalf("session cookie as the browser keeps it = %+v; want HttpOnly, Secure, SameSite=Strict, Path=/, host-only", c)
	}
	if seen.ScriptCanReadCookie {
		t.Fatal("page script can read the session cookie")
	}
	if seen.CreateKey != 201 {
		t.Fatalf("POST /api/keys from the page = %d; want 201", seen.CreateKey)
	}
	if seen.MeAfterSignOut != 401 {
		t.Fatalf("GET /api/me after signing out = %d; want 401", seen.MeAfterSignOut)
	}
}
