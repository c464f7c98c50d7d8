package apikey

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	mathrand "math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

func gen(t testing.TB, env string) string {
	t.Helper()
	k, err := Generate(rand.Reader, env)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestGenerateFormat(t *testing.T) {
	re := regexp.MustCompile("^" + Pattern + "$")
	seen := map[string]bool{}
	for _, env := range []string{EnvTest, EnvLive} {
		for range 200 {
			k := gen(t, env)
			if len(k) != Len || !re.MatchString(k) || !strings.HasPrefix(k, "lk_"+env+"_") {
				t.Fatalf("Generate(%s) = %q; want %d characters matching %s", env, k, Len, Pattern)
			}
			if err := Check(k, env); err != nil {
				t.Fatalf("Check(Generate(%s)) = %v", env, err)
			}
			if seen[k] {
				t.Fatalf("Generate repeated %q", k)
			}
			seen[k] = true
		}
	}
}

func TestGenerateIsDeterministicFromItsReader(t *testing.T) {
	a, _ := Generate(mathrand.NewChaCha8([32]byte{1}), EnvTest)
	b, _ := Generate(mathrand.NewChaCha8([32]byte{1}), EnvTest)
	c, _ := Generate(mathrand.NewChaCha8([32]byte{2}), EnvTest)
	if a != b || a == c {
		t.Fatalf("Generate from seeded readers: %q %q %q; want the same seed to give the same key", a, b, c)
	}
}

func TestGenerateFailsOnShortRandomness(t *testing.T) {
	if _, err := Generate(strings.NewReader("short"), EnvTest); err == nil {
		t.Fatal("Generate(short reader) = nil error")
	}
	if _, err := Generate(rand.Reader, "prod"); err == nil {
		t.Fatal("Generate(env prod) = nil error")
	}
}

func TestCheck(t *testing.T) {
	test := gen(t, EnvTest)
	live := gen(t, EnvLive)
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	tests := []struct {
		name, key, env string
		want           error
	}{
		{"test key on test", test, EnvTest, nil},
		{"live key on live", live, EnvLive, nil},
		{"test key on live", test, EnvLive, ErrWrongEnvironment},
		{"live key on test", live, EnvTest, ErrWrongEnvironment},
		{"prefix swapped keeps the checksum of the other environment", "lk_live_" + test[8:], EnvLive, ErrChecksum},
		{"one character mistyped in the secret", flip(test, 20), EnvTest, ErrChecksum},
		{"one character mistyped in the checksum", flip(test, Len-1), EnvTest, ErrChecksum},
		{"truncated", test[:Len-1], EnvTest, ErrMalformed},
		{"too long", test + "a", EnvTest, ErrMalformed},
		{"unknown environment word", "lk_prod_" + test[8:], EnvTest, ErrMalformed},
		{"non-base62 character", test[:20] + "-" + test[21:], EnvTest, ErrMalformed},
		{"no separator", "lk_test-" + test[8:], EnvTest, ErrMalformed},
		{"empty", "", EnvTest, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Check(tc.key, tc.env); !errors.Is(err, tc.want) {
				t.Fatalf("Check(%q, %s) = %v; want %v", tc.key, tc.env, err, tc.want)
			}
		})
	}
}

func TestHashAndHint(t *testing.T) {
	k := gen(t, EnvTest)
	if h := Hash(k); len(h) != 64 || h != Hash(k) || h == Hash(gen(t, EnvTest)) {
		t.Fatalf("Hash(%q) = %q; want 64 hex characters, stable, distinct per key", k, h)
	}
	if h := Hint(k); h != "lk_test_…"+k[Len-4:] || strings.Contains(h, k[8:Len-6]) {
		t.Fatalf("Hint(%q) = %q; want the prefix and the last four characters only", k, h)
	}
}

func TestFromAuthorization(t *testing.T) {
	k := gen(t, EnvTest)
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name   string
		values []string
		want   string // "" means refused
	}{
		{"apikey scheme", []string{"apikey " + k}, k},
		{"apikey scheme in capitals", []string{"APIKEY " + k}, k},
		{"apikey scheme in mixed case", []string{"ApiKey " + k}, k},
		{"bearer", []string{"Bearer " + k}, k},
		{"bearer lower case", []string{"bearer " + k}, k},
		{"basic with user apikey (Python's HTTPBasicAuth)", []string{basic("apikey:" + k)}, k},
		{"basic scheme in lower case", []string{"basic " + base64.StdEncoding.EncodeToString([]byte("apikey:"+k))}, k},
		{"surrounding whitespace is optional whitespace", []string{"  Bearer " + k + " "}, k},
		{"several spaces after the scheme", []string{"Bearer   " + k}, k},
		{"no header", nil, ""},
		{"two headers", []string{"Bearer " + k, "Bearer " + k}, ""},
		{"empty header", []string{""}, ""},
		{"scheme only", []string{"Bearer"}, ""},
		{"scheme and spaces", []string{"Bearer    "}, ""},
		{"bare key without a scheme", []string{k}, ""},
		{"unknown scheme", []string{"Token " + k}, ""},
		{"digest scheme", []string{"Digest " + k}, ""},
		{"two credentials", []string{"Bearer " + k + " " + k}, ""},
		{"tab inside the credential", []string{"Bearer " + k[:10] + "\t" + k[10:]}, ""},
		{"basic with another user", []string{basic("admin:" + k)}, ""},
		{"basic with user in capitals", []string{basic("APIKEY:" + k)}, ""},
		{"basic without a colon", []string{basic(k)}, ""},
		{"basic with an empty password", []string{basic("apikey:")}, ""},
		{"basic that is not base64", []string{"Basic !!!"}, ""},
		{"over the length bound", []string{"Bearer " + strings.Repeat("a", MaxHeaderLen)}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FromAuthorization(tc.values)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("FromAuthorization(%q) = %q; want refused", tc.values, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("FromAuthorization(%q) = %q, %v; want %q", tc.values, got, err, tc.want)
			}
		})
	}
}
