// Package devserver is the local server behind `make dev`: one HTTP handler
// serving the web app at / and the API at /api/ through the local gateway,
// over the embedded store (or DynamoDB at LATCHKEY_DYNAMODB_ENDPOINT), seeded
// with demonstration data.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/functions"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dynamo"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

// Options are the local server's own settings, beyond config.Config.
type Options struct {
	// DataFile persists the embedded store; empty keeps it in memory.
	DataFile string
	// TLSCert and TLSKey serve HTTPS; without them only loopback is allowed.
	TLSCert, TLSKey string
	// Web is the web app's files (the web/ folder).
	Web fs.FS
}

// OpenStores returns the stores of a local run: DynamoDB when the
// configuration names an endpoint (its tables created if missing), else the
// embedded store.
func OpenStores(ctx context.Context, cfg config.Config, opts Options, log *slog.Logger) (store.Stores, error) {
	if cfg.DynamoDBEndpoint != "" {
		client, err := dynamo.NewClient(ctx, cfg.DynamoDBEndpoint)
		if err != nil {
			return store.Stores{}, err
		}
		if err := dynamo.CreateTables(ctx, client, cfg.TablePrefix); err != nil {
			return store.Stores{}, err
		}
		return dynamo.New(client, cfg.TablePrefix).WithLogger(log).Stores(), nil
	}
	if opts.DataFile != "" {
		db, err := embedded.Open(opts.DataFile)
		if err != nil {
			return store.Stores{}, err
		}
		return db.Stores(), nil
	}
	return embedded.New().Stores(), nil
}

// New returns the local server's handler over deps, after seeding the store.
func New(ctx context.Context, d app.Deps, web fs.FS) (http.Handler, error) {
	if err := seed.Load(ctx, d.Stores); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", functions.Gateway(d))
	mux.Handle("/", webHandler(web))
	return mux, nil
}

// webHandler serves the web app with the response headers that CloudFront's
// response-headers policy adds in a deployment.
func webHandler(web fs.FS) http.Handler {
	files := http.FileServerFS(web)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			resp := httpx.ErrorResponse(httpx.Errorf(405, "method_not_allowed", "the web app is read-only"))
			h.Set("Allow", "GET, HEAD")
			h.Set("Content-Type", resp.Headers["Content-Type"])
			w.WriteHeader(405)
			_, _ = w.Write([]byte(resp.Body))
			return
		}
		files.ServeHTTP(w, r)
	})
}

// ContentSecurityPolicy is the policy for the web app: its own scripts,
// styles and API only; no inline script, no framing, no plugins.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// CheckAddr refuses to serve plain HTTP beyond loopback: a session cookie
// or an API key must never cross a network in clear text.
func CheckAddr(addr string, tls bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("LATCHKEY_ADDR=%q: %w", addr, err)
	}
	if tls || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("LATCHKEY_ADDR=%q listens beyond loopback without TLS; "+
		"use 127.0.0.1 or give -tls-cert and -tls-key", addr)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve listens on addr and serves h until ctx ends, then shuts down
// gracefully (in-flight requests get five seconds). ready is called with the
// bound address once the listener is open.
func Serve(ctx context.Context, addr string, h http.Handler, opts Options, ready func(net.Addr)) error {
	tls := opts.TLSCert != "" && opts.TLSKey != ""
	if err := CheckAddr(addr, tls); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() {
		if tls {
			errc <- srv.ServeTLS(ln, opts.TLSCert, opts.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
