package main

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/routes"
)

const repo = "../.."

// copyTree copies the repository's files (tracked, and new ones not
// ignored) into a temporary folder, with node_modules linked.
func copyTree(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "-C", repo, "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	dst := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(repo, name))
		if err != nil {
			continue // deleted in the work tree
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs, _ := filepath.Abs(filepath.Join(repo, "node_modules"))
	if err := os.Symlink(abs, filepath.Join(dst, "node_modules")); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestANewRouteWorksEverywhere adds a throwaway route to a copy of the
// tree, as `make route` does, and runs there the tests of everything that
// reads the route table: the generated files, the local gateway, the
// authorizer, the OpenAPI document and the infrastructure (its CDK
// synthesis, cdk-nag and cfn-lint included). Nothing but the table entry,
// the handler and its fixture was written by hand. What is left (the
// handler, the golden answers) fails, saying what to do.
func TestANewRouteWorksEverywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the tree and synthesizes the stacks")
	}
	dst := copyTree(t)
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dst
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	// A route below a path no route has: /api/widgets gets a catch-all.
	run("go", "run", "./cmd/newroute", "-name", "widgets-delete", "-method", "DELETE", "-path", "/api/widgets/{id}", "-need", "write")
	// Then a route on that very path, through the Makefile's target: its
	// own method must win over the catch-all there.
	run("make", "-s", "route", "NAME=widgets-create", "METHOD=POST", "ROUTE=/api/widgets", "NEED=write")
	for _, f := range []string{"functions/widgets-delete/main.go", "internal/widgets/delete.go", "internal/widgets/delete_test.go", "events/widgets-delete/basic.json",
		"functions/widgets-create/main.go", "internal/widgets/create.go", "events/widgets-create/basic.json"} {
		if _, err := os.Stat(filepath.Join(dst, f)); err != nil {
			t.Errorf("make route wrote no %s", f)
		}
	}
	cmd := exec.Command("go", "test", "-count=1", "./internal/codegen", "./internal/routes", "./internal/functions",
		"./internal/gateway", "./internal/authz", "./internal/openapi", "./internal/doccheck", "./infra")
	cmd.Dir = dst
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the table's readers with a new route: %v\n%s", err, out.String())
	}
	// And what is left is said, not silently passed: the handler's own test
	// fails until it is written.
	cmd = exec.Command("go", "test", "-count=1", "./internal/widgets")
	cmd.Dir = dst
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "want 204") || !strings.Contains(string(b), "want 201") {
		t.Fatalf("the new handler's test = %v\n%s; want it failing until the handler is written", err, b)
	}
	// So are the golden answers: the new events have none, and the OpenAPI
	// document's is stale. The failure names the files and make golden, in
	// a few lines rather than the 110 KB document twice.
	// (go vet has seen these packages' code in the tree; here it would
	// only add time.)
	goldenTests := func() (string, error) {
		cmd := exec.Command("go", "test", "-count=1", "-vet=off", "./internal/invoke", "./internal/openapi/openapitest")
		cmd.Dir = dst
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	out1, err := goldenTests()
	for _, want := range []string{
		"internal/invoke/testdata/golden/widgets-delete/basic.json: no golden file; run `make golden`",
		"internal/invoke/testdata/golden/widgets-create/basic.json: no golden file; run `make golden`",
		"internal/invoke/testdata/golden/public-openapi/document.json: the answer differs from this golden file; if the new answer is the right one, run `make golden`",
		`\"/api/widgets\":{`,
	} {
		if err == nil || !strings.Contains(out1, want) {
			t.Errorf("the golden tests with new routes = %v, without %q", err, want)
		}
	}
	if len(out1) > 20<<10 || t.Failed() {
		t.Fatalf("the golden tests with new routes said (%d bytes; want under 20 KB):\n%.20000s", len(out1), out1)
	}
	// After make golden the answers are the fixtures' own: what is left is
	// the handlers, whose 501 the OpenAPI document does not describe.
	run("make", "-s", "golden")
	out2, err := goldenTests()
	fails := strings.Count(out2, "--- FAIL: TestGoldenAnswersAreDescribed/")
	if err == nil || !strings.Contains(out2, "ok  \tgithub.com/latchkey/latchkey/internal/invoke") || fails != 2 ||
		!strings.Contains(out2, "DELETE /api/widgets/example-id (events/widgets-delete/basic.json) answers 501: its handler is not written yet; write it, then run `make golden`") ||
		!strings.Contains(out2, "POST /api/widgets (events/widgets-create/basic.json) answers 501: its handler is not written yet") {
		t.Fatalf("the golden tests after make golden = %v (%d failures):\n%s\nwant the fixtures passing and the two unwritten handlers named", err, fails, out2)
	}
}

