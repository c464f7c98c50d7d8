package login

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// flow is the state of one sign-in in progress, carried by the browser in
// the sealed login cookie between /api/auth/login and /api/auth/callback.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r"`
	Expires  int64  `json:"e"`
	// Previous is the id (never the token) of the session the browser had
	// when it started signing in: the callback ends it (a new sign-in
	// replaces the old session). The callback itself may not see the old
	// cookie, which is SameSite=Strict and the provider's redirect is
	// cross-site.
	Previous string `json:"p,omitempty"`
	// Fresh says the person was asked to sign in again (reauth=1): the
	// provider's auth_time must then be no older than the flow.
	Fresh bool `json:"f,omitempty"`
}

// sealer seals and opens login cookies with AES-256-GCM: the browser holds
// the flow but can neither read the PKCE verifier nor change any of it.
type sealer struct {
	aead cipher.AEAD
	rand io.Reader
}

// errBadLoginCookie covers every refused login cookie: missing, tampered,
// sealed with another key, or expired.
var errBadLoginCookie = errors.New("login cookie missing, invalid or expired")

// loginCookieAAD binds a sealed value to its purpose, so no other sealed
// value from this key can stand in for it.
var loginCookieAAD = []byte("latchkey login cookie v1")

func newSealer(key []byte, rand io.Reader) (*sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("login cookie key is %d bytes; want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, rand: rand}, nil
}

func (s *sealer) seal(f flow) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep a return path's < > & at one byte each
	if err := enc.Encode(f); err != nil {
		return "", err
	}
	plain := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return "", fmt.Errorf("seal login cookie: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, loginCookieAAD)), nil
}

// maxSealed bounds a sealed cookie before decoding: a flow is well under
// 1 KB sealed.
const maxSealed = 2048

func (s *sealer) open(value string, now time.Time) (flow, error) {
	if len(value) > maxSealed {
		return flow{}, errBadLoginCookie
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return flow{}, errBadLoginCookie
	}
	plain, err := s.aead.Open(nil, raw[:s.aead.NonceSize()], raw[s.aead.NonceSize():], loginCookieAAD)
	if err != nil {
		return flow{}, errBadLoginCookie
	}
	var f flow
	if err := json.Unmarshal(plain, &f); err != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return flow{}, errBadLoginCookie
	}
	if now.Unix() >= f.Expires {
		return flow{}, errBadLoginCookie
	}
	return f, nil
}
