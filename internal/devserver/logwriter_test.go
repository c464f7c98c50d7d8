package devserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLogWriterKeepsEveryLineWholeAndInOrder: lines logged from many
// goroutines at once through slog's JSON handler all come out once each,
// whole, and in the order each goroutine logged them.
func TestLogWriterKeepsEveryLineWholeAndInOrder(t *testing.T) {
	var out syncBuffer
	w := NewLogWriter(&out)
	log := slog.New(slog.NewJSONHandler(w, nil))
	const goroutines, lines = 16, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				log.Info("authorizer decision", "g", g, "i", i, "pad", strings.Repeat("x", i%97))
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	next := make([]int, goroutines)
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	n := 0
	for sc.Scan() {
		var line struct{ G, I int }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d is not a whole JSON line: %q", n, sc.Text())
		}
		if line.I != next[line.G] {
			t.Fatalf("goroutine %d's line %d came where %d was due", line.G, line.I, next[line.G])
		}
		next[line.G]++
		n++
	}
	if n != goroutines*lines {
		t.Fatalf("%d lines written; want %d", n, goroutines*lines)
	}
	// After Close a line goes straight through.
	log.Info("after close")
	if !strings.Contains(out.String(), `"msg":"after close"`) {
		t.Fatal("a line logged after Close was not written")
	}
}

// TestLogWriterHoldsABoundedAmount: while the output is stuck, a writer
// waits once maxPendingLog is held, rather than the memory growing; when
// the output moves again every line is written.
func TestLogWriterHoldsABoundedAmount(t *testing.T) {
	out := &stuckWriter{release: make(chan struct{})}
	w := NewLogWriter(out)
	line := []byte(strings.Repeat("y", 1023) + "\n")
	wrote := make(chan int, 1)
	go func() {
		n := 0
		for range 3 * maxPendingLog / len(line) {
			_, _ = w.Write(line)
			n++
		}
		wrote <- n
	}()
	select {
	case n := <-wrote:
		t.Fatalf("%d lines taken while the output was stuck; want a wait past %d bytes", n, maxPendingLog)
	case <-time.After(300 * time.Millisecond):
	}
	close(out.release)
	if n := <-wrote; n != 3*maxPendingLog/len(line) {
		t.Fatalf("%d lines taken", n)
	}
	_ = w.Close()
	if got, want := out.n, 3*maxPendingLog/len(line)*len(line); got != want {
		t.Fatalf("%d bytes written; want %d", got, want)
	}
}

// syncBuffer is a bytes.Buffer safe for the writer's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

func (s *syncBuffer) String() string { return string(s.Bytes()) }

// stuckWriter blocks every write until release is closed, and counts.
type stuckWriter struct {
	release chan struct{}
	n       int
}

func (s *stuckWriter) Write(p []byte) (int, error) {
	<-s.release
	s.n += len(p)
	return len(p), nil
}

