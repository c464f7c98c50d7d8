package app_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/gosrc"
	"github.com/latchkey/latchkey/internal/routes"
)

// TestAFunctionLinksItsHandlerAndTheWiringOnly: a route's Lambda binary
// links its handler's package, what that package imports, and this
// package's wiring; never the authorizer, and never another route's
// handler package unless its own imports it (docs/DESIGN.md, "Packages
// point down"). The wiring itself links no handler and not the authorizer.
func TestAFunctionLinksItsHandlerAndTheWiringOnly(t *testing.T) {
	const internal = gosrc.Module + "/internal/"
	all := gosrc.LambdaDeps(t, "../..", "./functions/...", "./internal/...")
	handlers := map[string]bool{internal + "authz": true}
	for _, r := range routes.Table {
		pkg, _, _ := strings.Cut(r.Handler, ".")
		handlers[internal+pkg] = true
	}
	wiring := map[string]bool{internal + "app": true}
	for _, d := range all[internal+"app"] {
		if handlers[d] {
			t.Errorf("internal/app links %s: every function would", d)
		}
		wiring[d] = true
	}
	checked := map[string]bool{}
	for _, r := range routes.Table {
		if checked[r.Function] {
			continue
		}
		checked[r.Function] = true
		pkg, _, _ := strings.Cut(r.Handler, ".")
		own := internal + pkg
		needs := map[string]bool{own: true}
		for _, d := range all[own] {
			needs[d] = true
		}
		main := gosrc.Module + "/functions/" + r.Function
		deps, ok := all[main]
		if !ok {
			t.Errorf("go list knows no %s", main)
		}
		for _, d := range deps {
			if d == internal+"authz" {
				t.Errorf("function %s links the authorizer's package", r.Function)
			}
			if strings.HasPrefix(d, gosrc.Module+"/") && !needs[d] && !wiring[d] {
				t.Errorf("function %s links %s, which neither %s nor the wiring imports", r.Function, d, own)
			}
		}
	}
}
