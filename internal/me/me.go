// Package me serves GET /api/me: who the caller is, and how they
// authenticated (a browser session, or which API key with which
// permissions). The SPA calls it to learn whether it is signed in; a script
// calls it to check its key.
package me

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/store"
)

// User is the API shape of a user (docs/API.md).
type User struct {
	ID    string   `json:"id"`
	Email string   `json:"email"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// Auth says how the request was authenticated.
type Auth struct {
	Method      string   `json:"method"`
	KeyID       string   `json:"keyId,omitempty"`
	Permissions []string `json:"permissions"`
}

// Answer is the body of GET /api/me.
type Answer struct {
	User User `json:"user"`
	Auth Auth `json:"auth"`
}

// Handler serves GET /api/me.
type Handler struct {
	Users store.UserStore
	// Config re-checks the roles (config.RolesOf), as the post functions do.
	Config config.Config
}

// Get answers GET /api/me.
func (h Handler) Get(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := principal.From(req)
	if err != nil {
		return httpx.Response{}, httpx.Errorf(401, httpx.CodeUnauthorized, "a valid API key or session is required")
	}
	// The authorizer already requires read of a key here; this is the
	// second lock behind it.
	if p.Method == principal.MethodAPIKey && !p.Can(principal.Read) {
		return httpx.Response{}, httpx.Errorf(403, httpx.CodeForbidden, "this key lacks the read permission")
	}
	u, err := h.Users.Get(ctx, p.UserID)
	if errors.Is(err, store.ErrNotFound) {
		// A credential whose user is gone is no credential.
		return httpx.Response{}, httpx.Errorf(401, httpx.CodeUnauthorized, "a valid API key or session is required")
	}
	if err != nil {
		return httpx.Response{}, err
	}
	auth := Auth{Method: p.Method, Permissions: nonNil(p.Permissions)}
	if p.Method == principal.MethodAPIKey {
		auth.KeyID = p.KeyID
	}
	return httpx.JSON(200, Answer{
		User: User{ID: u.ID, Email: u.Email, Name: u.Name, Roles: h.Config.RolesOf(u.Email, u.Roles, u.RoleGrants)},
		Auth: auth,
	}), nil
}

// nonNil makes an empty list encode as [], never null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Build builds the handler of GET /api/me.
func Build(d deps.Deps) (httpx.Handler, error) {
	return Handler{Users: d.Stores.Users, Config: d.Config}.Get, nil
}
