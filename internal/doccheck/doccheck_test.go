package doccheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/gosrc"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/posts"
	"github.com/latchkey/latchkey/internal/routes"
)

const root = "../.."

// markdownFiles are README.md and every page of docs/.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("docs/*.md: %v", err)
	}
	return append(files, filepath.Join(root, "README.md"), filepath.Join(root, "examples", "README.md"))
}

// goFiles are the repository's Go files that go build and go test compile:
// its tests (tests) or the rest, outside node_modules, cdk.out, testdata
// and hidden directories.
func goFiles(t *testing.T, tests bool) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "cdk.out" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".go") && strings.HasSuffix(path, "_test.go") == tests {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	fence    = regexp.MustCompile("(?s)```.*?```")
	code     = regexp.MustCompile("`[^`\n]*`")
	mdLink   = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	htmlLink = regexp.MustCompile(`(?:href|src)="([^"]+)"`)
	autoLink = regexp.MustCompile(`<(https?://[^>\s]+)>`)
	heading  = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
)

// slug is GitHub's anchor for a heading: lower case, punctuation dropped
// (but hyphens and underscores), spaces to hyphens.
func slug(h string) string {
	h = strings.ToLower(code.ReplaceAllStringFunc(h, func(s string) string { return strings.Trim(s, "`") }))
	var b strings.Builder
	for _, r := range h {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && r != '—' && r != '’' && r != '“' && r != '”':
			b.WriteRune(r)
		}
	}
	return b.String()
}

func anchors(t *testing.T, file string) map[string]bool {
	t.Helper()
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(fence.ReplaceAllString(string(text), ""), -1) {
		out[slug(m[1])] = true
	}
	return out
}

