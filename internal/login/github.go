package login

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"golang.org/x/oauth2"
)

// GitHub signs people in with GitHub, which speaks OAuth2 without OpenID
// Connect: there is no ID token, so the identity comes from GitHub's user
// API over TLS with the access token, and only a verified primary email is
// taken. State and PKCE protect the flow as for OpenID Connect.
type GitHub struct {
	ClientID     string
	ClientSecret string
	RedirectURL  string
	// WebURL is https://github.com; APIURL is https://api.github.com.
	WebURL string
	APIURL string
	// HTTPClient talks to GitHub; http.DefaultClient when nil.
	HTTPClient *http.Client
}

var _ Provider = (*GitHub)(nil)

func (g *GitHub) config() *oauth2.Config {
	return &oauth2.Config{
		ClientID: g.ClientID, ClientSecret: g.ClientSecret, RedirectURL: g.RedirectURL,
		Endpoint: oauth2.Endpoint{
			AuthURL:   g.WebURL + "/login/oauth/authorize",
			TokenURL:  g.WebURL + "/login/oauth/access_token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		Scopes: []string{"read:user", "user:email"},
	}
}

func (g *GitHub) client() *http.Client {
	if g.HTTPClient != nil {
		return g.HTTPClient
	}
	return http.DefaultClient
}

// Issuer implements Provider: GitHub's web URL names it.
func (g *GitHub) Issuer() string { return g.WebURL }

// AuthCodeURL implements Provider. GitHub has no nonce; state and PKCE
// bind the answer to this browser's sign-in.
func (g *GitHub) AuthCodeURL(_ context.Context, state, _ string, verifier string, _ bool) (string, error) {
	return g.config().AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), nil
}

// Identify implements Provider.
func (g *GitHub) Identify(ctx context.Context, code, verifier, _ string) (Identity, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, g.client())
	tok, err := g.config().Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Identity{}, exchangeErr("github code exchange", err)
	}
	var user struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
		Name  string `json:"name"`
	}
	if err := g.get(ctx, tok, "/user", &user); err != nil {
		return Identity{}, err
	}
	if user.ID <= 0 {
		return Identity{}, verifyErr("github user has no id")
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := g.get(ctx, tok, "/user/emails", &emails); err != nil {
		return Identity{}, err
	}
	id := Identity{Issuer: g.WebURL, Subject: strconv.FormatInt(user.ID, 10), Name: user.Name}
	if id.Name == "" {
		id.Name = user.Login
	}
	for _, e := range emails {
		if e.Primary && e.Verified {
			id.Email, id.EmailVerified = e.Email, true
		}
	}
	if id.Email == "" {
		return Identity{}, verifyErr("github account has no verified primary email")
	}
	return id, nil
}

// maxAPIBody bounds what is read from GitHub's API.
const maxAPIBody = 1 << 20

func (g *GitHub) get(ctx context.Context, tok *oauth2.Token, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", g.APIURL+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	tok.SetAuthHeader(req)
	resp, err := g.client().Do(req)
	if err != nil {
		return fmt.Errorf("github %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 {
		// GitHub is down: not the person's fault (503, not 400).
		return fmt.Errorf("github %s answered %d", path, resp.StatusCode)
	}
	if resp.StatusCode != 200 {
		return verifyErr("github %s answered %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAPIBody)).Decode(v); err != nil {
		return verifyErr("github %s: %v", path, err)
	}
	return nil
}
