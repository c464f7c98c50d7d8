package login

import (
	"net/url"
	"strings"
	"testing"
)

func TestSafeReturnTo(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/posts/123?tab=edit#top", "/posts/123?tab=edit#top"},
		{"", "/"},
		{"posts", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\/evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/%2F%2Fevil.example", "/"},
		{"/%2fevil.example", "/"},
		{"%2F%2Fevil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"/%252F%252Fevil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/ /evil.example", "/"},
		{"/a/../%2F/evil", "/a/../%2F/evil"},
		{"/" + strings.Repeat("a", 2000), "/"},
	}
	for _, tc := range tests {
		if got := SafeReturnTo(tc.in); got != tc.want {
			t.Errorf("SafeReturnTo(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSafeReturnTo: whatever it keeps is a path on this origin when a
// browser resolves it against the app's URL.
func FuzzSafeReturnTo(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "/%2F%2Fx", "/a?b#c", "http://x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://app.example.com/")
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeReturnTo(s)
		if got == "/" {
			return
		}
		u, err := base.Parse(got)
		if err != nil || u.Host != "app.example.com" || u.Scheme != "https" {
			t.Fatalf("SafeReturnTo(%q) = %q resolves to %v", s, got, u)
		}
	})
}
