package devidp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/internal/devidp"
)

var testUsers = []devidp.User{
	{Subject: "ada", Email: "ada@example.com", Name: "Ada Author"},
	{Subject: "eve", Email: "eve@example.com", Name: "Eve Editor", Groups: []string{"editors"}},
	{Subject: "rex", Email: "rex@example.com", Name: "Rex Reader"},
}

// env is a local server with the provider mounted under /dev-idp/, beside
// an app at /, the way the dev server mounts it.
type env struct {
	srv      *httptest.Server
	issuer   string
	callback string
	oauth    oauth2.Config
	clock    *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time                        { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration)                   { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func newEnv(t *testing.T, users []devidp.User) *env {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "the app", http.StatusTeapot) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &env{srv: srv, issuer: srv.URL + "/dev-idp", callback: srv.URL + "/api/auth/callback", clock: &clock{t: time.Now()}}
	client := devidp.Client{
		ID: "latchkey-dev", Secret: "s3cret",
		RedirectURIs: []string{e.callback}, PostLogoutRedirectURIs: []string{srv.URL + "/"},
	}
	h, err := devidp.NewWithClock(e.issuer, client, users, e.clock.now)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux.Handle("/dev-idp/", h)
	e.oauth = oauth2.Config{
		ClientID: client.ID, ClientSecret: client.Secret, RedirectURL: e.callback,
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
		Endpoint: oauth2.Endpoint{
			AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInHeader, // client_secret_basic
		},
	}
	return e
}

func (e *env) ctx() context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())
}

// get fetches u without following redirects.
func (e *env) get(t *testing.T, u string) *http.Response {
	t.Helper()
	c := e.srv.Client()
	c.CheckRedirect = noRedirects
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// pick posts the picker's form as a browser on this origin would.
func (e *env) pick(t *testing.T, id, user string, header http.Header) *http.Response {
	t.Helper()
	return e.post(t, url.Values{"id": {id}, "user": {user}}, header)
}

// post posts form to the picker as a browser on this origin would, with
// header's values over the browser's.
func (e *env) post(t *testing.T, form url.Values, header http.Header) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range header {
		req.Header[k] = v
	}
	c := e.srv.Client()
	c.CheckRedirect = noRedirects
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST login: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// flow is one sign-in's secrets, as the relying party keeps them.
type flow struct{ state, nonce, verifier string }

func newFlow() flow {
	return flow{state: oauth2.GenerateVerifier(), nonce: oauth2.GenerateVerifier(), verifier: oauth2.GenerateVerifier()}
}

func (e *env) authURL(f flow) string {
	return e.oauth.AuthCodeURL(f.state, oidc.Nonce(f.nonce), oauth2.S256ChallengeOption(f.verifier))
}

var idField = regexp.MustCompile(`name="id" value="([^"]+)"`)

// picker follows the authorize endpoint to the picker and returns the page
// and the request id its form carries.
func (e *env) picker(t *testing.T, authURL string) (page, id string) {
	t.Helper()
	resp := e.get(t, authURL)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, e.issuer+"/login?") {
		t.Fatalf("authorize = %d to %q; want 302 to the picker", resp.StatusCode, loc)
	}
	resp = e.get(t, loc)
	body := readAll(t, resp)
	m := idField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("picker = %d, %q; want 200 with the request id", resp.StatusCode, body)
	}
	return body, m[1]
}

// signIn runs the flow up to the code, as user.
func (e *env) signIn(t *testing.T, f flow, user string) (code string) {
	t.Helper()
	_, id := e.picker(t, e.authURL(f))
	resp := e.pick(t, id, user, nil)
	q := e.redirected(t, resp)
	if q.Get("state") != f.state || q.Get("code") == "" {
		t.Fatalf("redirect query = %v; want the code and state %q", q, f.state)
	}
	return q.Get("code")
}

// redirected checks that resp sends the browser to the callback, and
// returns that URL's query.
func (e *env) redirected(t *testing.T, resp *http.Response) url.Values {
	t.Helper()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), e.callback+"?") {
		t.Fatalf("answer = %d to %q; want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), e.callback)
	}
	return loc.Query()
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}
