package devserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"maps"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/browsertest"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/metrics/emftest"
	"github.com/latchkey/latchkey/internal/posts"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/session"
)

// logBuffer is a log the server writes while the test reads it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.buf.Bytes())
}

// metric is what one EMF line of a request counts: its metrics (each 1)
// and their dimensions.
type metric struct {
	metrics    []string
	dimensions map[string]string
}

func decision(outcome, reason string, cache ...string) metric {
	return metric{append([]string{metrics.AuthorizerDecisions}, cache...),
		map[string]string{metrics.DimEnvironment: config.EnvTest, metrics.DimOutcome: outcome, metrics.DimReason: reason}}
}

// TestMetricsInTheLocalServersLog is issue 16's acceptance for metrics:
// the local server as `make dev` runs it (its logger, the development
// provider, the seeded store) writes, for each request made against it,
// the EMF lines CloudWatch would turn into metrics — each a valid EMF
// document of the Latchkey namespace, its dimensions fixed words, never a
// user, key, session or request id.
func TestMetricsInTheLocalServersLog(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	defer srv.Close()
	base := "http://" + srv.Listener.Addr().String()
	logs := &logBuffer{}
	d := serveWithDevProvider(t, srv, base, httpx.NewLogger(logs))
	key, err := DemoKey(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	unknown, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
	anon := browsertest.New(t, base)
	rex := browsertest.New(t, base)
	bearer := func(k string) map[string]string { return map[string]string{"Authorization": "Bearer " + k} }

	steps := []struct {
		name   string
		do     func() int
		status int
		want   []metric
	}{
		{"a public request: no decision, no metric", func() int {
			r, _ := anon.Do("GET", "/api/public/posts/"+seed.WelcomeID, nil, "")
			return r.StatusCode
		}, 200, nil},
		{"no credential", func() int {
			r, _ := anon.Do("GET", "/api/me", nil, "")
			return r.StatusCode
		}, 401, []metric{decision("unauthorized", "missing")}},
		{"a key, first seen", func() int {
			r, _ := anon.Do("GET", "/api/me", bearer(key), "")
			return r.StatusCode
		}, 200, []metric{decision("allow", "valid_key", metrics.KeyCacheMisses)}},
		{"the key again, from the cache", func() int {
			r, _ := anon.Do("GET", "/api/me", bearer(key), "")
			return r.StatusCode
		}, 200, []metric{decision("allow", "valid_key", metrics.KeyCacheHits)}},
		{"a mistyped key", func() int {
			r, _ := anon.Do("GET", "/api/me", bearer(key[:20]+string(key[20]^1)+key[21:]), "")
			return r.StatusCode
		}, 401, []metric{decision("unauthorized", "malformed")}},
		{"an unknown key", func() int {
			r, _ := anon.Do("GET", "/api/me", bearer(unknown), "")
			return r.StatusCode
		}, 401, []metric{decision("unauthorized", "unknown_key", metrics.KeyCacheMisses)}},
		{"a key on a session route", func() int {
			r, _ := anon.Do("GET", "/api/keys", bearer(key), "")
			return r.StatusCode
		}, 403, []metric{decision("deny", "session_required", metrics.KeyCacheHits)}},
		{"a cancelled sign-in", func() int {
			r, _ := anon.Do("GET", "/api/auth/callback?error=access_denied", nil, "")
			return r.StatusCode
		}, 400, []metric{{[]string{metrics.SignIns},
			map[string]string{metrics.DimEnvironment: config.EnvTest, metrics.DimOutcome: "failure", metrics.DimReason: "cancelled"}}}},
		{"a sign-in through the development provider", func() int {
			devSignIn(t, rex, base, seed.Reader.Subject)
			return 303
		}, 303, []metric{{[]string{metrics.SignIns},
			map[string]string{metrics.DimEnvironment: config.EnvTest, metrics.DimOutcome: "success", metrics.DimReason: "signed_in"}}}},
		{"the reader deletes the author's post: the policy refuses", func() int {
			r, _ := rex.Do("DELETE", "/api/posts/"+seed.WelcomeID, map[string]string{"Origin": base}, "")
			return r.StatusCode
		}, 403, []metric{decision("allow", "valid_session"), {[]string{metrics.PolicyDenials},
			map[string]string{metrics.DimEnvironment: config.EnvTest, metrics.DimAction: "posts:delete"}}}},
		{"a session's write from another site", func() int {
			r, _ := rex.Do("DELETE", "/api/posts/"+seed.WelcomeID, map[string]string{"Origin": "https://evil.example"}, "")
			return r.StatusCode
		}, 403, []metric{decision("deny", "cross_origin")}},
	}
	for _, step := range steps {
		before := len(logs.Bytes())
		if status := step.do(); status != step.status {
			t.Fatalf("%s: status %d; want %d", step.name, status, step.status)
		}
		docs := emftest.Lines(t, logs.Bytes()[before:])
		if len(docs) != len(step.want) {
			t.Fatalf("%s: %d EMF lines; want %d:\n%s", step.name, len(docs), len(step.want), logs.Bytes()[before:])
		}
		for i, doc := range docs {
			w := step.want[i]
			if err := emftest.CheckKnown(doc, posts.MetricActions()); err != nil {
				t.Errorf("%s: %v", step.name, err)
			}
			got := doc.Metrics()
			if len(got) != len(w.metrics) {
				t.Errorf("%s: metrics %v; want %v", step.name, got, w.metrics)
			}
			for _, m := range w.metrics {
				if got[m] != 1 {
					t.Errorf("%s: %s = %v; want 1", step.name, m, got[m])
				}
			}
			if dims := doc.Dimensions(); !maps.Equal(dims, w.dimensions) {
				t.Errorf("%s: dimensions %v; want %v", step.name, dims, w.dimensions)
			}
		}
	}

	// No dimension of any line holds an id the log names elsewhere, or a
	// credential.
	all := emftest.Lines(t, logs.Bytes())
	ids := map[string]bool{session.ID(rex.Cookies[session.CookieName]): true}
	for _, u := range seed.Users {
		ids[u.ID] = true
	}
	for _, doc := range all {
		for _, field := range []string{"userId", "keyId", "sessionId", "requestId", "postId"} {
			if v, _ := doc.Line[field].(string); v != "" {
				ids[v] = true
			}
		}
	}
	for _, doc := range all {
		for name, v := range doc.Dimensions() {
			if ids[v] || strings.Contains(v, "lk_") || strings.Contains(v, "_") && name != metrics.DimReason {
				t.Errorf("dimension %s = %q looks like an id or a credential", name, v)
			}
		}
	}
	if len(all) < 10 {
		t.Fatalf("only %d EMF lines in the whole log", len(all))
	}
}
