// Command invoke runs one Lambda function, or the authorizer, on a
// SAM-format event file and prints its response JSON, over the embedded store
// seeded with the demonstration data and the fixture keys. `make invoke FN=… EVENT=…` runs it.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/invoke"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

func main() {
	fn := flag.String("fn", "", "function name (a folder under functions/, or authorizer)")
	event := flag.String("event", "", "event file (SAM format); - reads standard input")
	flag.Parse()
	if *fn == "" || *event == "" {
		fmt.Fprintln(os.Stderr, "usage: invoke -fn NAME -event FILE")
		os.Exit(2)
	}
	if err := run(*fn, *event); err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}

func run(fn, eventFile string) error {
	ctx := context.Background()
	var raw []byte
	var err error
	if eventFile == "-" {
		raw, err = io.ReadAll(io.LimitReader(os.Stdin, 16<<20))
	} else {
		raw, err = os.ReadFile(eventFile)
	}
	if err != nil {
		return err
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	stores := embedded.New().Stores()
	if err := seed.Load(ctx, stores); err != nil {
		return err
	}
	// The fixtures name the fixture keys; they are public test keys, so a
	// run configured as a live deployment goes without them.
	if cfg.Env == config.EnvTest {
		if err := seed.LoadFixtures(ctx, stores, cfg.Env); err != nil {
			return err
		}
	}
	d := deps.Deps{Config: cfg, Stores: stores, Log: httpx.NewLogger(os.Stderr), Now: time.Now, Rand: rand.Reader}
	out, err := invoke.Run(ctx, d, fn, raw)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(out)
	return err
}
