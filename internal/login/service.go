package login

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/seclog"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// loginTTL is how long a sign-in may take, and the login cookie's Max-Age.
const loginTTL = 10 * time.Minute

// Service is sign-in and sign-out over one identity provider.
type Service struct {
	Provider  Provider
	Users     store.UserStore
	Sessions  store.SessionStore
	Config    config.Config
	Lifetimes session.Lifetimes
	Log       *slog.Logger
	Now       func() time.Time
	Rand      io.Reader
	// ProviderTimeout bounds the calls to the identity provider that one
	// request makes (discovery, code exchange, keys, userinfo), well inside
	// the sign-in functions' Lambda timeout; 0 means DefaultProviderTimeout.
	ProviderTimeout time.Duration
	// Events records sign-ins in the user's security log.
	Events seclog.Recorder
	sealer *sealer
}

// DefaultProviderTimeout is ProviderTimeout's default. It leaves the rest
// of the sign-in functions' Lambda timeout (infra's sizing, which
// TestSignInTimeoutOutlastsTheProvider holds above it) for the store's
// writes and the answer.
const DefaultProviderTimeout = 8 * time.Second

func (s *Service) providerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	d := s.ProviderTimeout
	if d <= 0 {
		d = DefaultProviderTimeout
	}
	return context.WithTimeout(ctx, d)
}

// NewService builds the service from the dependencies: the provider the
// configuration names (OpenID Connect, or GitHub), and the login cookie's
// sealing key.
func NewService(d deps.Deps) (*Service, error) {
	r := d.Rand
	if r == nil {
		r = rand.Reader
	}
	p, err := ProviderFromConfig(d.Config, d.Now)
	if err != nil {
		return nil, err
	}
	sl, err := newSealer(d.Config.LoginKey, r)
	if err != nil {
		return nil, fmt.Errorf("LATCHKEY_LOGIN_KEY: %w", err)
	}
	return &Service{
		Provider: p, Users: d.Stores.Users, Sessions: d.Stores.Sessions, Config: d.Config,
		Lifetimes: session.Lifetimes{Absolute: d.Config.SessionTTL, Idle: d.Config.SessionIdle},
		Log:       d.Log, Now: d.Now, Rand: r, Events: seclog.For(d), sealer: sl,
	}, nil
}

// ErrNoProvider is sign-in with no identity provider configured.
var ErrNoProvider = errors.New("sign-in is not configured: set LATCHKEY_OIDC_ISSUER (or LATCHKEY_GITHUB_CLIENT_ID)")

// RedirectURI is where the identity provider sends a browser back to:
// GET /api/auth/callback at publicURL (LATCHKEY_PUBLIC_URL). A provider's
// client must list exactly this address.
func RedirectURI(publicURL string) string {
	return publicURL + "/api/auth/callback"
}

// ProviderFromConfig returns the configured identity provider.
func ProviderFromConfig(c config.Config, now func() time.Time) (Provider, error) {
	redirect := RedirectURI(c.PublicURL)
	httpClient := &http.Client{Timeout: 10 * time.Second}
	switch {
	case c.GitHubClientID != "":
		return &GitHub{
			ClientID: c.GitHubClientID, ClientSecret: c.GitHubClientSecret, RedirectURL: redirect,
			WebURL: c.GitHubURL, APIURL: c.GitHubAPIURL, HTTPClient: httpClient,
		}, nil
	case c.OIDCIssuer != "":
		var extra []string
		if c.EditorGroup != "" {
			extra = []string{"groups"}
		}
		return &OIDC{
			ExtraScopes: extra,
			IssuerURL:   c.OIDCIssuer, ClientID: c.OIDCClientID, ClientSecret: c.OIDCClientSecret,
			RedirectURL: redirect, HTTPClient: httpClient, Now: now,
		}, nil
	}
	return nil, ErrNoProvider
}

func (s *Service) random() (string, error) {
	return session.NewToken(s.Rand) // 32 random bytes, base64url
}

// SignIn finishes a sign-in: it creates or updates the user from the
// identity and starts a session, returning the session's token for the
// cookie.
func (s *Service) SignIn(ctx context.Context, id Identity, userAgent string) (string, store.User, error) {
	now := s.Now().UTC()
	issuer := id.Issuer
	if s.Config.UserIssuer != "" && issuer == s.Config.OIDCIssuer {
		// The local server's built-in provider: the same people on every port.
		issuer = s.Config.UserIssuer
	}
	// An unverified email grants nothing: anyone can type any address at
	// some providers.
	grants := s.Config.EditorGrants(id.Email, id.EmailVerified, id.Groups)
	roles := []string{}
	if len(grants) > 0 {
		roles = []string{"editor"}
	}
	u := store.User{
		ID: store.UserID(issuer, id.Subject), Issuer: issuer, Subject: id.Subject,
		Email: id.Email, Name: id.Name, Roles: roles, RoleGrants: grants, CreatedAt: now, UpdatedAt: now,
	}
	u, err := s.Users.Upsert(ctx, u)
	if err != nil {
		return "", store.User{}, fmt.Errorf("save user: %w", err)
	}
	token, err := s.random()
	if err != nil {
		return "", store.User{}, err
	}
	sess := store.Session{
		ID: session.ID(token), UserID: u.ID, Hash: session.Hash(token),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.Lifetimes.Absolute), UserAgent: cleanUserAgent(userAgent),
	}
	if !id.AuthTime.IsZero() && id.AuthTime.Before(now) {
		sess.AuthTime = id.AuthTime.UTC()
	}
	sess.ExpiresEpoch = s.Lifetimes.TTLEpoch(sess, now)
	if err := s.Sessions.Create(ctx, sess); err != nil {
		return "", store.User{}, fmt.Errorf("create session: %w", err)
	}
	return token, u, nil
}

// providerName names the identity provider for the security log: "github",
// or the host of the OpenID Connect issuer (accounts.example.com).
func (s *Service) providerName() string {
	if _, ok := s.Provider.(*GitHub); ok {
		return "github"
	}
	if u, err := url.Parse(s.Provider.Issuer()); err == nil && u.Host != "" {
		return u.Host
	}
	return s.Provider.Issuer()
}

// cleanUserAgent keeps a short, printable user agent for the sessions list.
func cleanUserAgent(ua string) string {
	ua = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, ua)
	if r := []rune(ua); len(r) > 200 {
		ua = string(r[:200])
	}
	return ua
}
