package devserver

import (
	"context"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromiumOrSkip returns Debian's Chromium, or skips the test when it is
// not installed, unless LATCHKEY_REQUIRE_BROWSER is set (CI sets it, so
// there the browser tests must run).
func chromiumOrSkip(t *testing.T) string {
	t.Helper()
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
	if _, err := os.Stat(filepath.Join("..", "..", "node_modules", "playwright-core")); err != nil {
		t.Fatal("playwright-core is not installed: run make deps (npm ci)")
	}
	return chromium
}

// runBrowser serves the local server as `make dev` does (the development
// provider, the seeded in-memory store, the settings in env) on a free
// port of localhost, and runs a script of testdata/browser against it with
// playwright-core and Chromium. The script fails by exiting non-zero; its
// output is returned.
func runBrowser(t *testing.T, script string, timeout time.Duration, env map[string]string) string {
	t.Helper()
	chromium := chromiumOrSkip(t)
	srv := httptest.NewUnstartedServer(nil)
	defer srv.Close()
	// localhost, not 127.0.0.1: the origin people use, and a secure context
	// in which the browser keeps Secure and __Host- cookies over http.
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	base := "http://localhost:" + port
	var settings []string
	for k, v := range env {
		if strings.HasPrefix(k, "LATCHKEY_") {
			settings = append(settings, k, v)
		}
	}
	startWithDevProvider(t, srv, base, settings...)

	root, _ := filepath.Abs("../..")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(root, "testdata", "browser", script))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "LATCHKEY_URL="+base, "CHROMIUM="+chromium)
	for k, v := range env {
		if !strings.HasPrefix(k, "LATCHKEY_") {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s failed: %v\nstdout: %s\nstderr: %s", script, err, out, stderr.String())
	}
	return string(out)
}

// TestBrowserConsole drives the web console in headless Chromium as a
// person does (testdata/browser/console.mjs): sign in through the
// development provider's page, create a read-only key and use it from
// Node, regenerate it with a grace period, revoke it, end another session,
// write and edit a draft through a conflict, publish it as the editor,
// delete a post and page on, and sign out everywhere; after each flow, no secret in storage, script-readable
// cookies, the URL or the console, and no console error. The server's key
// cache is off, so a revoked key is refused at once.
func TestBrowserConsole(t *testing.T) {
	out := runBrowser(t, "console.mjs", 3*time.Minute, map[string]string{"LATCHKEY_CACHE_TTL": "0s"})
	if !strings.Contains(out, `"ok":true`) {
		t.Fatalf("console.mjs printed %s; want ok", out)
	}
}

// TestScreenshots saves every view of the console at desktop width, at
// 375 px and in the dark color scheme into LATCHKEY_SCREENSHOTS (`make
// screenshots`); without it, it is skipped.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("LATCHKEY_SCREENSHOTS")
	if dir == "" {
		t.Skip("LATCHKEY_SCREENSHOTS is not set (make screenshots sets it)")
	}
	out := runBrowser(t, "screenshots.mjs", 3*time.Minute, map[string]string{"SCREENSHOTS": dir})
	t.Log(out)
}

// TestBrowserAccessibility checks every view and dialog of the console with
// axe-core (WCAG 2.1 A and AA, best practices) at desktop width, at 375 px
// and in the dark color scheme (testdata/browser/a11y.mjs).
func TestBrowserAccessibility(t *testing.T) {
	out := runBrowser(t, "a11y.mjs", 3*time.Minute, nil)
	if !strings.Contains(out, `"ok": true`) {
		t.Fatalf("a11y.mjs printed %s; want ok", out)
	}
}
