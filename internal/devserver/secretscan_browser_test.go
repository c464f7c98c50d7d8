package devserver

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/scansig/scansigtest"
)

// TestBrowserSecretScanning drives testdata/browser/secretscan.mjs: a key
// made in the console, reported by "GitHub" (the script, signing with a test
// key the local server is configured to trust), is refused at once (the
// cache is off), and the keys view shows it revoked, found in public at the
// reported place, with Delete and no Regenerate. SCREENSHOT_DIR, when set,
// receives the view's screenshots.
func TestBrowserSecretScanning(t *testing.T) {
	github := scansigtest.New(t, "github-test-key")
	env := map[string]string{
		"LATCHKEY_CACHE_TTL":            "0s",
		"LATCHKEY_SECRET_SCANNING_KEYS": github.Setting(),
		"SCAN_KEY_ID":                   github.ID,
		"SCAN_PRIVATE_KEY":              github.PrivatePEM(),
	}
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
		env["SCREENSHOT_DIR"] = dir
	}
	out := runBrowser(t, "secretscan.mjs", 3*time.Minute, env)
	if !strings.Contains(out, `"ok":true`) {
		t.Fatalf("secretscan.mjs printed %s; want ok", out)
	}
}
