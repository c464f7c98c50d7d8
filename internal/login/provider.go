// Package login signs people in through an identity provider: the
// Authorization Code flow with PKCE from /api/auth/login to
// /api/auth/callback, the ID token checks that go-oidc leaves to its caller,
// the user record and the session that follow, and sign-out.
package login

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// Identity is who the identity provider says signed in.
type Identity struct {
	// Issuer and Subject together are the stable identity.
	Issuer  string
	Subject string
	Email   string
	// EmailVerified is the provider's word that the email is the person's;
	// only a verified email can grant a role.
	EmailVerified bool
	Name          string
	Groups        []string
	// AuthTime is the ID token's auth_time: when the person last proved
	// who they are to the provider. Zero when the provider did not say.
	AuthTime time.Time
}

// Provider is one kind of identity provider: OpenID Connect, or GitHub's
// OAuth2 without OpenID Connect.
type Provider interface {
	// AuthCodeURL is where the browser goes to sign in: the authorization
	// endpoint with the client, redirect URI, scopes, state, nonce and the
	// PKCE S256 challenge of verifier.
	// With fresh, the provider is asked to have the person sign in again
	// even if it still knows them (prompt=login, max_age=0), before a
	// sensitive action.
	AuthCodeURL(ctx context.Context, state, nonce, verifier string, fresh bool) (string, error)
	// Identify exchanges the code (with the PKCE verifier) and returns the
	// verified identity. nonce is the one sent with AuthCodeURL.
	Identify(ctx context.Context, code, verifier, nonce string) (Identity, error)
	// Issuer names the provider, as Identity.Issuer does.
	Issuer() string
}

// ErrVerify wraps every reason an identity is refused; callers answer 400
// and log the detail.
var ErrVerify = errors.New("identity verification failed")

func verifyErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrVerify, fmt.Sprintf(format, args...))
}

// exchangeErr classifies a failed code exchange: a 4xx answer is the
// provider refusing the code (ErrVerify, 400); a 5xx, a timeout or a
// refused connection is the provider being down, which is not the
// person's fault (503).
func exchangeErr(what string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
		return verifyErr("%s: %v", what, err)
	}
	return fmt.Errorf("%s: the identity provider failed: %w", what, err)
}
