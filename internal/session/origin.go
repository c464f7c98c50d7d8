package session

import "github.com/latchkey/latchkey/internal/principal"

// SameOrigin reports whether a cookie-authenticated request that changes
// state comes from the app's own origin (docs/API.md): its Origin is the public
// URL or an allowed origin; or, without Origin, Sec-Fetch-Site says
// same-origin. SameSite=Strict already keeps the cookie off cross-site
// requests; this second check also stops a sibling subdomain, which is
// same-site but not same-origin. A request with neither header is refused:
// every browser that sends cookies sends one of them on an unsafe method.
func SameOrigin(origins, fetchSite []string, publicURL string, allowed []string) bool {
	if len(origins) > 0 {
		if len(origins) != 1 {
			return false
		}
		o := origins[0]
		if o == publicURL {
			return true
		}
		for _, a := range allowed {
			if o == a {
				return true
			}
		}
		return false
	}
	return len(fetchSite) == 1 && fetchSite[0] == "same-origin"
}

// Unsafe reports whether a method may change state: any but
// principal.Safe's, so the origin check covers every method that needs the
// write permission (OPTIONS included).
func Unsafe(method string) bool {
	return !principal.Safe(method)
}
