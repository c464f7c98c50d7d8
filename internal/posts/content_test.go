package posts

import (
	"errors"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/httpx"
)

func TestContentLimits(t *testing.T) {
	s := func(v string) *string { return &v }
	n := func(v int) *int { return &v }
	tests := []struct {
		name        string
		c           content
		needVersion bool
		want        int // 0: valid
	}{
		{"valid create", content{Title: s("Hello"), Body: s("")}, false, 0},
		{"200-character title", content{Title: s(strings.Repeat("é", 200)), Body: s("x")}, false, 0},
		{"201-character title", content{Title: s(strings.Repeat("é", 201)), Body: s("x")}, false, 400},
		{"empty title", content{Title: s(""), Body: s("x")}, false, 400},
		{"missing body", content{Title: s("t")}, false, 400},
		{"body of exactly 100 KB", content{Title: s("t"), Body: s(strings.Repeat("a", MaxBody))}, false, 0},
		{"body over 100 KB", content{Title: s("t"), Body: s(strings.Repeat("a", MaxBody+1))}, false, 413},
		{"invalid UTF-8", content{Title: s("t\xff"), Body: s("x")}, false, 400},
		{"update without version", content{Title: s("t"), Body: s("x")}, true, 400},
		{"update with version", content{Title: s("t"), Body: s("x"), Version: n(3)}, true, 0},
		{"create with version", content{Title: s("t"), Body: s("x"), Version: n(3)}, false, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.check(tc.needVersion)
			got := 0
			var e *httpx.Error
			if errors.As(err, &e) {
				got = e.Status
			}
			if got != tc.want {
				t.Fatalf("check = %v; want status %d", err, tc.want)
			}
		})
	}
}
