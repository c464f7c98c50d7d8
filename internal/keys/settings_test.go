package keys_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

func TestCreateWithAllowedCIDRs(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name       string
		cidrs      string
		wantStatus int
		want       []string
	}{
		{"absent allows any address", ``, 201, []string{}},
		{"empty allows any address", `, "allowedCidrs": []`, 201, []string{}},
		{"stored canonical", `, "allowedCidrs": ["127.0.0.1", "2001:0db8::/32"]`, 201, []string{"127.0.0.1/32", "2001:db8::/32"}},
		{"host bits set", `, "allowedCidrs": ["10.1.2.3/8"]`, 400, nil},
		{"not an address", `, "allowedCidrs": ["localhost"]`, 400, nil},
		{"not a list", `, "allowedCidrs": "10.0.0.0/8"`, 400, nil},
		{"a number in the list", `, "allowedCidrs": [10]`, 400, nil},
		{"twenty-one entries", `, "allowedCidrs": ["` + strings.Join(append(twenty(), "192.0.2.0/24"), `", "`) + `"]`, 400, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.do(t, "POST", "/api/keys", author, `{"label": "limited", "permissions": ["read"]`+tc.cidrs+`}`)
			if a.status != tc.wantStatus {
				t.Fatalf("POST /api/keys = %d %s; want %d", a.status, a.body, tc.wantStatus)
			}
			if tc.wantStatus != 201 {
				if a.errorCode() != httpx.CodeBadRequest {
					t.Fatalf("POST /api/keys = %s; want bad_request", a.body)
				}
				return
			}
			var k keys.WithSecret
			if err := json.Unmarshal(a.body, &k); err != nil || !slices.Equal(k.AllowedCIDRs, tc.want) || k.AllowedCIDRs == nil {
				t.Fatalf("created allowedCidrs = %q (%v); want %q", k.AllowedCIDRs, err, tc.want)
			}
			stored, err := e.d.Stores.Keys.Get(context.Background(), seed.Author.ID, k.ID)
			if err != nil || len(stored.AllowedCIDRs) != len(tc.want) || !slices.Equal(append([]string{}, stored.AllowedCIDRs...), tc.want) {
				t.Fatalf("stored allowedCidrs = %q (%v); want %q", stored.AllowedCIDRs, err, tc.want)
			}
		})
	}
}

func TestUpdateChangesOnlyWhatItNames(t *testing.T) {
	e := newEnv(t)
	created := e.create(t, author, `{"label": "deploy", "permissions": ["read", "write"], "expiresInDays": 30, "allowedCidrs": ["192.0.2.0/24"]}`)
	path := "/api/keys/" + created.ID
	steps := []struct {
		name      string
		body      string
		wantLabel string
		wantCIDRs []string
	}{
		{"a new list replaces the old", `{"allowedCidrs": ["10.0.0.0/8", "2001:db8::1"]}`, "deploy", []string{"10.0.0.0/8", "2001:db8::1/128"}},
		{"the label alone keeps the list", `{"label": "  deploy bot "}`, "deploy bot", []string{"10.0.0.0/8", "2001:db8::1/128"}},
		{"both at once", `{"label": "ci", "allowedCidrs": ["127.0.0.1"]}`, "ci", []string{"127.0.0.1/32"}},
		{"an empty list allows any address", `{"allowedCidrs": []}`, "ci", []string{}},
	}
	for _, st := range steps {
		a := e.do(t, "PATCH", path, author, st.body)
		var k keys.Key
		if err := json.Unmarshal(a.body, &k); a.status != 200 || err != nil {
			t.Fatalf("%s: PATCH = %d %s; want 200", st.name, a.status, a.body)
		}
		if k.Label != st.wantLabel || !slices.Equal(k.AllowedCIDRs, st.wantCIDRs) || k.AllowedCIDRs == nil {
			t.Fatalf("%s: answered label %q cidrs %q; want %q %q", st.name, k.Label, k.AllowedCIDRs, st.wantLabel, st.wantCIDRs)
		}
		if k.ID != created.ID || k.Hint != created.Hint || !slices.Equal(k.Permissions, created.Permissions) || !k.ExpiresAt.Equal(*created.ExpiresAt) {
			t.Fatalf("%s: answered %+v; want the same key otherwise", st.name, k)
		}
		listed := e.list(t, author)[0]
		if listed["label"] != st.wantLabel || len(listed["allowedCidrs"].([]any)) != len(st.wantCIDRs) {
			t.Fatalf("%s: listed %v; want label %q and %d prefixes", st.name, listed, st.wantLabel, len(st.wantCIDRs))
		}
	}
	if !e.opens(created.Secret, e.now) {
		t.Fatal("the key's secret stopped working after its settings changed")
	}
}

