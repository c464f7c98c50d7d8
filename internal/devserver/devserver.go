// Package devserver is the local server behind `make dev`: one HTTP handler
// serving the web app at / and the API at /api/ through the local gateway,
// over the embedded store (or DynamoDB at LATCHKEY_DYNAMODB_ENDPOINT), seeded
// with demonstration data.
package devserver

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/devidp"
	"github.com/latchkey/latchkey/internal/functions"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/login"
	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dynamo"
	"github.com/latchkey/latchkey/internal/store/embedded"
	"github.com/latchkey/latchkey/internal/webapp"
)

// Options are the local server's own settings, beyond config.Config.
type Options struct {
	// DataFile persists the embedded store; empty keeps it in memory.
	DataFile string
	// TLSCert and TLSKey serve HTTPS; without them only loopback is allowed.
	TLSCert, TLSKey string
	// Web is the web app's files (the web/ folder).
	Web fs.FS
	// BuiltInProvider says the development OpenID provider is mounted. It
	// signs anyone in as any seeded user, so it is served on loopback only,
	// TLS or not.
	BuiltInProvider bool
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
func New(ctx context.Context, d deps.Deps, web fs.FS) (http.Handler, error) {
	if err := seed.Load(ctx, d.Stores); err != nil {
		return nil, err
	}
	if len(d.Config.LoginKey) == 0 {
		// A local run seals login cookies with a key made for this start;
		// a sign-in in progress across a restart simply starts again.
		d.Config.LoginKey = make([]byte, 32)
		if _, err := io.ReadFull(rand.Reader, d.Config.LoginKey); err != nil {
			return nil, err
		}
	}
	mux := http.NewServeMux()
	gw, err := functions.Gateway(d)
	if err != nil {
		return nil, err
	}
	mux.Handle("/api/", gw)
	mux.Handle("/", webHandler(web))
	return guard(oneOrigin(d.Config.PublicURL, mux)), nil
}

// API Gateway's quotas on a request's head, for a REST API ("Quotas for
// configuring and running a REST API in API Gateway", API Gateway
// developer guide,
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html):
//
//   - MaxHeaderBytes: "Total combined size of all header values, including
//     header names, values, any line terminators, and white space", 10,240
//     bytes. The request line is not part of it (the HTTP API's quota, which
//     counts the request line with the headers, is another API type's).
//   - MaxURLLength: "Length, in characters, of the URL for a regional API",
//     10,240 (Latchkey's API is regional: infra/api.go). The page does not
//     say which form of the URL it counts; the local server counts the URL
//     as the client addressed it, https://, host, path and query.
//
// The page gives no status for either. The local server keeps the 431 it
// answered when it counted both together, with a message naming the
// quota. Behind CloudFront a URL over 8,192 bytes is refused first, by
// CloudFront ("Quotas", CloudFront developer guide); the local server
// stands for API Gateway alone.
const (
	MaxHeaderBytes = 10240
	MaxURLLength   = 10240
)

