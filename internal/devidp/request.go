package devidp

import (
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// authRequest is one sign-in from its authorization request to its code's
// exchange: the library's op.AuthRequest. The storage hands out copies, so
// that only it changes the stored one, under its lock.
type authRequest struct {
	id               string
	created          time.Time
	clientID         string
	redirect         string
	state, nonce     string
	scopes           []string
	challenge        *oidc.CodeChallenge
	done, codeIssued bool
	subject          string
	authTime         time.Time
}

var _ op.AuthRequest = (*authRequest)(nil)

func (r *authRequest) copy() *authRequest {
	c := *r
	c.scopes = slices.Clone(r.scopes)
	if r.challenge != nil {
		ch := *r.challenge
		c.challenge = &ch
	}
	return &c
}

func (r *authRequest) GetID() string                         { return r.id }
func (r *authRequest) GetACR() string                        { return "" }
func (r *authRequest) GetAMR() []string                      { return nil }
func (r *authRequest) GetAudience() []string                 { return []string{r.clientID} }
func (r *authRequest) GetAuthTime() time.Time                { return r.authTime }
func (r *authRequest) GetClientID() string                   { return r.clientID }
func (r *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return r.challenge }
func (r *authRequest) GetNonce() string                      { return r.nonce }
func (r *authRequest) GetRedirectURI() string                { return r.redirect }
func (r *authRequest) GetResponseType() oidc.ResponseType    { return oidc.ResponseTypeCode }
func (r *authRequest) GetResponseMode() oidc.ResponseMode    { return oidc.ResponseModeQuery }
func (r *authRequest) GetScopes() []string                   { return r.scopes }
func (r *authRequest) GetState() string                      { return r.state }
func (r *authRequest) GetSubject() string                    { return r.subject }
func (r *authRequest) Done() bool                            { return r.done }
