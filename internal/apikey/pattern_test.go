package apikey

import (
	"crypto/rand"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestPatternMatchesKeysAndNothingElse: the expression secret scanners are
// given (Pattern; docs/API-KEYS.md says it word for word) finds every
// generated key, whole, inside text as a leak shows it, and none of the
// near misses: one character short or over, another prefix, a character
// outside base62, a key run into other word characters.
func TestPatternMatchesKeysAndNothingElse(t *testing.T) {
	re := regexp.MustCompile(Pattern)
	for _, env := range []string{EnvLive, EnvTest} {
		for range 200 {
			k, err := Generate(rand.Reader, env)
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range []string{k, "LATCHKEY_API_KEY=" + k + "\n", `{"key":"` + k + `"}`, "Bearer " + k, "'" + k + "'"} {
				if got := re.FindString(text); got != k {
					t.Fatalf("Pattern in %q found %q; want the key", text, got)
				}
			}
		}
	}
	k, _ := Generate(rand.Reader, EnvLive)
	for _, tc := range []struct{ name, text string }{
		{"one character short", k[:Len-1]},
		{"one character over", k + "a"},
		{"another environment word", "lk_prod_" + k[8:]},
		{"another prefix", "lx_live_" + k[8:]},
		{"upper-case prefix", "LK_LIVE_" + k[8:]},
		{"a dash inside", k[:20] + "-" + k[21:]},
		{"run into letters before", "x" + k},
		{"run into an underscore before", "_" + k},
		{"run into digits after", k + "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if m := re.FindString(tc.text); m != "" {
				t.Fatalf("Pattern matched %q in %q", m, tc.text)
			}
		})
	}
	doc, err := os.ReadFile("../../docs/API-KEYS.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "`"+Pattern+"`") && !strings.Contains(string(doc), "\n"+Pattern+"\n") {
		t.Fatalf("docs/API-KEYS.md does not give Pattern %s as it is", Pattern)
	}
}