// guard answers, in the API's error shape and with its headers, what
// net/http would otherwise answer in its own words, and what API Gateway
// refuses before any route: headers over MaxHeaderBytes and a URL over
// MaxURLLength (431 each), and a path with dot segments, empty segments or
// their encoded forms, which net/http's ServeMux would clean with a
// redirect (404: no route has such a path). Every answer of the local
// server is then Latchkey's own.
func guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case headerBytes(r) > MaxHeaderBytes:
			writeError(w, httpx.Errorf(http.StatusRequestHeaderFieldsTooLarge, httpx.CodeTooLarge,
				"the request headers are over %d bytes", MaxHeaderBytes))
		case urlLength(r) > MaxURLLength:
			writeError(w, httpx.Errorf(http.StatusRequestHeaderFieldsTooLarge, httpx.CodeTooLarge,
				"the request URL is over %d characters", MaxURLLength))
		case uncleanPath(r.URL.EscapedPath()) || uncleanPath(r.URL.Path):
			writeError(w, httpx.GatewayNotFound.Response())
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// headerBytes counts r's header lines as they came: "Name: value" and a
// line terminator each, Host (which net/http takes out of r.Header)
// included.
func headerBytes(r *http.Request) int {
	n := 0
	if r.Host != "" {
		n += len("Host") + len(r.Host) + 4
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	return n
}

// urlLength is the length of the URL r was sent to: https://, the host,
// and the request target as it came (path and query, still escaped).
func urlLength(r *http.Request) int {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	if strings.HasPrefix(target, "/") {
		return len("https://") + len(r.Host) + len(target)
	}
	return len(target) // absolute form: the URL itself
}

// uncleanPath reports a path that path.Clean would change: "." or ".."
// segments (in any letter case of their escapes) and empty segments.
func uncleanPath(p string) bool {
	first := true
	for seg := range strings.SplitSeq(strings.ToLower(p), "/") {
		if first {
			first = false // what comes before the leading slash
			continue
		}
		switch seg {
		case ".", "..", "%2e", "%2e%2e", ".%2e", "%2e.":
			return true
		}
	}
	return strings.Contains(p, "//")
}

// writeError writes an API answer (or an *httpx.Error) to w.
func writeError(w http.ResponseWriter, v any) {
	var resp httpx.Response
	switch x := v.(type) {
	case *httpx.Error:
		resp = httpx.ErrorResponse(x)
	case httpx.Response:
		resp = x
	}
	for k, val := range resp.Headers {
		w.Header().Set(k, val)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.WriteString(w, resp.Body)
}

// oneOrigin answers only requests for the public URL's host or a loopback
// name (421 otherwise), and sends a browser that opened the app, or started
// signing in, on another loopback name of this server (127.0.0.1 or [::1]
// where the public URL says localhost) to the public URL's origin first. Cookies belong to
// one origin, and the identity provider returns to the public URL: a
// sign-in begun elsewhere would end without its login cookie.
func oneOrigin(publicURL string, next http.Handler) http.Handler {
	pub, err := url.Parse(publicURL)
	if err != nil || pub.Host == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		own := sameHost(r.Host, pub.Host, pub.Scheme)
		if !own && !httpx.IsLoopback(strings.Trim(host, "[]")) {
			// Only our own names: a page of another site whose name was
			// made to resolve to this machine (DNS rebinding) gets nothing.
			writeError(w, httpx.Errorf(http.StatusMisdirectedRequest, httpx.CodeForbidden, "use %s", publicURL))
			return
		}
		// The cheap tests first: the route table is read only for a
		// request to another loopback name.
		if !own && httpx.IsLoopback(strings.Trim(host, "[]")) &&
			(r.Method == http.MethodGet || r.Method == http.MethodHead) &&
			(webapp.IsView(r.URL.Path) || pageRoute(r.Method, r.URL.EscapedPath())) {
			http.Redirect(w, r, pub.Scheme+"://"+pub.Host+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// pageRoute reports whether the route a request reaches answers pages to
// browsers (Route.Pages: sign-in).
func pageRoute(method, path string) bool {
	if method == http.MethodHead {
		method = http.MethodGet // a HEAD is answered as its GET
	}
	r, _, result := routes.Match(method, path)
	return result == routes.Matched && r.Pages
}

// sameHost reports whether a Host header names the public URL's host:
// letter case and the scheme's default port make no difference (RFC 9110
// §4.2.3), nor does a trailing dot, the same DNS name written fully
// qualified. The deployment's CloudFront function compares the same way
// (infra/web.go).
func sameHost(got, want, scheme string) bool {
	norm := func(h string) string {
		name, port, err := net.SplitHostPort(h)
		if err != nil {
			name, port = h, ""
		}
		if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
			port = ""
		}
		name = strings.ToLower(strings.TrimSuffix(name, "."))
		if port == "" {
			return name
		}
		return net.JoinHostPort(name, port)
	}
	return want != "" && norm(got) == norm(want)
}

// webHandler serves the web app with the response headers that CloudFront's
// response-headers policy adds in a deployment (httpx.PageHeaders): its
// files, and index.html for every view (webapp.IsView), so that a deep
// link works on reload.
func webHandler(web fs.FS) http.Handler {
	files := http.FileServerFS(web)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range httpx.PageHeaders() {
			h.Set(k, v)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			resp := httpx.ErrorResponse(httpx.Errorf(405, httpx.CodeMethodNotAllowed, "the web app is read-only"))
			h.Set("Allow", "GET, HEAD")
			h.Set("Content-Type", resp.Headers["Content-Type"])
			w.WriteHeader(405)
			_, _ = w.Write([]byte(resp.Body))
			return
		}
		if webapp.IsView(r.URL.Path) {
			// A view of the single-page app: its shell, whatever the path,
			// as CloudFront's function serves it in a deployment.
			http.ServeFileFS(w, r, web, "index.html")
			return
		}
		files.ServeHTTP(w, r)
	})
}

// CheckAddr refuses to serve plain HTTP beyond loopback: a session cookie
// or an API key must never cross a network in clear text.
func CheckAddr(addr string, tls bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("LATCHKEY_ADDR=%q: %w", addr, err)
	}
	if tls || httpx.IsLoopback(host) {
		return nil
	}
	return fmt.Errorf("LATCHKEY_ADDR=%q listens beyond loopback without TLS; "+
		"use 127.0.0.1 or give -tls-cert and -tls-key", addr)
}

// Serve listens on addr and serves h until ctx ends, then shuts down
// gracefully (in-flight requests get five seconds). ready is called with the
// bound address once the listener is open.
func Serve(ctx context.Context, addr string, h http.Handler, opts Options, ready func(net.Addr)) error {
	tls := opts.TLSCert != "" && opts.TLSKey != ""
	if err := CheckAddr(addr, tls); err != nil {
		return err
	}
	if host, _, _ := net.SplitHostPort(addr); opts.BuiltInProvider && !httpx.IsLoopback(host) {
		return fmt.Errorf("LATCHKEY_ADDR=%q: the built-in development provider lets anyone sign in as "+
			"any seeded user, so it serves loopback only; set LATCHKEY_OIDC_ISSUER (or GitHub) to listen beyond", addr)
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
		// Beyond this net/http answers 431 itself; up to it, guard answers
		// in the API's shape.
		MaxHeaderBytes: 1 << 20,
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

// DevProviderPath is where the local server mounts the built-in development
// OpenID provider.
const DevProviderPath = "/dev-idp"

// DevProvider returns the built-in development OpenID provider, and cfg
// pointed at it, when cfg names no identity provider (neither
// LATCHKEY_OIDC_ISSUER nor LATCHKEY_GITHUB_CLIENT_ID): issuer
// {PublicURL}/dev-idp, client "latchkey-dev" with a secret made for this
// start, the seeded users to pick from, and the seeded editor among the
// editors when LATCHKEY_EDITORS is unset. Otherwise it returns a nil handler
// and cfg unchanged. Call it before building the Deps from cfg, and mount the
// handler with WithDevProvider.
func DevProvider(cfg config.Config) (http.Handler, config.Config, error) {
	if cfg.OIDCIssuer != "" || cfg.GitHubClientID != "" {
		return nil, cfg, nil
	}
	if u, err := url.Parse(cfg.PublicURL); err != nil || !httpx.IsLoopback(u.Hostname()) {
		// A public URL elsewhere (a tunnel, a proxy) would let anyone who
		// reaches it sign in as any seeded user, editor included.
		return nil, cfg, fmt.Errorf("LATCHKEY_PUBLIC_URL=%q is not a loopback address, and the built-in development "+
			"provider signs anyone in as any seeded user; set LATCHKEY_OIDC_ISSUER (or GitHub) to serve it elsewhere", cfg.PublicURL)
	}
	cfg.OIDCIssuer = cfg.PublicURL + DevProviderPath
	// The issuer's URL holds the port; the seeded people do not change
	// with it: they are recorded under the seed's issuer on every port.
	cfg.UserIssuer = seed.Issuer
	cfg.OIDCClientID = "latchkey-dev"
	cfg.OIDCClientSecret = rand.Text()
	if len(cfg.Editors) == 0 {
		cfg.Editors = []string{seed.Editor.Email}
	}
	users := make([]devidp.User, 0, len(seed.Users))
	for _, u := range seed.Users {
		// The seeded roles double as the provider's groups, so that
		// LATCHKEY_EDITOR_GROUP=editor can be tried too.
		users = append(users, devidp.User{Subject: u.Subject, Email: u.Email, Name: u.Name, Groups: slices.Clone(u.Roles)})
	}
	idp, err := devidp.New(cfg.OIDCIssuer, devidp.Client{
		ID: cfg.OIDCClientID, Secret: cfg.OIDCClientSecret,
		RedirectURIs:           []string{login.RedirectURI(cfg.PublicURL)},
		PostLogoutRedirectURIs: []string{cfg.PublicURL + "/"},
	}, users)
	if err != nil {
		return nil, cfg, fmt.Errorf("development identity provider: %w", err)
	}
	return idp, cfg, nil
}

// WithDevProvider serves idp at DevProviderPath in front of h, answering
// only the public URL's host and loopback names, as h does; a nil idp
// leaves h as it is.
func WithDevProvider(h, idp http.Handler, publicURL string) http.Handler {
	if idp == nil {
		return h
	}
	mux := http.NewServeMux()
	mux.Handle(DevProviderPath+"/", idp)
	mux.Handle("/", h)
	return guard(oneOrigin(publicURL, mux))
}
