package keys_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/authz"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/functions"
	"github.com/latchkey/latchkey/internal/gateway"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

// Credentials the test authorizer knows: the Authorization header value
// names the principal it allows. It ignores the route's need on purpose, so
// the handlers' own checks are what the tests see.
const (
	author    = "Test author-session"
	reader    = "Test reader-session"
	editor    = "Test editor-session"
	authorKey = "Test author-key"
	// staleAuthor signed in longer ago than keys.MaxSignInAge.
	staleAuthor = "Test author-stale-session"
)

// signedIn is the sessions' sign-in time: a minute before the tests' clock.
var signedIn = seed.Epoch.Add(30*24*time.Hour - time.Minute).Unix()

var principals = map[string]principal.Principal{
	author: {UserID: seed.Author.ID, SessionID: "ses_a", Method: principal.MethodSession, Permissions: []string{"read", "write"}, AuthTime: signedIn},
	reader: {UserID: seed.Reader.ID, SessionID: "ses_r", Method: principal.MethodSession, Permissions: []string{"read", "write"}, AuthTime: signedIn},
	editor: {UserID: seed.Editor.ID, SessionID: "ses_e", Method: principal.MethodSession, Permissions: []string{"read", "write"}, AuthTime: signedIn},
	staleAuthor: {UserID: seed.Author.ID, SessionID: "ses_s", Method: principal.MethodSession, Permissions: []string{"read", "write"},
		AuthTime: seed.Epoch.Add(30*24*time.Hour - keys.MaxSignInAge - time.Second).Unix()},
	authorKey: {UserID: seed.Author.ID, KeyID: seed.FixtureKeyID, Method: principal.MethodAPIKey, Permissions: []string{"read", "write"}},
}

func testAuthorizer(_ context.Context, req authz.Request) (authz.Response, error) {
	p, ok := principals[req.Headers["Authorization"]]
	if !ok {
		return authz.Response{}, authz.ErrUnauthorized
	}
	return authz.Render(authz.Decision{Effect: authz.Allow, Principal: p}, req.MethodArn)
}

