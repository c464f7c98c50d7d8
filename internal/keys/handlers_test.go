package keys_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

func TestAnotherUsersKeyIsNotFound(t *testing.T) {
	e := newEnv(t)
	unknown := "key_" + strings.Repeat("a", 26)
	tests := []struct {
		name, method, path, cred string
	}{
		{"delete another user's key", "DELETE", "/api/keys/" + seed.FixtureKeyID, reader},
		{"regenerate another user's key", "POST", "/api/keys/" + seed.FixtureKeyID + "/regenerate", reader},
		{"delete an unknown key", "DELETE", "/api/keys/" + unknown, author},
		{"regenerate an unknown key", "POST", "/api/keys/" + unknown + "/regenerate", author},
		{"delete a malformed id", "DELETE", "/api/keys/nope", author},
		{"regenerate a malformed id", "POST", "/api/keys/nope/regenerate", author},
		{"delete a post id", "DELETE", "/api/keys/" + seed.WelcomeID, author},
		{"delete an id in upper case", "DELETE", "/api/keys/" + strings.ToUpper(seed.FixtureKeyID), author},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.do(t, tc.method, tc.path, tc.cred, "")
			if a.status != 404 || a.errorCode() != httpx.CodeNotFound {
				t.Fatalf("%s %s = %d %s; want 404 not_found", tc.method, tc.path, a.status, a.body)
			}
		})
	}
	if !e.opens(seed.FixtureKey, e.now) {
		t.Fatal("the author's key stopped working after another user's attempts")
	}
	if n := len(e.list(t, author)); n != 2 {
		t.Fatalf("the author has %d keys; want the 2 fixture keys untouched", n)
	}
}

// TestAPIKeyPrincipalIsForbiddenOnEveryKeyRoute: the test authorizer lets
// a key through to the functions (a misconfigured route); they still refuse.
func TestAPIKeyPrincipalIsForbiddenOnEveryKeyRoute(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path, body string
	}{
		{"list", "GET", "/api/keys", ""},
		{"create", "POST", "/api/keys", `{"label": "successor", "permissions": ["read", "write"]}`},
		{"delete", "DELETE", "/api/keys/" + seed.FixtureKeyID, ""},
		{"regenerate", "POST", "/api/keys/" + seed.FixtureKeyID + "/regenerate", ""},
		{"update", "PATCH", "/api/keys/" + seed.FixtureKeyID, `{"allowedCidrs": []}`},
		{"usage", "GET", "/api/keys/" + seed.FixtureKeyID + "/usage", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.do(t, tc.method, tc.path, authorKey, tc.body)
			if a.status != 403 || a.errorCode() != httpx.CodeForbidden || !strings.Contains(string(a.body), "browser session") {
				t.Fatalf("%s %s with a key = %d %s; want 403 forbidden", tc.method, tc.path, a.status, a.body)
			}
		})
	}
	if !e.opens(seed.FixtureKey, e.now) {
		t.Fatal("the key was deleted or rotated by itself")
	}
	if n, _ := e.d.Stores.Keys.Count(context.Background(), seed.Author.ID); n != 2 {
		t.Fatalf("the author has %d keys; want 2 (a key created nothing)", n)
	}
}

