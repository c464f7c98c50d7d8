package devidp_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/devidp"
)

func TestPickerPage(t *testing.T) {
	e := newEnv(t, testUsers)
	resp := e.get(t, e.get(t, e.authURL(newFlow())).Header.Get("Location"))
	page := readAll(t, resp)
	for _, u := range testUsers {
		button := `value="` + u.Subject + `">` + u.Name + " &lt;" + u.Email + "&gt;</button>"
		if !strings.Contains(page, button) {
			t.Errorf("picker lacks the button %s:\n%s", button, page)
		}
	}
	if n := strings.Count(page, "<button"); n != len(testUsers)+1 {
		t.Errorf("picker has %d buttons; want %d and Cancel", n, len(testUsers))
	}
	if !strings.Contains(page, `<button type="submit" name="cancel" value="1">Cancel</button>`) {
		t.Errorf("picker lacks Cancel:\n%s", page)
	}
	if !strings.Contains(page, `<form method="post" action="/dev-idp/login">`) || strings.Contains(page, "<script") || strings.Contains(page, "style=") {
		t.Errorf("picker is not a plain same-origin form without script or inline style:\n%s", page)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "form-action 'self' " + e.srv.URL, "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy = %q; want %q in it", csp, want)
		}
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers = %v; want framing denied and no-store", resp.Header)
	}
}

func TestPickerEscapes(t *testing.T) {
	evil := `Mallory "<script>alert(1)</script>`
	e := newEnv(t, []devidp.User{{Subject: `m"><b>`, Email: "m@example.com", Name: evil}})
	page, _ := e.picker(t, e.authURL(newFlow()))
	if strings.Contains(page, "<script>") || strings.Contains(page, `"><b>`) || !strings.Contains(page, html.EscapeString("<script>")) {
		t.Errorf("picker does not escape the user:\n%s", page)
	}
}

// TestPickerCancel: Cancel sends the browser back to the client with
// error=access_denied and the request's state, as a real provider does when
// the person says no; the request is then gone. A cross-site Cancel is
// refused like a cross-site pick.
func TestPickerCancel(t *testing.T) {
	e := newEnv(t, testUsers)
	f := newFlow()
	_, id := e.picker(t, e.authURL(f))
	if resp := e.post(t, url.Values{"id": {id}, "cancel": {"1"}}, http.Header{"Origin": {"https://evil.example"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site cancel = %d; want 403", resp.StatusCode)
	}
	resp := e.post(t, url.Values{"id": {id}, "cancel": {"1"}}, nil)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), e.callback+"?") {
		t.Fatalf("cancel = %d to %q; want 302 to the callback", resp.StatusCode, resp.Header.Get("Location"))
	}
	if q := loc.Query(); q.Get("error") != "access_denied" || q.Get("state") != f.state || q.Get("code") != "" {
		t.Fatalf("cancel's answer = %v; want error=access_denied with the state and no code", q)
	}
	if r := e.pick(t, id, "ada", nil); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("pick after cancel = %d; want 400", r.StatusCode)
	}
}

