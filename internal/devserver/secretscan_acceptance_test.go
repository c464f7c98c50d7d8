package devserver

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/functions"
	"github.com/latchkey/latchkey/internal/openapi/openapitest"
	"github.com/latchkey/latchkey/internal/scansig/scansigtest"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

// TestALeakedKeyStopsThroughTheLocalGateway sends GitHub's report of a key
// through the local gateway, as API Gateway would pass it to the function,
// and uses the key through the real authorizer: with the cache off, the
// key is refused from the answer on; with a cache, a warm authorizer that
// found the key before keeps it no longer than LATCHKEY_CACHE_TTL
// (docs/API-KEYS.md). A report with a bad signature changes nothing, nor
// does a signed one whose bytes are not UTF-8, which cannot arrive as
// signed.
func TestALeakedKeyStopsThroughTheLocalGateway(t *testing.T) {
	github := scansigtest.New(t, "github-test-key")
	for _, tc := range []struct {
		name string
		ttl  time.Duration
	}{
		{"cache off", 0},
		{"cache on", 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := depstest.Config(t, map[string]string{"LATCHKEY_CACHE_TTL": tc.ttl.String(), "LATCHKEY_SECRET_SCANNING_KEYS": github.Setting()})
			d := depstest.Local(cfg)
			var mu sync.Mutex
			now := time.Now()
			d.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			advance := func(by time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(by) }
			if err := seed.Load(ctx, d.Stores); err != nil {
				t.Fatal(err)
			}
			secret, _ := apikey.Generate(rand.Reader, cfg.Env)
			k := store.APIKey{ID: store.NewID("key"), UserID: seed.Author.ID, Label: "deploy bot", Hint: apikey.Hint(secret),
				Hash: apikey.Hash(secret), Permissions: []string{"read"}, Environment: cfg.Env, CreatedAt: now}
			if err := d.Stores.Keys.Create(ctx, k); err != nil {
				t.Fatal(err)
			}
			gw, err := functions.Gateway(d)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(openapitest.Middleware(t, gw))
			defer srv.Close()

			call := func(method, path string, header map[string]string, body string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
				for k, v := range header {
					req.Header.Set(k, v)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(raw)
			}
			me := func() int {
				status, _ := call("GET", "/api/me", map[string]string{"Authorization": "Bearer " + secret}, "")
				return status
			}
			if s := me(); s != 200 {
				t.Fatalf("the key before the report = %d; want 200", s)
			}

			report := `[{"token":"` + secret + `","type":"latchkey_api_key","url":"https://github.com/ada/app/blob/1/.env","source":"content"}]`
			forged := github.Headers([]byte("[]"))
			if status, body := call("POST", "/api/public/secret-scanning", forged, report); status != 401 || !strings.Contains(body, "invalid_signature") {
				t.Fatalf("a report with another body's signature = %d %s; want 401 invalid_signature", status, body)
			}
			// A byte that is not UTF-8 reaches the function as U+FFFD, as
			// API Gateway passes bodies as text: the signed bytes are not
			// what arrives.
			mangled := `[{"token":"` + secret + "\xff" + `"}]`
			if status, body := call("POST", "/api/public/secret-scanning", github.Headers([]byte(mangled)), mangled); status != 401 || !strings.Contains(body, "invalid_signature") {
				t.Fatalf("a signed report with a byte that is not UTF-8 = %d %s; want 401 invalid_signature", status, body)
			}
			if s := me(); s != 200 {
				t.Fatalf("the key after a forged report = %d; want 200", s)
			}

			signed := github.Headers([]byte(report))
			status, body := call("POST", "/api/public/secret-scanning", signed, report)
			var fb []map[string]string
			if err := json.Unmarshal([]byte(body), &fb); status != 200 || err != nil || len(fb) != 1 || fb[0]["label"] != "true_positive" {
				t.Fatalf("GitHub's report = %d %s; want 200 and the key's feedback, true_positive", status, body)
			}
			if tc.ttl == 0 {
				if s := me(); s != 401 {
					t.Fatalf("the reported key with the cache off = %d; want 401 at once", s)
				}
				return
			}
			if s := me(); s != 200 {
				t.Fatalf("the reported key on a warm authorizer that cached it = %d; want 200 until its cache entry ends", s)
			}
			advance(tc.ttl)
			if s := me(); s != 401 {
				t.Fatalf("the reported key after LATCHKEY_CACHE_TTL = %d; want 401", s)
			}
		})
	}
}
