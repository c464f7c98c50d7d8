// Package scansigtest signs secret-scanning reports as GitHub does, with a
// key of its own, for tests: the handler's, the local server's browser test
// and the feedback command's configure a deployment with a signer's
// Setting and send what it signs. Production code never links it.
package scansigtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"testing"

	"github.com/latchkey/latchkey/internal/scansig"
)

// Signer is a key that signs reports under an identifier.
type Signer struct {
	ID  string
	Key *ecdsa.PrivateKey
}

// New makes a fresh P-256 key under identifier id, or fails the test.
func New(tb testing.TB, id string) Signer {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return Signer{ID: id, Key: k}
}

// Sign returns the Github-Public-Key-Signature header for body.
func (s Signer) Sign(body []byte) string {
	d := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, s.Key, d[:])
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// Headers are the headers GitHub sends with body: JSON, this signer's
// identifier and its signature of body.
func (s Signer) Headers(body []byte) map[string]string {
	return map[string]string{"Content-Type": "application/json", scansig.HeaderIdentifier: s.ID, scansig.HeaderSignature: s.Sign(body)}
}

// PublicPEM is the public key in PEM, as GitHub's endpoint publishes it.
func (s Signer) PublicPEM() string {
	der, err := x509.MarshalPKIXPublicKey(&s.Key.PublicKey)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// PrivatePEM is the private key in PKCS #8 PEM, for a script that signs.
func (s Signer) PrivatePEM() string {
	der, err := x509.MarshalPKCS8PrivateKey(s.Key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// Setting is LATCHKEY_SECRET_SCANNING_KEYS trusting this signer alone, in
// the shape of GitHub's endpoint's answer.
func (s Signer) Setting() string {
	b, _ := json.Marshal(map[string]any{"public_keys": []map[string]any{{"key_identifier": s.ID, "key": s.PublicPEM(), "is_current": true}}})
	return string(b)
}