func TestUpdateRefusesInvalidBodies(t *testing.T) {
	e := newEnv(t)
	created := e.create(t, author, `{"label": "steady", "permissions": ["read"], "allowedCidrs": ["192.0.2.0/24"]}`)
	path := "/api/keys/" + created.ID
	const jsonCT = "application/json"
	tests := []struct {
		name, contentType, body string
		wantStatus              int
		wantCode, wantMessage   string
	}{
		{"an empty object", jsonCT, `{}`, 400, httpx.CodeBadRequest, "nothing to change"},
		{"nulls only", jsonCT, `{"allowedCidrs": null, "label": null}`, 400, httpx.CodeBadRequest, "nothing to change"},
		{"an unknown field", jsonCT, `{"allowedCidrs": [], "permissions": ["read", "write"]}`, 400, httpx.CodeBadRequest, ""},
		{"a field of another key", jsonCT, `{"label": "x", "userId": "usr_other"}`, 400, httpx.CodeBadRequest, ""},
		{"host bits set names the prefix", jsonCT, `{"allowedCidrs": ["10.9.8.7/8"]}`, 400, httpx.CodeBadRequest, "the prefix is 10.0.0.0/8"},
		{"a duplicate", jsonCT, `{"allowedCidrs": ["10.0.0.0/8", "10.0.0.0/8"]}`, 400, httpx.CodeBadRequest, "already"},
		{"a zone", jsonCT, `{"allowedCidrs": ["fe80::1%25eth0"]}`, 400, httpx.CodeBadRequest, ""},
		{"an empty label", jsonCT, `{"label": " "}`, 400, httpx.CodeBadRequest, "label"},
		{"a label with a bidi override", jsonCT, `{"label": "a\u202eb"}`, 400, httpx.CodeBadRequest, "printable"},
		{"malformed JSON", jsonCT, `{"allowedCidrs": [`, 400, httpx.CodeBadRequest, ""},
		{"no body", jsonCT, ``, 400, httpx.CodeBadRequest, ""},
		{"another content type", "text/plain", `{"allowedCidrs": []}`, 415, httpx.CodeUnsupportedMedia, ""},
		{"a body over 4 KiB", jsonCT, `{"allowedCidrs": ["` + strings.Repeat("1", keys.BodyLimit) + `"]}`, 413, httpx.CodeTooLarge, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.doCT(t, "PATCH", path, author, tc.contentType, tc.body)
			if a.status != tc.wantStatus || a.errorCode() != tc.wantCode || !strings.Contains(string(a.body), tc.wantMessage) {
				t.Fatalf("PATCH %s = %d %s; want %d %s %q", tc.name, a.status, a.body, tc.wantStatus, tc.wantCode, tc.wantMessage)
			}
		})
	}
	k, err := e.d.Stores.Keys.Get(context.Background(), seed.Author.ID, created.ID)
	if err != nil || k.Label != "steady" || !slices.Equal(k.AllowedCIDRs, []string{"192.0.2.0/24"}) {
		t.Fatalf("after refused updates the key is %q %q (%v); want it unchanged", k.Label, k.AllowedCIDRs, err)
	}
}

