// Command newroute adds a route to the route table and everything it needs
// to start: the table entry, a handler with a test that fails until the
// handler is written, an event fixture, and the generated main and
// registry entry (internal/codegen). Run it from the repository's root:
//
//	go run ./cmd/newroute -name widgets-list -method GET -path /api/widgets -need read
//	make route NAME=widgets-list METHOD=GET ROUTE=/api/widgets NEED=read
//
// The handler goes in internal/<pkg> (-pkg, by default the name's first
// word), as the constructor <Handler> (-handler, by default the name's last
// word: List). It also adds the route's row to docs/API.md. `make test`
// then says what is left: the handler, the tables it uses, and its golden
// answers (make golden).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/routes"
)

// spec is what the command is asked for.
type spec struct {
	Name, Method, Path, Need, Pkg, Handler, Summary string
}

var (
	nameRE    = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	pathRE    = regexp.MustCompile(`^/api(/([a-z0-9][a-z0-9._-]*|\{[a-z][a-zA-Z0-9]*\}))+$`)
	pkgRE     = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	handlerRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	paramRE   = regexp.MustCompile(`\{([a-zA-Z0-9]+)\}`)
	// needIdents name the needs in routes.go's own words. A new route may
	// take any but NeedCredential, which is the catch-alls'.
	needIdents = map[routes.Need]string{routes.NeedPublic: "NeedPublic", routes.NeedSession: "NeedSession",
		routes.NeedRead: "NeedRead", routes.NeedWrite: "NeedWrite", routes.NeedCredential: "NeedCredential"}
	methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
)

// usage is how a route is added, in the Makefile's words.
const usage = `Add a route with: make route NAME=widgets-list METHOD=GET ROUTE=/api/widgets NEED=read [PKG=widgets] [HANDLER=List]
(NAME, METHOD, ROUTE, NEED, PKG and HANDLER are -name, -method, -path, -need, -pkg and -handler here.)
`

// marker is the line of internal/routes/routes.go before which new routes go.
const marker = "\t// The catch-alls answer 404 for paths no route has."

func main() {
	var s spec
	flag.StringVar(&s.Name, "name", "", "the function's name, e.g. widgets-list")
	flag.StringVar(&s.Method, "method", "", "GET, POST, PUT, PATCH or DELETE")
	flag.StringVar(&s.Path, "path", "", "the path, e.g. /api/widgets/{id}")
	flag.StringVar(&s.Need, "need", "", "public, session, read or write")
	flag.StringVar(&s.Pkg, "pkg", "", "the handler's package under internal/ (default: the name's first word)")
	flag.StringVar(&s.Handler, "handler", "", "the constructor's name (default: the name's last word, capitalised)")
	flag.StringVar(&s.Summary, "summary", "", "one line for the OpenAPI document")
	flag.Parse()
	if err := add(".", &s); err != nil {
		fmt.Fprintf(os.Stderr, "newroute: %v\n%s", err, usage)
		os.Exit(1)
	}
	fmt.Printf(`Added %s %s (%s):
  internal/routes/routes.go   the route; add the tables it uses, its body types and status if not %d
  internal/%s/%s   the handler %s.%s, and its test, which fails until you write it
  events/%s/basic.json   an event; make golden writes its answer
  functions/%s/main.go   generated, with the local registry (make generate)
  docs/API.md   the route's row in the contract; say there what it answers
Then make test says what else is left.
`, s.Method, s.Path, s.Name, status(s.Method), s.Pkg, s.file(), s.Pkg, s.Handler, s.Name, s.Name)
}

// declared reports whether package pkg under root declares name at its
// top level.
func declared(root, pkg, name string) bool {
	files, _ := filepath.Glob(filepath.Join(root, "internal", pkg, "*.go"))
	decl := regexp.MustCompile(`(?m)^(func|type|var|const) ` + regexp.QuoteMeta(name) + `\b`)
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil && decl.Match(b) {
			return true
		}
	}
	return false
}

