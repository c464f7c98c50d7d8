package login

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/internal/httpx"
)

// providerClockSkew is how far the provider's clock may run ahead of or
// behind Latchkey's when a time it wrote in an ID token is checked: iat
// here, and a fresh sign-in's auth_time in the callback.
const providerClockSkew = time.Minute

// iatMaxAge is the oldest ID token accepted: a token from the token
// endpoint was minted seconds ago, so an old one is a replay.
const iatMaxAge = 10 * time.Minute

// signingAlgs are the ID token algorithms accepted: asymmetric only. go-oidc
// never accepts "none"; HMAC would make the client secret a signing key.
var signingAlgs = []string{
	oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA,
}

// OIDC is an OpenID Connect provider, found by discovery from its issuer.
type OIDC struct {
	IssuerURL    string
	ClientID     string
	ClientSecret string
	RedirectURL  string
	// ExtraScopes are asked for beyond openid, email and profile ("groups"
	// when an editor group is configured: most providers send the groups
	// claim only for that scope).
	ExtraScopes []string
	// HTTPClient talks to the provider; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Now is the clock for token checks; time.Now when nil.
	Now func() time.Time
	// KeyRefetchInterval is the least time between two fetches of the
	// provider's keys; DefaultKeyRefetchInterval when zero.
	KeyRefetchInterval time.Duration

	mu       sync.Mutex
	provider *oidc.Provider // discovered once per warm instance
	keys     *keySet
}

var _ Provider = (*OIDC)(nil)

func (o *OIDC) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *OIDC) ctx(ctx context.Context) context.Context {
	if o.HTTPClient != nil {
		return oidc.ClientContext(ctx, o.HTTPClient)
	}
	return ctx
}

// discover returns the provider's metadata, fetched on first use and kept.
// A failed discovery is not kept, so the next sign-in tries again.
func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	p, err := oidc.NewProvider(o.ctx(ctx), o.IssuerURL)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", o.IssuerURL, err)
	}
	var meta struct {
		JWKS string `json:"jwks_uri"`
	}
	_ = p.Claims(&meta)
	// go-oidc checks the issuer only. The client secret and the code go to
	// the token endpoint and the keys that verify every ID token come from
	// jwks_uri, so each is held to the issuer's own rule.
	for _, e := range []struct{ name, url string }{
		{"authorization_endpoint", p.Endpoint().AuthURL},
		{"token_endpoint", p.Endpoint().TokenURL},
		{"jwks_uri", meta.JWKS},
	} {
		if u, err := url.Parse(e.url); err != nil || !httpx.SecureURL(u) {
			return nil, fmt.Errorf("discover %s: its %s is missing or not an https URL without user or password (http only on loopback)", o.IssuerURL, e.name)
		}
	}
	o.provider = p
	o.keys = newKeySet(meta.JWKS, o.HTTPClient, o.KeyRefetchInterval, o.now)
	return p, nil
}

func (o *OIDC) config(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID, "email", "profile"}, o.ExtraScopes...),
	}
}

// Issuer implements Provider.
func (o *OIDC) Issuer() string { return o.IssuerURL }

// AuthCodeURL implements Provider.
func (o *OIDC) AuthCodeURL(ctx context.Context, state, nonce, verifier string, fresh bool) (string, error) {
	p, err := o.discover(ctx)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if fresh {
		// OpenID Connect Core §3.1.2.1: prompt=login asks the provider to
		// authenticate the person again; max_age=0 says the same for
		// providers that honour only that.
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0"))
	}
	return o.config(p).AuthCodeURL(state, opts...), nil
}

// idClaims are the claims read beyond go-oidc's IDToken fields.
type idClaims struct {
	Email         string          `json:"email"`
	EmailVerified json.RawMessage `json:"email_verified"`
	Name          string          `json:"name"`
	Groups        json.RawMessage `json:"groups"`
	AZP           string          `json:"azp"`
	AuthTime      int64           `json:"auth_time"`
}

// Identify implements Provider. go-oidc's verifier checks the signature
// (with the provider's JWKS and only the algorithms above), iss, aud and
// exp. OpenID Connect Core §3.1.3.7 leaves the rest to the client, and each
// is checked here: the nonce (step 11), azp when there are several
// audiences or azp is present (steps 4–5), iat not in the future and not
// stale (step 10), and at_hash when present (§3.1.3.8).
func (o *OIDC) Identify(ctx context.Context, code, verifier, nonce string) (Identity, error) {
	p, err := o.discover(ctx)
	if err != nil {
		return Identity{}, err
	}
	tok, err := o.config(p).Exchange(o.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Identity{}, exchangeErr("code exchange", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return Identity{}, verifyErr("the token response has no id_token")
	}
	var keyErr error
	v := oidc.NewVerifier(o.IssuerURL, o.keys, &oidc.Config{ClientID: o.ClientID, SupportedSigningAlgs: signingAlgs, Now: o.now})
	idt, err := v.Verify(withKeyErr(o.ctx(ctx), &keyErr), raw)
	if keyErr != nil {
		// The keys could not be fetched: the provider is down (503).
		return Identity{}, fmt.Errorf("id token: %w", keyErr)
	}
	if err != nil {
		return Identity{}, verifyErr("id token: %v", err)
	}
	return o.check(ctx, p, idt, tok, nonce)
}

func (o *OIDC) check(ctx context.Context, p *oidc.Provider, idt *oidc.IDToken, tok *oauth2.Token, nonce string) (Identity, error) {
	if idt.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Identity{}, verifyErr("nonce missing or wrong")
	}
	now := o.now()
	if idt.IssuedAt.IsZero() || idt.IssuedAt.After(now.Add(providerClockSkew)) || now.Sub(idt.IssuedAt) > iatMaxAge {
		return Identity{}, verifyErr("iat %v is missing, in the future or too old", idt.IssuedAt)
	}
	if idt.Subject == "" {
		return Identity{}, verifyErr("no sub")
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return Identity{}, verifyErr("claims: %v", err)
	}
	if (len(idt.Audience) > 1 || c.AZP != "") && c.AZP != o.ClientID {
		return Identity{}, verifyErr("azp %q is not this client", c.AZP)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Identity{}, verifyErr("at_hash: %v", err)
		}
	}
	id := Identity{
		Issuer: idt.Issuer, Subject: idt.Subject, Email: c.Email, Name: c.Name,
		EmailVerified: boolClaim(c.EmailVerified), Groups: stringsClaim(c.Groups),
	}
	if c.AuthTime > 0 {
		id.AuthTime = time.Unix(c.AuthTime, 0)
	}
	if id.Email == "" {
		// Some providers put email only in userinfo. Its sub must be the ID
		// token's (Core §5.3.2), or the answer is someone else's.
		ui, err := p.UserInfo(o.ctx(ctx), oauth2.StaticTokenSource(tok))
		if err == nil {
			if ui.Subject != idt.Subject {
				return Identity{}, verifyErr("userinfo sub differs from the id token's")
			}
			var extra struct {
				Name string `json:"name"`
			}
			_ = ui.Claims(&extra)
			id.Email, id.EmailVerified = ui.Email, ui.EmailVerified
			if id.Name == "" {
				id.Name = extra.Name
			}
		}
	}
	return id, nil
}

// boolClaim reads a boolean claim that some providers send as a string.
func boolClaim(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s == "true"
}

// stringsClaim reads a claim that is a list of strings or one string.
func stringsClaim(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return []string{s}
	}
	return nil
}
