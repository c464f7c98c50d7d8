package authz

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

// eventFixtures are every API Gateway event this repository and the shared
// fixtures hold: the authorizer's own, and the SAM samples (the shared
// folder sits beside the repository when it is there).
func eventFixtures(tb testing.TB) map[string][]byte {
	tb.Helper()
	var files []string
	for _, pattern := range []string{"../../events/*/*.json", "../../../shared/fixtures/sam-events/*.json"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	out := map[string][]byte{}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		out[file] = raw
	}
	if len(out) < 20 {
		tb.Fatalf("found %d event fixtures; want the repository's", len(out))
	}
	return out
}

// equivalenceAuthorizers decide over the fixture keys and sessions at the
// fixtures' instant: one as a local run (no origin check), one as behind
// CloudFront (the origin secret and the viewer's address header read).
func equivalenceAuthorizers(tb testing.TB) []*Authorizer {
	tb.Helper()
	stores := embedded.New().Stores()
	if err := seed.LoadFixtures(context.Background(), stores, apikey.EnvTest); err != nil {
		tb.Fatal(err)
	}
	now := func() time.Time { return seed.FixtureNow }
	o := Options{Keys: stores.Keys, Sessions: stores.Sessions, Env: apikey.EnvTest, CacheTTL: 30 * time.Second,
		PublicURL: "http://localhost:8080", Lifetimes: session.Lifetimes{Absolute: 12 * time.Hour, Idle: time.Hour}, Now: now}
	behind := o
	behind.OriginSecrets = frontdoor.Secrets{"fuzz-origin-secret"}
	return []*Authorizer{New(o), New(behind)}
}

// sameDecision compares what API Gateway is told: the effect, who, and a
// denial's code.
func sameDecision(a, b Decision) bool {
	return a.Effect == b.Effect && a.Code == b.Code && reflect.DeepEqual(a.Principal, b.Principal)
}

// sortedInput is in with each header's values sorted: a decoded map gives
// header spellings in no order, and no decision depends on it.
func sortedInput(in Input) Input {
	for _, l := range []*[]string{&in.Authorization, &in.Cookie, &in.Origin, &in.SecFetchSite, &in.FrontDoor} {
		*l = slices.Sorted(slices.Values(*l))
	}
	return in
}

