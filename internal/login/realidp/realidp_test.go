package realidp_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/internal/login/realidp"
)

// One provider for every test: node takes most of a second to start. The
// relying party's callback counts its requests: SignIn must not make any.
var (
	idp           *realidp.Provider
	callbackURL   string
	callbackCalls atomic.Int64
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		callbackCalls.Add(1)
		http.Error(w, "the relying party is not under test", http.StatusTeapot)
	}))
	defer rp.Close()
	callbackURL = rp.URL + "/auth/callback"

	var err error
	idp, err = realidp.Start(callbackURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := idp.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "oidc-provider output:\n%s\n", idp.Output())
	}
	return code
}

// idTokenClaims are the claims the tests expect in the ID token.
type idTokenClaims struct {
	Subject       string   `json:"sub"`
	Email         string   `json:"email"`
	EmailVerified *bool    `json:"email_verified"`
	Name          string   `json:"name"`
	Groups        []string `json:"groups"`
	Nonce         string   `json:"nonce"`
}

// flow is one authorization request of the relying party.
type flow struct {
	cfg      *oauth2.Config
	verifier *oidc.IDTokenVerifier
	state    string
	nonce    string
	pkce     string // the PKCE verifier
}

func newFlow(ctx context.Context, t *testing.T) *flow {
	t.Helper()
	provider, err := oidc.NewProvider(ctx, idp.Issuer)
	if err != nil {
		t.Fatalf("oidc.NewProvider(%q): %v", idp.Issuer, err)
	}
	endpoint := provider.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInHeader
	return &flow{
		cfg: &oauth2.Config{
			ClientID:     idp.ClientID,
			ClientSecret: idp.ClientSecret,
			Endpoint:     endpoint,
			RedirectURL:  callbackURL,
			Scopes:       []string{oidc.ScopeOpenID, "email", "profile", "groups"},
		},
		verifier: provider.Verifier(&oidc.Config{ClientID: idp.ClientID}),
		state:    randomString(t),
		nonce:    randomString(t),
		pkce:     oauth2.GenerateVerifier(),
	}
}

func (f *flow) authorizeURL() string {
	return f.cfg.AuthCodeURL(f.state,
		oauth2.S256ChallengeOption(f.pkce),
		oauth2.SetAuthURLParam("nonce", f.nonce))
}

// signIn signs in as login with a new cookie jar and returns the code from
// the callback URL, having checked the callback's state and iss.
func (f *flow) signIn(ctx context.Context, t *testing.T, login string) string {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	before := callbackCalls.Load()
	cb, err := idp.SignIn(ctx, &http.Client{Jar: jar}, f.authorizeURL(), login)
	if err != nil {
		t.Fatalf("SignIn(%q): %v", login, err)
	}
	if n := callbackCalls.Load() - before; n != 0 {
		t.Errorf("SignIn(%q) requested the callback %d times; want 0", login, n)
	}
	if got, want := cb.Scheme+"://"+cb.Host+cb.Path, callbackURL; got != want {
		t.Errorf("SignIn(%q) = %s; want the callback %s", login, cb, want)
	}
	q := cb.Query()
	if e := q.Get("error"); e != "" {
		t.Fatalf("SignIn(%q): the provider returned error %q: %q", login, e, q.Get("error_description"))
	}
	if got := q.Get("state"); got != f.state {
		t.Errorf("SignIn(%q) state = %q; want %q", login, got, f.state)
	}
	if got := q.Get("iss"); got != idp.Issuer {
		t.Errorf("SignIn(%q) iss = %q; want %q", login, got, idp.Issuer)
	}
	code := q.Get("code")
	if code == "" {
		t.Fatalf("SignIn(%q) = %s; want a code", login, cb)
	}
	return code
}

func TestSignInPutsClaimsInIDToken(t *testing.T) {
	t.Parallel()
	yes := true
	tests := []struct {
		name  string
		login string
		want  idTokenClaims
	}{
		{"editor", "erin", idTokenClaims{
			Subject: "erin", Email: "erin@example.com", EmailVerified: &yes,
			Name: "Erin Editor", Groups: []string{"editors"},
		}},
		{"no groups", "alice", idTokenClaims{
			Subject: "alice", Email: "alice@example.com", EmailVerified: &yes,
			Name: "Alice Author", Groups: []string{},
		}},
		{"any other login", "zed", idTokenClaims{
			Subject: "zed", Email: "zed@example.com", EmailVerified: &yes,
			Name: "zed", Groups: []string{},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			f := newFlow(ctx, t)
			code := f.signIn(ctx, t, tc.login)

			tok, err := f.cfg.Exchange(ctx, code, oauth2.VerifierOption(f.pkce))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			raw, ok := tok.Extra("id_token").(string)
			if !ok {
				t.Fatal("Exchange: no id_token in the token response")
			}
			idToken, err := f.verifier.Verify(ctx, raw)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			var got idTokenClaims
			if err := idToken.Claims(&got); err != nil {
				t.Fatalf("Claims: %v", err)
			}
			want := tc.want
			want.Nonce = f.nonce
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ID token claims = %s; want %s", printable(got), printable(want))
			}
			if idToken.Nonce != f.nonce {
				t.Errorf("IDToken.Nonce = %q; want %q", idToken.Nonce, f.nonce)
			}
		})
	}
}

