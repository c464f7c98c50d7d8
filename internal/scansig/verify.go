package scansig

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
)

// The headers GitHub signs a report with.
const (
	HeaderIdentifier = "Github-Public-Key-Identifier"
	HeaderSignature  = "Github-Public-Key-Signature"
)

// MaxSignatureLen bounds the signature header: base64 of an ASN.1 DER
// ECDSA P-256 signature is at most 96 characters (72 bytes).
const MaxSignatureLen = 256

// Why Verify refused. Each is a 401 invalid_signature with its message:
// none says anything a forger could use, and a deployer needs to know which
// it was.
var (
	ErrMissing            = errors.New("the report must carry exactly one Github-Public-Key-Identifier and one Github-Public-Key-Signature header")
	ErrMalformedKeyID     = errors.New("the Github-Public-Key-Identifier header is not a key identifier")
	ErrMalformedSignature = errors.New("the Github-Public-Key-Signature header is not the base64 of an ECDSA signature")
	ErrUnknownKey         = errors.New("the Github-Public-Key-Identifier names no key this deployment trusts")
	ErrBadSignature       = errors.New("the signature does not match the report's body")
)

// KeySource finds a verifying key by its identifier.
type KeySource interface {
	Lookup(ctx context.Context, id string) (*ecdsa.PublicKey, bool)
}

// Keys is a fixed KeySource.
type Keys map[string]*ecdsa.PublicKey

// NewKeys makes a fixed KeySource of keys.
func NewKeys(keys []Key) Keys {
	out := Keys{}
	for _, k := range keys {
		out[k.ID] = k.Key
	}
	return out
}

// Lookup implements KeySource.
func (k Keys) Lookup(_ context.Context, id string) (*ecdsa.PublicKey, bool) {
	key, ok := k[id]
	return key, ok
}

// placeholder is a key no one holds the private half of, verified against
// when a request names no usable key, so that every refusal after the
// headers are read costs one ECDSA verification, like a bad signature.
var placeholder = sync.OnceValue(func() *ecdsa.PublicKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("scansig: " + err.Error())
	}
	return &k.PublicKey
})

// Verify checks that sig, the Github-Public-Key-Signature header (n of
// them: only exactly one counts), is the signature of body, byte for byte
// as received and before any parsing, by the key that id (the
// Github-Public-Key-Identifier header) names in keys. It returns nil or one
// of the errors above. Once both headers are present, it does the same work
// whichever step fails: hash the body, look the key up, verify one
// signature.
func Verify(ctx context.Context, keys KeySource, body []byte, id []string, sig []string) error {
	if len(id) != 1 || len(sig) != 1 || id[0] == "" || sig[0] == "" {
		return ErrMissing
	}
	digest := sha256.Sum256(body)
	var fail error
	if !ValidIdentifier(id[0]) {
		fail = ErrMalformedKeyID
	}
	var der []byte
	err := ErrMalformedSignature
	if len(sig[0]) <= MaxSignatureLen {
		der, err = base64.StdEncoding.DecodeString(sig[0])
	}
	if err != nil || len(der) == 0 {
		der = nil
		if fail == nil {
			fail = ErrMalformedSignature
		}
	}
	key := placeholder()
	if ValidIdentifier(id[0]) {
		if k, ok := keys.Lookup(ctx, id[0]); ok {
			key = k
		} else if fail == nil {
			fail = ErrUnknownKey
		}
	}
	valid := ecdsa.VerifyASN1(key, digest[:], der)
	switch {
	case fail != nil:
		return fail
	case !valid:
		return ErrBadSignature
	}
	return nil
}
