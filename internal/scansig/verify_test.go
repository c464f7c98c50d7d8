package scansig_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/scansig"
	"github.com/latchkey/latchkey/internal/scansig/scansigtest"
)

func keysOf(t testing.TB, setting string) scansig.Keys {
	t.Helper()
	keys, err := scansig.ParseSetting(setting)
	if err != nil {
		t.Fatalf("ParseSetting: %v", err)
	}
	return scansig.NewKeys(keys)
}

// TestGitHubsDocumentedSampleVerifies: the sample report of GitHub's partner
// program documentation, signed by GitHub, verifies against the pinned
// GitHub key, and a byte more in its body does not. This is the pinned
// key's provenance (github.go).
func TestGitHubsDocumentedSampleVerifies(t *testing.T) {
	const (
		id   = "bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c"
		sig  = "MEQCIQDaMKqrGnE27S0kgMrEK0eYBmyG0LeZismAEz/BgZyt7AIfXt9fErtRS4XaeSt/AO1RtBY66YcAdjxji410VQV4xg=="
		body = `[{"source":"commit","token":"some_token","type":"some_type","url":"https://example.com/base-repo-url/"}]`
	)
	keys := keysOf(t, scansig.Builtin)
	if err := scansig.Verify(context.Background(), keys, []byte(body), []string{id}, []string{sig}); err != nil {
		t.Fatalf("Verify(GitHub's documented sample) = %v; want it verified by the pinned key", err)
	}
	if err := scansig.Verify(context.Background(), keys, []byte(body+"\n"), []string{id}, []string{sig}); !errors.Is(err, scansig.ErrBadSignature) {
		t.Fatalf("Verify(the sample and a newline) = %v; want %v", err, scansig.ErrBadSignature)
	}
}

// TestVerifyRefusesAnythingButGitHubsSignatureOfTheExactBody: each forged,
// altered or malformed report is refused with the reason; only the
// trusted key's signature of these very bytes passes.
func TestVerifyRefusesAnythingButGitHubsSignatureOfTheExactBody(t *testing.T) {
	github := scansigtest.New(t, "k1")
	other := scansigtest.New(t, "k1") // same identifier, another key: a forger's
	keys := keysOf(t, github.Setting())
	body := []byte(`[{"token":"lk_live_x","type":"latchkey_api_key","url":"https://github.com/o/r","source":"content"}]`)
	good := github.Sign(body)
	der, _ := base64.StdEncoding.DecodeString(good)
	r, s := rawSignature(t, der)
	one := func(s string) []string { return []string{s} }
	tests := []struct {
		name string
		body []byte
		id   []string
		sig  []string
		want error
	}{
		{"GitHub's signature of the body", body, one("k1"), one(good), nil},
		{"no headers", body, nil, nil, scansig.ErrMissing},
		{"no signature header", body, one("k1"), nil, scansig.ErrMissing},
		{"no identifier header", body, nil, one(good), scansig.ErrMissing},
		{"empty signature header", body, one("k1"), one(""), scansig.ErrMissing},
		{"two signature headers", body, one("k1"), []string{good, good}, scansig.ErrMissing},
		{"two identifier headers", body, []string{"k1", "k1"}, one(good), scansig.ErrMissing},
		{"signature not base64", body, one("k1"), one("not base64!"), scansig.ErrMalformedSignature},
		{"signature in URL-safe base64", body, one("k1"), one(strings.NewReplacer("+", "-", "/", "_").Replace(good) + "-_"), scansig.ErrMalformedSignature},
		{"signature header over the limit", body, one("k1"), one(strings.Repeat("A", scansig.MaxSignatureLen+4)), scansig.ErrMalformedSignature},
		{"signature as raw r||s, not ASN.1", body, one("k1"), one(base64.StdEncoding.EncodeToString(append(r, s...))), scansig.ErrBadSignature},
		{"identifier with a space", body, one("k 1"), one(good), scansig.ErrMalformedKeyID},
		{"identifier over the limit", body, one(strings.Repeat("a", scansig.MaxIdentifierLen+1)), one(good), scansig.ErrMalformedKeyID},
		{"unknown identifier", body, one("k2"), one(good), scansig.ErrUnknownKey},
		{"signed by another key under the same identifier", body, one("k1"), one(other.Sign(body)), scansig.ErrBadSignature},
		{"body changed after signing", append([]byte(`[{"token":"lk_live_y"`), body[len(`[{"token":"lk_live_x"`):]...), one("k1"), one(good), scansig.ErrBadSignature},
		{"body re-encoded with spaces", []byte(strings.ReplaceAll(string(body), ",", ", ")), one("k1"), one(good), scansig.ErrBadSignature},
		{"the signature of another body", body, one("k1"), one(github.Sign([]byte("[]"))), scansig.ErrBadSignature},
		{"empty body signed as the body", []byte{}, one("k1"), one(good), scansig.ErrBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := scansig.Verify(context.Background(), keys, tc.body, tc.id, tc.sig)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v; want %v", err, tc.want)
			}
		})
	}
}

