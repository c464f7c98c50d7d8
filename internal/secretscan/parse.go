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

// Limits of a report. Only the body's size refuses a report (413): past
// the signature, one odd match must not stop the others, or the live key
// reported beside it would never be revoked (GitHub's retries would meet
// the same refusal). The field bounds are what a match may hold to be
// looked up (a token) or kept (the others).
const (
	// MaxBody is the most bytes a report may have (413 beyond). It also
	// bounds how many matches a report holds: no limit of its own.
	MaxBody = 1 << 20
	// MaxTokenLen bounds a token that is looked up: a Latchkey key is 57
	// characters and GitHub sends only what matches its pattern, so a
	// longer token is no key.
	MaxTokenLen = 256
	// MaxTypeLen, MaxURLLen and MaxSourceLen bound what is kept of the
	// other fields, in bytes: a longer one is cut there, at a character's
	// boundary.
	MaxTypeLen   = 128
	MaxURLLen    = 2048
	MaxSourceLen = 64
	// MaxFeedback bounds the answer's feedback: the report's first labelled
	// tokens. A 1 MB report can hold tens of thousands of short tokens,
	// whose feedback would pass Lambda's 6 MB answer (API.md, "Answer
	// sizes"); every one is kept for cmd/secret-scanning-feedback.
	MaxFeedback = 1000
)

// The names of a match's fields, as Entry.Truncated and Entry.Dropped name
// them.
const (
	FieldToken  = "token"
	FieldType   = "type"
	FieldURL    = "url"
	FieldSource = "source"
)

// Match is one secret GitHub found: the token, the secret type's name
// registered with GitHub, the public URL where it was found (may be empty)
// and the kind of place ("content", "commit", "issue_comment", …).
type Match struct {
	Token  string `json:"token"`
	Type   string `json:"type,omitempty"`
	URL    string `json:"url,omitempty"`
	Source string `json:"source,omitempty"`
}

// Matches is the body of a report.
type Matches []Match

// Entry is one match of a report as it is handled: its token as sent, and
// its other fields as they can be kept, every one printable and within its
// bound.
type Entry struct {
	Match
	// Candidate says the token may be a Latchkey key, and so is looked up:
	// 1 to MaxTokenLen bytes, every character printable. Any other token
	// is not a key (OutcomeNotAKey), and is kept by its hash only.
	Candidate bool
	// Truncated names the fields cut to their bound.
	Truncated []string
	// Dropped names the fields left out: not a string, or holding a
	// character that is not printable (a control or format character, such
	// as a bidirectional override). A token that is not a string is the
	// empty token.
	Dropped []string
}

// rawMatch is a match before its fields are checked: each is whatever JSON
// value it holds (nil when absent). Keys match as encoding/json matches a
// struct's (case-insensitively); other fields are ignored (GitHub may add
// some).
type rawMatch struct {
	Token  json.RawMessage `json:"token"`
	Type   json.RawMessage `json:"type"`
	URL    json.RawMessage `json:"url"`
	Source json.RawMessage `json:"source"`
}

// Parse reads a verified report's body. Only a body that is not a JSON
// list of objects — invalid UTF-8, another value, an item that is not an
// object, data after the list — is refused, with a 400 whose message never
// holds the body's content. Every object of the list is an entry, whatever
// its fields hold: a token that cannot be a key is no key, and the other
// fields keep what can be kept (Entry).
func Parse(body []byte) ([]Entry, error) {
	if !utf8.Valid(body) {
		return nil, httpx.BadRequest("the report is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var items []json.RawMessage
	if err := dec.Decode(&items); err != nil || items == nil {
		return nil, httpx.BadRequest("the report is not a JSON list of {token, type, url, source}")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, httpx.BadRequest("the report has data after the JSON list")
	}
	entries := make([]Entry, 0, len(items))
	for i, item := range items {
		var raw rawMatch
		if !bytes.HasPrefix(bytes.TrimLeft(item, " \t\r\n"), []byte("{")) || json.Unmarshal(item, &raw) != nil {
			return nil, httpx.BadRequest("match %d is not a JSON object", i+1)
		}
		entries = append(entries, entry(raw))
	}
	return entries, nil
}

// entry checks a match's fields.
func entry(raw rawMatch) Entry {
	var e Entry
	token, isString := stringOf(raw.Token)
	if !isString {
		e.Dropped = append(e.Dropped, FieldToken)
	}
	e.Token = token
	e.Candidate = token != "" && len(token) <= MaxTokenLen && printable(token)
	e.Type = e.keep(FieldType, raw.Type, MaxTypeLen)
	e.URL = e.keep(FieldURL, raw.URL, MaxURLLen)
	e.Source = e.keep(FieldSource, raw.Source, MaxSourceLen)
	return e
}

// keep returns what can be kept of a field: "" when it is absent, null,
// not a string or not printable (the last two noted as dropped), and
// otherwise the string, cut to max bytes at a character's boundary (noted
// as truncated).
func (e *Entry) keep(name string, raw json.RawMessage, max int) string {
	s, isString := stringOf(raw)
	switch {
	case !isString || !printable(s):
		e.Dropped = append(e.Dropped, name)
		return ""
	case len(s) > max:
		e.Truncated = append(e.Truncated, name)
		return cut(s, max)
	}
	return s
}

// stringOf reads a field's value: "" and true when it is absent or null,
// the string and true when it is one, "" and false otherwise.
func stringOf(raw json.RawMessage) (string, bool) {
	if raw == nil || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// printable reports whether every character of s is printable (letters,
// marks, numbers, punctuation, symbols and the ASCII space), as a key's
// label must be: no control character, no format character that could
// disguise what is shown.
func printable(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) })
}

// cut returns the longest prefix of s of at most n bytes that ends at a
// character's boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
