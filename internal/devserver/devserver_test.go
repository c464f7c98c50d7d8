package devserver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/browsertest"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/openapi/openapitest"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv, _ := newServerDeps(t)
	return srv
}

// newServerDeps serves the local server over a seeded in-memory store at
// its own origin, every exchange checked against the OpenAPI document, and
// returns its dependencies too.
func newServerDeps(t *testing.T) (*httptest.Server, deps.Deps) {
	t.Helper()
	return serveLocal(t, slog.New(slog.DiscardHandler), func(h http.Handler) http.Handler { return openapitest.Middleware(t, h) })
}

// serveLocal serves localHandler at its own origin, its public URL, until
// the test ends, logging to log and wrapped by wrap (nil: as it runs, as
// the load tests measure it), and returns its dependencies too.
func serveLocal(tb testing.TB, log *slog.Logger, wrap func(http.Handler) http.Handler) (*httptest.Server, deps.Deps) {
	tb.Helper()
	srv, base := browsertest.Unstarted(tb)
	cfg := depstest.Config(tb, map[string]string{"LATCHKEY_PUBLIC_URL": base})
	h, d := localHandler(tb, cfg, log)
	if wrap != nil {
		h = wrap(h)
	}
	srv.Config.Handler = h
	srv.Start()
	return srv, d
}

// localHandler builds the local server's handler as `make dev` does, over a
// fresh in-memory store and crypto/rand, and returns its dependencies too.
func localHandler(tb testing.TB, cfg config.Config, log *slog.Logger) (http.Handler, deps.Deps) {
	tb.Helper()
	d := depstest.Local(cfg)
	d.Log = log
	h, err := New(context.Background(), d, os.DirFS("../../web"))
	if err != nil {
		tb.Fatal(err)
	}
	return h, d
}

func do(t *testing.T, method, url string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestAcceptance is issue 2's acceptance, through the real local server.
func TestAcceptance(t *testing.T) {
	srv := newServer(t)

	t.Run("public posts lists published posts only", func(t *testing.T) {
		resp, body := do(t, "GET", srv.URL+"/api/public/posts")
		var got struct {
			Posts []struct{ ID, Status string }
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("GET /api/public/posts = %d %s", resp.StatusCode, body)
		}
		want := []string{seed.CedarID, seed.KeysID, seed.WelcomeID}
		if len(got.Posts) != len(want) {
			t.Fatalf("listed %d posts; want %d: %s", len(got.Posts), len(want), body)
		}
		for i, p := range got.Posts {
			if p.ID != want[i] || p.Status != store.StatusPublished {
				t.Errorf("post %d = %s (%s); want %s, published", i, p.ID, p.Status, want[i])
			}
		}
	})

	errorTests := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"a draft is 404", "GET", "/api/public/posts/" + seed.DraftID, 404, httpx.CodeNotFound},
		{"keys without a credential is 401", "GET", "/api/keys", 401, httpx.CodeUnauthorized},
		{"an unknown method is 404", "DELETE", "/api/public/posts", 404, httpx.CodeNotFound},
		{"an unknown public path is 404", "GET", "/api/public/nothing", 404, httpx.CodeNotFound},
		{"an unknown private path is 401 without a credential", "GET", "/api/secret-admin", 401, httpx.CodeUnauthorized},
		{"a bad limit is 400", "GET", "/api/public/posts?limit=0", 400, httpx.CodeBadRequest},
	}
	for _, tc := range errorTests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, tc.method, srv.URL+tc.path)
			var e struct{ Error, Message string }
			if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != tc.status || e.Error != tc.code || e.Message == "" {
				t.Fatalf("%s %s = %d %s; want %d with code %q", tc.method, tc.path, resp.StatusCode, body, tc.status, tc.code)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q; want JSON", ct)
			}
			if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers lack no-store/nosniff: %v", resp.Header)
			}
			if tc.status == 401 && !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: %v", resp.Header)
			}
		})
	}

	t.Run("the web app is served with its security headers", func(t *testing.T) {
		resp, body := do(t, "GET", srv.URL+"/")
		if resp.StatusCode != 200 || !strings.Contains(string(body), "<title>Latchkey</title>") {
			t.Fatalf("GET / = %d", resp.StatusCode)
		}
		for k, v := range httpx.PageHeaders() {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("GET / %s = %q; want the page header %q", k, got, v)
			}
		}
	})

	t.Run("a deep link to a view answers the app's shell", func(t *testing.T) {
		_, want := do(t, "GET", srv.URL+"/")
		for _, path := range []string{"/keys", "/posts/post_abc", "/sessions/", "/no-such-view"} {
			resp, body := do(t, "GET", srv.URL+path)
			if resp.StatusCode != 200 || string(body) != string(want) || resp.Header.Get("Content-Security-Policy") != httpx.ContentSecurityPolicy {
				t.Errorf("GET %s = %d (%d bytes, CSP %q); want index.html with the CSP", path, resp.StatusCode, len(body), resp.Header.Get("Content-Security-Policy"))
			}
		}
		for _, path := range []string{"/no-such-file.js", "/img/none.png"} {
			if resp, _ := do(t, "GET", srv.URL+path); resp.StatusCode != 404 {
				t.Errorf("GET %s = %d; want 404 (a file, not a view)", path, resp.StatusCode)
			}
		}
	})
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr string
		tls  bool
		ok   bool
	}{
		{"127.0.0.1:8080", false, true},
		{"localhost:8080", false, true},
		{"[::1]:8080", false, true},
		{"0.0.0.0:8080", false, false},
		{":8080", false, false},
		{"192.168.1.5:8080", false, false},
		{"0.0.0.0:8443", true, true},
		{"no-port", false, false},
	}
	for _, tc := range tests {
		if err := CheckAddr(tc.addr, tc.tls); (err == nil) != tc.ok {
			t.Errorf("CheckAddr(%q, tls=%v) = %v; want ok = %v", tc.addr, tc.tls, err, tc.ok)
		}
	}
}