// check fills in the defaults and refuses what would not build, for the
// tree at root.
func (s *spec) check(root string, table []routes.Route) error {
	var errs []error
	if !nameRE.MatchString(s.Name) {
		errs = append(errs, fmt.Errorf("-name %q: lower-case words joined by '-'", s.Name))
	}
	if !slices.Contains(methods, s.Method) {
		errs = append(errs, fmt.Errorf("-method %q: one of %v", s.Method, methods))
	}
	if !pathRE.MatchString(s.Path) {
		errs = append(errs, fmt.Errorf("-path %q: /api/ and segments or {parameters}", s.Path))
	}
	if _, ok := needIdents[routes.Need(s.Need)]; !ok || routes.Need(s.Need) == routes.NeedCredential {
		errs = append(errs, fmt.Errorf("-need %q: public, session, read or write", s.Need))
	} else if (s.Need == principal.Read || s.Need == principal.Write) && principal.Permission(s.Method) != s.Need {
		errs = append(errs, fmt.Errorf("-need %s does not go with %s: reads are GET, writes are not", s.Need, s.Method))
	}
	if len(errs) > 0 && !nameRE.MatchString(s.Name) {
		// The package and the handler are named after the name's words.
		return errors.Join(errs...)
	}
	words := strings.Split(s.Name, "-")
	if s.Pkg == "" {
		s.Pkg = words[0]
	}
	if s.Handler == "" {
		last := words[len(words)-1]
		s.Handler = strings.ToUpper(last[:1]) + last[1:]
	}
	if !pkgRE.MatchString(s.Pkg) {
		errs = append(errs, fmt.Errorf("-pkg %q: a Go package name", s.Pkg))
	}
	if !handlerRE.MatchString(s.Handler) {
		errs = append(errs, fmt.Errorf("-handler %q: an exported Go name", s.Handler))
	}
	if s.Summary == "" {
		s.Summary = s.Method + " " + s.Path + "."
	}
	if s.Name == routes.AuthorizerFunction || s.Name == routes.NotFoundFunction {
		errs = append(errs, fmt.Errorf("-name %s is taken by Latchkey itself", s.Name))
	}
	handlerPkgs := map[string]bool{}
	for _, r := range table {
		handlerPkgs[strings.SplitN(r.Handler, ".", 2)[0]] = true
	}
	if s.Pkg == "main" {
		errs = append(errs, errors.New("-pkg main cannot hold a handler"))
	} else if _, err := os.Stat(filepath.Join(root, "internal", s.Pkg)); err == nil && !handlerPkgs[s.Pkg] {
		// internal/deps, httpx, store, …: a handler there would import
		// what imports it, or mix wiring with routes.
		errs = append(errs, fmt.Errorf("-pkg %s is one of Latchkey's own packages, not a handler package; choose another", s.Pkg))
	}
	if declared(root, s.Pkg, s.Handler) {
		errs = append(errs, fmt.Errorf("internal/%s already declares %s; give another -handler", s.Pkg, s.Handler))
	}
	for _, dir := range []string{filepath.Join(root, "functions", s.Name), filepath.Join(root, "events", s.Name)} {
		if _, err := os.Stat(dir); err == nil {
			errs = append(errs, fmt.Errorf("%s exists already", dir))
		}
	}
	for _, r := range table {
		if r.Function == s.Name {
			errs = append(errs, fmt.Errorf("a function %s exists already", s.Name))
		}
		if r.Method == s.Method && r.Path == s.Path {
			errs = append(errs, fmt.Errorf("%s %s is a route already", s.Method, s.Path))
		}
	}
	return errors.Join(errs...)
}

func (s spec) file() string { return strings.ToLower(s.Handler) + ".go" }

func status(method string) int {
	switch method {
	case "POST":
		return 201
	case "DELETE":
		return 204
	}
	return 200
}

