package keys_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/functions"
	"github.com/latchkey/latchkey/internal/gateway"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

// TestKeyChangesAreInTheOwnersSecurityLog: creating, regenerating and
// revoking a key are each an event in its owner's log that names the key
// (id, label, hint) and where the request came from, and holds neither a
// secret nor a hash; refused attempts add nothing, to anyone's log.
func TestKeyChangesAreInTheOwnersSecurityLog(t *testing.T) {
	e := newEnv(t)
	created := e.create(t, author, `{"label": "nightly backup", "permissions": ["read"], "expiresInDays": 7}`)
	e.now = e.now.Add(time.Second) // the log orders events by their time
	a := e.do(t, "POST", "/api/keys/"+created.ID+"/regenerate", author, `{"graceSeconds": 60}`)
	var regenerated keys.WithSecret
	if err := json.Unmarshal(a.body, &regenerated); a.status != 200 || err != nil {
		t.Fatalf("regenerate = %d %s", a.status, a.body)
	}
	e.now = e.now.Add(time.Second)
	if a := e.do(t, "DELETE", "/api/keys/"+created.ID, author, ""); a.status != 204 {
		t.Fatalf("DELETE = %d %s", a.status, a.body)
	}
	// Refused: another user's key, a key's own principal, an unknown key.
	for _, r := range []struct{ method, path, cred string }{
		{"DELETE", "/api/keys/" + seed.FixtureKeyID, reader},
		{"POST", "/api/keys/" + seed.FixtureKeyID + "/regenerate", reader},
		{"DELETE", "/api/keys/" + seed.FixtureKeyID, authorKey},
		{"DELETE", "/api/keys/" + created.ID, author},
	} {
		if a := e.do(t, r.method, r.path, r.cred, ""); a.status < 400 {
			t.Fatalf("%s %s as %s = %d; want a refusal", r.method, r.path, r.cred, a.status)
		}
	}

	const address = "192.0.2.1" // httptest's client, as the local gateway passes it on
	expires := created.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z07:00")
	want := []struct {
		kind    string
		details map[string]string
	}{
		{store.EventKeyRevoked, map[string]string{"keyId": created.ID, "label": "nightly backup", "hint": regenerated.Hint, "address": address}},
		{store.EventKeyRegenerated, map[string]string{"keyId": created.ID, "label": "nightly backup", "hint": regenerated.Hint, "graceSeconds": "60", "address": address}},
		{store.EventKeyCreated, map[string]string{"keyId": created.ID, "label": "nightly backup", "hint": created.Hint, "permissions": "read", "expiresAt": expires, "address": address}},
	}
	events := depstest.SecurityLog(t, e.d, seed.Author.ID)
	if len(events) != len(want) {
		t.Fatalf("the author's log has %d events: %+v; want %d", len(events), events, len(want))
	}
	for i, w := range want {
		if events[i].Kind != w.kind || !maps.Equal(events[i].Details, w.details) {
			t.Errorf("event %d = %s %v; want %s %v", i, events[i].Kind, events[i].Details, w.kind, w.details)
		}
		for _, v := range events[i].Details {
			for _, secret := range []string{created.Secret, regenerated.Secret} {
				if strings.Contains(v, secret) || strings.Contains(v, apikey.Hash(secret)) || hexHash.MatchString(v) {
					t.Fatalf("event %d holds a secret or a hash: %v", i, events[i].Details)
				}
			}
		}
	}
	if got := depstest.SecurityLog(t, e.d, seed.Reader.ID); len(got) != 0 {
		t.Fatalf("the reader's refused attempts are in their log: %+v", got)
	}
}

type failingLog struct{ store.SecurityLogStore }

func (failingLog) Add(context.Context, store.SecurityEvent) error {
	return errors.New("security log table unreachable")
}

// TestAKeyIsMadeWhenTheSecurityLogFails: the log is written after the key
// is; when that write fails, the key stands and its secret, shown only in
// this answer, is still answered; the failure is logged at error level
// without the event's details.
func TestAKeyIsMadeWhenTheSecurityLogFails(t *testing.T) {
	e := newEnv(t)
	e.d.Stores.SecurityLog = failingLog{}
	e = rebuilt(t, e)
	created := e.create(t, author, `{"label": "label while the log is down", "permissions": ["read"]}`)
	if !e.opens(created.Secret, e.now) {
		t.Fatal("the key does not work")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"level":"ERROR","msg":"security log write failed"`) || !strings.Contains(logs, `"kind":"key-created"`) {
		t.Fatalf("no error line for the failed log write: %s", logs)
	}
	if strings.Contains(logs, "label while the log is down") || strings.Contains(logs, created.Secret) {
		t.Fatalf("the error line holds the event's details or the secret: %s", logs)
	}
}

// rebuilt builds e's functions again over e.d, after a test changed it.
func rebuilt(t *testing.T, e *env) *env {
	t.Helper()
	fns := map[string]gateway.Function{}
	for name, build := range functions.Handlers {
		fns[name] = httpx.Adapt(e.d.Log, depstest.Build(t, build, e.d))
	}
	e.gw = &gateway.Gateway{Functions: fns, Authorizer: testAuthorizer, Log: e.d.Log, Now: e.d.Now}
	return e
}
