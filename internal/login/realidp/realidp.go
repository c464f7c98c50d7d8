// Package realidp is test infrastructure: it runs a real, independent OpenID
// provider — the npm package oidc-provider, configured by
// testdata/oidc-provider/server.mjs — on 127.0.0.1, and signs in through its
// development login and consent pages with a Go HTTP client, so that login
// is tested against a provider Latchkey did not write rather than a mock.
// oidc-provider comes from the repository's package.json (`make deps` runs
// npm ci).
//
// The provider has one confidential client (client_secret_basic, the
// authorization code flow, PKCE S256 required) and puts the claims of the
// granted scopes — email, email_verified, name, groups — in the ID token,
// signed with RS256 by a key made for each run. Any login name signs in;
// password is not checked. Fixed accounts:
//
//	alice  alice@example.com, email_verified, name "Alice Author", groups []
//	erin   erin@example.com, email_verified, name "Erin Editor", groups ["editors"]
//	other  sub and name = login, email <login>@example.com, email_verified, groups []
//
// The subject (sub) is the login name.
package realidp

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/testproc"
)

// clientID is the client id of the provider's one client.
const clientID = "latchkey-test"

const (
	// startTimeout bounds how long Start waits for the provider to listen.
	startTimeout = 15 * time.Second
	// stopTimeout bounds how long Close waits after SIGTERM before it kills.
	stopTimeout = 5 * time.Second
)

// Options configure the provider's client.
type Options struct {
	// RedirectURIs are the client's registered redirect URIs; at least one
	// is required. oidc-provider compares them exactly with the
	// redirect_uri of an authorization request.
	RedirectURIs []string
	// PostLogoutRedirectURIs are where RP-initiated logout (the provider's
	// end_session_endpoint) may send the user back to; optional.
	PostLogoutRedirectURIs []string
}

// Provider is a running oidc-provider process.
type Provider struct {
	// Issuer is the provider's issuer and base URL, http://127.0.0.1:<port>;
	// discovery is at Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID and ClientSecret are the client's credentials, to be sent
	// with HTTP Basic authentication (oauth2.AuthStyleInHeader). The secret
	// is new for each provider.
	ClientID, ClientSecret string

	issuer    *url.URL
	proc      *testproc.Proc
	closeOnce sync.Once
	closeErr  error
}

// Start runs oidc-provider on a free loopback port for a client whose only
// redirect URI is redirectURI, and whose post-logout redirect URI is the
// root ("/") of redirectURI's origin. It returns once the provider accepts
// connections; stop it with Close.
//
// Start needs the relying party's redirect URI, while the relying party
// usually needs the provider's Issuer: create the relying party's server
// with httptest.NewUnstartedServer, take the redirect URI from its
// Listener.Addr(), start the provider, then configure and start the server.
// An already started server's URL works too.
func Start(redirectURI string) (*Provider, error) {
	opts := Options{RedirectURIs: []string{redirectURI}}
	if u, err := url.Parse(redirectURI); err == nil && u.Scheme != "" && u.Host != "" {
		opts.PostLogoutRedirectURIs = []string{u.Scheme + "://" + u.Host + "/"}
	}
	return StartWith(opts)
}

// StartWith is Start with every redirect URI given in opts.
func StartWith(opts Options) (*Provider, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("start oidc-provider: %w", err)
	}
	root, err := testproc.RepoRoot()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "oidc-provider", "package.json")); err != nil {
		return nil, errors.New("oidc-provider is not installed: run `make deps` (npm ci)")
	}
	script := filepath.Join(root, "testdata", "oidc-provider", "server.mjs")
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("start oidc-provider: %w", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("start oidc-provider: %w", err)
	}
	secret, err := newSecret()
	if err != nil {
		return nil, fmt.Errorf("start oidc-provider: %w", err)
	}
	// The script exits at once with EADDRINUSE when the port was taken
	// meanwhile, and another port is tried.
	return testproc.OnFreePort("oidc-provider", func(port int) (*Provider, error) {
		return start(node, script, port, secret, opts)
	})
}

func (o Options) validate() error {
	var errs []error
	if len(o.RedirectURIs) == 0 {
		errs = append(errs, errors.New("no redirect URI"))
	}
	check := func(kind, s string) {
		u, err := url.Parse(s)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s %q: %w", kind, s, err))
		case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			errs = append(errs, fmt.Errorf("%s %q is not an absolute http(s) URL", kind, s))
		case u.Fragment != "" || strings.ContainsAny(s, " \t\n#"):
			errs = append(errs, fmt.Errorf("%s %q has a fragment or white space", kind, s))
		}
	}
	for _, s := range o.RedirectURIs {
		check("redirect URI", s)
	}
	for _, s := range o.PostLogoutRedirectURIs {
		check("post-logout redirect URI", s)
	}
	return errors.Join(errs...)
}

func start(node, script string, port int, secret string, opts Options) (*Provider, error) {
	issuer := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	issuerURL, err := url.Parse(issuer)
	if err != nil {
		return nil, fmt.Errorf("start oidc-provider: %w", err)
	}
	// Run the script with node itself, not through npx, so that the PID
	// signalled is the provider's. The secret goes in the environment,
	// not in arguments other processes can read.
	cmd := exec.Command(node, script)
	cmd.Env = append(os.Environ(),
		"OIDC_PORT="+strconv.Itoa(port),
		"OIDC_CLIENT_ID="+clientID,
		"OIDC_CLIENT_SECRET="+secret,
		"OIDC_REDIRECT_URIS="+strings.Join(opts.RedirectURIs, " "),
		"OIDC_POST_LOGOUT_REDIRECT_URIS="+strings.Join(opts.PostLogoutRedirectURIs, " "),
	)
	// The script prints this line from listen's callback, once the
	// provider is built and the port bound.
	listening := "oidc-provider listening on " + issuer
	proc, err := testproc.Start("oidc-provider", issuer, cmd, func(out string) bool {
		return strings.Contains(out, listening)
	}, startTimeout)
	if err != nil {
		return nil, err
	}
	return &Provider{
		Issuer: issuer, ClientID: clientID, ClientSecret: secret,
		issuer: issuerURL, proc: proc,
	}, nil
}

// Close stops the provider: SIGTERM, on which it exits at once, then a kill
// if it has not exited within a few seconds. It waits for the process to
// end and may be called more than once.
func (p *Provider) Close() error {
	p.closeOnce.Do(func() { p.closeErr = p.proc.Stop(stopTimeout) })
	return p.closeErr
}

// Output returns what the provider has printed so far: oidc-provider's
// start-up warnings about its development-only settings, and any errors.
func (p *Provider) Output() string { return p.proc.Output() }

// newSecret returns a random client secret.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
