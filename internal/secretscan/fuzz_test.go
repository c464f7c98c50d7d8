package secretscan

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/latchkey/latchkey/internal/httpx"
)

// FuzzParse: over any verified body, Parse never panics, refuses with a
// 400 or a 413 and never repeats the body, and what it accepts is within
// every limit.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`[{"token":"lk_live_x","type":"latchkey_api_key","url":"https://github.com/o/r","source":"content"}]`,
		`[]`, `null`, `{}`, `[{}]`, `[{"token":""}]`, `[{"token":"a","extra":1}]`, `[{"token":"a"}] []`, "[{\"token\":\"\xff\"}]",
		`[{"token":"a","url":"\u0007"}]`, `[1]`, `[{"token":1}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ms, err := Parse(body)
		if err != nil {
			var e *httpx.Error
			if !errors.As(err, &e) || (e.Status != 400 && e.Status != 413) {
				t.Fatalf("Parse = %v; want a 400 or 413", err)
			}
			if len(body) > 8 && len(e.Message) >= len(body) && e.Message == string(body) {
				t.Fatalf("the message repeats the body")
			}
			return
		}
		if !utf8.Valid(body) || len(ms) > MaxMatches {
			t.Fatalf("accepted %d matches of a body that is not valid UTF-8 or over the limit", len(ms))
		}
		for _, m := range ms {
			if m.Token == "" || len(m.Token) > MaxTokenLen || len(m.Type) > MaxTypeLen || len(m.URL) > MaxURLLen ||
				len(m.Source) > MaxSourceLen || hasControl(m.Token+m.Type+m.URL+m.Source) {
				t.Fatalf("accepted a match outside the limits: %+v", m)
			}
		}
	})
}
