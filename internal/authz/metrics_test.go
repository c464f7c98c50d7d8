package authz

import (
	"bytes"
	"context"
	"crypto/rand"
	"go/ast"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/gosrc"
	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/metrics/emftest"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// TestEveryDecisionHasAClass: every Decision the package's code builds
// names its reason class as a constant of metrics.AuthorizerReasons, and
// every class of that list is some decision's.
func TestEveryDecisionHasAClass(t *testing.T) {
	consts := gosrc.StringConsts(t, "../metrics")
	used := map[string]bool{}
	fset, files := gosrc.Package(t, ".")
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "Decision" {
				return true
			}
			class := ""
			for _, e := range lit.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok || kv.Key.(*ast.Ident).Name != "Class" {
					continue
				}
				if sel, ok := kv.Value.(*ast.SelectorExpr); ok && sel.X.(*ast.Ident).Name == "metrics" {
					class = consts[sel.Sel.Name]
				}
			}
			if !slices.Contains(metrics.AuthorizerReasons, class) {
				t.Errorf("%s: a Decision without a metrics.Reason* class of metrics.AuthorizerReasons", fset.Position(lit.Pos()))
			}
			used[class] = true
			return true
		})
	}
	for _, c := range metrics.AuthorizerReasons {
		if !used[c] {
			t.Errorf("no decision has the class %q", c)
		}
	}
}

