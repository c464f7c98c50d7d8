package functions

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/routes"
)

const root = "../.."

func folders(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), "_") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestEveryRouteHasItsFunctionFixtureAndRegistration ties the route table to
// the tree: a route without a function folder, a folder without a route, a
// function without a fixture or without a registry entry all fail here.
func TestEveryRouteHasItsFunctionFixtureAndRegistration(t *testing.T) {
	fnFolders := folders(t, "functions")
	fixtures := folders(t, "events")
	for _, fn := range routes.Functions() {
		if !slices.Contains(fnFolders, fn) {
			t.Errorf("route function %q has no folder functions/%s", fn, fn)
		}
		if _, ok := Handlers[fn]; !ok {
			t.Errorf("route function %q is not in functions.Handlers", fn)
		}
		if !slices.Contains(fixtures, fn) {
			t.Errorf("function %q has no event fixture folder events/%s", fn, fn)
		} else if files, _ := filepath.Glob(filepath.Join(root, "events", fn, "*.json")); len(files) == 0 {
			t.Errorf("function %q has no event fixture in events/%s", fn, fn)
		}
	}
	for _, dir := range fnFolders {
		if !slices.Contains(routes.Functions(), dir) {
			t.Errorf("functions/%s serves no route in the route table", dir)
		}
	}
	for name := range Handlers {
		if !slices.Contains(routes.Functions(), name) {
			t.Errorf("functions.Handlers has %q, which no route uses", name)
		}
	}
	for _, dir := range fixtures {
		if dir != routes.AuthorizerFunction && !slices.Contains(routes.Functions(), dir) {
			t.Errorf("events/%s holds fixtures for no function", dir)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(root, "events", routes.AuthorizerFunction, "*.json")); len(files) == 0 {
		t.Error("the authorizer has no event fixture in events/authorizer")
	}
}

// TestMainsOnlyWire checks every Lambda main is one call of app.Start (or
// app.StartAuthorizer) with a constructor: no logic lives in a main.
func TestMainsOnlyWire(t *testing.T) {
	mains := []string{filepath.Join(root, routes.AuthorizerFunction, "main.go")}
	for _, fn := range routes.Functions() {
		mains = append(mains, filepath.Join(root, "functions", fn, "main.go"))
	}
	for _, path := range mains {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if len(f.Decls) != 2 { // the import block and func main
			t.Errorf("%s has %d declarations; want only imports and func main", path, len(f.Decls))
			continue
		}
		main, ok := f.Decls[1].(*ast.FuncDecl)
		if !ok || main.Name.Name != "main" || len(main.Body.List) != 1 {
			t.Errorf("%s: func main must be a single statement", path)
			continue
		}
		call, ok := main.Body.List[0].(*ast.ExprStmt)
		if !ok {
			t.Errorf("%s: func main must call app.Start", path)
			continue
		}
		sel, ok := call.X.(*ast.CallExpr).Fun.(*ast.SelectorExpr)
		if !ok || sel.X.(*ast.Ident).Name != "app" || (sel.Sel.Name != "Start" && sel.Sel.Name != "StartAuthorizer") {
			t.Errorf("%s: func main must call app.Start or app.StartAuthorizer", path)
		}
	}
}

// TestNeedsAgreeWithMethods keeps the table consistent with the
// method-to-permission rule: a read route is a GET or HEAD, a write route is
// anything else.
func TestNeedsAgreeWithMethods(t *testing.T) {
	for _, r := range routes.Table {
		switch r.Need {
		case routes.NeedRead, routes.NeedWrite:
			if r.Method == routes.AnyMethod || principal.Permission(r.Method) != string(r.Need) {
				t.Errorf("%s %s needs %q; the method needs %q", r.Method, r.Path, r.Need, principal.Permission(r.Method))
			}
		case routes.NeedPublic, routes.NeedSession, routes.NeedCredential:
		default:
			t.Errorf("%s %s has unknown need %q", r.Method, r.Path, r.Need)
		}
		if !strings.HasPrefix(r.Path, "/api/") {
			t.Errorf("%s %s is not under /api/", r.Method, r.Path)
		}
	}
}
