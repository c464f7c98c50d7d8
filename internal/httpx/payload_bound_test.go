package httpx

import (
	"math"
	"reflect"
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

// fill sets every string of v to s, recursively, and gives every map two
// entries, every slice two elements and every pointer a value, so a field
// added to the event is counted here whether or not requestBound knows of
// it.
func fill(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), s)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, s)
		if e.Kind() == reflect.Interface {
			e.Set(reflect.ValueOf(s))
		} else {
			fill(e, s)
		}
		m.SetMapIndex(k, e)
		k2 := reflect.New(v.Type().Key()).Elem()
		fill(k2, s+"2")
		if e.Kind() == reflect.Interface {
			m.SetMapIndex(k2, reflect.ValueOf(-1.2345678901234567e-308))
		} else {
			m.SetMapIndex(k2, e)
		}
		v.Set(m)
	case reflect.Slice:
		sl := reflect.MakeSlice(v.Type(), 2, 2)
		fill(sl.Index(0), s)
		fill(sl.Index(1), s)
		v.Set(sl)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), s)
		v.Set(p)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(math.MinInt64 >> (64 - v.Type().Bits()))
	}
}

// FuzzRequestBound: the bound OverRequestLimit trusts is never below the
// size encoding/json gives, with every field of the event filled, whatever
// the strings hold.
func FuzzRequestBound(f *testing.F) {
	for _, s := range []string{"", "plain", "<>&\"\\", "\x00\x1f\x7f", "\u2028\u2029", "\xff\xfe\xfd", "é€𝄞"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var r Request
		fill(reflect.ValueOf(&r).Elem(), s)
		if got := requestBound(r); got != -1 {
			t.Fatalf("requestBound = %d with a client certificate; want -1 (measure it)", got)
		}
		r.RequestContext.Identity.ClientCert = nil
		if got, size := requestBound(r), RequestSize(r); got < size {
			t.Fatalf("requestBound = %d < RequestSize = %d", got, size)
		}
		var empty Request
		if got, size := requestBound(empty), RequestSize(empty); got < size {
			t.Fatalf("requestBound = %d < RequestSize = %d for an empty event", got, size)
		}
	})
}

// TestOverRequestLimit: an event over Lambda's request limit is found and
// measured, headers and context counted with the body; one within it is
// not, even when its bound alone would pass the limit.
func TestOverRequestLimit(t *testing.T) {
	headers := map[string]string{"Content-Type": "application/json", "X-Fill": strings.Repeat("h", 8000)}
	tests := []struct {
		name    string
		body    string
		headers map[string]string
		over    bool
	}{
		{"small", `{"ok":true}`, headers, false},
		{"bound over the limit, size within it", strings.Repeat("a", MaxRequest/2), headers, false},
		{"a body of exactly the limit, with the event around it", strings.Repeat("a", MaxRequest), nil, true},
		{"a body that fits alone, but not with the headers", strings.Repeat("a", MaxRequest-4000), headers, true},
		{"control characters over once escaped", strings.Repeat("\x01", MaxRequest/5), nil, true},
		{"HTML characters, written as they are", strings.Repeat("<", MaxRequest/5), nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Request{HTTPMethod: "POST", Path: "/api/x", Body: tc.body, Headers: tc.headers}
			r.RequestContext.Authorizer = map[string]any{"principalId": "usr_1", "permissions": "read,write"}
			size, over := OverRequestLimit(r)
			if over != tc.over || over != (RequestSize(r) > MaxRequest) {
				t.Fatalf("OverRequestLimit = %d, %v; want over %v (RequestSize %d)", size, over, tc.over, RequestSize(r))
			}
			if over && size != RequestSize(r) {
				t.Fatalf("size %d; RequestSize %d", size, RequestSize(r))
			}
		})
	}
}
