// Package golden is test infrastructure for the tests that compare an
// answer with a file the repository keeps (a golden file): the event
// fixtures' answers (internal/invoke) and the tests that read them
// (internal/openapi/openapitest). `make golden` runs the fixture tests with
// -update, which writes the files instead of comparing them.
//
// A failure is short whatever the file's size: it names the file, says to
// run `make golden`, and shows where the answer first differs, not both
// bodies (the OpenAPI document is one line of over 100 KB).
package golden

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/latchkey/latchkey/internal/testproc"
)

var update = flag.Bool("update", false, "rewrite the golden files instead of comparing them (make golden)")

// The bounds of a difference's account.
const (
	contextLines = 3   // unchanged lines shown before and after the change
	sideLines    = 16  // changed lines shown at most of each side
	maxLineBytes = 160 // bytes shown of one line at most
)

// Check compares got with the golden file at path (relative to the test's
// package) and fails the test if they differ or the file is missing. With
// -update it writes got to path instead.
func Check(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	if err := compare(path, got); err != nil {
		tb.Fatal(err)
	}
}

// Read returns the golden file at path, or fails the test saying how to
// write it.
func Read(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := read(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// compare is Check's comparison: nil when the file holds got.
func compare(path string, got []byte) error {
	want, err := read(path)
	if err != nil {
		return err
	}
	if bytes.Equal(got, want) {
		return nil
	}
	return fmt.Errorf("%s: the answer differs from this golden file; if the new answer is the right one, run `make golden` to rewrite it (then review its diff)\n%s",
		name(path), Diff(want, got))
}

func read(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no golden file; run `make golden` to write it (then review it)", name(path))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name(path), err)
	}
	return b, nil
}

// name is path as the repository names it, for the message to be usable
// from the root, where make runs.
func name(path string) string {
	root, err := testproc.RepoRoot()
	if err != nil {
		return path
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return path
}

// Diff is a bounded account of how got differs from want, line by line:
// the lines between their common beginning and their common end, as "-"
// (want) and "+" (got), with a few unchanged lines around: at most
// sideLines changed lines of each side and contextLines on each end, of at
// most maxLineBytes bytes each. A long changed line is shown around its
// first difference.
func Diff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	pre := 0
	for pre < len(w) && pre < len(g) && w[pre] == g[pre] {
		pre++
	}
	suf := 0
	for suf < len(w)-pre && suf < len(g)-pre && w[len(w)-1-suf] == g[len(g)-1-suf] {
		suf++
	}
	wMid, gMid := w[pre:len(w)-suf], g[pre:len(g)-suf]

	var out []string
	add := func(prefix, line string, from int) {
		out = append(out, prefix+clip(line, from))
	}
	start := max(0, pre-contextLines)
	out = append(out, fmt.Sprintf("@@ line %d: - golden file, + answer @@", pre+1))
	for _, l := range w[start:pre] {
		add("  ", l, 0)
	}
	// Each changed line is shown from a little before where it first
	// differs from its counterpart on the other side.
	side := func(prefix string, lines, other []string) {
		for i, l := range lines {
			if i == sideLines {
				out = append(out, fmt.Sprintf("%s… %d more lines", prefix, len(lines)-i))
				return
			}
			add(prefix, l, firstDiff(l, at(other, i)))
		}
	}
	side("- ", wMid, gMid)
	side("+ ", gMid, wMid)
	for _, l := range w[len(w)-suf : min(len(w), len(w)-suf+contextLines)] {
		add("  ", l, 0)
	}
	return strings.Join(out, "\n")
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

// firstDiff is the byte offset at which a first differs from b.
func firstDiff(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// clip shows at most maxLineBytes of line: all of it if it is short,
// otherwise a window that starts a little before offset from.
func clip(line string, from int) string {
	if len(line) <= maxLineBytes {
		return line
	}
	start := max(0, from-maxLineBytes/4)
	for start > 0 && !utf8.RuneStart(line[start]) {
		start--
	}
	end := min(len(line), start+maxLineBytes)
	for end < len(line) && !utf8.RuneStart(line[end]) {
		end--
	}
	s := line[start:end]
	if start > 0 {
		s = fmt.Sprintf("…(%d bytes) ", start) + s
	}
	if end < len(line) {
		s += fmt.Sprintf(" …(%d more bytes)", len(line)-end)
	}
	return s
}