func TestCodeIsSingleUse(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFlow(ctx, t)
	code := f.signIn(ctx, t, "erin")

	if _, err := f.cfg.Exchange(ctx, code, oauth2.VerifierOption(f.pkce)); err != nil {
		t.Fatalf("first Exchange: %v", err)
	}
	_, err := f.cfg.Exchange(ctx, code, oauth2.VerifierOption(f.pkce))
	assertInvalidGrant(t, "second Exchange", err)
}

func TestExchangeNeedsPKCEVerifier(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFlow(ctx, t)
	code := f.signIn(ctx, t, "erin")

	_, err := f.cfg.Exchange(ctx, code)
	assertInvalidGrant(t, "Exchange without a verifier", err)
	_, err = f.cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	assertInvalidGrant(t, "Exchange with another verifier", err)
}

func TestAuthorizeNeedsPKCE(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFlow(ctx, t)
	jar, _ := cookiejar.New(nil)
	cb, err := idp.SignIn(ctx, &http.Client{Jar: jar}, f.cfg.AuthCodeURL(f.state), "erin")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	// The redirect URI is known, so the provider refuses by redirecting.
	if got := cb.Query().Get("error"); got != "invalid_request" {
		t.Errorf("SignIn without a code challenge = %s; want error=invalid_request", cb)
	}
}

func TestSignInFollowsRelyingPartyRedirect(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFlow(ctx, t)
	// A relying-party login endpoint that redirects to the provider, as
	// Latchkey's does.
	login := httptest.NewServer(http.RedirectHandler(f.authorizeURL(), http.StatusFound))
	t.Cleanup(login.Close)
	jar, _ := cookiejar.New(nil)
	cb, err := idp.SignIn(ctx, &http.Client{Jar: jar}, login.URL+"/login", "erin")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if cb.Query().Get("code") == "" || cb.Query().Get("state") != f.state {
		t.Errorf("SignIn = %s; want a code and state %q", cb, f.state)
	}
}

func TestSignInErrors(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFlow(ctx, t)
	jar, _ := cookiejar.New(nil)
	tests := []struct {
		name   string
		client *http.Client
		url    string
		want   []string // substrings of the error
	}{
		{
			name:   "unregistered redirect URI",
			client: &http.Client{Jar: jar},
			url: strings.Replace(f.authorizeURL(), url.QueryEscape(callbackURL),
				url.QueryEscape("http://127.0.0.1:1/elsewhere"), 1),
			want: []string{"400 Bad Request", "redirect_uri did not match"},
		},
		{
			name:   "no cookie jar",
			client: &http.Client{},
			url:    f.authorizeURL(),
			want:   []string{"no cookie jar"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := idp.SignIn(ctx, tc.client, tc.url, "erin")
			if err == nil {
				t.Fatalf("SignIn = nil error; want one with %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("SignIn error = %v; want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestCloseTwice(t *testing.T) {
	t.Parallel()
	p, err := realidp.Start(callbackURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := http.Get(p.Issuer + "/jwks"); err == nil {
		t.Errorf("GET %s/jwks after Close succeeded; want the provider gone", p.Issuer)
	}
}

func TestStartValidatesOptions(t *testing.T) {
	t.Parallel()
	_, err := realidp.StartWith(realidp.Options{
		RedirectURIs:           []string{"/relative", "http://127.0.0.1/a b"},
		PostLogoutRedirectURIs: []string{"ftp://127.0.0.1/"},
	})
	if err == nil {
		t.Fatal("StartWith(bad options) = nil error")
	}
	// Every problem at once.
	for _, w := range []string{"/relative", "a b", "ftp://"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("StartWith error = %v; want it to mention %q", err, w)
		}
	}
}

// Not parallel: it changes the working directory, from which Start finds
// the repository root.
func TestStartWithoutOIDCProvider(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/empty\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	_, err := realidp.Start(callbackURL)
	want := "oidc-provider is not installed: run `make deps` (npm ci)"
	if err == nil || err.Error() != want {
		t.Errorf("Start without node_modules = %v; want %q", err, want)
	}
}

func assertInvalidGrant(t *testing.T, what string, err error) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("%s = %v; want an *oauth2.RetrieveError", what, err)
	}
	if re.ErrorCode != "invalid_grant" {
		t.Errorf("%s error code = %q (%s); want invalid_grant", what, re.ErrorCode, re.ErrorDescription)
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func randomString(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// printable shows EmailVerified's value rather than its address.
func printable(c idTokenClaims) string {
	ev := "<nil>"
	if c.EmailVerified != nil {
		ev = fmt.Sprint(*c.EmailVerified)
	}
	return fmt.Sprintf("{sub:%q email:%q email_verified:%s name:%q groups:%q nonce:%q}",
		c.Subject, c.Email, ev, c.Name, c.Groups, c.Nonce)
}