func TestServeRefusesPlainHTTPBeyondLoopback(t *testing.T) {
	err := Serve(context.Background(), "0.0.0.0:0", http.NotFoundHandler(), Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "without TLS") {
		t.Fatalf("Serve(0.0.0.0) = %v; want a refusal", err)
	}
}

func TestServeStopsWhenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	addrc := make(chan net.Addr, 1)
	go func() {
		done <- Serve(ctx, "127.0.0.1:0", http.NotFoundHandler(), Options{}, func(a net.Addr) { addrc <- a })
	}()
	a := <-addrc
	if _, err := http.Get("http://" + a.String() + "/"); err != nil {
		t.Fatalf("server not answering: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel = %v; want nil (clean stop)", err)
	}
}

func TestDemoKeyWorksAndReplacesTheLastOne(t *testing.T) {
	ctx := context.Background()
	cfg := depstest.Config(t, nil)
	h, d := localHandler(t, cfg, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(openapitest.Middleware(t, h))
	defer srv.Close()
	first, err := DemoKey(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	second, err := DemoKey(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := d.Stores.Keys.Count(ctx, seed.Author.ID)
	if n != 1 {
		t.Fatalf("after two starts the author has %d demo keys; want 1", n)
	}
	for _, tc := range []struct {
		key  string
		want int
	}{{second, 200}, {first, 401}} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/me", nil)
		req.Header.Set("Authorization", "Bearer "+tc.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET /api/me with a demo key = %d; want %d", resp.StatusCode, tc.want)
		}
	}
	live := d
	live.Config.Env = config.EnvLive
	if _, err := DemoKey(ctx, live); err == nil {
		t.Fatal("DemoKey(live) = nil error; want a refusal")
	}
}

func TestServeKeepsTheBuiltInProviderOnLoopback(t *testing.T) {
	err := Serve(context.Background(), "0.0.0.0:0", http.NotFoundHandler(),
		Options{TLSCert: "cert.pem", TLSKey: "key.pem", BuiltInProvider: true}, nil)
	if err == nil || !strings.Contains(err.Error(), "built-in development provider") {
		t.Fatalf("Serve(0.0.0.0, TLS, built-in provider) = %v; want a refusal", err)
	}
}

// TestEveryAnswerIsLatchkeys: what net/http would answer in its own words
// (a huge header block, a path it would clean with a redirect) is answered
// in the API's error shape, with nosniff, and no-store under /api.
func TestEveryAnswerIsLatchkeys(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name, path string
		header     string
		status     int
	}{
		{"a 100 KB header", "/api/public/posts", strings.Repeat("a", 100<<10), 431},
		{"a header block just over the bound", "/api/public/posts", strings.Repeat("a", MaxHeaderBytes), 431},
		{"dot segments under /api", "/api/public/../keys", "", 404},
		{"encoded dot segments", "/api/public/%2e%2e/keys", "", 404},
		{"an empty segment", "/api//keys", "", 404},
		{"dot segments outside /api", "/keys/../app.js", "", 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
			if tc.header != "" {
				req.Header.Set("X-Big", tc.header)
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct{ Error, Message string }
			if resp.StatusCode != tc.status || json.NewDecoder(resp.Body).Decode(&e) != nil || e.Error == "" {
				t.Fatalf("= %d (%s); want %d in the error shape", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("headers %v; want nosniff and no-store", resp.Header)
			}
		})
	}
}

// TestHeadersAndURLAreBoundApart: API Gateway's REST API quotas bound the
// headers (names, values, line terminators: MaxHeaderBytes) and the URL
// (MaxURLLength) each on its own, so a long query string and ordinary
// headers pass together; each quota refuses with a message naming it.
func TestHeadersAndURLAreBoundApart(t *testing.T) {
	const (
		hostLine = len("Host: example.com\r\n") // httptest's host
		fillLine = len("X-Fill: \r\n")          // the filler header, empty
		urlBase  = len("https://example.com/api/public/posts?q=")
	)
	headersRefused := "the request headers are over 10240 bytes"
	urlRefused := "the request URL is over 10240 characters"
	tests := []struct {
		name        string
		query       int // characters of the q parameter's value
		headerValue int // characters of X-Fill's value
		want        string
	}{
		{"a 9 KB query string with 2 KB of headers", 9 << 10, 2 << 10, ""},
		{"headers of exactly the quota", 10, MaxHeaderBytes - hostLine - fillLine, ""},
		{"headers one byte over the quota", 10, MaxHeaderBytes - hostLine - fillLine + 1, headersRefused},
		{"a URL of exactly the quota, with 9 KB of headers", MaxURLLength - urlBase, 9 << 10, ""},
		{"a URL one character over the quota", MaxURLLength - urlBase + 1, 10, urlRefused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ran := false
			h := guard(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ran = true }))
			r := httptest.NewRequest("GET", "/api/public/posts?q="+strings.Repeat("a", tc.query), nil)
			r.Header.Set("X-Fill", strings.Repeat("h", tc.headerValue))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if tc.want == "" {
				if !ran {
					t.Fatalf("refused: %d %s; want it served", w.Code, w.Body)
				}
				return
			}
			var e struct{ Error, Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || ran || w.Code != 431 ||
				e.Error != httpx.CodeTooLarge || e.Message != tc.want {
				t.Fatalf("= %d %s (served %v); want 431 %s %q", w.Code, w.Body, ran, httpx.CodeTooLarge, tc.want)
			}
		})
	}
}

