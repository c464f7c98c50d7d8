package routes

import (
	"strings"
	"testing"
)

// FuzzMatch feeds attacker-shaped paths to the matcher: it must never
// panic, and a match must be a route of the table whose parameters are
// non-empty.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"/api/public/posts", "/api/public/posts/x", "/api/public/posts/%2F", "/api/a/b/c", "//api", "/api/public/%zz", ""} {
		f.Add("GET", s)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		r, params, res := Match(method, path)
		if res != Matched {
			return
		}
		if r.Method != method && r.Method != AnyMethod {
			t.Fatalf("Match(%q, %q) = %s %s: method differs", method, path, r.Method, r.Path)
		}
		for k, v := range params {
			if v == "" || !strings.Contains(r.Path, "{"+k) {
				t.Fatalf("Match(%q, %q) params %v do not fit %s", method, path, params, r.Path)
			}
		}
	})
}
