package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// idEncoding is lower-case base32 without padding: URL-safe, case-insensitive
// friendly, no look-alike punctuation.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a random opaque ID with 128 bits of entropy and a short
// prefix naming its kind (e.g. "post", "key"), so a misplaced ID is obvious
// in logs.
func NewID(kind string) string {
	id, _ := NewIDFrom(rand.Reader, kind) // crypto/rand never fails on supported platforms
	return id
}

// NewIDFrom is NewID reading its randomness from r (crypto/rand.Reader in
// production; a seeded generator makes fixtures deterministic).
func NewIDFrom(r io.Reader, kind string) (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("new %s id: %w", kind, err)
	}
	return kind + "_" + idEncoding.EncodeToString(b), nil
}

// UserID derives a user's ID from the identity provider's issuer and subject.
// The pair is the only stable identity OpenID Connect guarantees; hashing it
// makes the ID deterministic (two concurrent first sign-ins write the same
// item) without exposing the provider's subject.
func UserID(issuer, subject string) string {
	h := sha256.Sum256([]byte(issuer + "\x00" + subject))
	return "usr_" + idEncoding.EncodeToString(h[:16])
}

// SessionID derives a session's public ID from the hash of its token. It is
// one-way: neither the token nor its stored hash can be recovered from it, so
// the ID can be shown and used in URLs.
func SessionID(tokenHash string) string {
	h := sha256.Sum256([]byte("latchkey-session-id\x00" + tokenHash))
	return "ses_" + idEncoding.EncodeToString(h[:16])
}

// DerivedID returns an ID of kind derived from purpose and parts: the same
// ones give the same ID, so a second create under it finds the first
// (ErrExists), which makes a write idempotent. Each string is
// length-prefixed before the SHA-256, so no two lists collide by
// concatenation; like SessionID, it is one-way.
func DerivedID(kind, purpose string, parts ...string) string {
	var b []byte
	for _, s := range append([]string{purpose}, parts...) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	h := sha256.Sum256(b)
	return kind + "_" + idEncoding.EncodeToString(h[:16])
}

// ValidID reports whether s has the shape of an ID of this kind. Handlers
// check path parameters with it before any store read.
func ValidID(kind, s string) bool {
	rest, ok := strings.CutPrefix(s, kind+"_")
	if !ok || len(rest) != 26 {
		return false
	}
	for _, c := range rest {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}
