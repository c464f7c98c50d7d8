package devserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// node runs Node.js at the repository's root with args and fails the test
// with its output if it exits non-zero.
func node(t *testing.T, args ...string) string {
	t.Helper()
	root, _ := filepath.Abs("../..")
	cmd := exec.Command("node", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestClientModule runs the unit tests of web/latchkey.js and of the
// console's pure helpers (testdata/js/*.test.mjs) under Node's test runner.
func TestClientModule(t *testing.T) {
	out := node(t, "--test", "testdata/js/latchkey.test.mjs", "testdata/js/views.test.mjs")
	if !strings.Contains(out, "# fail 0") || strings.Contains(out, "# pass 0") {
		t.Fatalf("node --test:\n%s", out)
	}
}

// TestWebTypes type-checks the web console's JavaScript against its JSDoc
// with TypeScript (testdata/js/tsconfig.json): the types that editors show
// users of latchkey.js are the ones the code keeps.
func TestWebTypes(t *testing.T) {
	tsc := filepath.Join("..", "..", "node_modules", "typescript", "bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		t.Fatal("typescript is not installed: run make deps (npm ci)")
	}
	node(t, "node_modules/typescript/bin/tsc", "-p", "testdata/js/tsconfig.json")
}
