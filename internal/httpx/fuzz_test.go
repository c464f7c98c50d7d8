package httpx

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeJSON feeds attacker-shaped bodies to the decoder: it never
// panics, and what it accepts is a JSON object with each name once.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"label":"x"}`, `{"label":"x","LABEL":"y"}`, `{"a":{"b":[{"c":1},{"c":2}]}}`, `[`, `{"label":"x"}{}`, `{"label":}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v struct {
			Label string         `json:"label"`
			A     map[string]any `json:"a"`
		}
		req := Request{Body: body, Headers: map[string]string{"Content-Type": "application/json"}}
		if err := DecodeJSON(req, 1<<16, &v); err != nil {
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &m) != nil {
			t.Fatalf("accepted %q, which is not a JSON object", body)
		}
	})
}
