package devserver

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/browsertest"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/openapi/openapitest"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dynamo"
	"github.com/latchkey/latchkey/internal/store/dynamo/dynalitetest"
)

// TestStoreStoppedMidRun stops the DynamoDB-compatible server under a
// running local server, then starts it again over the same data. While it
// is down, nothing the store would decide is allowed or refused: the
// authorizer fails closed with 503 (and caches no failure), the functions
// answer 503 with Retry-After, and only what needs no store (a malformed
// key) is still answered. Once it is back, the same credentials work at
// once.
func TestStoreStoppedMidRun(t *testing.T) {
	ctx := context.Background()
	server := dynalitetest.ForTestAt(t, t.TempDir())

	cfg := depstest.Config(t, map[string]string{"LATCHKEY_DYNAMODB_ENDPOINT": server.Endpoint, "LATCHKEY_TABLE_PREFIX": "outage-"})
	log := slog.New(slog.DiscardHandler)
	stores, err := OpenStores(ctx, cfg, Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	d := depstest.Local(cfg)
	d.Stores, d.Log = stores, log
	h, err := New(ctx, d, os.DirFS("../../web"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(openapitest.Middleware(t, h))
	defer srv.Close()

	newKey := func() string {
		secret, err := apikey.Generate(rand.Reader, apikey.EnvTest)
		if err != nil {
			t.Fatal(err)
		}
		k := store.APIKey{ID: store.NewID("key"), UserID: seed.Author.ID, Label: "outage", Hint: apikey.Hint(secret),
			Hash: apikey.Hash(secret), Permissions: []string{"read", "write"}, Environment: apikey.EnvTest, CreatedAt: time.Now()}
		if err := stores.Keys.Create(ctx, k); err != nil {
			t.Fatal(err)
		}
		return secret
	}
	fresh := newKey()  // first used while the store is down: nothing cached
	cached := newKey() // used before: the authorizer holds it for its TTL
	// A well-formed key the store never had, new on every call: the
	// authorizer remembers a key it was told is unknown, and this one must
	// reach the store.
	unknown := func() map[string]string {
		k, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
		return map[string]string{"Authorization": "Bearer " + k}
	}
	browser := signedIn(t, d, srv.URL, seed.Author)
	anonymous := browsertest.New(t, srv.URL)
	bearer := func(k string) func() map[string]string {
		return func() map[string]string { return map[string]string{"Authorization": "Bearer " + k} }
	}
	none := func() map[string]string { return nil }
	writing := func() map[string]string {
		return map[string]string{"Origin": cfg.PublicURL, "Content-Type": "application/json"}
	}
	post := `{"title":"written during an outage","body":"…"}`

	type call struct {
		name          string
		b             *browsertest.Browser
		method, path  string
		header        func() map[string]string
		body          string
		up, down, set int // statuses: store up, store down, store back
	}
	calls := []call{
		{"public posts", anonymous, "GET", "/api/public/posts", none, "", 200, 503, 200},
		{"a key not yet cached", anonymous, "GET", "/api/me", bearer(fresh), "", 0, 503, 200},
		{"a key the authorizer holds (its function needs the store)", anonymous, "GET", "/api/me", bearer(cached), "", 200, 503, 200},
		{"a key the store never had", anonymous, "GET", "/api/me", unknown, "", 401, 503, 401},
		{"a session", browser, "GET", "/api/me", none, "", 200, 503, 200},
		{"a write with a session", browser, "POST", "/api/posts", writing, post, 201, 503, 201},
		{"a malformed key (no store needed)", anonymous, "GET", "/api/me", bearer("lk_test_nope"), "", 401, 401, 401},
	}
	check := func(phase string, want func(call) int) {
		t.Helper()
		for _, c := range calls {
			w := want(c)
			if w == 0 {
				continue
			}
			start := time.Now()
			resp, body := c.b.Do(c.method, c.path, c.header(), c.body)
			if resp.StatusCode != w {
				t.Errorf("%s: %s = %d %s; want %d", phase, c.name, resp.StatusCode, body, w)
			}
			if w == 503 && resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s: %s: 503 without Retry-After", phase, c.name)
			}
			t.Logf("%s: %s: %d in %v", phase, c.name, resp.StatusCode, time.Since(start).Round(time.Millisecond))
		}
	}
	check("store up", func(c call) int { return c.up })
	if err := server.Close(); err != nil {
		t.Fatal(err)
	}
	check("store stopped", func(c call) int { return c.down })
	if err := server.Restart(); err != nil {
		t.Fatal(err)
	}
	check("store back", func(c call) int { return c.set })
}

// TestSignOutEverywhereSurvivesEachStepFailing runs "sign out everywhere,
// revoking my keys" through the local server with the store going down
// before each of the calls the request makes (the authorizer's included),
// and again with each call landing but its answer lost. Until the request
// has done everything it answers no 2xx; a store that refused is 503 with
// Retry-After; each key is revoked whole or not at all; and once the
// store is back, repeating the request finishes the job.
func TestSignOutEverywhereSurvivesEachStepFailing(t *testing.T) {
	ctx := context.Background()
	server := dynalitetest.ForTest(t)
	var outage dynalitetest.Outage
	faulty := outage.Wrap(server.Client())
	log := slog.New(slog.DiscardHandler)

	run := func(t *testing.T, step int, mode dynalitetest.Mode) (steps int) {
		prefix := fmt.Sprintf("steps%d-%d-", step, mode)
		lost := mode != dynalitetest.Down
		if err := dynamo.CreateTables(ctx, server.Client(), prefix); err != nil {
			t.Fatal(err)
		}
		healthy := dynamo.New(server.Client(), prefix).Stores()
		cfg := depstest.Config(t, nil)
		d := depstest.Local(cfg)
		d.Stores, d.Log = dynamo.New(faulty, prefix).WithLogger(log).Stores(), log
		outage.Set(0, dynalitetest.Down)
		h, err := New(ctx, d, os.DirFS("../../web"))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		var secrets []string
		for range 2 {
			secret, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
			k := store.APIKey{ID: store.NewID("key"), UserID: seed.Author.ID, Label: "k", Hint: apikey.Hint(secret),
				Hash: apikey.Hash(secret), Permissions: []string{"read"}, Environment: apikey.EnvTest, CreatedAt: time.Now()}
			if err := healthy.Keys.Create(ctx, k); err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, secret)
		}
		d.Stores = healthy
		browser := signedIn(t, d, srv.URL, seed.Author)
		_ = signedIn(t, d, srv.URL, seed.Author) // another device
		origin := map[string]string{"Origin": cfg.PublicURL}
		body := `{"revokeKeys":true}`

		left := func() (keys, sessions int) {
			ks, _, err := healthy.Keys.List(ctx, seed.Author.ID, store.Page{Limit: store.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range ks {
				if _, err := healthy.Keys.Get(ctx, seed.Author.ID, k.ID); err != nil {
					t.Errorf("key %s is listed but cannot be read: %v", k.ID, err)
				}
			}
			live := 0
			for _, s := range secrets {
				if _, err := healthy.Keys.ByHash(ctx, apikey.Hash(s), time.Now()); err == nil {
					live++
				}
			}
			if live != len(ks) {
				t.Errorf("keys listed = %d, secrets that work = %d; a key was half revoked", len(ks), live)
			}
			ss, _, err := healthy.Sessions.List(ctx, seed.Author.ID, store.Page{Limit: store.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			return len(ks), len(ss)
		}

		outage.Set(step, mode)
		resp, got := browser.Do("POST", "/api/auth/logout-all", origin, body)
		steps = outage.Calls()
		outage.Set(0, dynalitetest.Down)
		keys, sessions := left()
		switch {
		case resp.StatusCode == 204:
			if keys != 0 || sessions != 0 {
				t.Fatalf("204, yet %d keys and %d sessions are left", keys, sessions)
			}
		case resp.StatusCode == 503 && resp.Header.Get("Retry-After") == "":
			t.Fatalf("503 without Retry-After")
		case resp.StatusCode != 503 && !(lost && resp.StatusCode == 500):
			t.Fatalf("logout-all with the store failing = %d %s; want 503 (or 500 when an answer was lost)", resp.StatusCode, got)
		}
		if step == 0 {
			return steps
		}
		// The store is back: the person repeats the request (or, if its
		// own session already ended, signs in again and does).
		if resp.StatusCode != 204 {
			if sessions == 0 {
				browser = signedIn(t, d, srv.URL, seed.Author)
			}
			if resp, got := browser.Do("POST", "/api/auth/logout-all", origin, body); resp.StatusCode != 204 {
				t.Fatalf("logout-all once the store is back = %d %s; want 204", resp.StatusCode, got)
			}
		}
		if keys, sessions := left(); keys != 0 || sessions != 0 {
			t.Fatalf("after the retry %d keys and %d sessions are left; want none", keys, sessions)
		}
		return steps
	}
	steps := run(t, 0, dynalitetest.Down)
	if steps < 6 {
		t.Fatalf("a clean sign-out everywhere made %d store calls; the test expects at least 6", steps)
	}
	for step := 1; step <= steps; step++ {
		for _, mode := range dynalitetest.Modes {
			t.Run(fmt.Sprintf("%s %d of %d", mode, step, steps), func(t *testing.T) { run(t, step, mode) })
		}
	}
}
