// Package testproc is test infrastructure shared by the harnesses that run
// local servers as child processes (dynalite, oidc-provider) and by bench,
// which runs its servers the same way: the repository root, a free loopback
// port, a child that dies with the test process, a retry when another
// process takes that port first, a goroutine-safe output buffer, and a
// started child (Proc) that is waited for until it is ready.
package testproc

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
)

// RepoRoot walks up from the working directory to the directory with go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repository root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// FreePort asks the kernel for a free loopback port. Another process may
// take it before the caller binds it; harnesses retry on a clash.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ErrPortTaken is what a start function given to OnFreePort returns when
// its child could not bind the port it was given.
var ErrPortTaken = errors.New("the port was taken")

// OnFreePort calls start with a free loopback port until it returns
// anything but ErrPortTaken, five times at most: a port is free when
// FreePort chooses it but may be taken before the child binds it. name
// says which server, in the errors.
func OnFreePort[T any](name string, start func(port int) (T, error)) (T, error) {
	var zero T
	for range 5 {
		port, err := FreePort()
		if err != nil {
			return zero, fmt.Errorf("start %s: %w", name, err)
		}
		v, err := start(port)
		if errors.Is(err, ErrPortTaken) {
			continue
		}
		return v, err
	}
	return zero, fmt.Errorf("start %s: %w on every try", name, ErrPortTaken)
}

// Output collects a child process's output; exec writes to it from its own
// goroutines while the harness reads it.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *Output) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Output) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