// rawSignature splits a DER ECDSA signature into its 32-byte r and s: the
// same signature in the other common encoding (JWS, WebCrypto).
func rawSignature(t *testing.T, der []byte) ([]byte, []byte) {
	t.Helper()
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) > 0 {
		t.Fatalf("the test signature is not DER: %v", err)
	}
	return rs.R.FillBytes(make([]byte, 32)), rs.S.FillBytes(make([]byte, 32))
}

func pemOf(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// TestParseSettingTakesOnlyP256KeysItCanName: the keys setting takes "github",
// GitHub's endpoint answer as it is, or its list; it refuses a key on
// another curve or of another algorithm, text around the PEM block, a
// repeated or malformed identifier, too many keys, and what is not JSON.
func TestParseSettingTakesOnlyP256KeysItCanName(t *testing.T) {
	p256 := pemOf(t, &scansigtest.New(t, "x").Key.PublicKey)
	p384k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaK, _ := rsa.GenerateKey(rand.Reader, 2048)
	list := func(keys ...[2]string) string {
		var out []map[string]any
		for _, k := range keys {
			out = append(out, map[string]any{"key_identifier": k[0], "key": k[1], "is_current": true})
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
	var many [][2]string
	for i := range scansig.MaxKeys + 1 {
		many = append(many, [2]string{fmt.Sprint("k", i), p256})
	}
	tests := []struct {
		name, setting string
		keys          int // -1: refused
	}{
		{"unset", "", 0},
		{"the pinned GitHub keys", "github", 1},
		{"GitHub's endpoint answer", `{"public_keys":` + list([2]string{"a", p256}, [2]string{"b", p256}) + `}`, 2},
		{"a list", list([2]string{"a", p256}), 1},
		{"a P-384 key", list([2]string{"a", pemOf(t, &p384k.PublicKey)}), -1},
		{"an RSA key", list([2]string{"a", pemOf(t, &rsaK.PublicKey)}), -1},
		{"a good key beside a P-384 one", list([2]string{"a", p256}, [2]string{"b", pemOf(t, &p384k.PublicKey)}), -1},
		{"text after the PEM block", list([2]string{"a", p256 + "junk"}), -1},
		{"a private key block", list([2]string{"a", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}), -1},
		{"the same identifier twice", list([2]string{"a", p256}, [2]string{"a", p256}), -1},
		{"an identifier with a slash", list([2]string{"a/b", p256}), -1},
		{"an empty identifier", list([2]string{"", p256}), -1},
		{"too many keys", list(many...), -1},
		{"an empty list", "[]", -1},
		{"not JSON", "github-keys", -1},
		{"over the size limit", `[` + strings.Repeat(" ", scansig.MaxKeySetBytes) + `]`, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := scansig.ParseSetting(tc.setting)
			if tc.keys < 0 {
				if err == nil {
					t.Fatalf("ParseSetting = %d keys; want refused", len(keys))
				}
				if strings.Contains(err.Error(), "MFkw") {
					t.Fatalf("the error repeats the key: %v", err)
				}
				return
			}
			if err != nil || len(keys) != tc.keys {
				t.Fatalf("ParseSetting = %d keys, %v; want %d", len(keys), err, tc.keys)
			}
		})
	}
}
