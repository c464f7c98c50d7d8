package routes

import (
	"maps"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name, method, path string
		want               MatchResult
		wantFn             string
		wantParams         map[string]string
	}{
		{"list", "GET", "/api/public/posts", Matched, "public-posts-list", nil},
		{"get with id", "GET", "/api/public/posts/post_x", Matched, "public-posts-get", map[string]string{"id": "post_x"}},
		{"encoded slash stays in its segment", "GET", "/api/public/posts/a%2Fb", Matched, "public-posts-get", map[string]string{"id": "a/b"}},
		{"wrong method on a known path", "DELETE", "/api/public/posts", NoMethod, "", nil},
		{"empty id is no route of its own", "GET", "/api/public/posts/", Matched, "not-found", map[string]string{"proxy": "posts/"}},
		{"unknown public path", "GET", "/api/public/nope", Matched, "not-found", map[string]string{"proxy": "nope"}},
		{"unknown path elsewhere", "POST", "/api/keys/x/y", Matched, "not-found", map[string]string{"proxy": "keys/x/y"}},
		{"keys list", "GET", "/api/keys", Matched, "keys-list", nil},
		{"keys create", "POST", "/api/keys", Matched, "keys-create", nil},
		{"key delete", "DELETE", "/api/keys/key_x", Matched, "keys-delete", map[string]string{"id": "key_x"}},
		{"key regenerate", "POST", "/api/keys/key_x/regenerate", Matched, "keys-regenerate", map[string]string{"id": "key_x"}},
		{"a key has no GET", "GET", "/api/keys/key_x", NoMethod, "", nil},
		{"me", "GET", "/api/me", Matched, "me", nil},
		{"public catch-all beats api catch-all", "GET", "/api/public/a/b", Matched, "not-found", map[string]string{"proxy": "a/b"}},
		{"outside /api", "GET", "/index.html", NoRoute, "", nil},
		{"bare /api/", "GET", "/api/", NoRoute, "", nil},
		{"the /api/auth resource", "POST", "/api/auth", Matched, "not-found", nil},
		{"the /api/public resource", "GET", "/api/public", Matched, "not-found", nil},
		{"bad escape", "GET", "/api/public/posts/%zz", NoRoute, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, params, got := Match(tc.method, tc.path)
			if got != tc.want || r.Function != tc.wantFn || !maps.Equal(params, tc.wantParams) {
				t.Fatalf("Match(%s, %q) = %q %v %v; want %q %v %v", tc.method, tc.path, r.Function, params, got, tc.wantFn, tc.wantParams, tc.want)
			}
		})
	}
}

func TestCatchAllNeeds(t *testing.T) {
	r, _, _ := Match("GET", "/api/public/x")
	if r.Need != NeedPublic {
		t.Errorf("public catch-all needs %q; want public", r.Need)
	}
	r, _, _ = Match("GET", "/api/nothing-here")
	if r.Need != NeedCredential {
		t.Errorf("api catch-all needs %q; want a credential (so strangers get 401, not a route map)", r.Need)
	}
	// CatchAllIn is the catch-all alone, never a {parameter} route that
	// the path happens to fit (/api/posts/{id} takes /api/posts/drafts).
	for path, want := range map[string]string{"/api/public/widgets": "/api/public/{proxy+}", "/api/posts/drafts": "/api/{proxy+}", "/api/auth/x": "/api/{proxy+}"} {
		if r, ok := CatchAllIn(Table, path); !ok || r.Path != want {
			t.Errorf("CatchAllIn(%s) = %s, %v; want %s", path, r.Path, ok, want)
		}
	}
}

// TestEveryResourceHasAMethod: API Gateway makes a resource for every
// prefix of a route's path, and a resource without methods answers its own
// 404 instead of falling back to a catch-all, which would tell a stranger
// that it exists. So every prefix of every route's path below /api is a
// route (/api itself is outside CloudFront's /api/* behaviour).
func TestEveryResourceHasAMethod(t *testing.T) {
	paths := map[string]bool{}
	for _, r := range Table {
		paths[r.Path] = true
	}
	for _, r := range Table {
		segs := strings.Split(r.Path, "/")
		for i := 3; i < len(segs); i++ { // "", "api", then what is below
			if prefix := strings.Join(segs[:i], "/"); !paths[prefix] {
				t.Errorf("resource %s (on the way to %s) has no method", prefix, r.Path)
			}
		}
	}
	for _, tc := range []struct {
		path string
		need Need
	}{{"/api/auth", NeedCredential}, {"/api/public", NeedPublic}} {
		if r, _, _ := Match("GET", tc.path); r.Need != tc.need {
			t.Errorf("%s needs %q; want %q, as its namespace's catch-all", tc.path, r.Need, tc.need)
		}
	}
}

// TestAMethodOfItsOwnWinsOverAny: a route with its own method on a path
// that also has ANY (a catch-all that make route added on the way) is the
// one chosen, by the authorizer and the local gateway alike, as API Gateway
// chooses it: a write route must not be decided as the catch-all's "any
// credential".
func TestAMethodOfItsOwnWinsOverAny(t *testing.T) {
	table := []Route{
		{Method: AnyMethod, Path: "/api/reports", Function: NotFoundFunction, Need: NeedCredential},
		{Method: "POST", Path: "/api/reports", Function: "reports-create", Need: NeedWrite},
	}
	if r, ok := FindIn(table, "POST", "/api/reports"); !ok || r.Function != "reports-create" {
		t.Errorf("FindIn(POST) = %v, %v; want reports-create", r.Function, ok)
	}
	if r, ok := FindIn(table, "GET", "/api/reports"); !ok || r.Function != NotFoundFunction {
		t.Errorf("FindIn(GET) = %v, %v; want the catch-all", r.Function, ok)
	}
	saved := Table
	defer func() { Table = saved }()
	Table = table
	if r, _, res := Match("POST", "/api/reports"); res != Matched || r.Function != "reports-create" {
		t.Errorf("Match(POST) = %v %v; want reports-create", r.Function, res)
	}
	if r, _, res := Match("DELETE", "/api/reports"); res != Matched || r.Function != NotFoundFunction {
		t.Errorf("Match(DELETE) = %v %v; want the catch-all", r.Function, res)
	}
}

func TestFindMatchesAnyMethod(t *testing.T) {
	if r, ok := Find("PATCH", "/api/{proxy+}"); !ok || r.Function != "not-found" {
		t.Fatalf("Find(PATCH, /api/{proxy+}) = %v, %v; want the catch-all", r, ok)
	}
	if _, ok := Find("POST", "/api/public/posts"); ok {
		t.Fatal("Find(POST, /api/public/posts) found a route; want none")
	}
}
