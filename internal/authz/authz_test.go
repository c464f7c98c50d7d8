package authz

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

// testRoutes has one route of every need, so the rules can be tested
// whatever the real table holds.
var testRoutes = []routes.Route{
	{Method: "GET", Path: "/r", Function: "read", Need: routes.NeedRead},
	{Method: "POST", Path: "/w", Function: "write", Need: routes.NeedWrite},
	{Method: "GET", Path: "/s", Function: "session", Need: routes.NeedSession},
	{Method: routes.AnyMethod, Path: "/api/{proxy+}", Function: "not-found", Need: routes.NeedCredential},
	{Method: "GET", Path: "/p", Function: "public", Need: routes.NeedPublic},
	{Method: "GET", Path: "/api/me", Function: "me", Need: routes.NeedRead},
}

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// keyStore wraps a real store to count reads and writes, fail on demand or
// block.
type keyStore struct {
	store.KeyStore
	reads     atomic.Int64
	fail      atomic.Bool
	gate      chan struct{} // when set, ByHash waits for it
	touches   atomic.Int64
	failTouch atomic.Bool
}

func (s *keyStore) Touch(ctx context.Context, id string, u store.KeyUse) error {
	s.touches.Add(1)
	if s.failTouch.Load() {
		return errors.New("dynamodb: throttled")
	}
	return s.KeyStore.Touch(ctx, id, u)
}

func (s *keyStore) ByHash(ctx context.Context, hash string, now time.Time) (store.APIKey, error) {
	s.reads.Add(1)
	if s.gate != nil {
		<-s.gate
	}
	if s.fail.Load() {
		return store.APIKey{}, errors.New("dynamodb: throttled")
	}
	return s.KeyStore.ByHash(ctx, hash, now)
}

type fixture struct {
	keys *keyStore
	now  time.Time
	logs *bytes.Buffer
}

func newFixture() *fixture {
	return &fixture{keys: &keyStore{KeyStore: embedded.New().Stores().Keys}, now: t0, logs: &bytes.Buffer{}}
}

func (f *fixture) authorizer(ttl time.Duration) *Authorizer {
	return New(Options{
		Keys: f.keys, Env: apikey.EnvTest, CacheTTL: ttl, Routes: testRoutes,
		Log: slog.New(slog.NewJSONHandler(f.logs, nil)), Now: func() time.Time { return f.now },
	})
}

