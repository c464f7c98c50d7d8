// Package frontdoor refuses requests that did not come through CloudFront,
// Latchkey's only front door. The REST API's execute-api address is public
// (CloudFront needs it), so without this a caller could skip CloudFront's
// TLS policy, response headers and web ACL by calling API Gateway directly.
//
// CloudFront adds a secret header, X-Latchkey-Origin, to every request it
// sends to the API (overwriting any value the viewer sent); the value lives
// in Secrets Manager and is read at cold start. Every function (through
// app.Start) and the authorizer refuse a request whose header is not one of
// the accepted values. During a rotation up to three values are accepted —
// the one CloudFront sends, the next one and the previous one — so that no
// instance refuses CloudFront while the change rolls out
// (docs/SECURITY.md, "Infrastructure").
package frontdoor

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"

	"github.com/latchkey/latchkey/internal/httpx"
)

// Header is the header CloudFront adds to every request it sends to the API.
const Header = "X-Latchkey-Origin"

// Secrets are the accepted values of Header. An empty list turns the check
// off: local runs and tests have no CloudFront in front of them, and a
// deployment always configures it (the infrastructure tests hold that).
type Secrets []string

// Enabled reports whether the check is on.
func (s Secrets) Enabled() bool { return len(s) > 0 }

// Allows reports whether values (every value the request sent for Header)
// is exactly one value equal to an accepted secret; with the check off it
// reports true. Each comparison is of SHA-256 digests in constant time and
// every secret is compared, so the timing tells nothing about a secret's
// length, its matching prefix or which secret matched.
func (s Secrets) Allows(values []string) bool {
	if !s.Enabled() {
		return true
	}
	if len(values) != 1 {
		return false
	}
	got := sha256.Sum256([]byte(values[0]))
	match := 0
	for _, secret := range s {
		if secret == "" {
			continue // an unset previous value opens nothing
		}
		want := sha256.Sum256([]byte(secret))
		match |= subtle.ConstantTimeCompare(got[:], want[:])
	}
	return match == 1
}

// Values returns every value req carries for Header, whatever its letter
// case, as API Gateway's multi-value headers give them (or its single-value
// headers when the multi-value ones have none, as in a hand-written event).
func Values(req httpx.Request) []string {
	return httpx.HeaderValues(req, Header)
}

// Require wraps a function's handler so that it answers 403 to a request
// that did not come through CloudFront. With the check off it returns h
// itself.
func Require(s Secrets, h httpx.Handler) httpx.Handler {
	if !s.Enabled() {
		return h
	}
	return func(ctx context.Context, req httpx.Request) (httpx.Response, error) {
		if !s.Allows(Values(req)) {
			httpx.Logger(ctx).Warn("request refused: it did not come through CloudFront")
			return httpx.Response{}, ErrNotThroughFrontDoor
		}
		return h(ctx, req)
	}
}

// ErrNotThroughFrontDoor is the 403 a function answers to a request that
// bypassed CloudFront. It names no header and no secret.
var ErrNotThroughFrontDoor = &httpx.Error{Status: 403, Code: httpx.CodeForbidden, Message: "requests must come through the app's address"}