// env is a local deployment over the seeded embedded store: every
// registered function behind the test authorizer, a settable clock and a
// captured log.
type env struct {
	d    deps.Deps
	gw   *gateway.Gateway
	now  time.Time
	logs *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	cfg := depstest.Config(t, nil)
	stores := embedded.New().Stores()
	if err := seed.Load(ctx, stores); err != nil {
		t.Fatal(err)
	}
	if err := seed.LoadFixtureKeys(ctx, stores, cfg.Env); err != nil {
		t.Fatal(err)
	}
	e := &env{now: seed.Epoch.Add(30 * 24 * time.Hour), logs: &bytes.Buffer{}}
	e.d = deps.Deps{
		Config: cfg, Stores: stores, Log: httpx.NewLogger(e.logs),
		Now:  func() time.Time { return e.now },
		Rand: rand.NewChaCha8([32]byte([]byte("latchkey keys tests, not secret!"))),
	}
	fns := map[string]gateway.Function{}
	for name, build := range functions.Handlers {
		fns[name] = httpx.Adapt(e.d.Log, depstest.Build(t, build, e.d))
	}
	e.gw = &gateway.Gateway{Functions: fns, Authorizer: testAuthorizer, Log: e.d.Log, Now: e.d.Now}
	return e
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// errorCode returns the docs/API.md error code of the answer, or "".
func (a answer) errorCode() string {
	var e struct{ Error string }
	_ = json.Unmarshal(a.body, &e)
	return e.Error
}

// do sends a request through the gateway; a non-empty body is JSON.
func (e *env) do(t *testing.T, method, path, cred, body string) answer {
	t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return e.doCT(t, method, path, cred, ct, body)
}

func (e *env) doCT(t *testing.T, method, path, cred, contentType, body string) answer {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if cred != "" {
		r.Header.Set("Authorization", cred)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	e.gw.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Body)
	return answer{status: w.Code, header: w.Header(), body: b}
}

// create makes a key through the API and returns the answer's key.
func (e *env) create(t *testing.T, cred, body string) keys.WithSecret {
	t.Helper()
	a := e.do(t, "POST", "/api/keys", cred, body)
	if a.status != 201 {
		t.Fatalf("POST /api/keys %s = %d %s; want 201", body, a.status, a.body)
	}
	var k keys.WithSecret
	if err := json.Unmarshal(a.body, &k); err != nil {
		t.Fatal(err)
	}
	return k
}

func (e *env) list(t *testing.T, cred string) []map[string]any {
	t.Helper()
	a := e.do(t, "GET", "/api/keys", cred, "")
	var out struct{ Keys []map[string]any }
	if err := json.Unmarshal(a.body, &out); a.status != 200 || err != nil {
		t.Fatalf("GET /api/keys = %d %s; want 200 and a listing", a.status, a.body)
	}
	return out.Keys
}

// opens reports whether secret opens a key at time at, as the authorizer
// would find it.
func (e *env) opens(secret string, at time.Time) bool {
	_, err := e.d.Stores.Keys.ByHash(context.Background(), apikey.Hash(secret), at)
	return err == nil
}

// viewFields are all the fields a listed key may have: never a secret, a
// hash or a previous hash.
var viewFields = []string{"id", "label", "hint", "permissions", "environment", "createdAt", "expiresAt", "lastUsedAt", "previousExpiresAt", "allowedCidrs", "revoked"}

var hexHash = regexp.MustCompile(`[0-9a-f]{64}`)

func TestKeyLifecycle(t *testing.T) {
	e := newEnv(t)
	const label = "lifecycle label marker"
	created := e.create(t, author, `{"label": "`+label+`", "permissions": ["read", "write"], "expiresInDays": 7}`)
	secrets := []string{created.Secret}
	id := created.ID

	t.Run("create answers the key and its secret once", func(t *testing.T) {
		if err := apikey.Check(created.Secret, apikey.EnvTest); err != nil {
			t.Fatalf("apikey.Check(created secret) = %v; want nil", err)
		}
		if !store.ValidID("key", id) || created.Hint != apikey.Hint(created.Secret) || created.Environment != "test" ||
			created.Label != label || !slices.Equal(created.Permissions, []string{"read", "write"}) {
			t.Fatalf("created = %+v; want a valid test key with its hint, label and permissions", created.Key)
		}
		if want := e.now.Add(7 * 24 * time.Hour); created.ExpiresAt == nil || !created.ExpiresAt.Equal(want) {
			t.Fatalf("expiresAt = %v; want %v", created.ExpiresAt, want)
		}
		if !e.opens(created.Secret, e.now) {
			t.Fatal("the created secret's hash does not find the key")
		}
	})

	t.Run("list shows it with its hint, never a secret or hash", func(t *testing.T) {
		a := e.do(t, "GET", "/api/keys", author, "")
		if strings.Contains(string(a.body), created.Secret) || hexHash.Match(a.body) {
			t.Fatalf("listing leaks a secret or hash: %s", a.body)
		}
		ks := e.list(t, author)
		if len(ks) != 3 || ks[0]["id"] != id || ks[0]["hint"] != created.Hint {
			t.Fatalf("listing = %v; want the new key first (newest) with its hint, then the two fixture keys", ks)
		}
		for _, k := range ks {
			for f := range k {
				if !slices.Contains(viewFields, f) {
					t.Errorf("listed key has field %q; want only %v", f, viewFields)
				}
			}
		}
	})

	t.Run("list says how long a revoked key may keep working", func(t *testing.T) {
		a := e.do(t, "GET", "/api/keys", author, "")
		var out keys.Listing
		if err := json.Unmarshal(a.body, &out); err != nil || out.CacheTTLSeconds != int(e.d.Config.CacheTTL.Seconds()) || out.CacheTTLSeconds == 0 {
			t.Fatalf("cacheTtlSeconds = %d (%v); want the authorizer's cache time, %v", out.CacheTTLSeconds, err, e.d.Config.CacheTTL)
		}
	})

	t.Run("regenerate without grace ends the old secret at once", func(t *testing.T) {
		a := e.do(t, "POST", "/api/keys/"+id+"/regenerate", author, "")
		var k keys.WithSecret
		if err := json.Unmarshal(a.body, &k); a.status != 200 || err != nil {
			t.Fatalf("regenerate = %d %s; want 200", a.status, a.body)
		}
		secrets = append(secrets, k.Secret)
		if k.ID != id || k.Label != label || !k.ExpiresAt.Equal(*created.ExpiresAt) || k.Secret == created.Secret || k.Hint != apikey.Hint(k.Secret) {
			t.Fatalf("regenerated = %+v; want the same key with a new secret and hint", k.Key)
		}
		if e.opens(created.Secret, e.now) || !e.opens(k.Secret, e.now) {
			t.Fatalf("after regenerate: old opens %v, new opens %v; want false, true", e.opens(created.Secret, e.now), e.opens(k.Secret, e.now))
		}
	})

	t.Run("regenerate with grace keeps the old secret for exactly that long", func(t *testing.T) {
		old := secrets[len(secrets)-1]
		a := e.do(t, "POST", "/api/keys/"+id+"/regenerate", author, `{"graceSeconds": 60}`)
		var k keys.WithSecret
		if err := json.Unmarshal(a.body, &k); a.status != 200 || err != nil {
			t.Fatalf("regenerate = %d %s; want 200", a.status, a.body)
		}
		secrets = append(secrets, k.Secret)
		tests := []struct {
			name   string
			secret string
			at     time.Duration
			want   bool
		}{
			{"old at +59s", old, 59 * time.Second, true},
			{"old at +60s", old, 60 * time.Second, false},
			{"new at +60s", k.Secret, 60 * time.Second, true},
		}
		for _, tc := range tests {
			if got := e.opens(tc.secret, e.now.Add(tc.at)); got != tc.want {
				t.Errorf("%s: opens = %v; want %v", tc.name, got, tc.want)
			}
		}
	})

	t.Run("delete answers 204, then 404, and the key stops working", func(t *testing.T) {
		if a := e.do(t, "DELETE", "/api/keys/"+id, author, ""); a.status != 204 || len(a.body) != 0 {
			t.Fatalf("DELETE = %d %s; want 204 and no body", a.status, a.body)
		}
		if a := e.do(t, "DELETE", "/api/keys/"+id, author, ""); a.status != 404 || a.errorCode() != httpx.CodeNotFound {
			t.Fatalf("second DELETE = %d %s; want 404 not_found", a.status, a.body)
		}
		if e.opens(secrets[len(secrets)-1], e.now) {
			t.Fatal("a deleted key's secret still opens it")
		}
		if len(e.list(t, author)) != 2 {
			t.Fatal("the deleted key is still listed")
		}
	})

	t.Run("the logs hold no secret, no hash and no body", func(t *testing.T) {
		logs := e.logs.String()
		if !strings.Contains(logs, "api key created") || !strings.Contains(logs, id) {
			t.Fatalf("logs lack the audit lines naming the key: %s", logs)
		}
		for _, s := range secrets {
			if strings.Contains(logs, s) || strings.Contains(logs, apikey.Hash(s)) {
				t.Errorf("logs hold secret %s or its hash", s)
			}
		}
		if hexHash.MatchString(logs) || strings.Contains(logs, label) || strings.Contains(logs, `{"graceSeconds": 60}`) {
			t.Errorf("logs hold a hash-like value or a request body: %s", logs)
		}
	})
}

// TestKeysNeedARecentSignIn: making or regenerating a key, or changing
// where it works, needs a sign-in at most keys.MaxSignInAge old (403
// reauth_required otherwise), so a session left open cannot mint
// credentials that outlive it or open a key to more addresses; listing,
// renaming and revoking do not.
func TestKeysNeedARecentSignIn(t *testing.T) {
	e := newEnv(t)
	id := e.create(t, author, `{"label": "x", "permissions": ["read"]}`).ID
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"create", "POST", "/api/keys", `{"label": "y", "permissions": ["read"]}`, 403},
		{"regenerate", "POST", "/api/keys/" + id + "/regenerate", "", 403},
		{"widen the allowed addresses to any", "PATCH", "/api/keys/" + id, `{"allowedCidrs": []}`, 403},
		{"change the allowed addresses", "PATCH", "/api/keys/" + id, `{"allowedCidrs": ["192.0.2.0/24"]}`, 403},
		{"rename", "PATCH", "/api/keys/" + id, `{"label": "renamed"}`, 200},
		{"list", "GET", "/api/keys", "", 200},
		{"revoke", "DELETE", "/api/keys/" + id, "", 204},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.do(t, tc.method, tc.path, staleAuthor, tc.body)
			if a.status != tc.want || (tc.want == 403 && !strings.Contains(string(a.body), `"reauth_required"`)) {
				t.Fatalf("%s with a stale sign-in = %d %s; want %d", tc.name, a.status, a.body, tc.want)
			}
		})
	}
}
