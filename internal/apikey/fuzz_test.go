package apikey

import (
	"regexp"
	"strings"
	"testing"
)

// FuzzFromAuthorization: the header parser never panics, never accepts more
// than the bound, and what it returns is a single credential.
func FuzzFromAuthorization(f *testing.F) {
	for _, s := range []string{
		"apikey lk_test_x", "Bearer lk_live_x", "Basic YXBpa2V5OmxrX3Rlc3RfeA==", "Basic YWRtaW46eA==",
		"bearer", "", " ", "Basic ", "Basic =", "APIKEY  a b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		key, err := FromAuthorization([]string{header})
		if err != nil {
			return
		}
		if len(header) > MaxHeaderLen {
			t.Fatalf("accepted a header of %d bytes", len(header))
		}
		if key == "" || strings.ContainsAny(key, " \t") && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(header)), "basic") {
			t.Fatalf("FromAuthorization(%q) = %q", header, key)
		}
	})
}

// FuzzCheck: Check never panics and accepts only strings that the
// documented pattern matches whole.
func FuzzCheck(f *testing.F) {
	f.Add("lk_test_2Tb5Ufq0Wl1yTqvHBLRsAr0rOqNBWHKrKbBUPZtCLBg0l8Xm1K")
	f.Add("lk_live_")
	f.Add("")
	re := regexp.MustCompile("^" + Pattern + "$")
	f.Fuzz(func(t *testing.T, key string) {
		for _, env := range []string{EnvTest, EnvLive} {
			if Check(key, env) == nil && (!re.MatchString(key) || !strings.HasPrefix(key, "lk_"+env+"_")) {
				t.Fatalf("Check(%q, %s) accepted a key outside the pattern", key, env)
			}
		}
	})
}
