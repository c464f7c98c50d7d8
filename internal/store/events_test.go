package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestEventKindsListsEveryEventConstant: EventKinds, which the security
// log's OpenAPI enum is held to, holds every Event* constant of the
// package, once.
func TestEventKindsListsEveryEventConstant(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var consts []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Event") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s is not a string literal", n.Name)
					}
					v, _ := strconv.Unquote(lit.Value)
					consts = append(consts, v)
				}
			}
		}
	}
	if len(consts) == 0 {
		t.Fatal("no Event* constant found")
	}
	for _, c := range consts {
		if !slices.Contains(EventKinds, c) {
			t.Errorf("EventKinds lacks %q", c)
		}
	}
	if len(EventKinds) != len(consts) {
		t.Errorf("EventKinds has %d kinds; the package declares %d Event* constants", len(EventKinds), len(consts))
	}
}
