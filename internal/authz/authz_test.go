package authz

import (
	"context"
	"testing"
)

const arn = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/api/keys"

func TestRender(t *testing.T) {
	p := Principal{UserID: "usr_1", KeyID: "key_1", Method: "apikey", Permissions: []string{"read", "write"}}
	tests := []struct {
		name       string
		d          Decision
		wantEffect string
		wantErr    string
	}{
		{"allow", Decision{Effect: Allow, Principal: p}, "Allow", ""},
		{"deny", Decision{Effect: Deny, Principal: p}, "Deny", ""},
		{"unauthorized is API Gateway's exact text", Decision{Effect: Unauthorized}, "", "Unauthorized"},
		{"the zero decision is unauthorized", Decision{}, "", "Unauthorized"},
		{"fail is an error that is not a 401", Decision{Effect: Fail}, "", "authorizer failed"},
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
			if tc.d.Effect == Allow && (resp.Context["userId"] != "usr_1" || resp.Context["keyId"] != "key_1" ||
				resp.Context["method"] != "apikey" || resp.Context["permissions"] != "read,write") {
				t.Fatalf("Render(allow) context = %v", resp.Context)
			}
			if tc.d.Effect == Deny && resp.Context != nil {
				t.Fatalf("Render(deny) passes context %v; want none", resp.Context)
			}
		})
	}
}

func TestDecideRefusesWhatItCannotVerify(t *testing.T) {
	a := &Authorizer{}
	tests := []struct {
		name string
		req  Request
	}{
		{"no credential", Request{HTTPMethod: "GET", Resource: "/api/{proxy+}"}},
		{"a bearer header", Request{HTTPMethod: "GET", Resource: "/api/{proxy+}", Headers: map[string]string{"Authorization": "Bearer lk_test_x"}}},
		{"a route not in the table", Request{HTTPMethod: "GET", Resource: "/admin"}},
		{"a public route", Request{HTTPMethod: "GET", Resource: "/api/public/posts"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := a.Decide(context.Background(), tc.req); d.Effect != Unauthorized {
				t.Fatalf("Decide(%s) = %v; want unauthorized", tc.name, d.Effect)
			}
			if _, err := a.Handle(context.Background(), tc.req); err == nil || err.Error() != "Unauthorized" {
				t.Fatalf("Handle(%s) err = %v; want Unauthorized", tc.name, err)
			}
		})
	}
}
