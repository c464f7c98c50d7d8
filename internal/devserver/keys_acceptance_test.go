package devserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/authz"
	"github.com/latchkey/latchkey/internal/browsertest"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/functions"
	"github.com/latchkey/latchkey/internal/openapi/openapitest"
	"github.com/latchkey/latchkey/internal/seed"
)

// TestKeysThroughTheLocalGateway is issue 3's acceptance: keys made through
// the API with a signed-in author's session cookie, then used, all through
// the real authorizer with the cache off.
func TestKeysThroughTheLocalGateway(t *testing.T) {
	var logs bytes.Buffer
	cfg := depstest.Config(t, map[string]string{"LATCHKEY_CACHE_TTL": "0"})
	d := depstest.Local(cfg)
	d.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	srv, real := seededGateway(t, d)
	author, origin := signedIn(t, d, srv.URL, seed.Author), map[string]string{"Origin": cfg.PublicURL}
	script := browsertest.New(t, srv.URL)
	withKey := func(form, key string) map[string]string {
		switch form {
		case "apikey":
			return map[string]string{"Authorization": "apikey " + key}
		case "bearer":
			return map[string]string{"Authorization": "Bearer " + key}
		}
		return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("apikey:"+key))}
	}

	status, created := callJSON(author, "POST", "/api/keys", origin, `{"label":"ci","permissions":["read"]}`)
	if status != 201 {
		t.Fatalf("POST /api/keys = %d %v", status, created)
	}
	key, _ := created["key"].(string)
	keyID, _ := created["id"].(string)

	for _, form := range []string{"apikey", "bearer", "basic"} {
		status, me := callJSON(script, "GET", "/api/me", withKey(form, key), "")
		user, _ := me["user"].(map[string]any)
		if status != 200 || user["id"] != seed.Author.ID {
			t.Fatalf("GET /api/me with %s form = %d %v; want 200 as the author", form, status, me)
		}
	}
	if status, _ := callJSON(script, "POST", "/api/keys", withKey("bearer", key), `{"label":"x","permissions":["read"]}`); status != 403 {
		t.Fatalf("a key creating a key = %d; want 403", status)
	}
	if status, _ := callJSON(script, "GET", "/api/keys", withKey("bearer", key), ""); status != 403 {
		t.Fatalf("a key listing keys = %d; want 403", status)
	}

	status, regen := callJSON(author, "POST", "/api/keys/"+keyID+"/regenerate", origin, "")
	newKey, _ := regen["key"].(string)
	if status != 200 || newKey == "" || newKey == key {
		t.Fatalf("regenerate = %d %v", status, regen)
	}
	if status, _ := callJSON(script, "GET", "/api/me", withKey("bearer", key), ""); status != 401 {
		t.Fatalf("the regenerated-away secret = %d; want 401", status)
	}
	if status, _ := callJSON(script, "GET", "/api/me", withKey("bearer", newKey), ""); status != 200 {
		t.Fatalf("the new secret = %d; want 200", status)
	}
	if status, _ := callJSON(author, "DELETE", "/api/keys/"+keyID, origin, ""); status != 204 {
		t.Fatalf("DELETE = %d; want 204", status)
	}
	if status, _ := callJSON(script, "GET", "/api/me", withKey("bearer", newKey), ""); status != 401 {
		t.Fatalf("a deleted key = %d; want 401", status)
	}
	if status, list := callJSON(author, "GET", "/api/keys", nil, ""); status != 200 {
		t.Fatalf("GET /api/keys = %d %v", status, list)
	}

	real.Wait()
	// The secrets appear in exactly the two answers that create them, and
	// never in a log line or another answer.
	for _, secret := range []string{key, newKey} {
		n := 0
		for _, b := range slices.Concat(author.Bodies, script.Bodies) {
			n += strings.Count(b, secret)
		}
		if n != 1 {
			t.Errorf("secret %s… appears in %d answers; want only the one that created it", secret[:12], n)
		}
		if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), secret[8:40]) ||
			strings.Contains(logs.String(), apikey.Hash(secret)) {
			t.Errorf("the logs contain a key or its hash")
		}
	}
	if !strings.Contains(logs.String(), "authorizer decision") {
		t.Error("nothing was logged; the log check proves nothing")
	}
}

// callJSON makes one request as b (a JSON body when body is not empty)
// and returns the status and the answer decoded as a JSON object (nil when
// it is not one); b keeps the answer's text.
func callJSON(b *browsertest.Browser, method, path string, header map[string]string, body string) (int, map[string]any) {
	b.T.Helper()
	resp, raw := b.Do(method, path, header, body)
	var out map[string]any
	_ = json.Unmarshal([]byte(raw), &out)
	return resp.StatusCode, out
}

// seededGateway serves, over d with the seeded users and keys, the local
// gateway behind the real authorizer, its answers checked against the
// OpenAPI document, until the test ends. It returns the authorizer too, for
// the test to wait for its background writes.
func seededGateway(t *testing.T, d deps.Deps) (*httptest.Server, *authz.Authorizer) {
	t.Helper()
	if err := seed.Load(context.Background(), d.Stores); err != nil {
		t.Fatal(err)
	}
	gw, err := functions.Gateway(d)
	if err != nil {
		t.Fatal(err)
	}
	real, err := functions.Authorizer(d)
	if err != nil {
		t.Fatal(err)
	}
	gw.Authorizer = real.Handle
	srv := httptest.NewServer(openapitest.Middleware(t, gw))
	t.Cleanup(srv.Close)
	return srv, real
}
