package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAFailureNamesTheFileAndMakeGolden: a missing or stale golden file is
// a short message that names it (as the repository does) and the command
// that writes it, and shows where the answer differs; an equal one passes.
func TestAFailureNamesTheFileAndMakeGolden(t *testing.T) {
	dir := t.TempDir()
	// One line of 110 KB, as the OpenAPI document's golden body is, that
	// differs in the middle.
	long := strings.Repeat(`{\"a\":1},`, 6000) + `{\"old\":1}` + strings.Repeat(`{\"b\":2},`, 6000)
	stale := filepath.Join(dir, "stale.json")
	if err := os.WriteFile(stale, []byte("{\n  \"statusCode\": 200,\n  \"body\": \""+long+"\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := []byte("{\n  \"statusCode\": 200,\n  \"body\": \"" + strings.Replace(long, "old", "new", 1) + "\"\n}\n")
	equal := filepath.Join(dir, "equal.json")
	if err := os.WriteFile(equal, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		got        []byte
		wantIn     []string // empty: no failure
	}{
		{"a missing file, named from the repository's root", "testdata/none.json", []byte("x"),
			[]string{"internal/golden/testdata/none.json: no golden file", "run `make golden`"}},
		{"a stale one-line body", stale, fresh,
			[]string{stale + ": the answer differs", "run `make golden`", "@@ line 3:", `- …(`, `{\"old\":1}`, `+ …(`, `{\"new\":1}`, `  "statusCode": 200,`, "  }"}},
		{"an equal file", equal, []byte("same\n"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := compare(tc.path, tc.got)
			if tc.wantIn == nil {
				if err != nil {
					t.Fatalf("compare = %v; want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("compare = nil; want a failure")
			}
			msg := err.Error()
			for _, s := range tc.wantIn {
				if !strings.Contains(msg, s) {
					t.Errorf("the message lacks %q:\n%s", s, msg)
				}
			}
			if len(msg) > 1000 {
				t.Errorf("the message is %d bytes; want under 1000:\n%s", len(msg), msg)
			}
		})
	}
}

// TestDiffIsBounded: however many lines change, and however long they are,
// the account has sideLines of each side, contextLines around, and lines
// of at most maxLineBytes and their elision marks.
func TestDiffIsBounded(t *testing.T) {
	var want, got []string
	for i := range 500 {
		want = append(want, strings.Repeat("w", (i+1)*10))
		got = append(got, strings.Repeat("g", (i+1)*10))
	}
	for _, tc := range []struct {
		name      string
		want, got string
		lines     int
	}{
		{"every line differs", strings.Join(want, "\n"), strings.Join(got, "\n"), 1 + 2*(sideLines+1)},
		{"lines added in the middle", "a\nb\nc\nd\ne\nf", "a\nb\nc\n" + strings.Join(got, "\n") + "\nd\ne\nf", 1 + 3 + sideLines + 1 + 3},
		{"one line changed", "a\nb\nc\nd\ne\nf\ng\nh", "a\nb\nc\nd\nE\nf\ng\nh", 1 + 3 + 2 + 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Diff([]byte(tc.want), []byte(tc.got))
			lines := strings.Split(d, "\n")
			if len(lines) != tc.lines {
				t.Errorf("%d lines; want %d:\n%s", len(lines), tc.lines, d)
			}
			for _, l := range lines {
				if len(l) > maxLineBytes+60 {
					t.Errorf("a line of %d bytes: %.80s…", len(l), l)
				}
			}
		})
	}
	if d, want := Diff([]byte("a\nb\nc\nd\ne\nf\ng\nh"), []byte("a\nb\nc\nd\nE\nf\ng\nh")), "@@ line 5: - golden file, + answer @@\n  b\n  c\n  d\n- e\n+ E\n  f\n  g\n  h"; d != want {
		t.Errorf("Diff =\n%s\nwant\n%s", d, want)
	}
}
