// Package apikey is Latchkey's API key format: generation, the checks that
// refuse a mistyped, forged or wrong-environment key before any store read,
// the stored hash, the display hint, and the Authorization header forms a
// key arrives in. docs/API-KEYS.md describes the format for users and for
// secret scanners.
//
// A key is "lk_" + environment + "_" + 43 base62 characters (32 random
// bytes) + 6 base62 characters of CRC-32 over everything before them:
//
//	lk_test_2Tb5Ufq0Wl1yTqvHBLRsAr0rOqNBWHKrKbBUPZtCLBg0l8Xm1K
package apikey

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/big"
	"strings"
)

// Environments and their prefixes. A deployment accepts only its own.
const (
	EnvLive    = "live"
	EnvTest    = "test"
	PrefixLive = "lk_live_"
	PrefixTest = "lk_test_"
)

const (
	prefixLen   = 8
	secretLen   = 43 // 32 bytes in base62: ceil(256 / log2(62))
	checksumLen = 6  // 32 bits in base62
	// Len is the length of every key.
	Len = prefixLen + secretLen + checksumLen
	// RandomBytes is the key's entropy in bytes.
	RandomBytes = 32
)

// Pattern is a regular expression that matches a key and nothing else, for
// secret scanners (documented in docs/API-KEYS.md).
const Pattern = `\blk_(?:live|test)_[0-9A-Za-z]{49}\b`

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Errors of Check. They are for logs and tests: a caller answers 401 for
// all of them alike, so a client cannot learn which check failed.
var (
	ErrMalformed        = errors.New("api key: malformed")
	ErrWrongEnvironment = errors.New("api key: wrong environment")
	ErrChecksum         = errors.New("api key: bad checksum")
)

// Generate returns a new key for env, from 32 bytes of r (crypto/rand.Reader
// in production).
func Generate(r io.Reader, env string) (string, error) {
	prefix, err := prefixOf(env)
	if err != nil {
		return "", err
	}
	raw := make([]byte, RandomBytes)
	if _, err := io.ReadFull(r, raw); err != nil {
		return "", fmt.Errorf("generate api key: %w", err)
	}
	body := prefix + base62(new(big.Int).SetBytes(raw), secretLen)
	return body + checksum(body), nil
}

func prefixOf(env string) (string, error) {
	switch env {
	case EnvLive:
		return PrefixLive, nil
	case EnvTest:
		return PrefixTest, nil
	}
	return "", fmt.Errorf("api key: unknown environment %q", env)
}

// Check verifies a key's shape, environment and checksum without any store
// read: a typo or a random guess fails here (the checksum lets one in 2^32
// through), and a test key never reaches a live deployment's store.
func Check(key, env string) error {
	if len(key) != Len || !strings.HasPrefix(key, "lk_") {
		return ErrMalformed
	}
	for i := 3; i < Len; i++ {
		c := key[i]
		if i == 7 {
			if c != '_' {
				return ErrMalformed
			}
			continue
		}
		if i > 7 && !isBase62(c) || i < 7 && (c < 'a' || c > 'z') {
			return ErrMalformed
		}
	}
	prefix, err := prefixOf(env)
	if err != nil {
		return err
	}
	if key[:prefixLen] != PrefixLive && key[:prefixLen] != PrefixTest {
		return ErrMalformed
	}
	if key[:prefixLen] != prefix {
		return ErrWrongEnvironment
	}
	// The checksum is public, so comparing it in constant time buys
	// nothing; it is a typo check, not a secret.
	if checksum(key[:Len-checksumLen]) != key[Len-checksumLen:] {
		return ErrChecksum
	}
	return nil
}

// Environment returns the environment a well-formed key names.
func Environment(key string) string {
	if strings.HasPrefix(key, PrefixLive) {
		return EnvLive
	}
	return EnvTest
}

// Hash is the stored form of a key: hex SHA-256 of the whole key. A key has
// 256 bits of entropy, so no salt or slow hash is needed: there is nothing to
// guess or precompute.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Hint is the short, non-secret part shown in listings: the prefix and the
// last four characters (part of the checksum).
func Hint(key string) string {
	if len(key) < prefixLen+4 {
		return ""
	}
	return key[:prefixLen] + "…" + key[len(key)-4:]
}

func checksum(body string) string {
	var out [checksumLen]byte
	n := crc32.ChecksumIEEE([]byte(body))
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = alphabet[n%62]
		n /= 62
	}
	return string(out[:])
}

// base62 writes n in exactly width base62 digits, most significant first.
func base62(n *big.Int, width int) string {
	out := make([]byte, width)
	base, rem := big.NewInt(62), new(big.Int)
	for i := width - 1; i >= 0; i-- {
		n.DivMod(n, base, rem)
		out[i] = alphabet[rem.Int64()]
	}
	return string(out)
}

func isBase62(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}