// TestLinks: every link in README.md and docs/ resolves. A relative link
// names a file or folder of the repository (and, with #anchor, a heading of
// that page); nothing points outside the repository but public https sites
// and the local server's own http://localhost.
func TestLinks(t *testing.T) {
	absRoot, _ := filepath.Abs(root)
	checked := 0
	for _, file := range markdownFiles(t) {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := code.ReplaceAllString(fence.ReplaceAllString(string(raw), ""), "")
		var targets []string
		for _, re := range []*regexp.Regexp{mdLink, htmlLink, autoLink} {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				targets = append(targets, m[1])
			}
		}
		for _, target := range targets {
			checked++
			switch {
			case strings.HasPrefix(target, "https://"):
				continue
			case strings.HasPrefix(target, "http://localhost"):
				continue
			case strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:"):
				t.Errorf("%s: link %s: only https links leave the repository", file, target)
				continue
			}
			path, anchor, _ := strings.Cut(target, "#")
			dest := file
			if path != "" {
				dest = filepath.Join(filepath.Dir(file), path)
				abs, _ := filepath.Abs(dest)
				if !strings.HasPrefix(abs, absRoot+string(filepath.Separator)) {
					t.Errorf("%s: link %s leaves the repository", file, target)
					continue
				}
				if _, err := os.Stat(dest); err != nil {
					t.Errorf("%s: link %s: no such file", file, target)
					continue
				}
			}
			if anchor != "" && strings.HasSuffix(dest, ".md") && !anchors(t, dest)[anchor] {
				t.Errorf("%s: link %s: no heading #%s in %s", file, target, anchor, dest)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked %d links; the docs have more", checked)
	}
}

// TestEveryRouteIsInTheContract: each method and path of the route table
// has its row in docs/API.md.
func TestEveryRouteIsInTheContract(t *testing.T) {
	api, err := os.ReadFile(filepath.Join(root, "docs", "API.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes.Table {
		if r.Method == routes.AnyMethod {
			continue
		}
		if !strings.Contains(string(api), "| "+r.Method+" | `"+r.Path+"` |") {
			t.Errorf("docs/API.md has no row for %s %s", r.Method, r.Path)
		}
	}
}

// TestPerUserLimitsAreTheConstants: the route rows of docs/API.md and the
// bounds of docs/SECURITY.md state how many keys and posts a user may have
// as keys.MaxKeysPerUser and posts.MaxPostsPerUser say.
func TestPerUserLimitsAreTheConstants(t *testing.T) {
	keysRow := fmt.Sprintf("| POST | `/api/keys` | session | 201 KeyWithSecret | body [NewKey](#request-bodies); 400 when the caller already has %s keys", thousands(keys.MaxKeysPerUser))
	postsRow := fmt.Sprintf("| POST | `/api/posts` | write | 201 Post | body [NewPost](#request-bodies); a draft whose author is the caller; 400 when the caller already has %s posts", thousands(posts.MaxPostsPerUser))
	security := fmt.Sprintf("A user may hold %s API keys\n  (`keys.MaxKeysPerUser`) and have %s posts", thousands(keys.MaxKeysPerUser), thousands(posts.MaxPostsPerUser))
	for file, want := range map[string][]string{"API.md": {keysRow, postsRow}, "SECURITY.md": {security}} {
		doc, err := os.ReadFile(filepath.Join(root, "docs", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(doc), w) {
				t.Errorf("docs/%s does not say %q", file, w)
			}
		}
	}
}

// thousands writes n as the docs do: 50, 1,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestEveryVariableIsInTheContract: each LATCHKEY_ variable the
// configuration reads is in docs/API.md.
func TestEveryVariableIsInTheContract(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(root, "internal", "config", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	api, err := os.ReadFile(filepath.Join(root, "docs", "API.md"))
	if err != nil {
		t.Fatal(err)
	}
	vars := regexp.MustCompile(`"(LATCHKEY_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(vars) < 20 {
		t.Fatalf("found %d variables in config.go; want them all", len(vars))
	}
	for _, v := range vars {
		if !strings.Contains(string(api), "`"+v[1]+"`") {
			t.Errorf("docs/API.md does not name %s", v[1])
		}
	}
}

// TestEveryCitedTestExists: the docs name the tests that hold each claim
// (SECURITY.md, PERFORMANCE.md); a renamed or imagined test name would
// make a claim look held when nothing holds it.
func TestEveryCitedTestExists(t *testing.T) {
	defined := map[string]bool{}
	def := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark)[A-Z0-9]\w*)\(`)
	for _, path := range goFiles(t, true) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range def.FindAllStringSubmatch(string(b), -1) {
			defined[m[1]] = true
		}
	}
	cited := regexp.MustCompile("`((?:Test|Fuzz|Benchmark)[A-Z0-9]\\w*)")
	for _, f := range markdownFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cited.FindAllStringSubmatch(string(b), -1) {
			if !defined[m[1]] {
				t.Errorf("%s cites %s, which no test file defines", filepath.Base(f), m[1])
			}
		}
	}
}

// TestEveryErrorCodeIsInTheContract: the error codes are internal/httpx's
// Code* constants and the rows of docs/API.md's error table, the same set
// both ways; and no Go code writes a code as a literal where an error's
// code goes (httpx.Errorf's, an Error's or a GatewayResponse's Code, in
// code or in code a tool generates), nor an "error" in a JSON body that is
// not one of them.
func TestEveryErrorCodeIsInTheContract(t *testing.T) {
	consts := map[string]string{} // value → constant
	for name, value := range gosrc.StringConsts(t, filepath.Join(root, "internal", "httpx")) {
		if strings.HasPrefix(name, "Code") {
			consts[value] = name
		}
	}
	if len(consts) < 10 {
		t.Fatalf("found %d httpx.Code* constants; want them all", len(consts))
	}

	api, err := os.ReadFile(filepath.Join(root, "docs", "API.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(api), "\n## Errors\n")
	table, _, _ = strings.Cut(table, "\n## ")
	documented := map[string]bool{}
	for _, m := range errorRow.FindAllStringSubmatch(table, -1) {
		documented[m[1]] = true
	}
	for code, name := range consts {
		if !documented[code] {
			t.Errorf("httpx.%s (%q) has no row in docs/API.md's error table", name, code)
		}
	}
	for code := range documented {
		if _, ok := consts[code]; !ok {
			t.Errorf("docs/API.md's error table names %q, which no httpx.Code* constant is", code)
		}
	}

	for _, w := range literalCodes(t) {
		if w.inBody {
			if _, ok := consts[w.code]; !ok {
				t.Errorf("%s: a body's error %q is no httpx.Code* constant", w.pos, w.code)
			}
			continue
		}
		t.Errorf("%s: the error code %q is written as a literal; use (or add) its httpx.Code* constant", w.pos, w.code)
	}
}

var (
	// errorRow is a row of the error table: | status | `code` | when |.
	errorRow = regexp.MustCompile("(?m)^\\| [1-5][0-9][0-9] \\| `([a-z_]+)` \\|")
	// generatedErrorf is a literal code in Go source a tool writes out.
	generatedErrorf = regexp.MustCompile(`Errorf\([0-9]{3}, *"([^"]*)"`)
	// bodyError is the "error" member of a JSON error body.
	bodyError = regexp.MustCompile(`"error": *"([^"$]*)"`)
)

// writtenCode is an error code written as a string literal in Go source.
type writtenCode struct {
	pos    token.Position
	code   string
	inBody bool // inside a JSON body, where no constant can be named
}

// literalCodes finds, in every Go file but the tests, the error codes
// written as literals: as httpx.Errorf's code, as the Code of a composite
// literal, inside a string (generated source, or a JSON error body).
func literalCodes(t *testing.T) []writtenCode {
	t.Helper()
	var out []writtenCode
	fset := token.NewFileSet()
	checked := 0
	for _, path := range goFiles(t, false) {
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if isErrorf(n.Fun) {
					if code, ok := stringLit(n.Args, 1); ok {
						out = append(out, writtenCode{pos: fset.Position(n.Pos()), code: code})
					}
				}
			case *ast.KeyValueExpr:
				if key, ok := n.Key.(*ast.Ident); ok && key.Name == "Code" {
					if code, ok := stringLit([]ast.Expr{n.Value}, 0); ok {
						out = append(out, writtenCode{pos: fset.Position(n.Pos()), code: code})
					}
				}
			case *ast.BasicLit:
				if s, ok := stringLit([]ast.Expr{n}, 0); ok {
					for _, m := range generatedErrorf.FindAllStringSubmatch(s, -1) {
						out = append(out, writtenCode{pos: fset.Position(n.Pos()), code: m[1]})
					}
					for _, m := range bodyError.FindAllStringSubmatch(s, -1) {
						out = append(out, writtenCode{pos: fset.Position(n.Pos()), code: m[1], inBody: true})
					}
				}
			}
			return true
		})
	}
	if checked < 100 {
		t.Fatalf("checked %d Go files; the repository has more", checked)
	}
	return out
}

// isErrorf reports whether fun is httpx.Errorf (or Errorf inside httpx).
func isErrorf(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name == "Errorf"
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		return ok && x.Name == "httpx" && f.Sel.Name == "Errorf"
	}
	return false
}

// stringLit returns exprs[i] when it is a string literal, unquoted.
func stringLit(exprs []ast.Expr, i int) (string, bool) {
	if i >= len(exprs) {
		return "", false
	}
	lit, ok := exprs[i].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}
