package devserver

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/posts"
	"github.com/latchkey/latchkey/internal/store"
)

// TestWebLimitsAreTheServers: the limits the console writes into its forms
// and says in words, each a `const name = number;` of a view, are the
// API's, and each is used; the page sizes it asks for are ones the API
// allows. A limit changed in Go without the console fails here.
func TestWebLimitsAreTheServers(t *testing.T) {
	if keys.MaxSignInAge%time.Minute != 0 {
		t.Fatalf("keys.MaxSignInAge = %v; the console says it in whole minutes", keys.MaxSignInAge)
	}
	tests := []struct {
		file, name string
		want       int
		atMost     bool // the value may be less than want
	}{
		{"keys.js", "maxLabel", keys.MaxLabel, false},
		{"keys.js", "maxAddresses", keys.MaxAllowedCIDRs, false},
		{"keys.js", "signInMinutes", int(keys.MaxSignInAge / time.Minute), false},
		{"keys.js", "usageDays", keys.UsageWindow, false},
		{"posts.js", "maxTitle", posts.MaxTitle, false},
		{"posts.js", "pageSize", store.MaxLimit, true},
		{"home.js", "pageSize", store.MaxLimit, true},
		{"security.js", "pageSize", store.MaxLimit, true},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+tc.name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("..", "..", "web", "views", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			decl := regexp.MustCompile(`(?m)^const ` + tc.name + ` = (\d+);`).FindSubmatch(src)
			if decl == nil {
				t.Fatalf("web/views/%s declares no const %s = <number>;", tc.file, tc.name)
			}
			got, _ := strconv.Atoi(string(decl[1]))
			switch {
			case tc.atMost && (got < 1 || got > tc.want):
				t.Errorf("web/views/%s: %s = %d; the API allows 1 to %d", tc.file, tc.name, got, tc.want)
			case !tc.atMost && got != tc.want:
				t.Errorf("web/views/%s: %s = %d; the API's limit is %d", tc.file, tc.name, got, tc.want)
			}
			uses := regexp.MustCompile(`\b`+tc.name+`\b`).FindAll(src, -1)
			if len(uses) < 2 {
				t.Errorf("web/views/%s declares %s but does not use it", tc.file, tc.name)
			}
		})
	}
}