// FuzzLeanInputMatchesEncodingJSON holds DecodeInput (jsontext, reading
// only what a decision needs) to encoding/json's decoding of the same
// event, on every event fixture and whatever the fuzzer makes of them:
// where DecodeInput accepts an event, encoding/json's narrow decoding
// (decodeInputEncodingJSON, the authorizer's former decoder) accepts it
// too, with the same input and so the same decision; and where the event
// also decodes into aws-lambda-go's whole type (the local gateway's path,
// Handle), the decision is the same there. DecodeInput may refuse what
// encoding/json accepts (a duplicate, invalid UTF-8): the authorizer then
// fails closed. It never allows what encoding/json would not.
func FuzzLeanInputMatchesEncodingJSON(f *testing.F) {
	for _, raw := range eventFixtures(f) {
		f.Add(string(raw))
	}
	key := seed.FixtureKey
	for _, s := range []string{
		`{"type":"REQUEST","resource":"/api/me","httpMethod":"GET","headers":{"Authorization":"Bearer ` + key + `"}}`,
		`{"type":"REQUEST","resource":"/api/me","httpMethod":"GET","headers":{"authorization":"Bearer ` + key + `","Authorization":"Bearer ` + key + `"}}`,
		`{"type":"REQUEST","resource":"/api/me","httpMethod":"GET","headers":{"Authorization":"Bearer ` + key + `","Authorization":"Bearer x"}}`,
		`{"type":"REQUEST","resource":"/api/me","httpMethod":"GET","multiValueHeaders":{"Authorization":["Bearer ` + key + `"],"authorization":[]}}`,
		`{"TYPE":"REQUEST","Resource":"/api/me","HTTPMETHOD":"GET","Headers":{"AUTHORIZATION":"Bearer ` + key + `"}}`,
		`{"type":"REQUEST","type":"REQUEST","resource":"/api/me","httpMethod":"GET"}`,
		`{"type":"REQUEST","resource":"/api/keys","httpMethod":"POST","headers":{"Cookie":"__Host-latchkey_session=` + seed.FixtureSessionToken + `","Origin":"http://localhost:8080"}}`,
		`{"type":"REQUEST","resource":"/api/keys","httpMethod":"POST","headers":{"Cookie":"__Host-latchkey_session=` + seed.FixtureSessionToken + `","Origin":"http://localhost:8080","origin":null}}`,
		`{"type":"REQUEST","resource":"/api/me","httpMethod":"GET","headers":{"Cooｋie":"x","co\u212Akie":"__Host-latchkey_session=` + seed.FixtureSessionToken + `"}}`,
		`{"type":"REQUEST","re\u017Fource":"/api/me","httpMethod":"GET","headers":{"X-Latchkey-Origin":"fuzz-origin-secret","x-latchkey-viewer-address":"192.0.2.1","Authorization":"Bearer ` + key + `"}}`,
		`{"type":"REQUEST","requestContext":{"identity":{"sourceIp":"192.0.2.1"},"Identity":null},"headers":{"Authorization":"Bearer ` + key + `"},"resource":"/api/me","httpMethod":"GET"}`,
		`{"type":"REQUEST","headers":{"Authorization":"Bearer \u006c\u006b_test"}} `,
		`{"type":"REQUEST"} {}`,
		`{"type":"REQUEST","headers":{"Authorization":"\xff"}}`,
		`{"type":"REQUEST","headers":{"Authorization":"\ud800"}}`,
		`{"type":"REQUEST","multiValueHeaders":{"Authorization":[null,"x"]}}`,
		`{"type":"REQUEST","headers":{"Authorization":5}}`,
	} {
		f.Add(s)
	}
	authorizers := equivalenceAuthorizers(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, event string) {
		lean, err := DecodeInput([]byte(event))
		if err != nil {
			return // refused: the authorizer fails closed
		}
		old, err := decodeInputEncodingJSON([]byte(event))
		if err != nil {
			t.Fatalf("DecodeInput accepted what encoding/json refuses (%v):\n%q", err, event)
		}
		if !reflect.DeepEqual(lean, old) {
			t.Fatalf("DecodeInput = %+v\nencoding/json = %+v\nfor %q", lean, old, event)
		}
		var req Request
		full, wholeType := Input{}, json.Unmarshal([]byte(event), &req) == nil
		if wholeType {
			full = InputFrom(req)
			if got, want := sortedInput(lean), sortedInput(full); !reflect.DeepEqual(got, want) {
				t.Fatalf("DecodeInput = %+v\naws-lambda-go's type = %+v\nfor %q", got, want, event)
			}
		}
		for _, a := range authorizers {
			d := a.Decide(ctx, lean)
			if o := a.Decide(ctx, old); !sameDecision(d, o) {
				t.Fatalf("decision %+v; encoding/json's input decides %+v, for %q", d, o, event)
			}
			if wholeType {
				if o := a.Decide(ctx, full); !sameDecision(d, o) {
					t.Fatalf("decision %+v; aws-lambda-go's type decides %+v, for %q", d, o, event)
				}
			}
			a.Wait()
		}
	})
}

// TestDecodeInputMatchesEncodingJSONOnFixtures is the fuzz target's first
// check on every fixture, in make test: each is accepted, and read as
// encoding/json reads it.
func TestDecodeInputMatchesEncodingJSONOnFixtures(t *testing.T) {
	for name, raw := range eventFixtures(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			old, oerr := decodeInputEncodingJSON(raw)
			lean, err := DecodeInput(raw)
			if oerr != nil {
				if err == nil {
					t.Fatalf("DecodeInput accepted an event encoding/json refuses (%v)", oerr)
				}
				return // not a REQUEST authorizer event: both refuse
			}
			if err != nil {
				t.Fatalf("DecodeInput refused a fixture: %v", err)
			}
			if !reflect.DeepEqual(lean, old) {
				t.Fatalf("DecodeInput = %+v\nencoding/json = %+v", lean, old)
			}
		})
	}
}

