package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/latchkey/latchkey/internal/store"
)

// DefaultBodyLimit bounds request bodies unless a route sets its own.
const DefaultBodyLimit = 64 << 10

// Header returns the value of the named header, case-insensitively (API
// Gateway passes header names as the client sent them). With several values,
// it returns "" and false: a caller that needs exactly one must not guess.
func Header(req Request, name string) (string, bool) {
	vals := HeaderValues(req, name)
	if len(vals) != 1 {
		return "", false
	}
	return vals[0], true
}

// HeaderValues returns every value of the named header, case-insensitively:
// the multi-value view when API Gateway sent it, else the single-value one.
func HeaderValues(req Request, name string) []string {
	return ValuesOf(req.Headers, req.MultiValueHeaders, name)
}

// ValuesOf is HeaderValues over the two header maps of any API Gateway
// event (the proxy event's and the authorizer event's are alike). It is
// the one header lookup: Header, HeaderCount and frontdoor.Values are
// built on it. Names match as strings.EqualFold matches them, and a name
// the multi-value map holds under two spellings gives both's values; the
// single-value map is read only when the multi-value one gives none.
func ValuesOf(single map[string]string, multi map[string][]string, name string) []string {
	var vals []string
	for k, vs := range multi {
		if strings.EqualFold(k, name) {
			vals = append(vals, vs...)
		}
	}
	if vals != nil {
		return vals
	}
	for k, v := range single {
		if strings.EqualFold(k, name) {
			vals = append(vals, v)
		}
	}
	return vals
}

// HeaderCount returns how many values the named header has.
func HeaderCount(req Request, name string) int {
	return len(HeaderValues(req, name))
}

// Query returns the single value of a query parameter; a repeated parameter
// is a 400, so that two layers never read two different values.
func Query(req Request, name string) (string, bool, error) {
	if vs, ok := req.MultiValueQueryStringParameters[name]; ok {
		if len(vs) != 1 {
			return "", false, BadRequest("query parameter %q given %d times", name, len(vs))
		}
		return vs[0], true, nil
	}
	v, ok := req.QueryStringParameters[name]
	return v, ok, nil
}

// PageOf reads a listing's ?limit= (1–100, default 20) and ?cursor=.
func PageOf(req Request) (store.Page, error) {
	limit, err := QueryInt(req, "limit", store.DefaultLimit, 1, store.MaxLimit)
	if err != nil {
		return store.Page{}, err
	}
	cursor, _, err := Query(req, "cursor")
	if err != nil {
		return store.Page{}, err
	}
	return store.Page{Limit: limit, Cursor: cursor}, nil
}

// ListError answers a listing's cursor that the store did not issue with
// 400; any other error is returned as it is.
func ListError(err error) error {
	if errors.Is(err, store.ErrBadCursor) {
		return BadRequest("cursor is not valid; start again without it")
	}
	return err
}

// QueryInt parses an optional integer query parameter within [min, max].
func QueryInt(req Request, name string, def, min, max int) (int, error) {
	s, ok, err := Query(req, name)
	if err != nil || !ok {
		return def, err
	}
	if len(s) > 6 {
		return 0, BadRequest("%s must be an integer from %d to %d", name, min, max)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, BadRequest("%s must be an integer from %d to %d", name, min, max)
	}
	return n, nil
}

// Body returns the request body, decoded from base64 when API Gateway encoded
// it, refusing more than limit bytes with 413.
func Body(req Request, limit int) ([]byte, error) {
	if !req.IsBase64Encoded {
		if len(req.Body) > limit {
			return nil, Errorf(413, CodeTooLarge, "request body is over %d bytes", limit)
		}
		return []byte(req.Body), nil
	}
	if base64.StdEncoding.DecodedLen(len(req.Body)) > limit+3 {
		return nil, Errorf(413, CodeTooLarge, "request body is over %d bytes", limit)
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, BadRequest("request body is not valid base64")
	}
	if len(b) > limit {
		return nil, Errorf(413, CodeTooLarge, "request body is over %d bytes", limit)
	}
	return b, nil
}

// DecodeJSON reads a JSON object body of at most limit bytes into v. It
// requires Content-Type application/json (415 otherwise), refuses unknown
// fields, a field named twice (in any letter case), a field not spelt
// exactly as documented, and trailing data (400), and never echoes the body
// back.
func DecodeJSON(req Request, limit int, v any) error {
	ct, _ := Header(req, "Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return Errorf(415, CodeUnsupportedMedia, "the body must be application/json")
	}
	b, err := Body(req, limit)
	if err != nil {
		return err
	}
	// JSON text is UTF-8 (RFC 8259, section 8.1); encoding/json would turn
	// an invalid byte in a string into U+FFFD and go on.
	if !utf8.Valid(b) {
		return BadRequest("the body is not valid UTF-8")
	}
	if err := exactNames(b, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typ):
			return BadRequest("field %q has the wrong type", typ.Field)
		case errors.As(err, &syn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return BadRequest("the body is not valid JSON")
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return BadRequest("the body has an unknown field")
		}
		return BadRequest("the body is not valid JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return BadRequest("the body has data after the JSON value")
	}
	return nil
}

// exactNames refuses what encoding/json would quietly decide: an object
// that names a field twice, where the last one would win, in any letter
// case ({"permissions": …, "PERMISSIONS": …}), and, for a struct v, a
// top-level name that matches a field only case-insensitively. Two layers
// reading one body must never see two different values.
func exactNames(body []byte, v any) error {
	known := jsonNames(v)
	dec := json.NewDecoder(bytes.NewReader(body))
	type object struct {
		seen  map[string]bool
		depth int
	}
	var stack []object
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // malformed JSON: Decode says so
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, object{seen: map[string]bool{}, depth: len(stack)})
				expectKey = true
				continue
			case '}':
				stack = stack[:len(stack)-1]
			case '[':
				stack = append(stack, object{depth: -1})
			case ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if expectKey && len(stack) > 0 && stack[len(stack)-1].seen != nil {
				top := stack[len(stack)-1]
				folded := foldName(t)
				if top.seen[folded] {
					return BadRequest("the body names a field twice")
				}
				top.seen[folded] = true
				if top.depth == 0 && known != nil && !known[t] {
					// encoding/json would match it case-insensitively (ſ
					// for s and K for k included), or refuse it as unknown.
					return BadRequest("the body has a field not spelt as documented")
				}
				expectKey = false
				continue
			}
		}
		// After a value inside an object, a key comes next.
		expectKey = len(stack) > 0 && stack[len(stack)-1].seen != nil
	}
}

// foldName folds a name as encoding/json matches names: case-insensitively,
// with the Unicode letters whose case maps onto ASCII (ſ, K) folded too.
func foldName(s string) string { return strings.ToUpper(strings.ToLower(s)) }

// jsonNames are the exact JSON names of a struct's fields; nil when v is
// not a pointer to a struct.
func jsonNames(v any) map[string]bool {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	t = t.Elem()
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = true
	}
	return out
}