// addKey stores a new key with these permissions and returns its secret.
func (f *fixture) addKey(t *testing.T, env string, perms []string, expires *time.Time) (string, store.APIKey) {
	t.Helper()
	secret, err := apikey.Generate(rand.Reader, env)
	if err != nil {
		t.Fatal(err)
	}
	k := store.APIKey{
		ID: store.NewID("key"), UserID: "usr_owner", Label: "test", Hint: apikey.Hint(secret), Hash: apikey.Hash(secret),
		Permissions: perms, Environment: env, CreatedAt: t0.Add(-time.Hour), ExpiresAt: expires,
	}
	if err := f.keys.Create(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return secret, k
}

func in(method, resource string, auth ...string) Input {
	return Input{HTTPMethod: method, Resource: resource, MethodArn: "arn:aws:execute-api:us-east-1:1:api/prod/" + method + resource, Authorization: auth}
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestHeaderForms(t *testing.T) {
	f := newFixture()
	a := f.authorizer(0)
	key, k := f.addKey(t, apikey.EnvTest, []string{"read", "write"}, nil)
	tests := []struct {
		name   string
		header []string
		want   Effect
	}{
		{"apikey scheme", []string{"apikey " + key}, Allow},
		{"apikey scheme in capitals", []string{"APIKEY " + key}, Allow},
		{"bearer", []string{"Bearer " + key}, Allow},
		{"bearer in lower case", []string{"bearer " + key}, Allow},
		{"basic with user apikey", []string{basic("apikey", key)}, Allow},
		{"basic with another user", []string{basic("admin", key)}, Unauthorized},
		{"unknown scheme", []string{"Token " + key}, Unauthorized},
		{"bare key", []string{key}, Unauthorized},
		{"two authorization headers", []string{"Bearer " + key, "Bearer " + key}, Unauthorized},
		{"empty header", []string{""}, Unauthorized},
		{"over-long header", []string{"Bearer " + key + strings.Repeat(" ", 300)}, Unauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := a.Decide(context.Background(), in("GET", "/r", tc.header...))
			if d.Effect != tc.want {
				t.Fatalf("Decide(%q) = %v (%s); want %v", tc.header, d.Effect, d.Reason, tc.want)
			}
			if tc.want == Allow && (d.Principal.UserID != "usr_owner" || d.Principal.KeyID != k.ID || d.Principal.Method != principal.MethodAPIKey) {
				t.Fatalf("principal = %+v; want the key's owner, id and method apikey", d.Principal)
			}
		})
	}
}

func TestUnauthorizedRules(t *testing.T) {
	f := newFixture()
	a := f.authorizer(0)
	good, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	past := t0.Add(-time.Second)
	expired, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, &past)
	future := t0.Add(time.Second)
	expiring, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, &future)
	live, _ := apikey.Generate(rand.Reader, apikey.EnvLive)
	unknown, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
	mistyped := good[:20] + string(good[20]^1) + good[21:]

	tests := []struct {
		name      string
		input     Input
		want      Effect
		storeRead bool
	}{
		{"no credential", in("GET", "/r"), Unauthorized, false},
		{"a live key on a test deployment", in("GET", "/r", "Bearer "+live), Unauthorized, false},
		{"a mistyped key is refused before any store read", in("GET", "/r", "Bearer "+mistyped), Unauthorized, false},
		{"an unknown key", in("GET", "/r", "Bearer "+unknown), Unauthorized, true},
		{"an expired key", in("GET", "/r", "Bearer "+expired), Unauthorized, true},
		{"a key still within its expiry", in("GET", "/r", "Bearer "+expiring), Allow, true},
		{"a bad header beside a cookie is still 401", Input{HTTPMethod: "GET", Resource: "/r", Authorization: []string{"Bearer nope"}, Cookie: []string{"__Host-latchkey_session=x"}}, Unauthorized, false},
		{"a route not in the table", in("GET", "/nowhere", "Bearer "+good), Unauthorized, false},
		{"a public route never allows through the authorizer", in("GET", "/p", "Bearer "+good), Unauthorized, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.keys.reads.Load()
			d := a.Decide(context.Background(), tc.input)
			if d.Effect != tc.want {
				t.Fatalf("Decide = %v (%s); want %v", d.Effect, d.Reason, tc.want)
			}
			if read := f.keys.reads.Load() > before; read != tc.storeRead {
				t.Fatalf("store read = %v; want %v", read, tc.storeRead)
			}
		})
	}
}

func TestPermissionRules(t *testing.T) {
	f := newFixture()
	a := f.authorizer(0)
	readKey, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	writeKey, _ := f.addKey(t, apikey.EnvTest, []string{"write"}, nil)
	bothKey, _ := f.addKey(t, apikey.EnvTest, []string{"read", "write"}, nil)
	tests := []struct {
		name, method, resource, key string
		want                        Effect
	}{
		{"read key on a read route", "GET", "/r", readKey, Allow},
		{"read key on a write route is 403", "POST", "/w", readKey, Deny},
		{"write key on a write route", "POST", "/w", writeKey, Allow},
		{"write key on a read route is 403", "GET", "/r", writeKey, Deny},
		{"a key never manages keys", "GET", "/s", bothKey, Deny},
		{"any valid key reaches the not-found catch-all", "DELETE", "/api/{proxy+}", readKey, Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := a.Decide(context.Background(), in(tc.method, tc.resource, "apikey "+tc.key)); d.Effect != tc.want {
				t.Fatalf("Decide(%s %s) = %v (%s); want %v", tc.method, tc.resource, d.Effect, d.Reason, tc.want)
			}
		})
	}
}

func TestStoreErrorFailsClosedAndIsNotCached(t *testing.T) {
	f := newFixture()
	a := f.authorizer(time.Minute)
	key, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	f.keys.fail.Store(true)
	if d := a.Decide(context.Background(), in("GET", "/r", "Bearer "+key)); d.Effect != Fail {
		t.Fatalf("Decide with the store down = %v; want fail", d.Effect)
	}
	if _, err := Render(Decision{Effect: Fail}, "arn"); err == nil || err.Error() == "Unauthorized" {
		t.Fatalf("Render(fail) = %v; want an error that is not a 401", err)
	}
	f.keys.fail.Store(false)
	if d := a.Decide(context.Background(), in("GET", "/r", "Bearer "+key)); d.Effect != Allow {
		t.Fatalf("Decide after the store recovered = %v; want allow (the failure was not cached)", d.Effect)
	}
}

