package devserver

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// writes records each Write it gets.
type writes struct {
	mu    sync.Mutex
	calls [][]byte
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, bytes.Clone(p))
	return len(p), nil
}

func (w *writes) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(bytes.Join(w.calls, nil))
}

// TestLogBufferWritesEveryLineWholeAndInOrder: lines from many goroutines,
// some longer than the buffer, all arrive, each whole within one write,
// each goroutine's in the order it wrote them.
func TestLogBufferWritesEveryLineWholeAndInOrder(t *testing.T) {
	var out writes
	l := NewLogBuffer(&out, time.Millisecond)
	const writers, lines = 8, 2000
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				pad := ""
				if i%500 == 0 {
					pad = strings.Repeat("x", 70<<10) // over the buffer
				}
				fmt.Fprintf(l, "{\"g\":%d,\"i\":%d,\"pad\":%q}\n", g, i, pad)
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	next := make([]int, writers)
	for _, call := range out.calls {
		if !bytes.HasSuffix(call, []byte("\n")) {
			t.Fatalf("a write ends inside a line: …%q", call[max(0, len(call)-40):])
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(out.text(), "\n"), "\n") {
		var g, i int
		if _, err := fmt.Sscanf(line, "{\"g\":%d,\"i\":%d,", &g, &i); err != nil {
			t.Fatalf("a broken line %q…: %v", line[:min(len(line), 40)], err)
		}
		if i != next[g] {
			t.Fatalf("writer %d: line %d after line %d", g, i, next[g]-1)
		}
		next[g]++
	}
	for g, n := range next {
		if n != lines {
			t.Fatalf("writer %d: %d lines arrived, want %d", g, n, lines)
		}
	}
}

// TestLogBufferFlushes: a held line reaches the output within the interval
// without Close, and after Close a line is written at once.
func TestLogBufferFlushes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		close bool
	}{
		{"on the interval", false},
		{"on Close, then directly", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out writes
			l := NewLogBuffer(&out, 20*time.Millisecond)
			defer l.Close()
			fmt.Fprintln(l, "one")
			if tc.close {
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				if got := out.text(); got != "one\n" {
					t.Fatalf("after Close: %q", got)
				}
				fmt.Fprintln(l, "two")
				if got := out.text(); got != "one\ntwo\n" {
					t.Fatalf("a line after Close: %q", got)
				}
				return
			}
			for deadline := time.Now().Add(5 * time.Second); out.text() != "one\n"; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no flush within 5 s: %q", out.text())
				}
			}
		})
	}
}
