// Package devidp is the development OpenID provider of local runs (`make
// dev`): it lets a developer sign in to the local Latchkey as one of a few
// fixed users, by picking one on a page, without any external identity
// provider.
//
// The protocol (discovery, authorization code with PKCE, token, JWKS,
// userinfo, end_session) is zitadel's OpenID Provider library
// (github.com/zitadel/oidc/v3/pkg/op); this package adds the in-memory
// storage it needs, the user picker and stricter rules: PKCE with S256 is
// required, codes are single-use and live a minute, and redirects go only to
// the registered URIs. Keys and secrets live in memory and die with the
// process.
//
// It listens on nothing: New returns an http.Handler that the local server
// mounts. Only cmd/dev and internal/devserver may import it; a test checks
// that no Lambda function or the authorizer links it.
package devidp

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/latchkey/latchkey/internal/httpx"
)

// Client is the one relying party the provider knows: a confidential web
// client that authenticates at the token endpoint with client_secret_basic
// (client_secret_post is accepted too).
type Client struct {
	ID, Secret string
	// RedirectURIs are the only places codes are sent to, compared exactly.
	RedirectURIs []string
	// PostLogoutRedirectURIs are where end_session may send the browser
	// back to; the first is also where it goes when none is asked for.
	PostLogoutRedirectURIs []string
}

// User is someone to sign in as. The ID token and userinfo carry Subject as
// sub, Email with email_verified true (scope email), Name (scope profile)
// and, when there are any, Groups as the groups claim.
type User struct {
	Subject, Email, Name string
	Groups               []string
}

// Lifetimes. Codes are short-lived and single-use; a sign-in request must be
// finished on the picker within requestTTL.
const (
	requestTTL = 10 * time.Minute
	codeTTL    = time.Minute
	tokenTTL   = 5 * time.Minute
)

// Paths under the issuer that this package serves itself; the rest is the
// library's (authorize, oauth/token, keys, userinfo, end_session, …).
const (
	loginPath     = "/login"
	loggedOutPath = "/logged-out"
	// callbackPath is the library's way back from a login page to issue the
	// code. It is closed: the picker issues the code itself, in the same
	// request that picks the user, so that nobody can fetch a second code for
	// a request by its id.
	callbackPath = "/authorize/callback"
)

// New returns the development provider serving at issuer (for example
// "http://localhost:8080/dev-idp": https, or http on a loopback host; no
// trailing slash), with one client and the given users to pick from.
//
// The handler expects the full request path, issuer path included: mount it
// on the server's mux at the issuer's path plus "/" (mux.Handle("/dev-idp/",
// h)) without http.StripPrefix. Then discovery is at
// {issuer}/.well-known/openid-configuration and every endpoint it lists is
// under issuer.
func New(issuer string, client Client, users []User) (http.Handler, error) {
	return newHandler(issuer, client, users, time.Now)
}

func newHandler(issuer string, client Client, users []User, now func() time.Time) (http.Handler, error) {
	u, err := checkConfig(issuer, client, users)
	if err != nil {
		return nil, fmt.Errorf("devidp: %w", err)
	}
	st, err := newStorage(issuer, client, users, now)
	if err != nil {
		return nil, fmt.Errorf("devidp: %w", err)
	}
	logout := issuer + loggedOutPath
	if len(client.PostLogoutRedirectURIs) > 0 {
		logout = client.PostLogoutRedirectURIs[0]
	}
	cfg := &op.Config{
		CryptoKey:                randomKey(),
		DefaultLogoutRedirectURI: logout,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		SupportedUILocales:       []language.Tag{language.English},
		SupportedClaims:          append(append([]string(nil), op.DefaultSupportedClaims...), "groups"),
	}
	// No CORS: the relying party talks to the token endpoint from its
	// server, and browsers only navigate here.
	opts := []op.Option{op.WithCORSOptions(nil)}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure()) // loopback only, checked above
	}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("devidp: %w", err)
	}
	prefix := u.Path
	var protocol http.Handler = provider
	if prefix != "" {
		protocol = http.StripPrefix(prefix, provider)
	}
	return &handler{
		prefix:   prefix,
		protocol: protocol,
		picker:   newPicker(st, provider, issuer, u, client, users),
	}, nil
}

// checkConfig reports every problem with the configuration at once.
func checkConfig(issuer string, client Client, users []User) (*url.URL, error) {
	var errs []error
	u, err := url.Parse(issuer)
	switch {
	case err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
		errs = append(errs, fmt.Errorf("issuer %q: want a URL like http://localhost:8080/dev-idp", issuer))
		u = &url.URL{}
	case !httpx.SecureURL(u):
		errs = append(errs, fmt.Errorf("issuer %q: want https (http only on a loopback host)", issuer))
	case strings.HasSuffix(u.Path, "/"):
		errs = append(errs, fmt.Errorf("issuer %q: no trailing slash", issuer))
	}
	if client.ID == "" || client.Secret == "" {
		errs = append(errs, errors.New("the client needs an ID and a secret"))
	}
	if len(client.RedirectURIs) == 0 {
		errs = append(errs, errors.New("the client needs a redirect URI"))
	}
	if len(users) == 0 {
		errs = append(errs, errors.New("no users to sign in as"))
	}
	seen := map[string]bool{}
	for _, usr := range users {
		if usr.Subject == "" || seen[usr.Subject] {
			errs = append(errs, fmt.Errorf("user %q: want a unique, non-empty subject", usr.Email))
		}
		seen[usr.Subject] = true
	}
	return u, errors.Join(errs...)
}

// handler routes a request by its path under the issuer: the picker's own
// pages here, the protocol to the library with the issuer path stripped.
type handler struct {
	prefix   string
	protocol http.Handler
	picker   *picker
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		http.NotFound(w, r)
		return
	}
	switch rest {
	case loginPath:
		h.picker.login(w, r)
	case loggedOutPath:
		h.picker.loggedOut(w, r)
	case callbackPath:
		http.NotFound(w, r)
	default:
		h.protocol.ServeHTTP(w, r)
	}
}
