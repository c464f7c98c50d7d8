package me_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/authz"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/me"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

// request is GET /api/me as API Gateway passes it after the authorizer
// allowed it with this context (nil: the authorizer never ran).
func request(ctx map[string]any) httpx.Request {
	req := httpx.Request{HTTPMethod: "GET", Resource: "/api/me", Path: "/api/me"}
	req.RequestContext.Authorizer = ctx
	return req
}

// allowed is the context authz.Render passes for a principal.
func allowed(t *testing.T, p principal.Principal) map[string]any {
	t.Helper()
	resp, err := authz.Render(authz.Decision{Effect: authz.Allow, Principal: p}, "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/api/me")
	if err != nil {
		t.Fatal(err)
	}
	return resp.Context
}

func TestMe(t *testing.T) {
	stores := embedded.New().Stores()
	if err := seed.Load(context.Background(), stores); err != nil {
		t.Fatal(err)
	}
	d := depstest.Local(config.Config{Editors: []string{seed.Editor.Email}})
	d.Stores = stores
	h := httpx.Adapt(d.Log, depstest.Build(t, me.Build, d))
	session := func(u string) principal.Principal {
		return principal.Principal{UserID: u, SessionID: "ses_x", Method: principal.MethodSession, Permissions: []string{"read", "write"}}
	}
	tests := []struct {
		name       string
		ctx        map[string]any
		wantStatus int
		// wantBody is the exact answer of a 200; the code of an error.
		wantBody string
	}{
		{"an author's session", allowed(t, session(seed.Author.ID)), 200,
			`{"user":{"id":"` + seed.Author.ID + `","email":"ada@example.com","name":"Ada Author","roles":[]},` +
				`"auth":{"method":"session","permissions":["read","write"]}}`},
		{"an editor's session shows the role", allowed(t, session(seed.Editor.ID)), 200,
			`{"user":{"id":"` + seed.Editor.ID + `","email":"eve@example.com","name":"Eve Editor","roles":["editor"]},` +
				`"auth":{"method":"session","permissions":["read","write"]}}`},
		{"a read-only key names itself", allowed(t, principal.Principal{UserID: seed.Author.ID, KeyID: seed.FixtureReadKeyID, Method: principal.MethodAPIKey, Permissions: []string{"read"}}), 200,
			`{"user":{"id":"` + seed.Author.ID + `","email":"ada@example.com","name":"Ada Author","roles":[]},` +
				`"auth":{"method":"apikey","keyId":"` + seed.FixtureReadKeyID + `","permissions":["read"]}}`},
		{"a session with no permissions lists none", allowed(t, principal.Principal{UserID: seed.Reader.ID, SessionID: "ses_x", Method: principal.MethodSession}), 200,
			`{"user":{"id":"` + seed.Reader.ID + `","email":"rex@example.com","name":"Rex Reader","roles":[]},` +
				`"auth":{"method":"session","permissions":[]}}`},
		{"a key without read", allowed(t, principal.Principal{UserID: seed.Author.ID, KeyID: seed.FixtureKeyID, Method: principal.MethodAPIKey, Permissions: []string{"write"}}), 403, httpx.CodeForbidden},
		{"a credential whose user is gone", allowed(t, session("usr_gonegonegonegonegonegonego")), 401, httpx.CodeUnauthorized},
		{"no authorizer context", nil, 401, httpx.CodeUnauthorized},
		{"a key without its id", map[string]any{"userId": seed.Author.ID, "method": "apikey", "permissions": "read"}, 401, httpx.CodeUnauthorized},
		{"an unknown method", map[string]any{"userId": seed.Author.ID, "method": "cookie"}, 401, httpx.CodeUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := h(context.Background(), request(tc.ctx))
			if err != nil || resp.StatusCode != tc.wantStatus {
				t.Fatalf("GET /api/me = %d %s, %v; want %d", resp.StatusCode, resp.Body, err, tc.wantStatus)
			}
			if tc.wantStatus == 200 {
				if resp.Body != tc.wantBody {
					t.Fatalf("GET /api/me =\n%s\nwant\n%s", resp.Body, tc.wantBody)
				}
				return
			}
			var e struct{ Error string }
			_ = json.Unmarshal([]byte(resp.Body), &e)
			if e.Error != tc.wantBody {
				t.Fatalf("GET /api/me = %d %s; want code %q", resp.StatusCode, resp.Body, tc.wantBody)
			}
			if tc.wantStatus == 401 && !strings.Contains(resp.Headers["WWW-Authenticate"], "Bearer") {
				t.Errorf("401 without WWW-Authenticate: %v", resp.Headers)
			}
		})
	}
}
