package store

import (
	"strings"
	"testing"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("é", ExcerptLength)
	tests := []struct {
		name          string
		body          string
		want          string
		wantTruncated bool
	}{
		{"empty", "", "", false},
		{"short", "Hello", "Hello", false},
		{"exactly the length", long, long, false},
		{"one character more", long + "x", long, true},
		{"counted in characters, not bytes", strings.Repeat("😀", ExcerptLength+5), strings.Repeat("😀", ExcerptLength), true},
		{"escapes count once", strings.Repeat("<", 2*ExcerptLength), strings.Repeat("<", ExcerptLength), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, truncated := Excerpt(tc.body)
			if got != tc.want || truncated != tc.wantTruncated {
				t.Fatalf("Excerpt(%d bytes) = %d bytes, %v; want %d bytes, %v", len(tc.body), len(got), truncated, len(tc.want), tc.wantTruncated)
			}
		})
	}
}
