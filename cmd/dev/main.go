// Command dev runs Latchkey on this machine: the web app and the API on
// LATCHKEY_ADDR (default 127.0.0.1:8080), through the local gateway, with the
// same authorizer and function code as on Lambda. `make dev` runs it.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/devserver"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/seed"
)

func main() {
	var opts devserver.Options
	web := flag.String("web", "web", "folder of the web app")
	flag.StringVar(&opts.DataFile, "data", "", "persist the embedded store in this JSON file (default: memory only)")
	flag.StringVar(&opts.TLSCert, "tls-cert", "", "TLS certificate file (required to listen beyond loopback)")
	flag.StringVar(&opts.TLSKey, "tls-key", "", "TLS key file")
	flag.Parse()
	if err := run(opts, *web); err != nil {
		fmt.Fprintln(os.Stderr, "latchkey dev:", err)
		os.Exit(1)
	}
	fmt.Println("Latchkey stopped.")
}

func run(opts devserver.Options, web string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	// Before the Deps: the login functions read the issuer and client from cfg.
	idp, cfg, err := devserver.DevProvider(cfg)
	if err != nil {
		return err
	}
	// The log reaches the terminal every 100 ms rather than a line at a
	// time (devserver.LogBuffer); what is held is written when run returns.
	logs := devserver.NewLogBuffer(os.Stderr, 100*time.Millisecond)
	defer logs.Close()
	log := httpx.NewLogger(logs)
	stores, err := devserver.OpenStores(ctx, cfg, opts, log)
	if err != nil {
		return err
	}
	d := deps.Deps{Config: cfg, Stores: stores, Log: log, Now: time.Now, Rand: rand.Reader}
	h, err := devserver.New(ctx, d, os.DirFS(web))
	if err != nil {
		return err
	}
	h = devserver.WithDevProvider(h, idp, cfg.PublicURL)
	opts.BuiltInProvider = idp != nil
	var demoKey string
	if cfg.Env == config.EnvTest {
		if demoKey, err = devserver.DemoKey(ctx, d); err != nil {
			return err
		}
	}
	return devserver.Serve(ctx, cfg.Addr, h, opts, func(a net.Addr) {
		base := cfg.PublicURL
		fmt.Printf("Latchkey is listening on %s and serving %s (web console at /, API at /api/). Ctrl-C stops it.\n", a, base)
		fmt.Printf("Open  %s/ in a browser: sign in, make API keys, see your sessions, write posts.\n", base)
		fmt.Printf("Try:  curl -s %s/api/public/posts\n", base)
		fmt.Printf("      curl -s %s/api/public/posts/%s   # a draft: 404\n", base, seed.DraftID)
		fmt.Println(signInLine(cfg, idp != nil))
		if demoKey != "" {
			// Printed once, to this terminal only (never to the log): a
			// test-environment key for the seeded author, valid for a day.
			fmt.Printf("\nA test API key for %s (read, write; expires in 24 h):\n  export LATCHKEY_API_KEY=%s\n", seed.Author.Email, demoKey)
			fmt.Printf("  curl -s -H \"Authorization: Bearer $LATCHKEY_API_KEY\" %s/api/me\n", base)
		}
	})
}

// signInLine says where browser sign-in goes.
func signInLine(cfg config.Config, builtIn bool) string {
	switch {
	case builtIn:
		emails := make([]string, 0, len(seed.Users))
		for _, u := range seed.Users {
			emails = append(emails, u.Email)
		}
		return fmt.Sprintf("Sign in at %s/api/auth/login with the built-in development provider (%s) as %s.",
			cfg.PublicURL, cfg.OIDCIssuer, strings.Join(emails, ", "))
	case cfg.OIDCIssuer != "":
		return fmt.Sprintf("Sign in at %s/api/auth/login with the identity provider %s.", cfg.PublicURL, cfg.OIDCIssuer)
	default:
		return fmt.Sprintf("Sign in at %s/api/auth/login with GitHub (%s).", cfg.PublicURL, cfg.GitHubURL)
	}
}
