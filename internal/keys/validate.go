package keys

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/store"
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
	// MaxAllowedCIDRs is the most address prefixes a key's allow-list
	// holds, and MaxCIDRLength the longest one may be written, in bytes
	// (the longest IPv6 prefix is 43).
	MaxAllowedCIDRs = 20
	MaxCIDRLength   = 64
)

// CreateRequest is the body of POST /api/keys. The schema tags describe
// its limits in the OpenAPI document (the constants above: internal/openapi's
// TestSchemaTagsAreTheConstants holds them equal); decodeCreate enforces
// them.
type CreateRequest struct {
	Label       string   `json:"label" schema:"minLength=1,maxLength=64"`
	Permissions []string `json:"permissions" schema:"enum=read|write,minItems=1,maxItems=2,uniqueItems"`
	// ExpiresInDays is optional; absent (or null) means no expiry.
	ExpiresInDays *int `json:"expiresInDays,omitempty" schema:"minimum=1,maximum=365"`
	// AllowedCIDRs is optional: the IPv4 and IPv6 prefixes (or single
	// addresses) the key may be used from; absent or empty allows any.
	AllowedCIDRs []string `json:"allowedCidrs,omitempty" schema:"maxItems=20,maxLength=64"`
}

// UpdateRequest is the body of PATCH /api/keys/{id}: what to change, each
// part optional but at least one given. allowedCidrs replaces the whole
// list ([] allows any address).
type UpdateRequest struct {
	Label        *string   `json:"label,omitempty" schema:"minLength=1,maxLength=64"`
	AllowedCIDRs *[]string `json:"allowedCidrs,omitempty" schema:"maxItems=20,maxLength=64"`
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
	cidrs, err := ParseCIDRs(b.AllowedCIDRs)
	if err != nil {
		return NewKey{}, err
	}
	nk := NewKey{Label: label, Permissions: perms, AllowedCIDRs: cidrs}
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
// "write"] in either order, and returns it in canonical order (read, then
// write). A write-only key is refused: write includes read.
func validPermissions(ps []string) ([]string, error) {
	if len(ps) == 0 {
		return nil, httpx.BadRequest(`permissions must not be empty: ["read"] or ["read", "write"]`)
	}
	var read, write bool
	for _, p := range ps {
		var seen *bool
		switch p {
		case principal.Read:
			seen = &read
		case principal.Write:
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
		return []string{principal.Read, principal.Write}, nil
	}
	return []string{principal.Read}, nil
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

// decodeUpdate reads and validates an update request into the settings to
// change.
func decodeUpdate(req httpx.Request) (store.KeySettings, error) {
	var b UpdateRequest
	if err := httpx.DecodeJSON(req, BodyLimit, &b); err != nil {
		return store.KeySettings{}, err
	}
	if b.Label == nil && b.AllowedCIDRs == nil {
		return store.KeySettings{}, httpx.BadRequest("nothing to change: give label, allowedCidrs or both (allowedCidrs [] allows any address)")
	}
	var set store.KeySettings
	if b.Label != nil {
		label, err := validLabel(*b.Label)
		if err != nil {
			return store.KeySettings{}, err
		}
		set.Label = &label
	}
	if b.AllowedCIDRs != nil {
		cidrs, err := ParseCIDRs(*b.AllowedCIDRs)
		if err != nil {
			return store.KeySettings{}, err
		}
		if cidrs == nil {
			cidrs = []string{}
		}
		set.AllowedCIDRs = &cidrs
	}
	return set, nil
}

// ParseCIDRs validates a key's allow-list and returns it in canonical form
// (netip.Prefix's String), in the order given; nil for an empty list. Each
// entry is an IPv4 or IPv6 prefix, or a single address (a prefix of one
// address: /32 or /128), with white space around it trimmed. It refuses
// more than MaxAllowedCIDRs entries, an entry over MaxCIDRLength bytes,
// an IPv6 zone, a prefix with bits set past its length (naming the prefix
// meant), an IPv4-mapped IPv6 prefix (the authorizer compares IPv4
// callers as IPv4), and the same prefix twice. Messages name an entry by
// its index and quote only canonical forms, never the raw input.
func ParseCIDRs(in []string) ([]string, error) {
	if len(in) > MaxAllowedCIDRs {
		return nil, httpx.BadRequest("allowedCidrs may hold at most %d entries", MaxAllowedCIDRs)
	}
	var out []string
	seen := make(map[netip.Prefix]int, len(in))
	for i, raw := range in {
		p, err := parseCIDR(raw)
		if err != nil {
			return nil, httpx.BadRequest("allowedCidrs[%d]: %s", i, err.Error())
		}
		if j, dup := seen[p]; dup {
			return nil, httpx.BadRequest("allowedCidrs[%d]: %s is already allowedCidrs[%d]", i, p, j)
		}
		seen[p] = i
		out = append(out, p.String())
	}
	return out, nil
}

// parseCIDR parses one entry of an allow-list; its error is a message for
// the caller.
func parseCIDR(raw string) (netip.Prefix, error) {
	s := strings.TrimSpace(raw)
	if len(s) > MaxCIDRLength {
		return netip.Prefix{}, fmt.Errorf("longer than %d characters", MaxCIDRLength)
	}
	if s == "" {
		return netip.Prefix{}, errors.New("empty; give an address or CIDR prefix such as 203.0.113.0/24")
	}
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, errNotCIDR
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, errNotCIDR
		}
		if a.Zone() != "" {
			return netip.Prefix{}, errors.New("an IPv6 zone (%…) has no meaning here; leave it out")
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("%s has bits set past its length; the prefix is %s", p, m)
	}
	if p.Addr().Is4In6() {
		// Masked and IPv4-mapped: the length is 96 or more.
		four := netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		return netip.Prefix{}, fmt.Errorf("an IPv4-mapped IPv6 prefix; write it as IPv4, %s", four)
	}
	return p, nil
}

var errNotCIDR = errors.New("not an IPv4 or IPv6 address or CIDR prefix (such as 203.0.113.0/24 or 2001:db8::/32)")