// add writes everything under root (the repository).
func add(root string, s *spec) error {
	if err := s.check(root, routes.Table); err != nil {
		return err
	}
	tablePath := filepath.Join(root, "internal", "routes", "routes.go")
	src, err := os.ReadFile(tablePath)
	if err != nil {
		return err
	}
	if bytes.Count(src, []byte(marker)) != 1 {
		return fmt.Errorf("%s: the line %q is not there once", tablePath, strings.TrimSpace(marker))
	}
	entry := fmt.Sprintf("\t{\n\t\tMethod: %q, Path: %q, Function: %q, Need: %s,\n\t\tHandler: %q, Status: %d,\n\t\tSummary: %q,\n\t},\n",
		s.Method, s.Path, s.Name, needIdents[routes.Need(s.Need)], s.Pkg+"."+s.Handler, status(s.Method), s.Summary)
	// API Gateway makes a resource for every step on the way to the path;
	// one that is no route's gets its namespace's catch-all, as /api/auth
	// has (routes.TestEveryResourceHasAMethod).
	added, err := catchAlls(routes.Table, s.Path)
	if err != nil {
		return err
	}
	for _, r := range added {
		entry += fmt.Sprintf("\t{\n\t\tMethod: AnyMethod, Path: %q, Function: NotFoundFunction, Need: %s, Handler: %q, Status: 404,\n\t\tSummary: %q,\n\t},\n",
			r.Path, needIdents[r.Need], r.Handler, r.Summary)
	}
	src = bytes.Replace(src, []byte(marker), []byte(entry+marker), 1)
	if src, err = format.Source(src); err != nil {
		return fmt.Errorf("routes.go: %w", err)
	}

	dir := filepath.Join(root, "internal", s.Pkg)
	handlerFile, testFile := filepath.Join(dir, s.file()), filepath.Join(dir, strings.TrimSuffix(s.file(), ".go")+"_test.go")
	for _, f := range []string{handlerFile, testFile} {
		if _, err := os.Stat(f); err == nil {
			return fmt.Errorf("%s exists already", f)
		}
	}
	files := map[string][]byte{tablePath: src}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		files[filepath.Join(dir, "doc.go")] = []byte(fmt.Sprintf("// Package %s answers the routes of %s.\npackage %s\n", s.Pkg, s.Path, s.Pkg))
	}
	files[handlerFile], err = format.Source([]byte(handlerSource(*s)))
	if err != nil {
		return err
	}
	files[testFile], err = format.Source([]byte(testSource(*s)))
	if err != nil {
		return err
	}
	event, err := eventFor(*s)
	if err != nil {
		return err
	}
	files[filepath.Join(root, "events", s.Name, "basic.json")] = event

	for name, b := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return err
		}
	}
	// The contract users read gets the route's row, after the last one, for
	// the author to complete (TestEveryRouteIsInTheContract wants it).
	if err := addAPIRow(root, *s); err != nil {
		return err
	}
	// The generated files come from the table as written, by the generator
	// itself (make generate), so that they are what it would write.
	gen := exec.Command("go", "run", "./cmd/generate")
	gen.Dir = root
	if out, err := gen.CombinedOutput(); err != nil {
		return fmt.Errorf("make generate: %v\n%s", err, out)
	}
	return nil
}

// addAPIRow adds the route's row to docs/API.md's route table, after its
// last row.
func addAPIRow(root string, s spec) error {
	p := filepath.Join(root, "docs", "API.md")
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	lines := strings.Split(string(b), "\n")
	head := slices.Index(lines, "| method | path | needs | success | notes |")
	if head < 0 {
		return fmt.Errorf("%s: no route table (a line %q)", p, "| method | path | needs | success | notes |")
	}
	end := head + 2
	for end < len(lines) && strings.HasPrefix(lines[end], "| ") {
		end++
	}
	needs := map[string]string{"public": "nothing", "session": "session", "read": "read", "write": "write"}[s.Need]
	row := fmt.Sprintf("| %s | `%s` | %s | %d | %s |", s.Method, s.Path, needs, status(s.Method), s.Summary)
	lines = slices.Insert(lines, end, row)
	return os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644)
}

