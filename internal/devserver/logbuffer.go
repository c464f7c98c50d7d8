package devserver

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// LogBuffer is the local server's log output: lines gather in a 64 KB
// buffer and reach w when it fills, every interval (make dev: 100 ms), and
// on Close. Written one by one, each request's decision line cost a system
// call, and under load the key and session requests (which log one) paid
// for it where a public request (which logs none) did not
// (docs/PERFORMANCE.md, "Load"). Lambda functions write their lines
// directly: the runtime must have them when the invocation ends.
//
// Lines are written whole and in order. A line still held when the
// process dies without Close (a crash) is lost: at most one interval's.
type LogBuffer struct {
	mu     sync.Mutex
	b      *bufio.Writer
	w      io.Writer
	closed bool
	stop   chan struct{}
	done   chan struct{}
}

// NewLogBuffer starts a LogBuffer over w, flushed every interval.
func NewLogBuffer(w io.Writer, interval time.Duration) *LogBuffer {
	l := &LogBuffer{b: bufio.NewWriterSize(w, 64<<10), w: w, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.mu.Lock()
				_ = l.b.Flush()
				l.mu.Unlock()
			case <-l.stop:
				return
			}
		}
	}()
	return l
}

// Write holds p (one line of the log handler) until the next flush. After
// Close it writes p at once.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return l.w.Write(p)
	}
	if l.b.Available() < len(p) {
		// Flush first, so that a line is never split across two writes.
		if err := l.b.Flush(); err != nil {
			return 0, err
		}
	}
	return l.b.Write(p)
}

// Close writes what is held and stops the flushing; later lines are
// written directly.
func (l *LogBuffer) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	err := l.b.Flush()
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	return err
}
