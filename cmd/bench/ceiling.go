package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/internal/httpx"
)

// ceilingCommand is the hidden subcommand bench load starts as a child: the
// bare Go handler whose throughput is the ceiling Latchkey is compared with.
const ceilingCommand = "serve-ceiling"

// ceilingBody is the ceiling's answer: JSON, as Latchkey answers.
const ceilingBody = `{"ok":true}`

// serveCeiling serves a bare net/http handler on -addr (loopback only)
// until it is stopped.
func serveCeiling(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet(ceilingCommand, flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*addr)
	// A loopback IP, not a name: a name is resolved, and may not bind to
	// loopback.
	if err != nil || net.ParseIP(host) == nil || !httpx.IsLoopback(host) {
		return fmt.Errorf("-addr %q: want a loopback address: %w", *addr, errUsage)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(ceilingBody))
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
