// Package browsertest is test infrastructure: an HTTP client that keeps
// Latchkey's cookies the way a browser on localhost does, and records every
// Set-Cookie and body it sees so tests can check them for leaks.
//
// Go's cookie jar never sends a Secure cookie over http, but browsers treat
// loopback as a secure context and do; so the cookies are kept by hand, by
// name, for one origin.
package browsertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Browser talks to one origin without following redirects.
type Browser struct {
	T       testing.TB
	Base    string
	Cookies map[string]string
	// SetCookies and Bodies record every Set-Cookie and response body.
	SetCookies []string
	Bodies     []string
	client     *http.Client
}

// New returns a browser for the origin base.
func New(t testing.TB, base string) *Browser {
	return &Browser{T: t, Base: base, Cookies: map[string]string{}, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Do sends a request (path relative to Base, or an absolute URL) with the
// kept cookies, the given headers and a JSON body if any, and keeps the
// cookies the answer sets.
func (b *Browser) Do(method, path string, header map[string]string, body string) (*http.Response, string) {
	b.T.Helper()
	url := path
	if strings.HasPrefix(path, "/") {
		url = b.Base + path
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		b.T.Fatal(err)
	}
	var pairs []string
	for k, v := range b.Cookies {
		pairs = append(pairs, k+"="+v)
	}
	if len(pairs) > 0 && strings.HasPrefix(url, b.Base) {
		req.Header.Set("Cookie", strings.Join(pairs, "; "))
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	b.Bodies = append(b.Bodies, string(raw))
	if strings.HasPrefix(url, b.Base) {
		for _, c := range resp.Header.Values("Set-Cookie") {
			b.SetCookies = append(b.SetCookies, c)
			name, rest, _ := strings.Cut(c, "=")
			value, _, _ := strings.Cut(rest, ";")
			if value == "" || strings.Contains(c, "Max-Age=0") {
				delete(b.Cookies, name)
			} else {
				b.Cookies[name] = value
			}
		}
	}
	return resp, string(raw)
}

// Unstarted returns a server that listens on a loopback port but does not
// serve yet, and its origin (http://127.0.0.1:port): a test configures
// what it serves with that origin as its public URL, sets the handler and
// starts it. The server is closed when the test ends.
func Unstarted(tb testing.TB) (*httptest.Server, string) {
	srv := httptest.NewUnstartedServer(nil)
	tb.Cleanup(srv.Close)
	return srv, "http://" + srv.Listener.Addr().String()
}