// TestDecodeInputRefusesWhatEncodingJSONWouldGuess: where encoding/json
// would keep one of two values, mangle a string, or read past the event,
// DecodeInput refuses; what API Gateway sends is read.
func TestDecodeInputRefusesWhatEncodingJSONWouldGuess(t *testing.T) {
	key := seed.FixtureKey
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name, event string
		refused     bool
	}{
		{"the type twice", `{"type":"REQUEST","type":"REQUEST"}`, true},
		{"the type in two letter cases", `{"type":"REQUEST","Type":"REQUEST"}`, true},
		{"the resource under a long s (folds to s)", `{"type":"REQUEST","resource":"/a","re\u017Fource":"/b"}`, true},
		{"two headers objects", `{"type":"REQUEST","headers":{},"Headers":{"Authorization":"Bearer ` + key + `"}}`, true},
		{"the same Authorization twice in one map", `{"type":"REQUEST","headers":{"Authorization":"Bearer x","Authorization":"Bearer ` + key + `"}}`, true},
		{"the same name, once escaped", `{"type":"REQUEST","headers":{"Authorization":"a","Authorizatio\u006e":"b"}}`, true},
		{"the source address twice", `{"type":"REQUEST","requestContext":{"identity":{"sourceIp":"192.0.2.1","sourceIP":"192.0.2.2"}}}`, true},
		{"invalid UTF-8 in a header read", "{\"type\":\"REQUEST\",\"headers\":{\"Cookie\":\"a=\xff\"}}", true},
		{"invalid UTF-8 in a value skipped", "{\"type\":\"REQUEST\",\"body\":\"\xff\"}", true},
		{"a lone surrogate", `{"type":"REQUEST","headers":{"Origin":"\ud800"}}`, true},
		{"a second value after the event", `{"type":"REQUEST"} {"type":"REQUEST"}`, true},
		{"garbage after the event", `{"type":"REQUEST"}x`, true},
		{"a header of another type", `{"type":"REQUEST","headers":{"Authorization":["x"]}}`, true},
		{"a multi-value header of another type", `{"type":"REQUEST","multiValueHeaders":{"Authorization":"x"}}`, true},
		{"a list of numbers", `{"type":"REQUEST","multiValueHeaders":{"Cookie":[1]}}`, true},
		{"the type a number", `{"type":5}`, true},
		{"nesting past encoding/json's depth (10,000)", `{"type":"REQUEST","body":` + nested(10000) + `}`, true},
		{"not an object", `["type","REQUEST"]`, true},
		{"a TOKEN event", `{"type":"TOKEN","authorizationToken":"x"}`, true},

		{"two spellings of a header", `{"type":"REQUEST","headers":{"Authorization":"a","AUTHORIZATION":"b"}}`, false},
		{"names in other letter cases", `{"TYPE":"REQUEST","Headers":{"authorization":"x"}}`, false},
		{"a Kelvin sign in a header name", `{"type":"REQUEST","headers":{"Coo\u212Aie":"x"}}`, false},
		{"escapes in a value read", `{"type":"REQUEST","headers":{"Authorization":"Bearer \u006c\u006b"}}`, false},
		{"nesting at encoding/json's depth", `{"type":"REQUEST","body":` + nested(9999) + `}`, false},
		{"white space around the event", " \n{\"type\":\"REQUEST\"}\n ", false},
		{"nulls where API Gateway may send them", `{"type":"REQUEST","headers":null,"multiValueHeaders":{"Cookie":null},"requestContext":{"identity":null}}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeInput([]byte(tc.event))
			if (err != nil) != tc.refused {
				t.Fatalf("DecodeInput err = %v; want refused %v", err, tc.refused)
			}
			if !tc.refused {
				lean, _ := DecodeInput([]byte(tc.event))
				old, err := decodeInputEncodingJSON([]byte(tc.event))
				if err != nil || !reflect.DeepEqual(lean, old) {
					t.Fatalf("DecodeInput = %+v; encoding/json = %+v, %v", lean, old, err)
				}
			}
		})
	}
}