func TestRevocationTakesEffect(t *testing.T) {
	ctx := context.Background()
	t.Run("without a cache, a deleted key stops at once", func(t *testing.T) {
		f := newFixture()
		a := f.authorizer(0)
		key, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
		if d := a.Decide(ctx, in("GET", "/r", "Bearer "+key)); d.Effect != Allow {
			t.Fatalf("before delete = %v", d.Effect)
		}
		if err := f.keys.Delete(ctx, "usr_owner", k.ID); err != nil {
			t.Fatal(err)
		}
		if d := a.Decide(ctx, in("GET", "/r", "Bearer "+key)); d.Effect != Unauthorized {
			t.Fatalf("after delete = %v; want unauthorized", d.Effect)
		}
	})
	t.Run("with a cache, a deleted key stops within the TTL", func(t *testing.T) {
		f := newFixture()
		a := f.authorizer(30 * time.Second)
		key, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
		_ = a.Decide(ctx, in("GET", "/r", "Bearer "+key))
		_ = f.keys.Delete(ctx, "usr_owner", k.ID)
		f.now = t0.Add(29 * time.Second)
		if d := a.Decide(ctx, in("GET", "/r", "Bearer "+key)); d.Effect != Allow {
			t.Fatalf("within the TTL = %v; want the cached allow", d.Effect)
		}
		f.now = t0.Add(30 * time.Second)
		if d := a.Decide(ctx, in("GET", "/r", "Bearer "+key)); d.Effect != Unauthorized {
			t.Fatalf("at the TTL = %v; want unauthorized", d.Effect)
		}
	})
	t.Run("a rotated secret stops at the end of its grace, cache or not", func(t *testing.T) {
		f := newFixture()
		a := f.authorizer(time.Hour)
		old, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
		_ = a.Decide(ctx, in("GET", "/r", "Bearer "+old)) // cached for an hour
		fresh, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
		if _, err := f.keys.Rotate(ctx, "usr_owner", k.ID, store.KeyRotation{NewHash: apikey.Hash(fresh), Grace: 10 * time.Second, At: t0}); err != nil {
			t.Fatal(err)
		}
		b := f.authorizer(time.Hour) // a fresh instance loads the rotated record
		for _, az := range []*Authorizer{b} {
			f.now = t0.Add(9 * time.Second)
			if d := az.Decide(ctx, in("GET", "/r", "Bearer "+old)); d.Effect != Allow {
				t.Fatalf("old secret within grace = %v; want allow", d.Effect)
			}
			if d := az.Decide(ctx, in("GET", "/r", "Bearer "+fresh)); d.Effect != Allow {
				t.Fatalf("new secret = %v; want allow", d.Effect)
			}
			f.now = t0.Add(10 * time.Second)
			if d := az.Decide(ctx, in("GET", "/r", "Bearer "+old)); d.Effect != Unauthorized {
				t.Fatalf("old secret after grace = %v; want unauthorized", d.Effect)
			}
		}
	})
}

