// Package functions is the registry of every Lambda function's handler
// constructor by name (handlers_gen.go, generated from the route table as
// the functions' mains are), for the tools that run functions outside
// Lambda: the local server, the invoke tool, the fixture tests.
package functions

import (
	"fmt"
	"sort"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/authz"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/gateway"
)

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
