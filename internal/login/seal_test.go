package login

import (
	"crypto/rand"
	"testing"
	"time"
)

func TestSealer(t *testing.T) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s, err := newSealer(key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	f := flow{State: "s", Nonce: "n", Verifier: "v", ReturnTo: "/x", Expires: now.Add(time.Minute).Unix()}
	sealed, err := s.seal(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.open(sealed, now); err != nil || got != f {
		t.Fatalf("open(seal(f)) = %+v, %v", got, err)
	}
	other := make([]byte, 32)
	_, _ = rand.Read(other)
	s2, _ := newSealer(other, rand.Reader)
	flipped := []byte(sealed)
	flipped[10] ^= 1
	for name, try := range map[string]func() error{
		"another key":   func() error { _, err := s2.open(sealed, now); return err },
		"a flipped bit": func() error { _, err := s.open(string(flipped), now); return err },
		"expired":       func() error { _, err := s.open(sealed, now.Add(time.Minute)); return err },
		"garbage":       func() error { _, err := s.open("!!", now); return err },
		"empty":         func() error { _, err := s.open("", now); return err },
	} {
		if try() == nil {
			t.Errorf("open with %s succeeded", name)
		}
	}
	if _, err := newSealer(key[:16], rand.Reader); err == nil {
		t.Error("newSealer(16 bytes) = nil error; want 32 bytes required")
	}
}
