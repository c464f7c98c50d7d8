package frontdoor

import (
	"context"
	"errors"
	"testing"

	"github.com/latchkey/latchkey/internal/httpx"
)

func TestAllows(t *testing.T) {
	const cur, prev = "current-secret-0123456789abcdefghijkl", "previous-secret-0123456789abcdefghij"
	tests := []struct {
		name    string
		secrets Secrets
		values  []string
		want    bool
	}{
		{"check off allows anything", nil, nil, true},
		{"current value", Secrets{cur, prev}, []string{cur}, true},
		{"previous value during a rotation", Secrets{cur, prev}, []string{prev}, true},
		{"no header", Secrets{cur}, nil, false},
		{"wrong value", Secrets{cur}, []string{"guess"}, false},
		{"a prefix of the secret", Secrets{cur}, []string{cur[:10]}, false},
		{"empty value never matches an unset previous", Secrets{cur, ""}, []string{""}, false},
		{"two values, one right", Secrets{cur}, []string{"x", cur}, false},
		{"the right value twice", Secrets{cur}, []string{cur, cur}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.secrets.Allows(tc.values); got != tc.want {
				t.Fatalf("Secrets(%d).Allows(%q) = %v; want %v", len(tc.secrets), tc.values, got, tc.want)
			}
		})
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		name string
		req  httpx.Request
		want int
	}{
		{"multi-value, any case", httpx.Request{MultiValueHeaders: map[string][]string{"x-latchkey-origin": {"a"}, "X-Latchkey-Origin": {"b"}}}, 2},
		{"single-value only", httpx.Request{Headers: map[string]string{"X-LATCHKEY-ORIGIN": "a"}}, 1},
		{"absent", httpx.Request{Headers: map[string]string{"Host": "x"}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Values(tc.req); len(got) != tc.want {
				t.Fatalf("Values() = %q; want %d values", got, tc.want)
			}
		})
	}
}

func TestRequire(t *testing.T) {
	called := false
	h := func(context.Context, httpx.Request) (httpx.Response, error) {
		called = true
		return httpx.NoContent(), nil
	}
	secret := "s3cret-s3cret-s3cret-s3cret-s3cret-s3cret"
	wrapped := Require(Secrets{secret}, h)

	_, err := wrapped(context.Background(), httpx.Request{Headers: map[string]string{"Authorization": "Bearer x"}})
	var e *httpx.Error
	if !errors.As(err, &e) || e.Status != 403 || called {
		t.Fatalf("request without the header: err = %v, handler called = %v; want a 403 and no call", err, called)
	}
	resp := httpx.ErrorResponse(e)
	if want := `{"error":"forbidden","message":"requests must come through the app's address"}`; resp.Body != want {
		t.Fatalf("refusal body = %s; want %s", resp.Body, want)
	}

	resp, err = wrapped(context.Background(), httpx.Request{Headers: map[string]string{Header: secret}})
	if err != nil || resp.StatusCode != 204 || !called {
		t.Fatalf("request through CloudFront = %d, %v (called %v); want the handler's 204", resp.StatusCode, err, called)
	}
}

func TestRequireOffIsTheHandlerItself(t *testing.T) {
	called := false
	h := func(context.Context, httpx.Request) (httpx.Response, error) {
		called = true
		return httpx.NoContent(), nil
	}
	if _, err := Require(nil, h)(context.Background(), httpx.Request{}); err != nil || !called {
		t.Fatalf("Require(nil, h) did not pass the request on: %v", err)
	}
}