func TestCache(t *testing.T) {
	ctx := context.Background()
	t.Run("a warm hit reads no store", func(t *testing.T) {
		f := newFixture()
		a := f.authorizer(30 * time.Second)
		key, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
		for range 5 {
			_ = a.Decide(ctx, in("GET", "/r", "Bearer "+key))
		}
		if n := f.keys.reads.Load(); n != 1 {
			t.Fatalf("store reads = %d; want 1", n)
		}
	})
	t.Run("an unknown key is remembered briefly", func(t *testing.T) {
		f := newFixture()
		a := f.authorizer(30 * time.Second)
		unknown, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
		_ = a.Decide(ctx, in("GET", "/r", "Bearer "+unknown))
		_ = a.Decide(ctx, in("GET", "/r", "Bearer "+unknown))
		f.now = t0.Add(5 * time.Second)
		_ = a.Decide(ctx, in("GET", "/r", "Bearer "+unknown))
		if n := f.keys.reads.Load(); n != 2 {
			t.Fatalf("store reads = %d; want 2 (one, then one after the negative TTL)", n)
		}
	})
	t.Run("concurrent misses share one load", func(t *testing.T) {
		f := newFixture()
		f.keys.gate = make(chan struct{})
		a := f.authorizer(30 * time.Second)
		key, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
		var wg sync.WaitGroup
		results := make(chan Effect, 20)
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results <- a.Decide(ctx, in("GET", "/r", "Bearer "+key)).Effect
			}()
		}
		for f.keys.reads.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // let the others queue behind the first load
		close(f.keys.gate)
		wg.Wait()
		close(results)
		for e := range results {
			if e != Allow {
				t.Fatalf("a coalesced caller got %v; want allow", e)
			}
		}
		if n := f.keys.reads.Load(); n != 1 {
			t.Fatalf("store reads = %d; want 1", n)
		}
	})
	t.Run("the cache is bounded", func(t *testing.T) {
		c := newCache[int](time.Minute, time.Second, 3)
		for i := range 10 {
			_, _, _, _ = c.get(ctx, string(rune('a'+i)), t0, func(context.Context) (int, bool, time.Time, error) { return i, true, time.Time{}, nil })
		}
		if n := len(c.entries); n > 3 {
			t.Fatalf("cache holds %d entries; want at most 3", n)
		}
	})
}

func TestLastUsed(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	a := f.authorizer(0)
	key, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	_ = a.Decide(ctx, in("GET", "/r", "Bearer "+key))
	a.Wait()
	got, _ := f.keys.Get(ctx, "usr_owner", k.ID)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(t0) {
		t.Fatalf("lastUsedAt = %v; want %v", got.LastUsedAt, t0)
	}
	f.now = t0.Add(30 * time.Second)
	_ = a.Decide(ctx, in("GET", "/r", "Bearer "+key))
	a.Wait()
	got, _ = f.keys.Get(ctx, "usr_owner", k.ID)
	if !got.LastUsedAt.Equal(t0) {
		t.Fatalf("lastUsedAt moved to %v within a minute; want it written at most once a minute", got.LastUsedAt)
	}
	f.now = t0.Add(61 * time.Second)
	_ = a.Decide(ctx, in("GET", "/r", "Bearer "+key))
	a.Wait()
	got, _ = f.keys.Get(ctx, "usr_owner", k.ID)
	if !got.LastUsedAt.Equal(f.now) {
		t.Fatalf("lastUsedAt = %v after a minute; want %v", got.LastUsedAt, f.now)
	}
}

func TestNoSecretInLogs(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	a := f.authorizer(time.Minute)
	key, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	for _, h := range []string{"Bearer " + key, "apikey " + key, basic("apikey", key), "Bearer " + key[:30]} {
		_, _ = a.Handle(ctx, Request{Type: "REQUEST", HTTPMethod: "POST", Resource: "/w", MethodArn: "arn", Headers: map[string]string{"Authorization": h}})
	}
	f.keys.fail.Store(true)
	other, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	_, _ = a.Handle(ctx, Request{Type: "REQUEST", HTTPMethod: "GET", Resource: "/r", MethodArn: "arn", Headers: map[string]string{"Authorization": "Bearer " + other}})
	logs := f.logs.String()
	if !strings.Contains(logs, "authorizer decision") {
		t.Fatal("no decision was logged")
	}
	for _, secret := range []string{key, key[8:30], apikey.Hash(key), other, apikey.Hash(other)} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain a secret or its hash:\n%s", logs)
		}
	}
}

