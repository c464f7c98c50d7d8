// Package gosrc is test infrastructure for the tests that read the
// project's own Go source to hold a rule no compiler checks (every
// authorizer decision names its metric class, every event kind is listed,
// every main only wires).
package gosrc

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
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

// Module is the project's module path.
const Module = "github.com/latchkey/latchkey"

// LambdaDeps lists, for each package that patterns name (run from the
// repository's root, root), the packages it links as `make build` builds
// it for Lambda (linux/arm64, no cgo, tag lambda.norpc, which can change
// what is linked): import path to its dependencies.
func LambdaDeps(tb testing.TB, root string, patterns ...string) map[string][]string {
	tb.Helper()
	gobin, err := exec.LookPath("go") // go test puts GOROOT/bin first on PATH
	if err != nil {
		tb.Fatalf("the go command is needed to list the Lambda builds' packages: %v", err)
	}
	args := append([]string{"list", "-tags", "lambda.norpc", "-f", `{{.ImportPath}} {{join .Deps " "}}`}, patterns...)
	cmd := exec.Command(gobin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	deps := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) > 0 {
			deps[f[0]] = f[1:]
		}
	}
	if len(deps) == 0 {
		tb.Fatalf("go list %v listed no package", patterns)
	}
	return deps
}
