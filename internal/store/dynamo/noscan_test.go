package dynamo

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoScanAndNoTransactions keeps two design rules: no request path may
// Scan a table (cost and latency grow with the table), and no write may use
// DynamoDB transactions (the local test server lacks them, so the ordered
// conditional writes are what the tests prove).
func TestNoScanAndNoTransactions(t *testing.T) {
	forbidden := regexp.MustCompile(`\.(Scan|TransactWriteItems|TransactGetItems|ExecuteStatement|BatchExecuteStatement)\(`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := forbidden.Find(src); m != nil {
			t.Errorf("%s calls %s", f, m)
		}
	}
}
