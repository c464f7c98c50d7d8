package devserver

import (
	"strings"
	"testing"
)

// TestUsageHelpers runs the unit tests of the key usage chart's and the
// allow-list field's pure helpers (testdata/js/usage.test.mjs).
func TestUsageHelpers(t *testing.T) {
	out := node(t, "--test", "testdata/js/usage.test.mjs")
	if !strings.Contains(out, "# fail 0") || strings.Contains(out, "# pass 0") {
		t.Fatalf("node --test:\n%s", out)
	}
}