// TestKeysFromAnotherSiteChangeNothing: a key-authenticated request that
// changes state is refused when a browser says another site sent it; a
// script (no Origin, no Sec-Fetch-Site) and the app's own page may.
func TestKeysFromAnotherSiteChangeNothing(t *testing.T) {
	f := newFixture()
	a := New(Options{
		Keys: f.keys, Env: apikey.EnvTest, Routes: testRoutes, PublicURL: "https://app.example.com",
		Log: slog.New(slog.NewJSONHandler(f.logs, nil)), Now: func() time.Time { return f.now },
	})
	key, _ := f.addKey(t, apikey.EnvTest, []string{"read", "write"}, nil)
	tests := []struct {
		name, method, resource string
		origin, fetchSite      []string
		want                   Effect
	}{
		{"a script: no Origin, no Sec-Fetch-Site", "POST", "/w", nil, nil, Allow},
		{"the app's own page", "POST", "/w", []string{"https://app.example.com"}, []string{"same-origin"}, Allow},
		{"another site's page", "POST", "/w", []string{"https://evil.example"}, []string{"cross-site"}, Deny},
		{"a sibling subdomain", "POST", "/w", []string{"https://x.example.com"}, []string{"same-site"}, Deny},
		{"Sec-Fetch-Site cross-site alone", "POST", "/w", nil, []string{"cross-site"}, Deny},
		{"a foreign Origin alone", "POST", "/w", []string{"https://evil.example"}, nil, Deny},
		{"Origin null", "POST", "/w", []string{"null"}, nil, Deny},
		{"a read from another site changes nothing and passes", "GET", "/r", []string{"https://evil.example"}, []string{"cross-site"}, Allow},
		{"OPTIONS from another site counts as a change", "OPTIONS", "/api/{proxy+}", []string{"https://evil.example"}, []string{"cross-site"}, Deny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			i := in(tc.method, tc.resource, "Bearer "+key)
			i.Origin, i.SecFetchSite = tc.origin, tc.fetchSite
			if d := a.Decide(context.Background(), i); d.Effect != tc.want {
				t.Fatalf("Decide = %v (%s); want %v", d.Effect, d.Reason, tc.want)
			}
		})
	}
}

// TestDecisionLogNamesTheRequest: on Lambda's path (the raw event), the
// decision's log line carries API Gateway's request id and the address the
// request came from, so a decision can be traced to its request.
func TestDecisionLogNamesTheRequest(t *testing.T) {
	f := newFixture()
	a := f.authorizer(0)
	event := `{"type":"REQUEST","methodArn":"arn:aws:execute-api:us-east-1:1:api/prod/GET/r","resource":"/r","httpMethod":"GET",
		"requestContext":{"requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","identity":{"sourceIp":"198.51.100.7"}},
		"headers":{"Authorization":"Bearer lk_test_nope","X-Latchkey-Viewer-Address":"203.0.113.9"}}`
	if _, err := a.Invoke(context.Background(), []byte(event)); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Invoke = %v; want Unauthorized", err)
	}
	for _, want := range []string{`"requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef"`, `"sourceIp":"198.51.100.7"`,
		`"viewerAddress":"203.0.113.9"`, `"effect":"unauthorized"`} {
		if !strings.Contains(f.logs.String(), want) {
			t.Errorf("decision log lacks %s:\n%s", want, f.logs.String())
		}
	}
}

// TestCacheStaysBoundedUnderManyBadKeys: 100,000 distinct well-formed but
// unknown keys (each a store read, then cached as unknown) leave the cache
// within MaxCacheEntries, and a known key still works.
func TestCacheStaysBoundedUnderManyBadKeys(t *testing.T) {
	f := newFixture()
	a := f.authorizer(30 * time.Second)
	good, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	for i := range 100_000 {
		bad, err := apikey.Generate(rand.Reader, apikey.EnvTest)
		if err != nil {
			t.Fatal(err)
		}
		if d := a.Decide(context.Background(), in("GET", "/r", "Bearer "+bad)); d.Effect != Unauthorized {
			t.Fatalf("bad key %d: %v", i, d.Effect)
		}
	}
	a.keys.mu.Lock()
	n := len(a.keys.entries)
	a.keys.mu.Unlock()
	if n > MaxCacheEntries {
		t.Fatalf("the key cache holds %d entries after 100,000 bad keys; want at most %d", n, MaxCacheEntries)
	}
	if d := a.Decide(context.Background(), in("GET", "/r", "Bearer "+good)); d.Effect != Allow {
		t.Fatalf("the good key after the flood: %v (%s)", d.Effect, d.Reason)
	}
	t.Logf("key cache: %d entries after 100,000 distinct bad keys (bound %d)", n, MaxCacheEntries)
}