// catchAlls are the not-found routes to add for the resources on the way
// to path that no route of table has: each a copy of the catch-all that
// answers that path today (routes.CatchAllIn), on the resource itself, so
// that it asks what it asked before the resource existed.
func catchAlls(table []routes.Route, path string) ([]routes.Route, error) {
	var out []routes.Route
	for _, prefix := range missingPrefixes(table, path) {
		r, ok := routes.CatchAllIn(table, prefix)
		if !ok {
			return nil, fmt.Errorf("no catch-all of the route table answers %s, on the way to %s", prefix, path)
		}
		if _, ok := needIdents[r.Need]; !ok {
			return nil, fmt.Errorf("the catch-all %s needs %q, which newroute cannot write", r.Path, r.Need)
		}
		r.Path = prefix
		out = append(out, r)
	}
	return out, nil
}

// missingPrefixes are the resources on the way to path, below /api, that
// no route of the table has.
func missingPrefixes(table []routes.Route, path string) []string {
	segs := strings.Split(path, "/")
	var out []string
	for i := 3; i < len(segs); i++ {
		prefix := strings.Join(segs[:i], "/")
		if !slices.ContainsFunc(table, func(r routes.Route) bool { return r.Path == prefix }) {
			out = append(out, prefix)
		}
	}
	return out
}

func handlerSource(s spec) string {
	return fmt.Sprintf(`package %[1]s

import (
	"context"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
)

// %[2]s builds the handler of %[3]s %[4]s. It fails only on what would fail
// every request (then the function's cold start stops with the reason).
func %[2]s(d deps.Deps) (httpx.Handler, error) {
	return func(ctx context.Context, req httpx.Request) (httpx.Response, error) {
		// Write the handler here: principal.From(req) is the caller,
		// httpx.DecodeJSON reads a body, httpx.JSON answers.
		return httpx.Response{}, httpx.Errorf(501, httpx.CodeNotImplemented, "%[3]s %[4]s is not written yet")
	}, nil
}
`, s.Pkg, s.Handler, s.Method, s.Path)
}

func testSource(s spec) string {
	return fmt.Sprintf(`package %[1]s

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

// Test%[2]s fails until %[3]s %[4]s answers %[5]d: write the handler in
// %[6]s, then make this test say what the route promises.
func Test%[2]s(t *testing.T) {
	d := deps.Deps{Stores: embedded.New().Stores(), Now: time.Now}
	h := httpx.Adapt(slog.New(slog.DiscardHandler), depstest.Build(t, %[2]s, d))
	resp, err := h(context.Background(), httpx.Request{HTTPMethod: %[3]q, Path: %[4]q})
	if err != nil {
		t.Fatalf("%[3]s %[4]s: %%v", err)
	}
	if resp.StatusCode != %[5]d {
		t.Fatalf("%[3]s %[4]s = %%d %%s; want %[5]d", resp.StatusCode, resp.Body)
	}
}
`, s.Pkg, s.Handler, s.Method, s.Path, status(s.Method), s.file())
}

// eventFor is an API Gateway event for the route, as the local gateway
// builds one (with a session principal unless the route is public).
func eventFor(s spec) ([]byte, error) {
	path := paramRE.ReplaceAllString(s.Path, "example-$1")
	ev := events.APIGatewayProxyRequest{
		Resource: s.Path, Path: path, HTTPMethod: s.Method,
		Headers: map[string]string{"Accept": "application/json", "Host": "api.example.com"},
	}
	for _, m := range paramRE.FindAllStringSubmatch(s.Path, -1) {
		if ev.PathParameters == nil {
			ev.PathParameters = map[string]string{}
		}
		ev.PathParameters[m[1]] = "example-" + m[1]
	}
	ev.RequestContext.HTTPMethod, ev.RequestContext.ResourcePath, ev.RequestContext.Stage = s.Method, s.Path, "prod"
	if s.Need != "public" {
		p := principal.Principal{UserID: "usr_exampleexampleexampleexa", SessionID: "ses_exampleexampleexampleexa",
			Method: principal.MethodSession, Permissions: []string{principal.Read, principal.Write}}
		ev.RequestContext.Authorizer = p.Context()
	}
	b, err := json.MarshalIndent(ev, "", "  ")
	return append(b, '\n'), err
}
