package secretscan

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/latchkey/latchkey/internal/httpx"
)

// FuzzParse: over any verified body, Parse never panics; it refuses only
// with a 400 that never repeats the body, and only what is not a JSON list
// of objects; and of a list it accepts, it makes one entry per object,
// whose kept fields are printable and within their bounds, whose looked-up
// token is too, and which names only fields it truncated or dropped.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`[{"token":"lk_live_x","type":"latchkey_api_key","url":"https://github.com/o/r","source":"content"}]`,
		`[]`, `null`, `{}`, `[{}]`, `[{"token":""}]`, `[{"token":"a","extra":1}]`, `[{"token":"a"}] []`, "[{\"token\":\"\xff\"}]",
		`[{"token":"a","url":"\u0007"}]`, `[1]`, `[null]`, `[{"token":1}]`, `[{"token":"a","type":{"x":1},"source":["s"]}]`,
		`[{"TOKEN":"a","Url":"https://x"}]`, `[{"token":"a","source":"ééééééééééééééééééééééééééééééééé"}]`,
		`[{"token":"a","url":"\u202e"}]`, `[{"token":"\ud800","type":null}]`,
	} {
		f.Add([]byte(s))
	}
	fields := []string{FieldToken, FieldType, FieldURL, FieldSource}
	f.Fuzz(func(t *testing.T, body []byte) {
		es, err := Parse(body)
		var items []map[string]json.RawMessage
		isList := utf8.Valid(body) && json.Unmarshal(body, &items) == nil && items != nil && !slices.ContainsFunc(items, func(m map[string]json.RawMessage) bool { return m == nil })
		if err != nil {
			var e *httpx.Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("Parse = %v; want a 400", err)
			}
			if len(body) > 8 && len(e.Message) >= len(body) && e.Message == string(body) {
				t.Fatalf("the message repeats the body")
			}
			if isList {
				t.Fatalf("Parse refused a JSON list of objects: %v", err)
			}
			return
		}
		if !isList || len(es) != len(items) {
			t.Fatalf("accepted %d entries of a body that is not a JSON list of %d objects", len(es), len(items))
		}
		for _, e := range es {
			if len(e.Type) > MaxTypeLen || len(e.URL) > MaxURLLen || len(e.Source) > MaxSourceLen ||
				!printable(e.Type+e.URL+e.Source) || !utf8.ValidString(e.Type+e.URL+e.Source) {
				t.Fatalf("kept a field outside its bound or not printable: %+v", e)
			}
			if e.Candidate && (e.Token == "" || len(e.Token) > MaxTokenLen || !printable(e.Token)) {
				t.Fatalf("looks up a token that cannot be a key: %+v", e)
			}
			for _, name := range append(slices.Clone(e.Truncated), e.Dropped...) {
				if !slices.Contains(fields, name) {
					t.Fatalf("names a field %q that matches have not", name)
				}
			}
			if slices.Contains(e.Truncated, FieldToken) {
				t.Fatalf("truncated the token, whose hash is kept: %+v", e)
			}
		}
	})
}
