package keys_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
)

// TestARevokedKeyIsShownButNeverRegenerated: a key revoked because its
// secret was found in public is listed with why, when and where; it cannot
// be regenerated (409 key_revoked, no new secret, nothing changed), and its
// owner can still delete it.
func TestARevokedKeyIsShownButNeverRegenerated(t *testing.T) {
	e := newEnv(t)
	created := e.create(t, author, `{"label": "leaked", "permissions": ["read"]}`)
	rev := store.KeyRevocation{At: e.now, Reason: "found in public", URL: "https://github.com/o/r/blob/abc/.env", Source: "content"}
	if _, err := e.d.Stores.Keys.RevokeByHash(context.Background(), apikey.Hash(created.Secret), rev); err != nil {
		t.Fatal(err)
	}

	a := e.do(t, "GET", "/api/keys", author, "")
	var listing struct{ Keys []json.RawMessage }
	if err := json.Unmarshal(a.body, &listing); a.status != 200 || err != nil {
		t.Fatalf("GET /api/keys = %d %s", a.status, a.body)
	}
	var found bool
	for _, raw := range listing.Keys {
		var k struct {
			ID      string
			Revoked *struct{ At, Reason, URL, Source string }
		}
		_ = json.Unmarshal(raw, &k)
		if k.ID != created.ID {
			continue
		}
		found = true
		if k.Revoked == nil || k.Revoked.Reason != "found in public" || k.Revoked.URL != rev.URL || k.Revoked.Source != "content" ||
			k.Revoked.At != e.now.UTC().Format("2006-01-02T15:04:05Z07:00") {
			t.Fatalf("listed key %s; want revoked, found in public at %s, %v", raw, rev.URL, e.now)
		}
		if hexHash.Match(raw) {
			t.Fatalf("listed key %s shows a hash", raw)
		}
	}
	if !found {
		t.Fatalf("the revoked key is not listed: %s", a.body)
	}

	for _, body := range []string{`{"allowedCidrs": []}`, `{"label": "renamed"}`} {
		if a := e.do(t, "PATCH", "/api/keys/"+created.ID, author, body); a.status != 409 || a.errorCode() != httpx.CodeKeyRevoked {
			t.Fatalf("PATCH %s on a revoked key = %d %s; want 409 key_revoked", body, a.status, a.body)
		}
	}
	a = e.do(t, "POST", "/api/keys/"+created.ID+"/regenerate", author, "")
	if a.status != 409 || a.errorCode() != httpx.CodeKeyRevoked {
		t.Fatalf("regenerate a revoked key = %d %s; want 409 key_revoked", a.status, a.body)
	}
	if strings.Contains(string(a.body), apikey.PrefixTest) || e.opens(created.Secret, e.now) {
		t.Fatalf("the refused regeneration answered %s, or brought the old secret back", a.body)
	}

	if a := e.do(t, "DELETE", "/api/keys/"+created.ID, author, ""); a.status != 204 {
		t.Fatalf("delete a revoked key = %d %s; want 204", a.status, a.body)
	}
	for _, k := range e.list(t, author) {
		if k["id"] == created.ID {
			t.Fatal("the deleted revoked key is still listed")
		}
	}
}