// TestTheWebAppIsReadOnly: a method but GET or HEAD on the web app's
// files is refused with 405, Allow and the documented code
// (httpx.CodeMethodNotAllowed), in the API's error shape; nothing is
// served or written.
func TestTheWebAppIsReadOnly(t *testing.T) {
	srv := newServer(t)
	for _, method := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		for _, path := range []string{"/", "/app.js", "/keys"} {
			t.Run(method+" "+path, func(t *testing.T) {
				resp, body := do(t, method, srv.URL+path)
				var e struct{ Error, Message string }
				if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != 405 || e.Error != httpx.CodeMethodNotAllowed {
					t.Fatalf("= %d %s; want 405 %s", resp.StatusCode, body, httpx.CodeMethodNotAllowed)
				}
				if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
					t.Errorf("Allow = %q; want GET, HEAD", got)
				}
			})
		}
	}
}

// TestSameHost: a Host names the server as DNS and HTTP compare names, so
// the fully qualified form and the default port are the same host.
func TestSameHost(t *testing.T) {
	for _, tc := range []struct {
		got, want, scheme string
		same              bool
	}{
		{"latchkey.test", "latchkey.test", "https", true},
		{"Latchkey.TEST", "latchkey.test", "https", true},
		{"latchkey.test.", "latchkey.test", "https", true},
		{"latchkey.test:443", "latchkey.test", "https", true},
		{"latchkey.test.:443", "latchkey.test", "https", true},
		{"localhost:8080", "localhost:8080", "http", true},
		{"localhost.:8080", "localhost:8080", "http", true},
		{"latchkey.test:80", "latchkey.test", "https", false},
		{"latchkey.test:8443", "latchkey.test", "https", false},
		{"latchkey.test..", "latchkey.test", "https", false},
		{"evil.latchkey.test", "latchkey.test", "https", false},
		{"localhost:8081", "localhost:8080", "http", false},
		{"", "latchkey.test", "https", false},
	} {
		if got := sameHost(tc.got, tc.want, tc.scheme); got != tc.same {
			t.Errorf("sameHost(%q, %q, %s) = %v; want %v", tc.got, tc.want, tc.scheme, got, tc.same)
		}
	}
}

// TestTheBuiltInProviderStaysLocal: the development provider refuses a
// public URL that is not loopback (a tunnel would let anyone in as any
// seeded user), and the local server answers only its own host names, so a
// rebound DNS name reaches nothing.
func TestTheBuiltInProviderStaysLocal(t *testing.T) {
	for _, u := range []string{"https://dev.example.ngrok.app", "https://192.168.1.10:8443", "https://latchkey.test"} {
		cfg := depstest.Config(t, map[string]string{"LATCHKEY_PUBLIC_URL": u})
		if _, _, err := DevProvider(cfg); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("DevProvider with LATCHKEY_PUBLIC_URL=%s = %v; want a refusal", u, err)
		}
	}
	srv, base := browsertest.Unstarted(t)
	startWithDevProvider(t, srv, base)
	for _, tc := range []struct {
		host, path string
		want       int
	}{
		{"evil.example", "/api/public/posts", 421},
		{"rebound.attacker.test:80", "/api/public/posts", 421},
		{"rebound.attacker.test", "/dev-idp/.well-known/openid-configuration", 421},
		{"localhost", "/api/public/posts", 200},
		{"127.0.0.1", "/api/public/posts", 200},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		req.Host = tc.host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("Host %s, %s = %d; want %d", tc.host, tc.path, resp.StatusCode, tc.want)
		}
	}
}