// TestDecisionClasses: each rule's decision carries its class, and a key
// lookup says whether the cache answered.
func TestDecisionClasses(t *testing.T) {
	ctx := context.Background()
	f := newSessionFixture()
	a := f.authorizer(30 * time.Second)
	a.opts.PublicURL = appOrigin
	readKey, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	past := t0.Add(-time.Second)
	expired, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, &past)
	live, _ := apikey.Generate(rand.Reader, apikey.EnvLive)
	unknown, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
	mistyped := readKey[:20] + string(readKey[20]^1) + readKey[21:]
	limited, _ := limitedKey(t, f.fixture)
	// A test key whose record says live: the record is the last word.
	misfiled, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
	if err := f.keys.Create(ctx, store.APIKey{ID: store.NewID("key"), UserID: "usr_owner", Hash: apikey.Hash(misfiled),
		Permissions: []string{"read"}, Environment: apikey.EnvLive, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	// A rotated key's old secret, within its grace for ten seconds more.
	rotated, rk := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	fresh, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
	if _, err := f.keys.Rotate(ctx, "usr_owner", rk.ID, store.KeyRotation{NewHash: apikey.Hash(fresh), Grace: time.Minute, At: t0.Add(-50 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	tok, _ := f.addSession(t)
	idle, is := f.addSession(t)
	if err := f.sessions.Touch(ctx, is.ID, t0.Add(-2*time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	bearer := func(method, resource, key string) Input { return in(method, resource, "Bearer "+key) }
	crossSite := bearer("POST", "/w", readKey)
	crossSite.SecFetchSite = []string{"cross-site"}

	tests := []struct {
		name   string
		a      *Authorizer
		input  Input
		effect Effect
		class  string
		cache  metrics.Cache
	}{
		{"a valid key", a, bearer("GET", "/r", readKey), Allow, metrics.ReasonValidKey, metrics.CacheMiss},
		{"the same key again", a, bearer("GET", "/r", readKey), Allow, metrics.ReasonValidKey, metrics.CacheHit},
		{"a key without the permission", a, bearer("POST", "/w", readKey), Deny, metrics.ReasonPermission, metrics.CacheHit},
		{"a key on a session route", a, bearer("GET", "/s", readKey), Deny, metrics.ReasonSessionRequired, metrics.CacheHit},
		{"a key from another site's page", a, crossSite, Deny, metrics.ReasonCrossOrigin, metrics.CacheHit},
		{"a key outside its allow-list", a, fromAddress(limited, "198.51.100.1", ""), Deny, metrics.ReasonIPNotAllowed, metrics.CacheMiss},
		{"no credential", a, in("GET", "/r"), Unauthorized, metrics.ReasonMissing, metrics.CacheNone},
		{"a cookie but no session cookie", a, Input{HTTPMethod: "GET", Resource: "/r", Cookie: []string{"theme=dark"}}, Unauthorized, metrics.ReasonMissing, metrics.CacheNone},
		{"not an API key", a, in("GET", "/r", "Token x"), Unauthorized, metrics.ReasonMalformed, metrics.CacheNone},
		{"a mistyped key", a, bearer("GET", "/r", mistyped), Unauthorized, metrics.ReasonMalformed, metrics.CacheNone},
		{"a live key on a test deployment", a, bearer("GET", "/r", live), Unauthorized, metrics.ReasonWrongEnvironment, metrics.CacheNone},
		{"a key whose record is live", a, bearer("GET", "/r", misfiled), Unauthorized, metrics.ReasonWrongEnvironment, metrics.CacheMiss},
		{"an unknown key", a, bearer("GET", "/r", unknown), Unauthorized, metrics.ReasonUnknownKey, metrics.CacheMiss},
		{"the unknown key again is remembered", a, bearer("GET", "/r", unknown), Unauthorized, metrics.ReasonUnknownKey, metrics.CacheHit},
		{"an expired key", a, bearer("GET", "/r", expired), Unauthorized, metrics.ReasonExpired, metrics.CacheMiss},
		{"a rotated secret within its grace", a, bearer("GET", "/r", rotated), Allow, metrics.ReasonValidKey, metrics.CacheMiss},
		{"a session", a, cookieIn("GET", "/r", tok), Allow, metrics.ReasonValidSession, metrics.CacheNone},
		{"a session's write from another origin", a, cookieIn("POST", "/w", tok, "https://evil.example"), Deny, metrics.ReasonCrossOrigin, metrics.CacheNone},
		{"a malformed session cookie", a, cookieIn("GET", "/r", "nope"), Unauthorized, metrics.ReasonMalformed, metrics.CacheNone},
		{"an unknown session", a, cookieIn("GET", "/r", otherFirst(tok)), Unauthorized, metrics.ReasonUnknownSession, metrics.CacheNone},
		{"an idle session", a, cookieIn("GET", "/r", idle), Unauthorized, metrics.ReasonSessionExpired, metrics.CacheNone},
		{"a route not in the table", a, bearer("GET", "/nowhere", readKey), Unauthorized, metrics.ReasonNoRoute, metrics.CacheNone},
		{"a public route", a, bearer("GET", "/p", readKey), Unauthorized, metrics.ReasonPublicRoute, metrics.CacheNone},
	}
	for _, tc := range tests {
		d := tc.a.Decide(ctx, tc.input)
		if d.Effect != tc.effect || d.Class != tc.class || d.Cache != tc.cache {
			t.Errorf("%s: Decide = %v %q cache %d (%s); want %v %q cache %d", tc.name, d.Effect, d.Class, d.Cache, d.Reason, tc.effect, tc.class, tc.cache)
		}
	}
	// The stores never find a revoked key or a secret past its grace
	// (unknown_key); the authorizer checks the record again all the same,
	// and a record it refuses is counted as revoked.
	stale := New(Options{Keys: staleKeys{f.keys, store.APIKey{ID: "key_1", UserID: "usr_owner", Hash: apikey.Hash(readKey),
		Environment: apikey.EnvTest, Revoked: &store.KeyRevocation{At: t0}}}, Env: apikey.EnvTest, Routes: testRoutes})
	if d := stale.Decide(ctx, bearer("GET", "/r", readKey)); d.Effect != Unauthorized || d.Class != metrics.ReasonRevoked || d.Cache != metrics.CacheMiss {
		t.Errorf("a revoked record: %v %q cache %d (%s)", d.Effect, d.Class, d.Cache, d.Reason)
	}

	door := f.authorizer(0)
	door.opts.OriginSecrets = frontdoor.Secrets{originSecret}
	if d := door.Decide(ctx, bearer("GET", "/r", readKey)); d.Effect != Deny || d.Class != metrics.ReasonFrontDoor || d.Cache != metrics.CacheNone {
		t.Errorf("without CloudFront's header: %v %q", d.Effect, d.Class)
	}
	f.keys.fail.Store(true)
	if d := f.authorizer(0).Decide(ctx, bearer("GET", "/r", readKey)); d.Effect != Fail || d.Class != metrics.ReasonStoreError || d.Cache != metrics.CacheMiss {
		t.Errorf("key store down: %v %q cache %d", d.Effect, d.Class, d.Cache)
	}
	f.keys.fail.Store(false)
	down := New(Options{Sessions: failingSessions{}, Routes: testRoutes, Lifetimes: session.Lifetimes{Absolute: time.Hour, Idle: time.Hour}, Now: func() time.Time { return t0 }})
	if d := down.Decide(ctx, cookieIn("GET", "/r", tok)); d.Effect != Fail || d.Class != metrics.ReasonStoreError {
		t.Errorf("session store down: %v %q", d.Effect, d.Class)
	}
}

// staleKeys answers every lookup with k, as a store that kept a pointer
// it should have dropped would.
type staleKeys struct {
	store.KeyStore
	k store.APIKey
}

func (s staleKeys) ByHash(context.Context, string, time.Time) (store.APIKey, error) { return s.k, nil }

// TestDecisionLineMetrics: the decision line is an EMF document, its
// metrics and dimensions the decision's, its dimension values fixed words
// and never the user, key or session it names.
func TestDecisionLineMetrics(t *testing.T) {
	f := newSessionFixture()
	var logs bytes.Buffer
	a := New(Options{Keys: f.keys, Sessions: f.sessions, Env: apikey.EnvTest, Deployment: "Latchkey-Staging", CacheTTL: time.Minute, Routes: testRoutes,
		Lifetimes: session.Lifetimes{Absolute: 12 * time.Hour, Idle: time.Hour},
		Log:       slog.New(slog.NewJSONHandler(&logs, nil)), Now: func() time.Time { return f.now }})
	key, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	tok, s := f.addSession(t)
	type want struct {
		outcome, reason, cache string
	}
	requests := []struct {
		input Input
		want  want
	}{
		{in("GET", "/r", "Bearer "+key), want{"allow", "valid_key", metrics.KeyCacheMisses}},
		{in("GET", "/r", "Bearer "+key), want{"allow", "valid_key", metrics.KeyCacheHits}},
		{in("POST", "/w", "Bearer "+key), want{"deny", "permission", metrics.KeyCacheHits}},
		{in("GET", "/r", "Bearer lk_test_x"), want{"unauthorized", "malformed", ""}},
		{in("GET", "/r"), want{"unauthorized", "missing", ""}},
		{cookieIn("GET", "/r", tok), want{"allow", "valid_session", ""}},
	}
	for _, r := range requests {
		a.logDecision(r.input, a.Decide(context.Background(), r.input))
	}
	a.Wait()
	docs := emftest.Lines(t, logs.Bytes())
	if len(docs) != len(requests) {
		t.Fatalf("%d EMF lines for %d decisions:\n%s", len(docs), len(requests), logs.String())
	}
	for i, d := range docs {
		w := requests[i].want
		if err := emftest.CheckKnown(d, nil); err != nil {
			t.Errorf("line %d: %v", i, err)
		}
		dims := d.Dimensions()
		if dims[metrics.DimDeployment] != "Latchkey-Staging" || dims[metrics.DimEnvironment] != apikey.EnvTest ||
			dims[metrics.DimOutcome] != w.outcome || dims[metrics.DimReason] != w.reason {
			t.Errorf("line %d: dimensions %v; want %v", i, dims, w)
		}
		wantMetrics := []string{metrics.AuthorizerDecisions}
		if w.cache != "" {
			wantMetrics = append(wantMetrics, w.cache)
		}
		got := d.Metrics()
		for _, m := range wantMetrics {
			if got[m] != 1 {
				t.Errorf("line %d: %s = %v; want 1", i, m, got[m])
			}
		}
		if len(got) != len(wantMetrics) {
			t.Errorf("line %d: metrics %v; want %v", i, got, wantMetrics)
		}
		if !slices.Equal(d.Sets(metrics.AuthorizerDecisions), []string{"Deployment,Environment,Outcome", "Deployment,Environment,Outcome,Reason"}) {
			t.Errorf("line %d: AuthorizerDecisions by %v", i, d.Sets(metrics.AuthorizerDecisions))
		}
		for _, v := range dims {
			if v == k.UserID || v == k.ID || v == s.ID || strings.Contains(v, "lk_") {
				t.Errorf("line %d: a dimension holds an id: %v", i, dims)
			}
		}
	}
	// The ids are still in the line's own fields.
	if docs[0].Line["keyId"] != k.ID || docs[5].Line["sessionId"] != s.ID {
		t.Errorf("the lines lost their ids: %v / %v", docs[0].Line, docs[5].Line)
	}
}
