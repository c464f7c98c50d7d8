package devserver

import (
	"strings"
	"testing"
	"time"
)

// TestBrowserCidr drives the console's allow-lists and usage chart in
// headless Chromium (testdata/browser/cidr.mjs): a key limited to the
// local address works from Node, is refused 403 ip_not_allowed once the
// console limits it to 10.0.0.0/8 (after a mistyped prefix the page
// explains by line), works again with the list cleared, and its usage
// chart counts every allowed request once the batched write is due. The
// key cache is off and the authorizer writes a key's use every second.
// With SCREENSHOT_DIR set (the test's environment), it saves screenshots
// there.
func TestBrowserCidr(t *testing.T) {
	out := runBrowser(t, "cidr.mjs", 2*time.Minute, map[string]string{"LATCHKEY_CACHE_TTL": "0s", "LATCHKEY_KEY_USE_INTERVAL": "1s"})
	if !strings.Contains(out, `"ok":true`) {
		t.Fatalf("cidr.mjs printed %s; want ok", out)
	}
}
