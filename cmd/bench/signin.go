package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/latchkey/latchkey/internal/devserver"
	"github.com/latchkey/latchkey/internal/session"
)

var (
	pickerAction = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	pickerID     = regexp.MustCompile(`name="id" value="([^"]+)"`)
)

// signIn signs in to the local server at base through its built-in
// development provider as the seeded user sub, the way a browser does (the
// app's login, the provider's picker page, the form, the callback), and
// returns the session cookie's value. Cookies are kept by hand, by name, as
// a browser on loopback keeps Secure cookies over http.
func signIn(ctx context.Context, base, sub string) (string, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	jar := map[string]string{}
	do := func(method, target, form string) (*http.Response, string, error) {
		if strings.HasPrefix(target, "/") {
			target = base + target
		}
		if !strings.HasPrefix(target, base+"/") {
			return nil, "", fmt.Errorf("sign-in went to %q, off the local server", target)
		}
		req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(form))
		if err != nil {
			return nil, "", err
		}
		var pairs []string
		for k, v := range jar {
			pairs = append(pairs, k+"="+v)
		}
		if len(pairs) > 0 {
			req.Header.Set("Cookie", strings.Join(pairs, "; "))
		}
		if form != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", base)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		for _, c := range resp.Cookies() {
			if c.Value == "" || c.MaxAge < 0 {
				delete(jar, c.Name)
			} else {
				jar[c.Name] = c.Value
			}
		}
		return resp, string(body), err
	}

	resp, _, err := do("GET", "/api/auth/login?return_to=/", "")
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, base+devserver.DevProviderPath) {
		return "", fmt.Errorf("sign in: login answered %d to %q; want the development provider (is LATCHKEY_OIDC_ISSUER set?)", resp.StatusCode, loc)
	}
	var page string
	for range 5 { // to the provider's picker page
		if resp, page, err = do("GET", loc, ""); err != nil {
			return "", fmt.Errorf("sign in: %w", err)
		}
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
			break
		}
		loc = resp.Header.Get("Location")
	}
	action, id := pickerAction.FindStringSubmatch(page), pickerID.FindStringSubmatch(page)
	if action == nil || id == nil {
		return "", errors.New("sign in: no user picker on the development provider's page")
	}
	form := url.Values{"id": {html.UnescapeString(id[1])}, "user": {sub}}
	if resp, _, err = do("POST", html.UnescapeString(action[1]), form.Encode()); err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	callback := resp.Header.Get("Location")
	if !strings.HasPrefix(callback, base+"/api/auth/callback?") {
		return "", fmt.Errorf("sign in: picking %s answered %d; want the callback", sub, resp.StatusCode)
	}
	if resp, _, err = do("GET", callback, ""); err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	token := jar[session.CookieName]
	if resp.StatusCode != http.StatusSeeOther || token == "" {
		return "", fmt.Errorf("sign in: the callback answered %d without a session", resp.StatusCode)
	}
	return token, nil
}
