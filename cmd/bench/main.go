// Command bench measures Latchkey on this machine and ends each run with a
// Markdown table (docs/PERFORMANCE.md records them):
//
//	bench cold   every function bootstrap's cold start under the AWS Lambda
//	             runtime interface emulator, beside a hello-world function
//	             (`make bench-cold`)
//	bench load   a bounded load through the local server with wrk, beside a
//	             bare Go handler as the ceiling (`make bench-load`)
//	bench stat   the table of `go test -bench` output read on standard
//	             input (`make bench`)
//
// Everything it starts listens on 127.0.0.1 only and is stopped when it
// ends, fails or is interrupted (Ctrl-C).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// errUsage is a usage error: exit status 2.
var errUsage = errors.New("usage")

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1], os.Args[2:])
	interrupted := ctx.Err() != nil
	stop()
	stopAll()
	switch {
	case errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case interrupted:
		fmt.Fprintln(os.Stderr, "bench: interrupted; every child process stopped")
		os.Exit(130)
	case err != nil:
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, args []string) error {
	switch cmd {
	case "cold":
		return cold(ctx, args)
	case "load":
		return load(ctx, args)
	case "stat":
		return stat(args)
	case ceilingCommand:
		return serveCeiling(ctx, args)
	}
	usage()
	return errUsage
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: bench cold|load|stat [flags]   (bench <command> -h lists its flags)
  cold   cold starts under the Lambda runtime interface emulator (make bench-cold)
  load   a bounded wrk load through the local server (make bench-load)
  stat   the table of go test -bench output on standard input (make bench)`)
}
