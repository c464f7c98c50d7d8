package apikey

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestKeysInTheDocsAreValid: every key-shaped string in README.md and
// docs/ is a well-formed key whose checksum holds, so that an example a
// reader copies behaves as the docs say (refused for being unknown, not for
// being malformed), and the scanners' pattern matches it.
func TestKeysInTheDocsAreValid(t *testing.T) {
	files, _ := filepath.Glob("../../docs/*.md")
	files = append(files, "../../README.md")
	// A key cut short on purpose ends in "…" (a hint, a fixture's name).
	shaped := regexp.MustCompile(`lk_(?:live|test)_[0-9A-Za-z]{8,}(…)?`)
	scanner := regexp.MustCompile(`^lk_(?:live|test)_[0-9A-Za-z]{49}$`)
	found := 0
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range shaped.FindAllStringSubmatch(string(text), -1) {
			k := m[0]
			if m[1] != "" {
				continue
			}
			found++
			if !scanner.MatchString(k) {
				t.Errorf("%s: %s does not match the scanners' pattern", f, k)
			} else if err := Check(k, Environment(k)); err != nil {
				t.Errorf("%s: %s: %v", f, k, err)
			}
		}
	}
	if found == 0 {
		t.Fatal("no key-shaped string in the docs; want at least the format's example")
	}
}
