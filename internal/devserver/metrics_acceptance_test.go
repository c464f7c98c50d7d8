package devserver

import (
	"context"
	"crypto/rand"
	"maps"
	"strings"
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
	"github.com/latchkey/latchkey/internal/testproc"
)

// metric is what one EMF line of a request counts: its metrics (each 1)
// and their dimensions.
type metric struct {
	metrics    []string
	dimensions map[string]string
}

func decision(outcome, reason string, cache ...string) metric {
	return metric{append([]string{metrics.AuthorizerDecisions}, cache...),
		map[string]string{metrics.DimDeployment: config.DeploymentLocal, metrics.DimEnvironment: config.EnvTest, metrics.DimOutcome: outcome, metrics.DimReason: reason}}
}

// TestMetricsInTheLocalServersLog is issue 16's acceptance for metrics:
// the local server as `make dev` runs it (its logger, the development
// provider, the seeded store) writes, for each request made against it,
// the EMF lines CloudWatch would turn into metrics — each a valid EMF
// document of the Latchkey namespace, its dimensions fixed words, never a
// user, key, session or request id.
func TestMetricsInTheLocalServersLog(t *testing.T) {
	srv, base := browsertest.Unstarted(t)
	logs := &testproc.Output{}
	d := serveWithDevProvider(t, srv, base, httpx.NewLogger(logs))
	key, err := DemoKey(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	unknown, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
	anon := browsertest.New(t, base)
	rex := browsertest.New(t, base)
	mistyped := key[:20] + string(key[20]^1) + key[21:]
	signIns := func(outcome, reason string) metric {
		return metric{[]string{metrics.SignIns},
			map[string]string{metrics.DimDeployment: config.DeploymentLocal, metrics.DimEnvironment: config.EnvTest, metrics.DimOutcome: outcome, metrics.DimReason: reason}}
	}
	denial := metric{[]string{metrics.PolicyDenials},
		map[string]string{metrics.DimDeployment: config.DeploymentLocal, metrics.DimEnvironment: config.EnvTest, metrics.DimAction: "posts:delete"}}

	steps := []struct {
		name         string
		b            *browsertest.Browser // nil: rex signs in through the development provider
		method, path string
		header       []string // name, value
		status       int
		want         []metric
	}{
		{"a public request: no decision, no metric", anon, "GET", "/api/public/posts/" + seed.WelcomeID, nil, 200, nil},
		{"no credential", anon, "GET", "/api/me", nil, 401, []metric{decision("unauthorized", "missing")}},
		{"a key, first seen", anon, "GET", "/api/me", []string{"Authorization", "Bearer " + key}, 200,
			[]metric{decision("allow", "valid_key", metrics.KeyCacheMisses)}},
		{"the key again, from the cache", anon, "GET", "/api/me", []string{"Authorization", "Bearer " + key}, 200,
			[]metric{decision("allow", "valid_key", metrics.KeyCacheHits)}},
		{"a mistyped key", anon, "GET", "/api/me", []string{"Authorization", "Bearer " + mistyped}, 401,
			[]metric{decision("unauthorized", "malformed")}},
		{"an unknown key", anon, "GET", "/api/me", []string{"Authorization", "Bearer " + unknown}, 401,
			[]metric{decision("unauthorized", "unknown_key", metrics.KeyCacheMisses)}},
		{"a key on a session route", anon, "GET", "/api/keys", []string{"Authorization", "Bearer " + key}, 403,
			[]metric{decision("deny", "session_required", metrics.KeyCacheHits)}},
		{"a cancelled sign-in", anon, "GET", "/api/auth/callback?error=access_denied", nil, 400, []metric{signIns("failure", "cancelled")}},
		{"a sign-in through the development provider", nil, "", "", nil, 303, []metric{signIns("success", "signed_in")}},
		{"the reader deletes the author's post: the policy refuses", rex, "DELETE", "/api/posts/" + seed.WelcomeID, []string{"Origin", base}, 403,
			[]metric{decision("allow", "valid_session"), denial}},
		{"a session's write from another site", rex, "DELETE", "/api/posts/" + seed.WelcomeID, []string{"Origin", "https://evil.example"}, 403,
			[]metric{decision("deny", "cross_origin")}},
	}
	for _, step := range steps {
		before := len(logs.String())
		if step.b == nil {
			devSignIn(t, rex, base, seed.Reader.Subject) // checks its 303
		} else {
			var header map[string]string
			if step.header != nil {
				header = map[string]string{step.header[0]: step.header[1]}
			}
			if r, body := step.b.Do(step.method, step.path, header, ""); r.StatusCode != step.status {
				t.Fatalf("%s: %d %s; want %d", step.name, r.StatusCode, body, step.status)
			}
		}
		added := []byte(logs.String()[before:])
		docs := emftest.Lines(t, added)
		if len(docs) != len(step.want) {
			t.Fatalf("%s: %d EMF lines; want %d:\n%s", step.name, len(docs), len(step.want), added)
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
	all := emftest.Lines(t, []byte(logs.String()))
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
