package main

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/internal/devserver"
)

// signIn signs in to the local server at base through its built-in
// development provider as the seeded user sub, the way a browser does, and
// returns the session cookie's value. Cookies are kept by hand, by name, as
// a browser on loopback keeps Secure cookies over http.
func signIn(ctx context.Context, base, sub string) (string, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	jar := map[string]string{}
	return devserver.SignIn(base, sub, func(method, target string, header map[string]string, body string) (*http.Response, string, error) {
		req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
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
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		page, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		for _, c := range resp.Cookies() {
			if c.Value == "" || c.MaxAge < 0 {
				delete(jar, c.Name)
			} else {
				jar[c.Name] = c.Value
			}
		}
		return resp, string(page), err
	})
}
