package login

import (
	"net/url"
	"testing"

	"github.com/latchkey/latchkey/internal/routes"
)

// TestRedirectURIIsTheCallbackRoute: the address every provider is given
// is the public URL's GET /api/auth/callback, the route the callback
// function serves.
func TestRedirectURIIsTheCallbackRoute(t *testing.T) {
	got := RedirectURI("https://app.example.com")
	if got != "https://app.example.com/api/auth/callback" {
		t.Fatalf("RedirectURI = %q; want https://app.example.com/api/auth/callback", got)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := routes.Find("GET", u.Path); !ok || r.Function != "auth-callback" {
		t.Fatalf("GET %s routes to %q (found %v); want auth-callback", u.Path, r.Function, ok)
	}
}