func TestNoPrincipalIsUnauthorized(t *testing.T) {
	e := newEnv(t)
	routes := []struct {
		name, method, path string
		build              deps.Constructor
		params             map[string]string
	}{
		{"list", "GET", "/api/keys", keys.List, nil},
		{"create", "POST", "/api/keys", keys.Create, nil},
		{"delete", "DELETE", "/api/keys/" + seed.FixtureKeyID, keys.Delete, map[string]string{"id": seed.FixtureKeyID}},
		{"regenerate", "POST", "/api/keys/" + seed.FixtureKeyID + "/regenerate", keys.Regenerate, map[string]string{"id": seed.FixtureKeyID}},
		{"update", "PATCH", "/api/keys/" + seed.FixtureKeyID, keys.Update, map[string]string{"id": seed.FixtureKeyID}},
		{"usage", "GET", "/api/keys/" + seed.FixtureKeyID + "/usage", keys.Usage, map[string]string{"id": seed.FixtureKeyID}},
	}
	contexts := []struct {
		name string
		ctx  map[string]any
	}{
		{"no authorizer context", nil},
		{"no user", map[string]any{"method": "session"}},
		{"an unknown method", map[string]any{"userId": seed.Author.ID, "method": "cookie"}},
		{"a key without its id", map[string]any{"userId": seed.Author.ID, "method": "apikey", "permissions": "read,write"}},
	}
	for _, r := range routes {
		t.Run(r.name+" through the gateway without a credential", func(t *testing.T) {
			if a := e.do(t, r.method, r.path, "", ""); a.status != 401 || a.header.Get("WWW-Authenticate") == "" {
				t.Fatalf("%s %s = %d %s; want 401 with WWW-Authenticate", r.method, r.path, a.status, a.body)
			}
		})
		for _, c := range contexts {
			t.Run(r.name+" called with "+c.name, func(t *testing.T) {
				req := httpx.Request{HTTPMethod: r.method, Path: r.path, PathParameters: r.params}
				req.RequestContext.Authorizer = c.ctx
				resp, err := httpx.Adapt(e.d.Log, depstest.Build(t, r.build, e.d))(context.Background(), req)
				if err != nil || resp.StatusCode != 401 || !strings.Contains(resp.Body, httpx.CodeUnauthorized) ||
					resp.Headers["WWW-Authenticate"] != httpx.WWWAuthenticate {
					t.Fatalf("%s = %d %s, %v; want 401 unauthorized with WWW-Authenticate", r.name, resp.StatusCode, resp.Body, err)
				}
			})
		}
	}
}

func TestCreateStopsAtTheKeyLimit(t *testing.T) {
	e := newEnv(t)
	body := `{"label": "bulk", "permissions": ["read"]}`
	for range keys.MaxKeysPerUser - 2 { // the author has the 2 fixture keys
		e.create(t, author, body)
	}
	a := e.do(t, "POST", "/api/keys", author, body)
	want := fmt.Sprintf("you have %d keys, the most allowed; delete one first", keys.MaxKeysPerUser)
	if a.status != 400 || a.errorCode() != httpx.CodeBadRequest || !strings.Contains(string(a.body), want) {
		t.Fatalf("key %d = %d %s; want 400 %q", keys.MaxKeysPerUser+1, a.status, a.body, want)
	}
	if n := len(e.list(t, author)); n != keys.MaxKeysPerUser {
		t.Fatalf("the author lists %d keys; want %d", n, keys.MaxKeysPerUser)
	}
	t.Run("another user is not limited by it", func(t *testing.T) {
		e.create(t, reader, body)
	})
	t.Run("deleting one makes room", func(t *testing.T) {
		if a := e.do(t, "DELETE", "/api/keys/"+seed.FixtureReadKeyID, author, ""); a.status != 204 {
			t.Fatalf("DELETE = %d %s", a.status, a.body)
		}
		e.create(t, author, body)
	})
}

func TestListPagesThroughEveryKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// More than a store page (100), written straight to the store: the API
	// itself stops at MaxKeysPerUser.
	const n = 2*store.MaxLimit + 5
	for i := range n {
		secret, err := apikey.Generate(e.d.Rand, apikey.EnvTest)
		if err != nil {
			t.Fatal(err)
		}
		id, err := store.NewIDFrom(e.d.Rand, "key")
		if err != nil {
			t.Fatal(err)
		}
		k := store.APIKey{
			ID: id, UserID: seed.Editor.ID, Label: fmt.Sprint("bulk ", i),
			Hint: apikey.Hint(secret), Hash: apikey.Hash(secret), Permissions: []string{"read"}, Environment: apikey.EnvTest,
			CreatedAt: seed.Epoch.Add(time.Duration(i) * time.Minute),
		}
		if err := e.d.Stores.Keys.Create(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	ks := e.list(t, editor)
	if len(ks) != n {
		t.Fatalf("listed %d keys; want all %d", len(ks), n)
	}
	for i, k := range ks {
		if want := fmt.Sprint("bulk ", n-1-i); k["label"] != want {
			t.Fatalf("key %d is %v; want %q (newest first)", i, k["label"], want)
		}
	}
}
