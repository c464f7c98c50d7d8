package scansig_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/latchkey/latchkey/internal/scansig"
	"github.com/latchkey/latchkey/internal/scansig/scansigtest"
)

// FuzzVerify: over any headers and body, Verify never panics, answers one
// of its documented errors, and accepts exactly when the signature header
// is the trusted key's valid DER signature of the body.
func FuzzVerify(f *testing.F) {
	s := scansigtest.New(f, "k1")
	ring := keysOf(f, s.Setting())
	body := `[{"token":"lk_live_x","type":"t","url":"https://github.com/o/r","source":"content"}]`
	f.Add([]byte(body), "k1", s.Sign([]byte(body)))
	f.Add([]byte("[]"), "k1", s.Sign([]byte("[]")))
	f.Add([]byte(body), "k2", s.Sign([]byte(body)))
	f.Add([]byte(body), "k1", "MEQCIQDaMKqrGnE27S0kgMrEK0eYBmyG0LeZismAEz/BgZyt7AIfXt9fErtRS4XaeSt/AO1RtBY66YcAdjxji410VQV4xg==")
	f.Add([]byte(""), "", "")
	f.Add([]byte("x"), "k1", "====")
	known := []error{scansig.ErrMissing, scansig.ErrMalformedKeyID, scansig.ErrMalformedSignature, scansig.ErrUnknownKey, scansig.ErrBadSignature}
	f.Fuzz(func(t *testing.T, body []byte, id, sig string) {
		err := scansig.Verify(context.Background(), ring, body, []string{id}, []string{sig})
		d := sha256.Sum256(body)
		der, derr := base64.StdEncoding.DecodeString(sig)
		genuine := id == "k1" && derr == nil && len(sig) <= scansig.MaxSignatureLen && ecdsa.VerifyASN1(&s.Key.PublicKey, d[:], der)
		if (err == nil) != genuine {
			t.Fatalf("Verify(%q, %q, %q) = %v; genuine = %v", body, id, sig, err, genuine)
		}
		if err != nil {
			for _, k := range known {
				if errors.Is(err, k) {
					return
				}
			}
			t.Fatalf("Verify = %v; not one of the documented errors", err)
		}
	})
}
