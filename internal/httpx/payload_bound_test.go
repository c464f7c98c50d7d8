package httpx

import (
	"strings"
	"testing"
)

// FuzzEncodedBound: the bound OverResponseLimit trusts is never below the
// size encoding/json gives, whatever the answer's strings hold.
func FuzzEncodedBound(f *testing.F) {
	for _, s := range []string{"", "plain", "<>&\"\\", "\x00\x1f\x7f", "\u2028\u2029", "\xff\xfe\xfd", "é€𝄞"} {
		f.Add(s, s, 200, true)
	}
	f.Fuzz(func(t *testing.T, body, header string, status int, b64 bool) {
		r := Response{StatusCode: status, Body: body, IsBase64Encoded: b64,
			Headers:           map[string]string{header: body, "Content-Type": header},
			MultiValueHeaders: map[string][]string{header: {body, header, ""}, "Set-Cookie": nil}}
		if got, size := encodedBound(r), EncodedSize(r); got < size {
			t.Fatalf("encodedBound = %d < EncodedSize = %d", got, size)
		}
		r.Headers, r.MultiValueHeaders = nil, nil
		if got, size := encodedBound(r), EncodedSize(r); got < size {
			t.Fatalf("encodedBound = %d < EncodedSize = %d without headers", got, size)
		}
	})
}

// TestOverResponseLimit: an answer over Lambda's limit is found and
// measured; one within it is not, even when its bound alone would pass the
// limit.
func TestOverResponseLimit(t *testing.T) {
	tests := []struct {
		name string
		body string
		over bool
	}{
		{"small", `{"ok":true}`, false},
		{"bound over the limit, size within it", strings.Repeat("a", MaxResponse/2), false},
		{"over the limit", strings.Repeat("a", MaxResponse), true},
		{"HTML characters, which the runtime leaves as they are", strings.Repeat("<", MaxResponse/5), false},
		{"control characters over once escaped", strings.Repeat("\x01", MaxResponse/5), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Response{StatusCode: 200, Body: tc.body, Headers: map[string]string{"Content-Type": "application/json"}}
			size, over := OverResponseLimit(r)
			if over != tc.over || over != (EncodedSize(r) > MaxResponse) {
				t.Fatalf("OverResponseLimit = %d, %v; want over %v (EncodedSize %d)", size, over, tc.over, EncodedSize(r))
			}
			if over && size != EncodedSize(r) {
				t.Fatalf("size %d; EncodedSize %d", size, EncodedSize(r))
			}
		})
	}
}
