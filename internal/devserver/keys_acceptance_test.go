package devserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/authz"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/functions"
	"github.com/latchkey/latchkey/internal/openapi/openapitest"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/seed"
)

// sessionSeam stands where the sessions issue's cookie verification will
// be: a test-only authorizer that treats the header "Test-Session: <user>"
// as that user's browser session and defers every other request to the real
// authorizer. It exists only in this test file; production code has no such
// path.
func sessionSeam(real *authz.Authorizer) func(context.Context, authz.Request) (authz.Response, error) {
	return func(ctx context.Context, req authz.Request) (authz.Response, error) {
		if user := req.Headers["Test-Session"]; user != "" {
			p := principal.Principal{UserID: user, SessionID: "ses_testseamtestseamtestseam", Method: principal.MethodSession, Permissions: []string{"read", "write"},
				AuthTime: time.Now().Unix()}
			return authz.Render(authz.Decision{Effect: authz.Allow, Principal: p}, req.MethodArn)
		}
		return real.Handle(ctx, req)
	}
}

// TestKeysThroughTheLocalGateway is issue 3's acceptance: keys made through
// the API, then used through the real authorizer, with the cache off.
func TestKeysThroughTheLocalGateway(t *testing.T) {
	var logs bytes.Buffer
	cfg, err := config.Load(func(k string) string {
		if k == "LATCHKEY_CACHE_TTL" {
			return "0"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	d := depstest.Local(cfg)
	d.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	srv, real := seededGateway(t, d)
	defer srv.Close()

	var bodies []string
	call := func(method, path string, header http.Header, body string) (int, map[string]any) {
		t.Helper()
		status, out, raw := callJSON(t, srv.URL, method, path, header, body)
		bodies = append(bodies, raw)
		return status, out
	}
	session := http.Header{"Test-Session": {seed.Author.ID}}
	withKey := func(form, key string) http.Header {
		switch form {
		case "apikey":
			return http.Header{"Authorization": {"apikey " + key}}
		case "bearer":
			return http.Header{"Authorization": {"Bearer " + key}}
		}
		return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("apikey:"+key))}}
	}

	status, created := call("POST", "/api/keys", session, `{"label":"ci","permissions":["read"]}`)
	if status != 201 {
		t.Fatalf("POST /api/keys = %d %v", status, created)
	}
	key, _ := created["key"].(string)
	keyID, _ := created["id"].(string)

	for _, form := range []string{"apikey", "bearer", "basic"} {
		status, me := call("GET", "/api/me", withKey(form, key), "")
		user, _ := me["user"].(map[string]any)
		if status != 200 || user["id"] != seed.Author.ID {
			t.Fatalf("GET /api/me with %s form = %d %v; want 200 as the author", form, status, me)
		}
	}
	if status, _ := call("POST", "/api/keys", withKey("bearer", key), `{"label":"x","permissions":["read"]}`); status != 403 {
		t.Fatalf("a key creating a key = %d; want 403", status)
	}
	if status, _ := call("GET", "/api/keys", withKey("bearer", key), ""); status != 403 {
		t.Fatalf("a key listing keys = %d; want 403", status)
	}

	status, regen := call("POST", "/api/keys/"+keyID+"/regenerate", session, "")
	newKey, _ := regen["key"].(string)
	if status != 200 || newKey == "" || newKey == key {
		t.Fatalf("regenerate = %d %v", status, regen)
	}
	if status, _ := call("GET", "/api/me", withKey("bearer", key), ""); status != 401 {
		t.Fatalf("the regenerated-away secret = %d; want 401", status)
	}
	if status, _ := call("GET", "/api/me", withKey("bearer", newKey), ""); status != 200 {
		t.Fatalf("the new secret = %d; want 200", status)
	}
	if status, _ := call("DELETE", "/api/keys/"+keyID, session, ""); status != 204 {
		t.Fatalf("DELETE = %d; want 204", status)
	}
	if status, _ := call("GET", "/api/me", withKey("bearer", newKey), ""); status != 401 {
		t.Fatalf("a deleted key = %d; want 401", status)
	}
	status, list := call("GET", "/api/keys", session, "")
	if status != 200 {
		t.Fatalf("GET /api/keys = %d", status)
	}
	_ = list

	real.Wait()
	// The secrets appear in exactly the two answers that create them, and
	// never in a log line or another answer.
	for _, secret := range []string{key, newKey} {
		n := 0
		for _, b := range bodies {
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

// callJSON makes one request to the server at base with the given headers
// (and a JSON body when body is not empty), and returns the status, the
// answer decoded as a JSON object (nil when it is not one) and its text.
func callJSON(t *testing.T, base, method, path string, header http.Header, body string) (int, map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, string(raw)
}

// seededGateway serves, over d with the seeded users and keys, the local
// gateway with the real authorizer behind sessionSeam, its answers checked
// against the OpenAPI document; the caller closes the server.
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
	gw.Authorizer = sessionSeam(real)
	return httptest.NewServer(openapitest.Middleware(t, gw)), real
}
