package webapp

import "testing"

// viewCases are paths and whether each is a view.
var viewCases = map[string]bool{
	"/":                 true,
	"/keys":             true,
	"/keys/":            true,
	"/posts/post_abc":   true,
	"/posts/new":        true,
	"/account":          true,
	"/app.js":           false,
	"/style.css":        false,
	"/img/keys.png":     false,
	"/index.html":       false,
	"/api":              false,
	"/api/me":           false,
	"/api/public/posts": false,
	"/apiary":           true,
	"/v1.2/keys":        true,
	"/a.b/":             true,
	"relative":          false,
}

func TestIsView(t *testing.T) {
	for path, want := range viewCases {
		if got := IsView(path); got != want {
			t.Errorf("IsView(%q) = %v; want %v", path, got, want)
		}
	}
}
