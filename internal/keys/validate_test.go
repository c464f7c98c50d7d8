package keys_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/seed"
)

func TestCreateRefusesInvalidBodies(t *testing.T) {
	e := newEnv(t)
	const jsonCT = "application/json"
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantCode    string
	}{
		{"empty label", jsonCT, `{"label": "", "permissions": ["read"]}`, 400, httpx.CodeBadRequest},
		{"missing label", jsonCT, `{"permissions": ["read"]}`, 400, httpx.CodeBadRequest},
		{"label of spaces only", jsonCT, `{"label": "   ", "permissions": ["read"]}`, 400, httpx.CodeBadRequest},
		{"label of 65 characters", jsonCT, `{"label": "` + strings.Repeat("a", 65) + `", "permissions": ["read"]}`, 400, httpx.CodeBadRequest},
		{"label of 65 two-byte characters", jsonCT, `{"label": "` + strings.Repeat("é", 65) + `", "permissions": ["read"]}`, 400, httpx.CodeBadRequest},
		{"label with a control character", jsonCT, `{"label": "a\u0007b", "permissions": ["read"]}`, 400, httpx.CodeBadRequest},
		{"label with a newline inside", jsonCT, `{"label": "a\nb", "permissions": ["read"]}`, 400, httpx.CodeBadRequest},
		{"label with a bidi override", jsonCT, `{"label": "abc\u202edcba", "permissions": ["read"]}`, 400, httpx.CodeBadRequest},
		{"label not a string", jsonCT, `{"label": 5, "permissions": ["read"]}`, 400, httpx.CodeBadRequest},
		{"permissions empty", jsonCT, `{"label": "x", "permissions": []}`, 400, httpx.CodeBadRequest},
		{"permissions missing", jsonCT, `{"label": "x"}`, 400, httpx.CodeBadRequest},
		{"permissions null", jsonCT, `{"label": "x", "permissions": null}`, 400, httpx.CodeBadRequest},
		{"permission unknown", jsonCT, `{"label": "x", "permissions": ["read", "admin"]}`, 400, httpx.CodeBadRequest},
		{"permission in another case", jsonCT, `{"label": "x", "permissions": ["READ"]}`, 400, httpx.CodeBadRequest},
		{"permission duplicated", jsonCT, `{"label": "x", "permissions": ["read", "read"]}`, 400, httpx.CodeBadRequest},
		{"write without read", jsonCT, `{"label": "x", "permissions": ["write"]}`, 400, httpx.CodeBadRequest},
		{"permissions not a list", jsonCT, `{"label": "x", "permissions": "read"}`, 400, httpx.CodeBadRequest},
		{"expiresInDays 0", jsonCT, `{"label": "x", "permissions": ["read"], "expiresInDays": 0}`, 400, httpx.CodeBadRequest},
		{"expiresInDays negative", jsonCT, `{"label": "x", "permissions": ["read"], "expiresInDays": -1}`, 400, httpx.CodeBadRequest},
		{"expiresInDays 366", jsonCT, `{"label": "x", "permissions": ["read"], "expiresInDays": 366}`, 400, httpx.CodeBadRequest},
		{"expiresInDays a string", jsonCT, `{"label": "x", "permissions": ["read"], "expiresInDays": "x"}`, 400, httpx.CodeBadRequest},
		{"expiresInDays a fraction", jsonCT, `{"label": "x", "permissions": ["read"], "expiresInDays": 1.5}`, 400, httpx.CodeBadRequest},
		{"expiresInDays huge", jsonCT, `{"label": "x", "permissions": ["read"], "expiresInDays": 1e40}`, 400, httpx.CodeBadRequest},
		{"unknown field", jsonCT, `{"label": "x", "permissions": ["read"], "userId": "usr_other"}`, 400, httpx.CodeBadRequest},
		{"malformed JSON", jsonCT, `{"label": "x",`, 400, httpx.CodeBadRequest},
		{"trailing data", jsonCT, `{"label": "x", "permissions": ["read"]} {}`, 400, httpx.CodeBadRequest},
		{"a JSON list", jsonCT, `[]`, 400, httpx.CodeBadRequest},
		{"empty body", jsonCT, ``, 400, httpx.CodeBadRequest},
		{"wrong content type", "text/plain", `{"label": "x", "permissions": ["read"]}`, 415, httpx.CodeUnsupportedMedia},
		{"no content type", "", `{"label": "x", "permissions": ["read"]}`, 415, httpx.CodeUnsupportedMedia},
		{"body over 4 KiB", jsonCT, `{"label": "x", "permissions": ["read"], "pad": "` + strings.Repeat("a", keys.BodyLimit) + `"}`, 413, httpx.CodeTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.doCT(t, "POST", "/api/keys", author, tc.contentType, tc.body)
			if a.status != tc.wantStatus || a.errorCode() != tc.wantCode {
				t.Fatalf("POST /api/keys %s = %d %s; want %d %s", tc.name, a.status, a.body, tc.wantStatus, tc.wantCode)
			}
		})
	}
	if ks := e.list(t, author); len(ks) != 2 {
		t.Fatalf("after only refused creates the author has %d keys; want the 2 fixture keys", len(ks))
	}
}

