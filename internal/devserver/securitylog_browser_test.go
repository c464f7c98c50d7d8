package devserver

import (
	"strings"
	"testing"
	"time"
)

// TestBrowserSecurityLog drives the security log in headless Chromium
// (testdata/browser/securitylog.mjs) against the local server: a person
// signs in, creates, regenerates and revokes a key, ends another session,
// and another user is refused their draft again and again (recorded once
// per action); the Security log shows those
// events in words, newest first, page by page with the keyboard, and none
// of the other user's; no secret is on the page or in the log's answers;
// the empty and error states say so. With SCREENSHOT_DIR set, the script
// saves the view there at desktop width and at 375 px.
func TestBrowserSecurityLog(t *testing.T) {
	out := runBrowser(t, "securitylog.mjs", 3*time.Minute, nil)
	if !strings.Contains(out, `"ok":true`) {
		t.Fatalf("securitylog.mjs printed %s; want ok", out)
	}
}
