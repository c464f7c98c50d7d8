// Package gosrc is test infrastructure for the tests that read the
// project's own Go source to hold a rule no compiler checks (every
// authorizer decision names its metric class, every event kind is listed,
// every main only wires).
package gosrc

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Package parses the Go files of the package in dir, its tests left out,
// and returns them with the file set their positions are in.
func Package(tb testing.TB, dir string) (*token.FileSet, []*ast.File) {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		tb.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		tb.Fatalf("no Go file in %s", dir)
	}
	return fset, files
}

// StringConsts maps the names of the package's constants whose values are
// string literals to those values.
func StringConsts(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	_, files := Package(tb, dir)
	out := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				v := spec.(*ast.ValueSpec)
				for i, name := range v.Names {
					if i >= len(v.Values) {
						continue
					}
					if lit, ok := v.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						out[name.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	return out
}