func TestCreateNormalisesValidBodies(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name        string
		body        string
		wantLabel   string
		wantPerms   []string
		wantExpires time.Duration // 0: no expiry
	}{
		{"read only, no expiry", `{"label": "ci", "permissions": ["read"]}`, "ci", []string{"read"}, 0},
		{"permissions in canonical order", `{"label": "ci", "permissions": ["write", "read"]}`, "ci", []string{"read", "write"}, 0},
		{"surrounding white space is trimmed", `{"label": "  my laptop\t", "permissions": ["read"]}`, "my laptop", []string{"read"}, 0},
		{"64 characters", `{"label": "` + strings.Repeat("a", 64) + `", "permissions": ["read"]}`, strings.Repeat("a", 64), []string{"read"}, 0},
		{"64 two-byte characters", `{"label": "` + strings.Repeat("é", 64) + `", "permissions": ["read"]}`, strings.Repeat("é", 64), []string{"read"}, 0},
		{"inner spaces and symbols", `{"label": "deploy bot ✓ (prod)", "permissions": ["read"]}`, "deploy bot ✓ (prod)", []string{"read"}, 0},
		{"expiresInDays 1", `{"label": "x", "permissions": ["read"], "expiresInDays": 1}`, "x", []string{"read"}, 24 * time.Hour},
		{"expiresInDays 365", `{"label": "x", "permissions": ["read"], "expiresInDays": 365}`, "x", []string{"read"}, 365 * 24 * time.Hour},
		{"expiresInDays null is no expiry", `{"label": "x", "permissions": ["read"], "expiresInDays": null}`, "x", []string{"read"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := e.create(t, author, tc.body)
			if k.Label != tc.wantLabel || !slices.Equal(k.Permissions, tc.wantPerms) {
				t.Fatalf("created label %q permissions %v; want %q %v", k.Label, k.Permissions, tc.wantLabel, tc.wantPerms)
			}
			if !k.CreatedAt.Equal(e.now) || k.CreatedAt.Location() != time.UTC {
				t.Errorf("createdAt = %v; want %v in UTC", k.CreatedAt, e.now)
			}
			switch {
			case tc.wantExpires == 0 && k.ExpiresAt != nil:
				t.Errorf("expiresAt = %v; want none", k.ExpiresAt)
			case tc.wantExpires != 0 && (k.ExpiresAt == nil || !k.ExpiresAt.Equal(e.now.Add(tc.wantExpires))):
				t.Errorf("expiresAt = %v; want %v", k.ExpiresAt, e.now.Add(tc.wantExpires))
			}
		})
	}
}

func TestRegenerateBody(t *testing.T) {
	e := newEnv(t)
	id := e.create(t, author, `{"label": "rotating", "permissions": ["read"]}`).ID
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantGrace   bool // the previous secret is kept
	}{
		{"no body, no content type", "", "", 200, false},
		{"no body with a JSON content type", "application/json", "", 200, false},
		{"an empty object", "application/json", `{}`, 200, false},
		{"graceSeconds null", "application/json", `{"graceSeconds": null}`, 200, false},
		{"graceSeconds 0", "application/json", `{"graceSeconds": 0}`, 200, false},
		{"graceSeconds 86400", "application/json", `{"graceSeconds": 86400}`, 200, true},
		{"graceSeconds -1", "application/json", `{"graceSeconds": -1}`, 400, false},
		{"graceSeconds 86401", "application/json", `{"graceSeconds": 86401}`, 400, false},
		{"graceSeconds a string", "application/json", `{"graceSeconds": "60"}`, 400, false},
		{"unknown field", "application/json", `{"graceSeconds": 1, "label": "new"}`, 400, false},
		{"white space only", "application/json", ` `, 400, false},
		{"a body without a content type", "", `{"graceSeconds": 1}`, 415, false},
		{"a body of another type", "text/plain", `graceSeconds=1`, 415, false},
		{"a body over 4 KiB", "application/json", `{"graceSeconds": 1, "pad": "` + strings.Repeat("a", keys.BodyLimit) + `"}`, 413, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.doCT(t, "POST", "/api/keys/"+id+"/regenerate", author, tc.contentType, tc.body)
			if a.status != tc.wantStatus {
				t.Fatalf("regenerate %s = %d %s; want %d", tc.name, a.status, a.body, tc.wantStatus)
			}
			if a.status != 200 {
				return
			}
			var k keys.WithSecret
			if err := json.Unmarshal(a.body, &k); err != nil {
				t.Fatal(err)
			}
			stored, err := e.d.Stores.Keys.Get(t.Context(), seed.Author.ID, id)
			if err != nil || k.ID != id || stored.Hash != apikey.Hash(k.Secret) {
				t.Fatalf("stored key = %v; want %s with the new secret's hash", err, id)
			}
			if got := stored.PreviousUntil != nil; got != tc.wantGrace {
				t.Fatalf("previous secret kept = %v; want %v", got, tc.wantGrace)
			}
			if tc.wantGrace && !stored.PreviousUntil.Equal(e.now.Add(keys.MaxGraceSeconds*time.Second)) {
				t.Fatalf("previous secret kept until %v; want %v", stored.PreviousUntil, e.now.Add(keys.MaxGraceSeconds*time.Second))
			}
			// The answer (and so the listing) says when the grace ends.
			if got := k.PreviousExpiresAt != nil; got != tc.wantGrace {
				t.Fatalf("previousExpiresAt = %v; want shown: %v", k.PreviousExpiresAt, tc.wantGrace)
			}
			if tc.wantGrace && !k.PreviousExpiresAt.Equal(*stored.PreviousUntil) {
				t.Fatalf("previousExpiresAt = %v; want %v", k.PreviousExpiresAt, stored.PreviousUntil)
			}
		})
	}
}