// TestSpecRefusesWhatWouldNotBuild: names, methods, paths and needs that
// would make a broken table are refused before anything is written.
func TestSpecRefusesWhatWouldNotBuild(t *testing.T) {
	for _, s := range []spec{
		{},
		{Method: "GET", Path: "/api/widgets", Need: "read"},
		{Name: "-", Method: "GET", Path: "/api/widgets", Need: "read"},
		{Name: "Widgets", Method: "GET", Path: "/api/widgets", Need: "read"},
		{Name: "widgets-list", Method: "FETCH", Path: "/api/widgets", Need: "read"},
		{Name: "widgets-list", Method: "GET", Path: "/widgets", Need: "read"},
		{Name: "widgets-list", Method: "GET", Path: "/api/widgets/{id", Need: "read"},
		{Name: "widgets-list", Method: "GET", Path: "/api/widgets", Need: "admin"},
		{Name: "widgets-list", Method: "GET", Path: "/api/widgets", Need: "credential"}, // the catch-alls' need
		{Name: "widgets-list", Method: "POST", Path: "/api/widgets", Need: "read"},
		{Name: "widgets-list", Method: "GET", Path: "/api/widgets", Need: "write"},
		{Name: "me", Method: "GET", Path: "/api/widgets", Need: "read"},
		{Name: "widgets-list", Method: "GET", Path: "/api/me", Need: "read"},
		{Name: "widgets-list", Method: "GET", Path: "/api/widgets", Need: "read", Pkg: "Widgets"},
		{Name: "authorizer", Method: "GET", Path: "/api/widgets", Need: "read"},
		{Name: "widgets-list", Method: "GET", Path: "/api/widgets", Need: "read", Pkg: "deps"},
		{Name: "widgets-list", Method: "GET", Path: "/api/widgets", Need: "read", Pkg: "httpx"},
		{Name: "main-list", Method: "GET", Path: "/api/widgets", Need: "read"},
		{Name: "posts-page", Method: "GET", Path: "/api/widgets", Need: "read"}, // posts.Page is a type
	} {
		if err := s.check(repo, routes.Table); err == nil {
			t.Errorf("check(%+v) = nil; want a refusal", s)
		}
	}
}

// TestMakeRouteRefusesPATH: `make route … PATH=/api/widgets` (PATH is the
// shell's search path, which that would replace) stops with a message that
// names ROUTE=, before anything runs, rather than "go: command not found".
func TestMakeRouteRefusesPATH(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("no make on this machine")
	}
	out, err := exec.Command(mk, "-C", repo, "route", "NAME=widgets-list", "METHOD=GET", "PATH=/api/widgets", "NEED=read").CombinedOutput()
	if err == nil {
		t.Fatalf("make route with PATH= succeeded; output:\n%s", out)
	}
	if !bytes.Contains(out, []byte("ROUTE=/api/widgets, not PATH=")) || bytes.Contains(out, []byte("command not found")) {
		t.Errorf("make route with PATH= said:\n%s\nwant the ROUTE= hint", out)
	}
}

// TestACatchAllOnTheWayAsksWhatCoveredIt: a resource make route adds on
// the way to a new route gets the need of the catch-all that answered its
// path before, whatever the path's words: public under a public
// namespace, a credential under /api, and a session under a namespace
// whose catch-all asks for one; never the need of a {parameter} route
// beside it.
func TestACatchAllOnTheWayAsksWhatCoveredIt(t *testing.T) {
	sessionOnly := append([]routes.Route{{Method: routes.AnyMethod, Path: "/api/admin/{proxy+}", Function: routes.NotFoundFunction,
		Need: routes.NeedSession, Handler: "notfound.Build", Status: 404, Summary: "No such admin route."},
		{Method: routes.AnyMethod, Path: "/api/admin", Function: routes.NotFoundFunction, Need: routes.NeedSession, Handler: "notfound.Build", Status: 404}},
		routes.Table...)
	for _, tc := range []struct {
		name, path string
		table      []routes.Route
		want       map[string]routes.Need // added resource → its need
	}{
		{"a public resource", "/api/public/widgets/{id}", routes.Table, map[string]routes.Need{"/api/public/widgets": routes.NeedPublic}},
		{"a private resource", "/api/widgets/{id}", routes.Table, map[string]routes.Need{"/api/widgets": routes.NeedCredential}},
		{"two steps under /api", "/api/widgets/parts/{id}", routes.Table,
			map[string]routes.Need{"/api/widgets": routes.NeedCredential, "/api/widgets/parts": routes.NeedCredential}},
		{"beside a parameter route that needs read", "/api/posts/drafts/{id}", routes.Table, map[string]routes.Need{"/api/posts/drafts": routes.NeedCredential}},
		{"under a namespace whose catch-all needs a session", "/api/admin/widgets/{id}", sessionOnly, map[string]routes.Need{"/api/admin/widgets": routes.NeedSession}},
		{"nothing missing", "/api/posts/{id}/comments", routes.Table, map[string]routes.Need{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			added, err := catchAlls(tc.table, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]routes.Need{}
			for _, r := range added {
				got[r.Path] = r.Need
				if !r.NotFound() || r.Method != routes.AnyMethod || r.Status != 404 {
					t.Errorf("%s is %s %s → %s %d; want a not-found route for any method", r.Path, r.Method, r.Path, r.Function, r.Status)
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("catchAlls(%s) = %v; want %v", tc.path, got, tc.want)
			}
		})
	}
	if _, err := catchAlls([]routes.Route{{Method: "GET", Path: "/api/x", Function: "x"}}, "/api/widgets/{id}"); err == nil {
		t.Error("catchAlls with no catch-all = nil; want an error")
	}
}
