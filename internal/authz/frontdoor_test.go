package authz

import (
	"context"
	"testing"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/frontdoor"
)

// TestFrontDoor: with an origin secret configured, a request without
// CloudFront's header is denied before any credential is read, so the
// execute-api address cannot be used to test keys around CloudFront.
func TestFrontDoor(t *testing.T) {
	const cur, prev = "current-0123456789abcdefghijklmnopqrstuvwxyz", "previous-0123456789abcdefghijklmnopqrstuvwxy"
	f := newFixture()
	key, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	a := f.authorizer(0)
	a.opts.OriginSecrets = frontdoor.Secrets{cur, prev}

	tests := []struct {
		name      string
		frontDoor []string
		want      Effect
		wantReads int64
	}{
		{"no header", nil, Deny, 0},
		{"a wrong value", []string{"guess"}, Deny, 0},
		{"the current value", []string{cur}, Allow, 1},
		{"the previous value during a rotation", []string{prev}, Allow, 1},
		{"two values", []string{cur, cur}, Deny, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.keys.reads.Load()
			in := Input{HTTPMethod: "GET", Resource: "/r", Authorization: []string{"Bearer " + key}, FrontDoor: tc.frontDoor}
			d := a.Decide(context.Background(), in)
			if d.Effect != tc.want {
				t.Fatalf("Decide(front door %d values) = %v (%s); want %v", len(tc.frontDoor), d.Effect, d.Reason, tc.want)
			}
			if got := f.keys.reads.Load() - before; got != tc.wantReads {
				t.Fatalf("Decide read the key store %d times; want %d", got, tc.wantReads)
			}
		})
	}
}

func TestDecodeInputFrontDoor(t *testing.T) {
	in, err := DecodeInput([]byte(`{"type":"REQUEST","headers":{"x-latchkey-origin":"a"},"multiValueHeaders":{"X-Latchkey-Origin":["a"]}}`))
	if err != nil || len(in.FrontDoor) != 1 || in.FrontDoor[0] != "a" {
		t.Fatalf("DecodeInput front door = %q, %v; want [a]", in.FrontDoor, err)
	}
	full := InputFrom(Request{Headers: map[string]string{"X-LATCHKEY-ORIGIN": "b"}})
	if len(full.FrontDoor) != 1 || full.FrontDoor[0] != "b" {
		t.Fatalf("InputFrom front door = %q; want [b]", full.FrontDoor)
	}
}