// TestAnotherUsersKeyCannotBeChangedOrRead: the update and the usage of a
// key answer 404 to everyone but its owner, and change nothing.
func TestAnotherUsersKeyCannotBeChangedOrRead(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ name, method, path, body string }{
		{"update another user's key", "PATCH", "/api/keys/" + seed.FixtureKeyID, `{"allowedCidrs": ["203.0.113.9"]}`},
		{"usage of another user's key", "GET", "/api/keys/" + seed.FixtureKeyID + "/usage", ""},
		{"update an unknown key", "PATCH", "/api/keys/key_" + strings.Repeat("a", 26), `{"label": "x"}`},
		{"usage of a malformed id", "GET", "/api/keys/nope/usage", ""},
		{"update a malformed id", "PATCH", "/api/keys/nope", `{"label": "x"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.do(t, tc.method, tc.path, reader, tc.body)
			if a.status != 404 || a.errorCode() != httpx.CodeNotFound {
				t.Fatalf("%s %s = %d %s; want 404 not_found", tc.method, tc.path, a.status, a.body)
			}
		})
	}
	k, err := e.d.Stores.Keys.Get(context.Background(), seed.Author.ID, seed.FixtureKeyID)
	if err != nil || len(k.AllowedCIDRs) != 0 {
		t.Fatalf("the author's key allows %q (%v); want any address still", k.AllowedCIDRs, err)
	}
	if events := depstest.SecurityLog(t, e.d, seed.Author.ID); len(events) != 0 {
		t.Fatalf("the author's security log has %d events; want none", len(events))
	}
}

func TestUpdateIsInTheSecurityLog(t *testing.T) {
	e := newEnv(t)
	created := e.create(t, author, `{"label": "audited", "permissions": ["read"]}`)
	for _, body := range []string{`{"allowedCidrs": ["203.0.113.0/24", "2001:db8::/48"]}`, `{"allowedCidrs": []}`} {
		if a := e.do(t, "PATCH", "/api/keys/"+created.ID, author, body); a.status != 200 {
			t.Fatalf("PATCH %s = %d %s", body, a.status, a.body)
		}
		e.now = e.now.Add(time.Minute)
	}
	all := depstest.SecurityLog(t, e.d, seed.Author.ID)
	var events []store.SecurityEvent
	for _, ev := range all {
		if ev.Kind == store.EventKeyUpdated {
			events = append(events, ev)
		}
	}
	if len(all) != 3 || len(events) != 2 {
		t.Fatalf("security log = %+v; want the key's creation and two updates", all)
	}
	want := []string{"any address", "203.0.113.0/24 2001:db8::/48"} // newest first
	for i, ev := range events {
		d := ev.Details
		if ev.Kind != store.EventKeyUpdated || ev.UserID != seed.Author.ID || d["keyId"] != created.ID || d["label"] != "audited" ||
			d["hint"] != created.Hint || d["allowedCidrs"] != want[i] {
			t.Fatalf("event %d = %+v; want key-updated for %s listing %q", i, ev, created.ID, want[i])
		}
		for _, v := range d {
			if strings.Contains(v, created.Secret) {
				t.Fatal("the event holds the key's secret")
			}
		}
	}
}

func TestUsageAnswersThirtyDaysZeroFilled(t *testing.T) {
	e := newEnv(t)
	created := e.create(t, author, `{"label": "counted", "permissions": ["read"]}`)
	ctx := context.Background()
	today := e.now.UTC()
	day := func(ago int) string { return store.UsageDay(today.AddDate(0, 0, -ago)) }
	// As the authorizer writes it, with a day just past the window.
	err := e.d.Stores.Keys.Touch(ctx, created.ID, store.KeyUse{At: e.now, Requests: map[string]int64{
		day(0): 5, day(2): 12, day(29): 1, day(30): 40,
	}})
	if err != nil {
		t.Fatal(err)
	}
	a := e.do(t, "GET", "/api/keys/"+created.ID+"/usage", author, "")
	var u keys.KeyUsage
	if err := json.Unmarshal(a.body, &u); a.status != 200 || err != nil {
		t.Fatalf("GET usage = %d %s; want 200", a.status, a.body)
	}
	if len(u.Days) != keys.UsageWindow || u.Days[0].Date != day(29) || u.Days[29].Date != day(0) {
		t.Fatalf("usage days = %d from %s to %s; want 30 from %s to %s", len(u.Days), u.Days[0].Date, u.Days[len(u.Days)-1].Date, day(29), day(0))
	}
	want := map[string]int64{day(0): 5, day(2): 12, day(29): 1}
	for i, d := range u.Days {
		if d.Requests != want[d.Date] {
			t.Fatalf("day %d (%s) = %d requests; want %d", i, d.Date, d.Requests, want[d.Date])
		}
		if i > 0 {
			prev, _ := time.Parse(time.DateOnly, u.Days[i-1].Date)
			if cur, _ := time.Parse(time.DateOnly, d.Date); cur.Sub(prev) != 24*time.Hour {
				t.Fatalf("day %d is %s after %s; want consecutive UTC days", i, d.Date, u.Days[i-1].Date)
			}
		}
	}
	if u.Total != 18 {
		t.Fatalf("total = %d; want 18 (the day past the window left out)", u.Total)
	}

	t.Run("a key never used answers thirty zeroes", func(t *testing.T) {
		a := e.do(t, "GET", "/api/keys/"+seed.FixtureReadKeyID+"/usage", author, "")
		var u keys.KeyUsage
		if err := json.Unmarshal(a.body, &u); a.status != 200 || err != nil || len(u.Days) != 30 || u.Total != 0 {
			t.Fatalf("GET usage = %d %s; want 30 days of 0", a.status, a.body)
		}
	})
}

// TestUsageWindowIsKept: every day GET /api/keys/{id}/usage answers is one
// the authorizer keeps (it forgets days before store.UsageDays ago), so the
// window never shows a day as 0 because its count was dropped.
func TestUsageWindowIsKept(t *testing.T) {
	now := time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC)
	oldestKept := store.UsageDay(now.AddDate(0, 0, -store.UsageDays))
	u := keys.UsageOf(store.APIKey{}, now)
	if len(u.Days) != keys.UsageWindow {
		t.Fatalf("UsageOf answers %d days; want UsageWindow, %d", len(u.Days), keys.UsageWindow)
	}
	if oldest := u.Days[0].Date; oldest < oldestKept {
		t.Errorf("the usage window starts on %s; the authorizer keeps days from %s only (store.UsageDays = %d)", oldest, oldestKept, store.UsageDays)
	}
}
