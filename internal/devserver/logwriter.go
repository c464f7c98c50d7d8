package devserver

import (
	"io"
	"sync"
)

// maxPendingLog bounds what a LogWriter holds that it has not written yet;
// past it, a Write waits for room.
const maxPendingLog = 1 << 20

// LogWriter is the local server's log output: it takes each line (one Write
// of slog's handler) into memory and returns, and one goroutine writes what
// has gathered to w, in order, as soon as its previous write is done. Under
// load a line no longer costs a system call of its own, nor holds the log
// handler's lock (which slog keeps across the write) while the terminal
// takes it: each API key or session request logs the authorizer's decision
// and a public one logs nothing, and that write was the difference between
// them under load (docs/PERFORMANCE.md, "Key path under load").
//
// Every line is written, whole and in the order given. What is held is
// bounded (maxPendingLog): a writer waits for room rather than the memory
// growing. Close writes what is held; lines still held when the process
// dies without closing it (a fatal error) are lost, at most those of the
// write in progress. Lambda functions write their lines directly.
type LogWriter struct {
	w io.Writer

	mu      sync.Mutex
	room    sync.Cond // signalled when the goroutine has taken what was held
	pending []byte
	spare   []byte
	closed  bool
	kick    chan struct{} // capacity 1: something is pending
	done    chan struct{}
}

// NewLogWriter starts a LogWriter over w; Close stops it.
func NewLogWriter(w io.Writer) *LogWriter {
	l := &LogWriter{w: w, kick: make(chan struct{}, 1), done: make(chan struct{})}
	l.room.L = &l.mu
	go l.run()
	return l
}

// Write holds a copy of p for the goroutine to write. After Close it
// writes p at once.
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	for !l.closed && len(l.pending) > 0 && len(l.pending)+len(p) > maxPendingLog {
		l.room.Wait()
	}
	if l.closed {
		l.mu.Unlock()
		return l.w.Write(p)
	}
	l.pending = append(l.pending, p...)
	select {
	case l.kick <- struct{}{}:
	default: // a write is already due, and takes this line too
	}
	l.mu.Unlock()
	return len(p), nil
}

func (l *LogWriter) run() {
	defer close(l.done)
	for range l.kick {
		l.flush()
	}
	l.flush()
}

// flush writes what is held, outside the lock, so that lines keep coming
// while it writes.
func (l *LogWriter) flush() {
	l.mu.Lock()
	out := l.pending
	l.pending = l.spare[:0]
	l.mu.Unlock()
	if len(out) > 0 {
		_, _ = l.w.Write(out) // as slog's handler's own write: a failed log write stops nothing
	}
	l.mu.Lock()
	if cap(out) <= 64<<10 {
		l.spare = out[:0] // a burst's large buffer is not kept
	} else {
		l.spare = nil
	}
	l.room.Broadcast()
	l.mu.Unlock()
}

// Close writes what is held and stops the goroutine; later lines are
// written directly.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.kick)
	l.room.Broadcast()
	l.mu.Unlock()
	<-l.done
	return nil
}
