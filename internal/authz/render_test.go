package authz

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/session"
)

const arn = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/api/keys"

// awsAuthorizerVariables are the $context.authorizer.<name> variables that
// API Gateway fills itself ("Variables for access logging for API
// Gateway", API Gateway developer guide: claims, error, integrationLatency,
// integrationStatus, latency, principalId, requestId, status). A context key
// of the same name would be read back as AWS's value, or AWS's as ours:
// $context.authorizer.error is "the error message returned from an
// authorizer", which the access log records.
var awsAuthorizerVariables = []string{"claims", "error", "integrationLatency", "integrationStatus", "latency", "principalId", "requestId", "status"}

func TestRender(t *testing.T) {
	p := principal.Principal{UserID: "usr_1", KeyID: "key_1", Method: "apikey", Permissions: []string{"read", "write"}}
	tests := []struct {
		name       string
		d          Decision
		wantEffect string
		wantErr    string
		wantCode   string // a Deny's
	}{
		{"allow", Decision{Effect: Allow, Principal: p}, "Allow", "", ""},
		{"deny", Decision{Effect: Deny, Principal: p}, "Deny", "", httpx.CodeForbidden},
		{"deny for an address outside the key's list", Decision{Effect: Deny, Principal: p, Code: httpx.CodeIPNotAllowed}, "Deny", "", httpx.CodeIPNotAllowed},
		{"deny with a code no denial has is forbidden", Decision{Effect: Deny, Principal: p, Code: "nope"}, "Deny", "", httpx.CodeForbidden},
		{"unauthorized is API Gateway's exact text", Decision{Effect: Unauthorized}, "", "Unauthorized", ""},
		{"the zero decision is unauthorized", Decision{}, "", "Unauthorized", ""},
		{"fail is an error that is not a 401", Decision{Effect: Fail}, "", "authorizer failed", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := Render(tc.d, arn)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("Render(%v) err = %v; want %q", tc.d.Effect, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			st := resp.PolicyDocument.Statement
			if len(st) != 1 || st[0].Effect != tc.wantEffect || len(st[0].Resource) != 1 || st[0].Resource[0] != arn {
				t.Fatalf("Render(%v) policy = %+v; want one %s statement on exactly %s", tc.d.Effect, st, tc.wantEffect, arn)
			}
			for k := range resp.Context {
				if slices.Contains(awsAuthorizerVariables, k) {
					t.Errorf("Render(%v) context key %q is one of API Gateway's own $context.authorizer variables", tc.d.Effect, k)
				}
			}
			if tc.d.Effect == Allow && (resp.Context["userId"] != "usr_1" || resp.Context["keyId"] != "key_1" ||
				resp.Context["method"] != "apikey" || resp.Context["permissions"] != "read,write") {
				t.Fatalf("Render(allow) context = %v", resp.Context)
			}
			if tc.d.Effect == Deny && (len(resp.Context) != 2 || resp.Context[httpx.DenialCode] != tc.wantCode ||
				resp.Context[httpx.DenialMessage] != httpx.Denial(tc.wantCode).Message) {
				t.Fatalf("Render(deny) context = %v; want only the 403's code %q and its message, never the principal", resp.Context, tc.wantCode)
			}
			// The Lambda path writes the same JSON by hand.
			want, _ := json.Marshal(resp)
			got := appendPolicy(nil, tc.d, arn)
			if !jsonEqual(t, got, want) {
				t.Fatalf("appendPolicy =\n%s\nwant (encoding/json)\n%s", got, want)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("invalid JSON %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}

// TestInvokeAgreesWithHandle runs every authorizer fixture, and the real
// SAM sample, through both entry points: the raw Lambda one and the decoded
// one the local gateway uses.
func TestInvokeAgreesWithHandle(t *testing.T) {
	f := newSessionFixture()
	a := New(Options{Keys: f.keys, Sessions: f.sessions, Env: apikey.EnvTest, PublicURL: "http://localhost:8080",
		Lifetimes: session.Lifetimes{Absolute: time.Hour, Idle: time.Hour}})
	files, _ := filepath.Glob("../../events/authorizer/*.json")
	files = append(files, "../../events/_samples/apigateway-rest-authorizer-request.json")
	if len(files) < 2 {
		t.Fatal("no authorizer fixtures found")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var req Request
			if err := json.Unmarshal(raw, &req); err != nil {
				t.Fatal(err)
			}
			resp, herr := a.Handle(context.Background(), req)
			out, ierr := a.Invoke(context.Background(), raw)
			if (herr == nil) != (ierr == nil) || (herr != nil && herr.Error() != ierr.Error()) {
				t.Fatalf("Handle err = %v, Invoke err = %v; want the same", herr, ierr)
			}
			if herr == nil {
				want, _ := json.Marshal(resp)
				if !jsonEqual(t, out, want) {
					t.Fatalf("Invoke =\n%s\nHandle =\n%s", out, want)
				}
			}
		})
	}
}

func TestDecodeInput(t *testing.T) {
	key, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
	tests := []struct {
		name      string
		event     string
		wantAuth  []string
		wantError bool
	}{
		{"single header", `{"type":"REQUEST","headers":{"Authorization":"Bearer ` + key + `"}}`, []string{"Bearer " + key}, false},
		{"lower-case name", `{"type":"REQUEST","headers":{"authorization":"x"}}`, []string{"x"}, false},
		{"multi-value wins over single", `{"type":"REQUEST","headers":{"Authorization":"b"},"multiValueHeaders":{"Authorization":["a","b"]}}`, []string{"a", "b"}, false},
		{"two spellings keep both values", `{"type":"REQUEST","headers":{"Authorization":"a","AUTHORIZATION":"b"}}`, []string{"a", "b"}, false},
		{"null headers", `{"type":"REQUEST","headers":null,"multiValueHeaders":null}`, nil, false},
		{"a null value is a header present and empty", `{"type":"REQUEST","headers":{"Authorization":null}}`, []string{""}, false},
		{"a TOKEN event is refused", `{"type":"TOKEN","authorizationToken":"x"}`, nil, true},
		{"not JSON", `{"type":`, nil, true},
		{"a header of the wrong type", `{"type":"REQUEST","headers":{"Authorization":5}}`, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeInput([]byte(tc.event))
			if (err != nil) != tc.wantError {
				t.Fatalf("DecodeInput err = %v; want error %v", err, tc.wantError)
			}
			if len(got.Authorization) != len(tc.wantAuth) {
				t.Fatalf("Authorization = %q; want %q", got.Authorization, tc.wantAuth)
			}
			for i := range tc.wantAuth {
				if got.Authorization[i] != tc.wantAuth[i] {
					t.Fatalf("Authorization = %q; want %q", got.Authorization, tc.wantAuth)
				}
			}
		})
	}
}

// FuzzDecodeInput: the raw decoder never panics and agrees with decoding
// the event with encoding/json into aws-lambda-go's type.
func FuzzDecodeInput(f *testing.F) {
	f.Add(`{"type":"REQUEST","resource":"/r","httpMethod":"GET","headers":{"Authorization":"Bearer x"}}`)
	f.Add(`{"type":"REQUEST","multiValueHeaders":{"cookie":["a=1","b=2"]}}`)
	f.Add(`{"type":"REQUEST","headers":{"Origin":"https://x","Sec-Fetch-Site":"same-origin"}}`)
	f.Fuzz(func(t *testing.T, event string) {
		in, err := DecodeInput([]byte(event))
		if err != nil {
			return
		}
		var req Request
		if json.Unmarshal([]byte(event), &req) != nil {
			return // the lean decoder may accept what the full type cannot hold
		}
		full := InputFrom(req)
		if len(full.Authorization) > len(in.Authorization) {
			t.Fatalf("lean decoder saw %q, full decoder %q", in.Authorization, full.Authorization)
		}
	})
}

// TestPolicyResource: the policy names the method and the route's
// template, never the caller's path, so its length stays within API
// Gateway's 512 characters however long the path; what it cannot read it
// names as is.
func TestPolicyResource(t *testing.T) {
	const head = "arn:aws:execute-api:eu-west-1:123456789012:abc123/api/"
	long := strings.Repeat("x", 1500)
	tests := []struct {
		name, methodArn, resource, want string
	}{
		{"a path parameter", head + "GET/api/posts/" + long, "/api/posts/{id}", head + "GET/api/posts/*"},
		{"a parameter mid-path", head + "POST/api/keys/key_1/regenerate", "/api/keys/{id}/regenerate", head + "POST/api/keys/*/regenerate"},
		{"the greedy catch-all", head + "PATCH/api/" + long, "/api/{proxy+}", head + "PATCH/api/*"},
		{"no parameter", head + "GET/api/me", "/api/me", head + "GET/api/me"},
		{"a colon in the path", head + "GET/api/posts/a:b", "/api/posts/{id}", head + "GET/api/posts/*"},
		{"no template", head + "GET/api/me", "", head + "GET/api/me"},
		{"not an ARN", "nonsense", "/api/me", "nonsense"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PolicyResource(tc.methodArn, tc.resource); got != tc.want {
				t.Fatalf("PolicyResource = %q; want %q", got, tc.want)
			}
		})
	}
	// Every route, with parameters as long as a request line allows.
	for _, r := range routes.Table {
		path := strings.NewReplacer("{id}", long, "{proxy+}", long+"/"+long).Replace(r.Path)
		method := r.Method
		if method == routes.AnyMethod {
			method = "DELETE"
		}
		if got := PolicyResource(head+method+path, r.Path); len(got) > MaxPolicyResource || strings.Contains(got, "xxx") {
			t.Errorf("%s %s: policy resource of %d characters: %.80s…", r.Method, r.Path, len(got), got)
		}
	}
}
