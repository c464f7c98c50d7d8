package devserver

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/latchkey/latchkey/internal/login"
	"github.com/latchkey/latchkey/internal/session"
)

// SignInDo sends one request of a sign-in: method to target, an absolute
// URL on the local server, with the given headers and form body. It keeps
// the cookies the answers set and sends them back, the way a browser on
// loopback does (Secure ones too, over http), does not follow redirects,
// and returns the response with its body read.
type SignInDo func(method, target string, header map[string]string, body string) (*http.Response, string, error)

var (
	pickerAction = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	pickerID     = regexp.MustCompile(`name="id" value="([^"]+)"`)
)

// SignIn signs in to the local server at base through its built-in
// development provider as the seeded user with subject sub, the way a
// person in a browser does: the app's login, the provider's picker page,
// the form they submit, the callback. Every request goes through do, and
// stays on base. It returns the value of the session cookie the callback
// sets.
func SignIn(base, sub string, do SignInDo) (string, error) {
	step := func(method, target string, header map[string]string, body string) (*http.Response, string, error) {
		if strings.HasPrefix(target, "/") {
			target = base + target
		}
		if !strings.HasPrefix(target, base+"/") {
			return nil, "", fmt.Errorf("sign in: went to %q, off the local server", target)
		}
		resp, page, err := do(method, target, header, body)
		if err != nil {
			return nil, "", fmt.Errorf("sign in: %w", err)
		}
		return resp, page, nil
	}

	resp, _, err := step("GET", "/api/auth/login?return_to=/", nil, "")
	if err != nil {
		return "", err
	}
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, base+DevProviderPath) {
		return "", fmt.Errorf("sign in: login answered %d to %q; want the development provider (is LATCHKEY_OIDC_ISSUER set?)", resp.StatusCode, loc)
	}
	var page string
	for range 5 { // to the provider's picker page
		if resp, page, err = step("GET", loc, nil, ""); err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
			break
		}
		loc = resp.Header.Get("Location")
	}
	action, id := pickerAction.FindStringSubmatch(page), pickerID.FindStringSubmatch(page)
	if action == nil || id == nil || !strings.Contains(page, `value="`+sub+`"`) {
		return "", fmt.Errorf("sign in: no user picker with %s on the development provider's page:\n%s", sub, page)
	}
	form := url.Values{"id": {html.UnescapeString(id[1])}, "user": {sub}}
	formHeader := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": base}
	if resp, _, err = step("POST", html.UnescapeString(action[1]), formHeader, form.Encode()); err != nil {
		return "", err
	}
	callback := resp.Header.Get("Location")
	if !strings.HasPrefix(callback, login.RedirectURI(base)+"?") {
		// The address only: its query may hold an authorization code.
		where, _, _ := strings.Cut(callback, "?")
		return "", fmt.Errorf("sign in: picking %s answered %d to %q; want the callback", sub, resp.StatusCode, where)
	}
	if resp, page, err = step("GET", callback, nil, ""); err != nil {
		return "", err
	}
	if resp.StatusCode == http.StatusSeeOther {
		for _, c := range resp.Cookies() {
			if c.Name == session.CookieName && c.Value != "" {
				return c.Value, nil
			}
		}
	}
	return "", fmt.Errorf("sign in: the callback answered %d without a session: %s", resp.StatusCode, page)
}
