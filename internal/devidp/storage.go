package devidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// maxPending bounds the sign-in requests kept in memory at once.
const maxPending = 1000

var errNotFound = errors.New("unknown or expired")

// storage is the library's op.Storage, in memory: sign-in requests, codes,
// access tokens, the one client, the users and the signing key.
type storage struct {
	now     func() time.Time
	client  *client
	users   map[string]User
	signing *rsaKey

	mu       sync.Mutex
	requests map[string]*authRequest
	codes    map[string]issuedCode
	tokens   map[string]accessToken
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

type issuedCode struct {
	requestID string
	expires   time.Time
}

type accessToken struct {
	subject, clientID string
	scopes            []string
	expires           time.Time
}

func newStorage(issuer string, c Client, users []User, now func() time.Time) (*storage, error) {
	// Generated at each start and never written anywhere: a restart signs
	// everyone out of the provider, which is what a development run wants.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	s := &storage{
		now:      now,
		client:   &client{c: c, loginURL: issuer + loginPath},
		users:    make(map[string]User, len(users)),
		signing:  &rsaKey{id: rand.Text(), key: key},
		requests: map[string]*authRequest{},
		codes:    map[string]issuedCode{},
		tokens:   map[string]accessToken{},
	}
	for _, u := range users {
		s.users[u.Subject] = u
	}
	return s, nil
}

func randomKey() [32]byte {
	var k [32]byte
	_, _ = rand.Read(k[:]) // crypto/rand.Read never fails
	return k
}

// CreateAuthRequest stores a validated authorization request, after the
// rules the library leaves optional: PKCE with S256, the openid scope, query
// responses, and an interactive sign-in.
func (s *storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	switch {
	case r.CodeChallenge == "" || r.CodeChallengeMethod != oidc.CodeChallengeMethodS256:
		// RFC 9700 §2.1.1: PKCE for every client; plain would let whoever sees
		// the authorization request redeem the code.
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE is required: send code_challenge with code_challenge_method=S256")
	case !slices.Contains(r.Scopes, oidc.ScopeOpenID):
		return nil, oidc.ErrInvalidScope().WithDescription("the openid scope is required")
	case r.ResponseMode != "" && r.ResponseMode != oidc.ResponseModeQuery:
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_mode=query is supported")
	case slices.Contains(r.Prompt, oidc.PromptNone):
		return nil, oidc.ErrLoginRequired()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	if len(s.requests) >= maxPending {
		return nil, oidc.ErrServerError().WithDescription("too many sign-ins in progress; try again in a few minutes")
	}
	req := &authRequest{
		id:        rand.Text(), // 128 bits: the picker's form carries it as proof
		created:   s.now(),
		clientID:  r.ClientID,
		redirect:  r.RedirectURI,
		state:     r.State,
		nonce:     r.Nonce,
		scopes:    slices.Clone(r.Scopes),
		challenge: &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod},
	}
	s.requests[req.id] = req
	return req.copy(), nil
}

// sweep forgets what has expired. Called with s.mu held.
func (s *storage) sweep() {
	now := s.now()
	maps.DeleteFunc(s.requests, func(_ string, r *authRequest) bool { return now.After(r.created.Add(requestTTL)) })
	maps.DeleteFunc(s.codes, func(_ string, c issuedCode) bool { return now.After(c.expires) })
	maps.DeleteFunc(s.tokens, func(_ string, t accessToken) bool { return now.After(t.expires) })
}

// pending returns the request waiting on the picker, if it is still there.
// Called with s.mu held.
func (s *storage) pending(id string) (*authRequest, bool) {
	r, ok := s.requests[id]
	if !ok || r.done || s.now().After(r.created.Add(requestTTL)) {
		return nil, false
	}
	return r, true
}

// isPending reports whether request id waits on the picker.
func (s *storage) isPending(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.pending(id)
	return ok
}

// complete marks request id as signed in by the user with subject sub. A
// request completes once.
func (s *storage) complete(id, sub string) (*authRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.pending(id)
	if !ok {
		return nil, errNotFound
	}
	if _, ok := s.users[sub]; !ok {
		return nil, fmt.Errorf("user %q: %w", sub, errNotFound)
	}
	r.done, r.subject, r.authTime = true, sub, s.now()
	return r.copy(), nil
}

// cancel forgets request id, which the person turned down on the picker,
// and returns it, so that the client can be told (access_denied).
func (s *storage) cancel(id string) (*authRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.pending(id)
	if !ok {
		return nil, errNotFound
	}
	delete(s.requests, id)
	return r.copy(), nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok || s.now().After(r.created.Add(requestTTL)) {
		return nil, errNotFound
	}
	return r.copy(), nil
}

// AuthRequestByCode redeems a code: it is forgotten at once, so a second
// exchange fails even when the first one fails later (wrong verifier or
// client secret).
func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[code]
	delete(s.codes, code)
	if !ok || s.now().After(c.expires) {
		return nil, errNotFound
	}
	r, ok := s.requests[c.requestID]
	if !ok || !r.done {
		return nil, errNotFound
	}
	return r.copy(), nil
}

// SaveAuthCode records the one code of a completed request.
func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok || !r.done || r.codeIssued {
		return oidc.ErrInvalidRequest().WithDescription("this sign-in request is finished")
	}
	r.codeIssued = true
	s.codes[code] = issuedCode{requestID: id, expires: s.now().Add(codeTTL)}
	return nil
}

func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	maps.DeleteFunc(s.codes, func(_ string, c issuedCode) bool { return c.requestID == id })
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	a, ok := r.(*authRequest)
	if !ok {
		return "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, exp := rand.Text(), s.now().Add(tokenTTL)
	s.tokens[id] = accessToken{subject: a.subject, clientID: a.clientID, scopes: a.scopes, expires: exp}
	return id, exp, nil
}

// Refresh tokens, token exchange, client credentials and JWT profile grants
// are not offered: the client may only use authorization_code.

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	maps.DeleteFunc(s.tokens, func(_ string, t accessToken) bool { return t.subject == userID && t.clientID == clientID })
	return nil
}

func (s *storage) RevokeToken(_ context.Context, tokenID, _, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tokenID]; ok && t.clientID == clientID {
		delete(s.tokens, tokenID)
	}
	return nil
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.signing, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.signing}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.client.c.ID {
		return nil, fmt.Errorf("client %q: %w", id, errNotFound)
	}
	return s.client, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(s.client.c.ID))
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(s.client.c.Secret))
	if idOK&secretOK != 1 {
		return errors.New("wrong client id or secret")
	}
	return nil
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("introspection is not offered")
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("private_key_jwt is not offered")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("the JWT profile grant is not offered")
}

func (s *storage) Health(context.Context) error { return nil }
