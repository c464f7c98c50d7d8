package secretscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/internal/httpx"
)

// Limits of a report. A Latchkey key is 57 characters and GitHub only sends
// what matches its pattern, so the token bound is generous; the others
// bound what is kept.
const (
	// MaxBody is the most bytes a report may have (413 beyond).
	MaxBody = 1 << 20
	// MaxMatches is the most matches one report may hold (413 beyond).
	MaxMatches = 1000
	// MaxTokenLen, MaxTypeLen, MaxURLLen and MaxSourceLen bound each field
	// of a match, in bytes (400 beyond).
	MaxTokenLen  = 256
	MaxTypeLen   = 128
	MaxURLLen    = 2048
	MaxSourceLen = 64
)

// Match is one secret GitHub found: the token, the secret type's name
// registered with GitHub, the public URL where it was found (may be empty)
// and the kind of place ("content", "commit", "issue_comment", …).
type Match struct {
	Token  string `json:"token" schema:"minLength=1,maxLength=256"`
	Type   string `json:"type,omitempty" schema:"maxLength=128"`
	URL    string `json:"url,omitempty" schema:"maxLength=2048"`
	Source string `json:"source,omitempty" schema:"maxLength=64"`
}

// Matches is the body of a report.
type Matches []Match

// Parse reads a verified report's body: a JSON list of matches, within the
// limits above. Fields it does not know are ignored (GitHub may add some);
// anything else that is not such a list is a 400 whose message names the
// match, never its content.
func Parse(body []byte) (Matches, error) {
	if !utf8.Valid(body) {
		return nil, httpx.BadRequest("the report is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var ms Matches
	if err := dec.Decode(&ms); err != nil || ms == nil {
		return nil, httpx.BadRequest("the report is not a JSON list of {token, type, url, source}")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, httpx.BadRequest("the report has data after the JSON list")
	}
	if len(ms) > MaxMatches {
		return nil, httpx.Errorf(413, httpx.CodeTooLarge, "the report holds %d matches; at most %d per report", len(ms), MaxMatches)
	}
	for i, m := range ms {
		switch {
		case m.Token == "" || len(m.Token) > MaxTokenLen:
			return nil, httpx.BadRequest("match %d: token must be 1 to %d bytes", i+1, MaxTokenLen)
		case len(m.Type) > MaxTypeLen:
			return nil, httpx.BadRequest("match %d: type is over %d bytes", i+1, MaxTypeLen)
		case len(m.URL) > MaxURLLen:
			return nil, httpx.BadRequest("match %d: url is over %d bytes", i+1, MaxURLLen)
		case len(m.Source) > MaxSourceLen:
			return nil, httpx.BadRequest("match %d: source is over %d bytes", i+1, MaxSourceLen)
		case hasControl(m.Token) || hasControl(m.Type) || hasControl(m.URL) || hasControl(m.Source):
			return nil, httpx.BadRequest("match %d: a field holds a control character", i+1)
		}
	}
	return ms, nil
}

func hasControl(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }
