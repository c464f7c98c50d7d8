package codegen

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/routes"
)

const root = "../.."

// TestGeneratedFilesAreCurrent: every file that follows from the route
// table is what `make generate` writes now. A main that starts another
// constructor than its route's, a registry entry edited by hand or a body
// type missing from the OpenAPI document fails here.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	files, err := Files(routes.Table)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(routes.Functions())+2 {
		t.Errorf("%d files for %d functions; want a main each, the registry and the body types", len(files), len(routes.Functions()))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not what the route table makes (%v): run `make generate`", name, err)
		}
	}
}

// TestFilesRefuseWhatCannotBeGenerated: a route without a handler, a
// handler that is not package.Name, two handlers for one function, or a
// body type that names no package is an error, not a file that would not
// compile.
func TestFilesRefuseWhatCannotBeGenerated(t *testing.T) {
	good := routes.Route{Method: "GET", Path: "/api/x", Function: "x", Handler: "x.Build", Status: 200}
	for _, tc := range []struct {
		name   string
		table  []routes.Route
		wantIn string
	}{
		{"no handler", []routes.Route{{Method: "GET", Path: "/api/x", Function: "x"}}, "no Handler"},
		{"not package.Name", []routes.Route{{Method: "GET", Path: "/api/x", Function: "x", Handler: "Build"}}, "not package.Name"},
		{"an exported package name", []routes.Route{{Method: "GET", Path: "/api/x", Function: "x", Handler: "X.Build"}}, "not package.Name"},
		{"two handlers for one function", []routes.Route{good, {Method: "POST", Path: "/api/x", Function: "x", Handler: "x.Other"}}, "two handlers"},
		{"a body type without its package", []routes.Route{{Method: "GET", Path: "/api/x", Function: "x", Handler: "x.Build", Response: "Answer"}}, "body type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Files(tc.table); err == nil || !strings.Contains(err.Error(), tc.wantIn) {
				t.Fatalf("Files = %v; want an error about %q", err, tc.wantIn)
			}
		})
	}
}

// TestAMainStartsItsRoutesConstructor: the generated main of a function
// starts exactly the constructor its route names.
func TestAMainStartsItsRoutesConstructor(t *testing.T) {
	files, err := Files([]routes.Route{{Method: "GET", Path: "/api/widgets", Function: "widgets-list", Handler: "widgets.List", Status: 200}})
	if err != nil {
		t.Fatal(err)
	}
	main := string(files["functions/widgets-list/main.go"])
	for _, want := range []string{"func main() { app.Start(widgets.List) }", `"github.com/latchkey/latchkey/internal/widgets"`, "GET /api/widgets", "DO NOT EDIT."} {
		if !strings.Contains(main, want) {
			t.Errorf("main lacks %q:\n%s", want, main)
		}
	}
}
