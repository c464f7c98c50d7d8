// Package scansig verifies the signature GitHub puts on a secret-scanning
// report, and keeps the public keys it verifies with.
//
// GitHub's secret scanning partner program signs each report it POSTs to a
// partner: the Github-Public-Key-Signature header holds the base64 of an
// ASN.1 DER ECDSA signature (NIST P-256, SHA-256) over the raw request body,
// and Github-Public-Key-Identifier names which of GitHub's published keys
// made it; the keys are at
// https://api.github.com/meta/public_keys/secret_scanning as
// {"public_keys": [{"key_identifier", "key" (PEM), "is_current"}]}
// ("Implement signature verification in your secret alert service",
// https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program).
//
// The package is a leaf (the standard library and httpx's logger), so that
// internal/config can check the keys setting at start.
package scansig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Limits on a key set, as a setting or as GitHub's endpoint answers it.
const (
	// MaxKeys is the most keys a set may hold.
	MaxKeys = 20
	// MaxKeySetBytes bounds the setting and the endpoint's answer.
	MaxKeySetBytes = 64 << 10
	// MaxIdentifierLen bounds a key identifier (GitHub's are 64 hex digits).
	MaxIdentifierLen = 128
)

// Builtin is the value of LATCHKEY_SECRET_SCANNING_KEYS that selects the
// GitHub keys pinned in this package (GitHubKeys).
const Builtin = "github"

// identifier is the shape of a key identifier this package accepts, in a
// key set and in a request's header.
var identifier = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// ValidIdentifier reports whether s can be a key identifier. A header that
// is not one is refused before any lookup, and never logged.
func ValidIdentifier(s string) bool { return identifier.MatchString(s) }

// Key is one verifying key: its identifier and the ECDSA P-256 public key.
type Key struct {
	ID  string
	Key *ecdsa.PublicKey
}

// wireKey is a key as GitHub's endpoint publishes it.
type wireKey struct {
	KeyIdentifier string `json:"key_identifier"`
	Key           string `json:"key"`
	IsCurrent     bool   `json:"is_current"`
}

// ParseSetting reads LATCHKEY_SECRET_SCANNING_KEYS: "" (no keys), Builtin
// (GitHubKeys), or JSON — the answer of GitHub's endpoint as it is
// ({"public_keys": [...]}) or its list alone ([...]) — of at most MaxKeys
// keys, each an ECDSA P-256 key in PEM under a unique identifier. Every key
// must parse: a setting is what the deployer chose, so nothing in it is
// skipped quietly.
func ParseSetting(s string) ([]Key, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return nil, nil
	case Builtin:
		return GitHubKeys(), nil
	}
	if len(s) > MaxKeySetBytes {
		return nil, fmt.Errorf("over %d bytes", MaxKeySetBytes)
	}
	wire, err := decodeKeySet([]byte(s))
	if err != nil {
		return nil, err
	}
	keys, errs := parseKeys(wire)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New(`no key; want "github" or the JSON of https://api.github.com/meta/public_keys/secret_scanning`)
	}
	return keys, nil
}

// decodeKeySet decodes {"public_keys": [...]} or [...].
func decodeKeySet(b []byte) ([]wireKey, error) {
	var wire []wireKey
	if t := strings.TrimLeft(string(b), " \t\r\n"); strings.HasPrefix(t, "[") {
		if err := json.Unmarshal(b, &wire); err != nil {
			return nil, errors.New(`not a JSON list of {"key_identifier", "key"}`)
		}
	} else {
		var doc struct {
			PublicKeys []wireKey `json:"public_keys"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, errors.New(`not JSON of the form {"public_keys": [{"key_identifier", "key"}]}`)
		}
		wire = doc.PublicKeys
	}
	if len(wire) > MaxKeys {
		return nil, fmt.Errorf("%d keys; at most %d", len(wire), MaxKeys)
	}
	return wire, nil
}

// parseKeys parses each key, returning those that parse and an error for
// each that does not (or repeats an identifier).
func parseKeys(wire []wireKey) ([]Key, []error) {
	var keys []Key
	var errs []error
	seen := map[string]bool{}
	for i, w := range wire {
		if !ValidIdentifier(w.KeyIdentifier) {
			errs = append(errs, fmt.Errorf("key %d: key_identifier must be 1 to %d letters, digits, '.', '_' or '-'", i+1, MaxIdentifierLen))
			continue
		}
		if seen[w.KeyIdentifier] {
			errs = append(errs, fmt.Errorf("key %s: the identifier is given twice", w.KeyIdentifier))
			continue
		}
		k, err := ParsePublicKey(w.Key)
		if err != nil {
			errs = append(errs, fmt.Errorf("key %s: %w", w.KeyIdentifier, err))
			continue
		}
		seen[w.KeyIdentifier] = true
		keys = append(keys, Key{ID: w.KeyIdentifier, Key: k})
	}
	return keys, errs
}

// ParsePublicKey parses one PEM "PUBLIC KEY" block (PKIX) holding an ECDSA
// key on NIST P-256, the only algorithm GitHub signs reports with; anything
// else (another curve, RSA, a certificate, text around the block) is
// refused.
func ParsePublicKey(pemText string) (*ecdsa.PublicKey, error) {
	block, rest := pem.Decode([]byte(pemText))
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM PUBLIC KEY block")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("text after the PEM block")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, errors.New("the PEM block is not a public key")
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 key (ECDSA-NIST-P256V1-SHA256 is what GitHub signs with)")
	}
	return ec, nil
}
