package devserver

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/browsertest"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

// TestAllowListsAndUsageThroughTheLocalGateway is issue 14's acceptance for
// allow-lists and usage below the browser: a key limited to the local
// server's address works, is refused 403 ip_not_allowed once its list
// leaves that address out (also when the request claims another address in
// the viewer header, which only CloudFront may write), works again with
// the list cleared, and its usage counts every allowed request once the
// batched write is due. Answers are checked against the OpenAPI document.
func TestAllowListsAndUsageThroughTheLocalGateway(t *testing.T) {
	started := time.Now()
	cfg := depstest.Config(t, map[string]string{"LATCHKEY_CACHE_TTL": "0", "LATCHKEY_KEY_USE_INTERVAL": "1s"})
	d := depstest.Local(cfg)
	srv, real := seededGateway(t, d)
	author, origin := signedIn(t, d, srv.URL, seed.Author), map[string]string{"Origin": cfg.PublicURL}
	script := browsertest.New(t, srv.URL)
	status, created := callJSON(author, "POST", "/api/keys", origin, `{"label":"from here","permissions":["read"],"allowedCidrs":["127.0.0.1"]}`)
	if status != 201 {
		t.Fatalf("POST /api/keys = %d %v", status, created)
	}
	key, _ := created["key"].(string)
	id, _ := created["id"].(string)
	withKey := map[string]string{"Authorization": "Bearer " + key}
	forged := map[string]string{"Authorization": "Bearer " + key, "X-Latchkey-Viewer-Address": "10.1.2.3"}

	allowed := 0
	steps := []struct {
		name       string
		patch      string // the list first, when set
		header     map[string]string
		wantStatus int
		wantCode   string
	}{
		{"limited to the local address", "", withKey, 200, ""},
		{"limited to 10.0.0.0/8", `{"allowedCidrs":["10.0.0.0/8"]}`, withKey, 403, "ip_not_allowed"},
		{"a forged viewer address does not get it in", "", forged, 403, "ip_not_allowed"},
		{"the list cleared", `{"allowedCidrs":[]}`, withKey, 200, ""},
	}
	for _, st := range steps {
		if st.patch != "" {
			status, k := callJSON(author, "PATCH", "/api/keys/"+id, origin, st.patch)
			if status != 200 {
				t.Fatalf("%s: PATCH = %d %v; want 200", st.name, status, k)
			}
		}
		status, body := callJSON(script, "GET", "/api/me", st.header, "")
		if status != st.wantStatus || (st.wantCode != "" && body["error"] != st.wantCode) {
			t.Fatalf("%s: GET /api/me = %d %v; want %d %s", st.name, status, body, st.wantStatus, st.wantCode)
		}
		if status == 200 {
			allowed++
		}
	}

	if status, k := callJSON(author, "PATCH", "/api/keys/"+id, origin, `{"allowedCidrs":["::ffff:127.0.0.1"]}`); status != 400 || k["error"] != "bad_request" {
		t.Fatalf("PATCH with an IPv4-mapped prefix = %d %v; want 400 bad_request", status, k)
	}

	time.Sleep(1100 * time.Millisecond) // LATCHKEY_KEY_USE_INTERVAL
	if status, _ := callJSON(script, "GET", "/api/me", withKey, ""); status != 200 {
		t.Fatalf("GET /api/me = %d", status)
	}
	allowed++
	real.Flush()
	status, usage := callJSON(author, "GET", "/api/keys/"+id+"/usage", nil, "")
	days, _ := usage["days"].([]any)
	if status != 200 || usage["total"] != float64(allowed) || len(days) != 30 {
		t.Fatalf("GET usage = %d %v; want 30 days totalling the %d allowed requests", status, usage, allowed)
	}
	// The requests fall on today, or on the last two days when the test
	// ran across midnight (UTC).
	last, _ := days[29].(map[string]any)
	before, _ := days[28].(map[string]any)
	n, _ := last["requests"].(float64)
	if m, _ := before["requests"].(float64); before["date"] == store.UsageDay(started) {
		n += m
	}
	if last["date"] != store.UsageDay(time.Now()) || n != float64(allowed) {
		t.Fatalf("last days = %v, %v; want today %s, the %d requests since %s", before, last, store.UsageDay(time.Now()), allowed, store.UsageDay(started))
	}

	events := depstest.SecurityLog(t, d, seed.Author.ID)
	kinds := map[string]int{}
	for _, e := range events {
		kinds[e.Kind]++
		if e.Kind == store.EventKeyNewAddress && (e.Details["address"] != "127.0.0.1" || e.Details["keyId"] != id) {
			t.Errorf("new address event %v; want 127.0.0.1 for %s", e.Details, id)
		}
	}
	if kinds[store.EventKeyUpdated] != 2 || kinds[store.EventKeyNewAddress] != 1 {
		t.Fatalf("security log kinds %v; want 2 key-updated and 1 key-new-address", kinds)
	}
}