// TestPickerRefuses covers forgery and replays of the picker's form, and
// the library's own way back from a login page, which is closed.
func TestPickerRefuses(t *testing.T) {
	e := newEnv(t, testUsers)
	tests := []struct {
		name       string
		post       func(t *testing.T, id string) *http.Response
		wantStatus int
	}{
		{"cross-site Origin", func(t *testing.T, id string) *http.Response {
			return e.pick(t, id, "eve", http.Header{"Origin": {"https://evil.example"}})
		}, http.StatusForbidden},
		{"Origin null", func(t *testing.T, id string) *http.Response {
			return e.pick(t, id, "eve", http.Header{"Origin": {"null"}})
		}, http.StatusForbidden},
		{"cross-site fetch without Origin", func(t *testing.T, id string) *http.Response {
			return e.pick(t, id, "eve", http.Header{"Origin": nil, "Sec-Fetch-Site": {"cross-site"}})
		}, http.StatusForbidden},
		{"unknown request", func(t *testing.T, _ string) *http.Response {
			return e.pick(t, "guessed", "eve", nil)
		}, http.StatusBadRequest},
		{"unknown user", func(t *testing.T, id string) *http.Response {
			return e.pick(t, id, "mallory", nil)
		}, http.StatusBadRequest},
		{"picked twice", func(t *testing.T, id string) *http.Response {
			if r := e.pick(t, id, "ada", nil); r.StatusCode != http.StatusFound {
				t.Fatalf("first pick = %d; want 302", r.StatusCode)
			}
			return e.pick(t, id, "eve", nil)
		}, http.StatusBadRequest},
		{"request expired", func(t *testing.T, id string) *http.Response {
			e.clock.add(11 * time.Minute)
			return e.pick(t, id, "eve", nil)
		}, http.StatusBadRequest},
		{"library callback after a pick", func(t *testing.T, id string) *http.Response {
			e.pick(t, id, "ada", nil)
			return e.get(t, e.issuer+"/authorize/callback?id="+url.QueryEscape(id))
		}, http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, id := e.picker(t, e.authURL(newFlow()))
			resp := tc.post(t, id)
			if resp.StatusCode != tc.wantStatus || resp.Header.Get("Location") != "" {
				t.Errorf("answer = %d to %q; want %d and no redirect", resp.StatusCode, resp.Header.Get("Location"), tc.wantStatus)
			}
		})
	}
	t.Run("unknown request on GET", func(t *testing.T) {
		if r := e.get(t, e.issuer+"/login?id=guessed"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("GET login = %d; want 400", r.StatusCode)
		}
	})
}

func TestEndSession(t *testing.T) {
	e := newEnv(t, testUsers)
	tests := []struct {
		name, query, wantStatus, wantLocation string
	}{
		{"registered post-logout URI", "client_id=latchkey-dev&post_logout_redirect_uri=" + url.QueryEscape(e.srv.URL+"/"), "302", e.srv.URL + "/"},
		{"none asked for", "", "302", e.srv.URL + "/"},
		{"unregistered post-logout URI", "client_id=latchkey-dev&post_logout_redirect_uri=" + url.QueryEscape("https://evil.example/"), "400", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.get(t, e.issuer+"/end_session?"+tc.query)
			if got := resp.Status[:3]; got != tc.wantStatus || resp.Header.Get("Location") != tc.wantLocation {
				t.Errorf("end_session = %s to %q; want %s to %q", got, resp.Header.Get("Location"), tc.wantStatus, tc.wantLocation)
			}
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	good := devidp.Client{ID: "c", Secret: "s", RedirectURIs: []string{"http://localhost:8080/api/auth/callback"}}
	tests := []struct {
		name   string
		issuer string
		client devidp.Client
		users  []devidp.User
	}{
		{"http beyond loopback", "http://dev.example.com/dev-idp", good, testUsers},
		{"another scheme on loopback", "ftp://localhost:8080/dev-idp", good, testUsers},
		{"trailing slash", "http://localhost:8080/dev-idp/", good, testUsers},
		{"query", "http://localhost:8080/dev-idp?x=1", good, testUsers},
		{"not a URL", "dev-idp", good, testUsers},
		{"no secret", "http://localhost:8080/dev-idp", devidp.Client{ID: "c", RedirectURIs: good.RedirectURIs}, testUsers},
		{"no redirect URI", "http://localhost:8080/dev-idp", devidp.Client{ID: "c", Secret: "s"}, testUsers},
		{"no users", "http://localhost:8080/dev-idp", good, nil},
		{"duplicate subject", "http://localhost:8080/dev-idp", good, []devidp.User{{Subject: "a"}, {Subject: "a"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := devidp.New(tc.issuer, tc.client, tc.users); err == nil {
				t.Errorf("New(%q, %+v, %d users) = nil error; want one", tc.issuer, tc.client, len(tc.users))
			}
		})
	}
}
