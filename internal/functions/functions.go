// Package functions is the registry of every Lambda function's handler
// constructor by name, for the tools that run functions outside Lambda (the
// local server, the invoke tool, the fixture tests). Each function's own main
// imports only its package and passes the same constructor to app.Start.
package functions

import (
	"fmt"
	"sort"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/authz"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/gateway"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/login"
	"github.com/latchkey/latchkey/internal/me"
	"github.com/latchkey/latchkey/internal/notfound"
	"github.com/latchkey/latchkey/internal/openapi"
	"github.com/latchkey/latchkey/internal/posts"
	"github.com/latchkey/latchkey/internal/sessionsapi"
	"github.com/latchkey/latchkey/internal/signout"
)

// Handlers maps a route table function name to its constructor.
var Handlers = map[string]deps.Constructor{
	"public-posts-list": posts.PublicList,
	"public-posts-get":  posts.PublicGet,
	"keys-list":         keys.List,
	"keys-create":       keys.Create,
	"keys-delete":       keys.Delete,
	"keys-regenerate":   keys.Regenerate,
	"me":                me.Build,
	"not-found":         notfound.Build,
	"public-openapi":    openapi.Build,
	"posts-list":        posts.Mine,
	"posts-create":      posts.Create,
	"posts-get":         posts.Get,
	"posts-update":      posts.Update,
	"posts-delete":      posts.Delete,
	"posts-publish":     posts.Publish,
	"auth-login":        login.Start,
	"auth-callback":     login.Callback,
	"auth-logout":       signout.Logout,
	"auth-logout-all":   signout.LogoutAll,
	"sessions-list":     sessionsapi.List,
	"sessions-delete":   sessionsapi.Delete,
}

// Authorizer builds the authorizer the way its main does.
var Authorizer = authz.Build

// Names returns the registered function names, sorted.
func Names() []string {
	names := make([]string, 0, len(Handlers))
	for n := range Handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Gateway builds a local gateway running every registered function and the
// authorizer over d, each wrapped exactly as app.Start wraps it on Lambda.
// A constructor that fails stops it, as it stops that function's cold
// start on Lambda.
func Gateway(d deps.Deps) (*gateway.Gateway, error) {
	fns := make(map[string]gateway.Function, len(Handlers))
	for _, name := range Names() {
		h, err := Handlers[name](d)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", name, err)
		}
		fns[name] = app.Wrap(d, h)
	}
	a, err := Authorizer(d)
	if err != nil {
		return nil, fmt.Errorf("authorizer: %w", err)
	}
	return &gateway.Gateway{
		Functions:  fns,
		Authorizer: a.Handle,
		Log:        d.Log,
		Now:        d.Now,
	}, nil
}
