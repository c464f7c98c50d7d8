package keys

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/internal/httpx"
)

// Request limits (docs/API.md).
const (
	// BodyLimit bounds the bodies of the key routes: a label of 64
	// characters and a few short fields fit many times over.
	BodyLimit = 4 << 10
	// MaxLabel is the longest label, in characters (runes).
	MaxLabel = 64
	// MaxExpiresInDays is the longest lifetime a key may be given.
	MaxExpiresInDays = 365
	// MaxGraceSeconds is the longest an old secret may outlive its
	// regeneration: a day to roll a new secret out.
	MaxGraceSeconds = 86400
)

// The permissions a key may carry, in canonical order.
const (
	PermRead  = "read"
	PermWrite = "write"
)

// CreateRequest is the body of POST /api/keys. The schema tags describe
// its limits in the OpenAPI document; decodeCreate enforces them.
type CreateRequest struct {
	Label       string   `json:"label" schema:"minLength=1,maxLength=64"`
	Permissions []string `json:"permissions" schema:"enum=read|write,minItems=1,maxItems=2,uniqueItems"`
	// ExpiresInDays is optional; absent (or null) means no expiry.
	ExpiresInDays *int `json:"expiresInDays,omitempty" schema:"minimum=1,maximum=365"`
}

// RegenerateRequest is the optional body of POST /api/keys/{id}/regenerate.
type RegenerateRequest struct {
	GraceSeconds *int `json:"graceSeconds,omitempty" schema:"minimum=0,maximum=86400"`
}

// decodeCreate reads and validates a create request. Messages never echo
// what the caller sent.
func decodeCreate(req httpx.Request) (NewKey, error) {
	var b CreateRequest
	if err := httpx.DecodeJSON(req, BodyLimit, &b); err != nil {
		return NewKey{}, err
	}
	label, err := validLabel(b.Label)
	if err != nil {
		return NewKey{}, err
	}
	perms, err := validPermissions(b.Permissions)
	if err != nil {
		return NewKey{}, err
	}
	nk := NewKey{Label: label, Permissions: perms}
	if b.ExpiresInDays != nil {
		days := *b.ExpiresInDays
		if days < 1 || days > MaxExpiresInDays {
			return NewKey{}, httpx.BadRequest("expiresInDays must be an integer from 1 to %d", MaxExpiresInDays)
		}
		nk.ExpiresIn = time.Duration(days) * 24 * time.Hour
	}
	return nk, nil
}

// validLabel trims surrounding white space (what a form field often
// carries) and then requires 1 to MaxLabel printable characters. Control
// and format characters (bidirectional overrides, zero-width ones) are
// refused, so a label cannot disguise itself as another in a listing.
func validLabel(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n < 1 || n > MaxLabel {
		return "", httpx.BadRequest("label must be 1 to %d characters", MaxLabel)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return "", httpx.BadRequest("label must be printable characters only")
		}
	}
	return s, nil
}

// validPermissions accepts what docs/API.md allows, ["read"] or ["read",
// "write"] in either order, and returns it in canonical order. A write-only
// key is refused: write includes read.
func validPermissions(ps []string) ([]string, error) {
	if len(ps) == 0 {
		return nil, httpx.BadRequest(`permissions must not be empty: ["read"] or ["read", "write"]`)
	}
	var read, write bool
	for _, p := range ps {
		var seen *bool
		switch p {
		case PermRead:
			seen = &read
		case PermWrite:
			seen = &write
		default:
			return nil, httpx.BadRequest(`permissions may only be "read" and "write"`)
		}
		if *seen {
			return nil, httpx.BadRequest("permissions must not repeat")
		}
		*seen = true
	}
	if !read {
		return nil, httpx.BadRequest(`a key with "write" needs "read" too: ["read", "write"]`)
	}
	if write {
		return []string{PermRead, PermWrite}, nil
	}
	return []string{PermRead}, nil
}

// decodeRegenerate reads the optional regenerate body and returns the
// grace period. An empty body (with or without a Content-Type) means no
// grace; any other body must be a JSON object.
func decodeRegenerate(req httpx.Request) (time.Duration, error) {
	raw, err := httpx.Body(req, BodyLimit)
	if err != nil {
		return 0, err
	}
	if len(raw) == 0 {
		return 0, nil
	}
	var b RegenerateRequest
	if err := httpx.DecodeJSON(req, BodyLimit, &b); err != nil {
		return 0, err
	}
	if b.GraceSeconds == nil {
		return 0, nil
	}
	if g := *b.GraceSeconds; g < 0 || g > MaxGraceSeconds {
		return 0, httpx.BadRequest("graceSeconds must be an integer from 0 to %d", MaxGraceSeconds)
	}
	return time.Duration(*b.GraceSeconds) * time.Second, nil
}
