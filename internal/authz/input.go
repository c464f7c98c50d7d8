package authz

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/latchkey/latchkey/internal/ascii"
	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/httpx"
)

// Input is what a decision needs from API Gateway's REQUEST authorizer
// event, and nothing more: the route, and the headers that carry or qualify
// a credential, each with all of its values.
type Input struct {
	MethodArn  string
	Resource   string
	HTTPMethod string
	// Authorization, Cookie, Origin and SecFetchSite hold every value the
	// request sent for that header, whatever its letter case.
	Authorization []string
	Cookie        []string
	Origin        []string
	SecFetchSite  []string
	// FrontDoor holds every value of frontdoor.Header, which CloudFront adds
	// to prove the request came through it.
	FrontDoor []string
	// RequestID and SourceIP are API Gateway's request id and the address
	// the request came from (behind CloudFront, CloudFront's), for the
	// decision's log line.
	RequestID string
	SourceIP  string
	// ViewerAddress is the address of the viewer as CloudFront saw it
	// (httpx.ViewerAddressHeader, which CloudFront's function writes over
	// whatever a client sends); empty locally.
	ViewerAddress string
}

// InputFrom takes the decision's input from a decoded event (the local
// gateway's path). Each header map is walked once for all the wanted
// headers, which match as httpx.ValuesOf matches them: the multi-value
// map's values when it has any, else the single-value map's.
func InputFrom(req Request) Input {
	in := Input{MethodArn: req.MethodArn, Resource: req.Resource, HTTPMethod: req.HTTPMethod,
		RequestID: req.RequestContext.RequestID, SourceIP: req.RequestContext.Identity.SourceIP}
	var one, mult [wantedHeaders][]string
	for k, vs := range req.MultiValueHeaders {
		if h := match(k, wantedHeaderNames[:]); h >= 0 {
			mult[h] = append(mult[h], vs...)
		}
	}
	for k, v := range req.Headers {
		if h := match(k, wantedHeaderNames[:]); h >= 0 {
			one[h] = append(one[h], v)
		}
	}
	in.setHeaders(&one, &mult)
	return in
}

// setHeaders sets the wanted headers from the event's maps: the
// multi-value map's values where it has the header, else the single-value
// map's (API Gateway fills both; the multi-value one holds every value).
func (in *Input) setHeaders(one, mult *[wantedHeaders][]string) {
	either := func(h int) []string {
		if mult[h] != nil {
			return mult[h]
		}
		return one[h]
	}
	in.Authorization = either(headerAuthorization)
	in.Cookie = either(headerCookie)
	in.Origin = either(headerOrigin)
	in.SecFetchSite = either(headerSecFetchSite)
	in.FrontDoor = either(headerFrontDoor)
	in.ViewerAddress = single(either(headerViewer))
}

// maxEvent bounds the event the raw decoder reads. API Gateway caps a
// request's headers far below this; the bound is a backstop.
const maxEvent = 1 << 20

// DecodeInput reads the decision's input straight from the event JSON (the
// Lambda path) with jsontext, the streaming tokenizer of encoding/json/v2
// (github.com/go-json-experiment/json): it reads type, methodArn, resource,
// httpMethod, requestContext.requestId, requestContext.identity.sourceIp and
// the wanted headers (wantedHeaderNames), and skips every other value without
// decoding it, jsontext still checking that it is valid JSON. Names match as
// encoding/json matches them to a struct's fields, in any letter case
// (Unicode folding included, as bytes.EqualFold); header names match the same
// way (httpx.ValuesOf), and a header given under two spellings keeps both
// values, so "two Authorization headers" is never hidden.
//
// Where encoding/json would quietly pick one of two values, or mangle one,
// DecodeInput refuses the event (the authorizer then fails closed):
//   - malformed JSON, anything after the event, or invalid UTF-8 (JSON
//     between systems is UTF-8: RFC 8259, section 8.1);
//   - a field it reads given twice in its object, under the same name or
//     another letter case (encoding/json would keep the last);
//   - a wanted header given twice under exactly the same name in one map
//     (a map keeps the last);
//   - a field it reads of another type than API Gateway sends.
//
// FuzzLeanInputMatchesEncodingJSON holds it to encoding/json's decoding.
func DecodeInput(event []byte) (Input, error) {
	if len(event) > maxEvent {
		return Input{}, fmt.Errorf("authorizer event of %d bytes is over %d", len(event), maxEvent)
	}
	r := eventReaders.Get().(*eventReader)
	defer r.release()
	in, err := r.read(event)
	if err != nil {
		return Input{}, fmt.Errorf("decode authorizer event: %w", err)
	}
	return in, nil
}

// The event's fields that a decision reads, at the top level.
const (
	fieldType = iota
	fieldMethodArn
	fieldResource
	fieldHTTPMethod
	fieldHeaders
	fieldMultiValueHeaders
	fieldRequestContext
)

var topFields = []string{
	fieldType: "type", fieldMethodArn: "methodArn", fieldResource: "resource", fieldHTTPMethod: "httpMethod",
	fieldHeaders: "headers", fieldMultiValueHeaders: "multiValueHeaders", fieldRequestContext: "requestContext",
}

// The fields read in requestContext, and in its identity.
var (
	contextFields  = []string{"requestId", "identity"}
	identityFields = []string{"sourceIp"}
)

// The headers a decision reads, in the order of wantedHeaderNames.
const (
	headerAuthorization = iota
	headerCookie
	headerOrigin
	headerSecFetchSite
	headerFrontDoor
	headerViewer
	wantedHeaders
)

var wantedHeaderNames = [wantedHeaders]string{
	headerAuthorization: "authorization", headerCookie: "cookie", headerOrigin: "origin",
	headerSecFetchSite: "sec-fetch-site", headerFrontDoor: frontdoor.Header, headerViewer: httpx.ViewerAddressHeader,
}

// eventReader is DecodeInput's reusable state: the tokenizer and scratch
// space, kept in a pool so that a warm invocation allocates only the strings
// it returns.
type eventReader struct {
	src  bytes.Buffer
	dec  jsontext.Decoder
	name []byte
	// seen are the wanted header names already met in the current map:
	// offsets into seenNames.
	seen      []seenHeader
	seenNames []byte
}

type seenHeader struct{ header, start, end int }

var eventReaders = sync.Pool{New: func() any { return new(eventReader) }}

// decodeOptions: duplicate names are checked where they matter (the fields
// read) rather than in every object; invalid UTF-8 is refused (jsontext's
// default).
var decodeOptions = jsontext.AllowDuplicateNames(true)

// release returns r to the pool without keeping the event alive.
func (r *eventReader) release() {
	r.src = bytes.Buffer{}
	r.dec.Reset(&r.src)
	eventReaders.Put(r)
}

var (
	errDuplicate = errors.New("a field the authorizer reads is given twice")
	errType      = errors.New("a field the authorizer reads has the wrong type")
)

func (r *eventReader) read(event []byte) (Input, error) {
	r.src = *bytes.NewBuffer(event)
	r.dec.Reset(&r.src, decodeOptions)
	var (
		in        Input
		typ       string
		one, mult [wantedHeaders][]string
		seen      uint
	)
	if err := r.open('{'); err != nil {
		return Input{}, err
	}
	for r.dec.PeekKind() == '"' {
		f, err := r.field(topFields, &seen)
		if err != nil {
			return Input{}, err
		}
		switch f {
		case fieldType:
			typ, err = r.str()
		case fieldMethodArn:
			in.MethodArn, err = r.str()
		case fieldResource:
			in.Resource, err = r.str()
		case fieldHTTPMethod:
			in.HTTPMethod, err = r.str()
		case fieldHeaders:
			err = r.headers(&one, false)
		case fieldMultiValueHeaders:
			err = r.headers(&mult, true)
		case fieldRequestContext:
			err = r.requestContext(&in)
		default:
			_, err = r.dec.ReadValue()
		}
		if err != nil {
			return Input{}, err
		}
	}
	if err := r.close('}'); err != nil {
		return Input{}, err
	}
	if _, err := r.dec.ReadToken(); err != io.EOF {
		if err == nil {
			err = errors.New("more JSON after the event")
		}
		return Input{}, err
	}
	if typ != "REQUEST" {
		return Input{}, fmt.Errorf("authorizer event type %q: want REQUEST", typ)
	}
	in.setHeaders(&one, &mult)
	return in, nil
}

// open reads the start of an object or array (kind '{' or '['); close its
// end.
func (r *eventReader) open(kind jsontext.Kind) error {
	tok, err := r.dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != kind {
		return errType
	}
	return nil
}

func (r *eventReader) close(kind jsontext.Kind) error { return r.open(kind) }

// orNull reports whether the next value is null, reading it if so.
func (r *eventReader) orNull() (bool, error) {
	if r.dec.PeekKind() != 'n' {
		return false, nil
	}
	_, err := r.dec.ReadToken()
	return true, err
}

// field reads an object member's name and returns its index in fields, or
// -1 for a field not read; a field of fields met before in this object
// (seen) is refused.
func (r *eventReader) field(fields []string, seen *uint) (int, error) {
	name, err := r.readName()
	if err != nil {
		return -1, err
	}
	i := match(name, fields)
	if i < 0 {
		return -1, nil
	}
	if *seen&(1<<i) != 0 {
		return -1, errDuplicate
	}
	*seen |= 1 << i
	return i, nil
}

// readName reads an object member's name, unescaped. The bytes are valid
// until the next read.
func (r *eventReader) readName() ([]byte, error) {
	v, err := r.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	if len(v) < 2 || v[0] != '"' {
		return nil, errType
	}
	if body := v[1 : len(v)-1]; bytes.IndexByte(body, '\\') < 0 {
		return body, nil
	}
	r.name, err = jsontext.AppendUnquote(r.name[:0], v)
	return r.name, err
}

// str reads a string, or null as encoding/json reads it into a string
// (no value: "").
func (r *eventReader) str() (string, error) {
	tok, err := r.dec.ReadToken()
	if err != nil {
		return "", err
	}
	switch tok.Kind() {
	case '"':
		return tok.String(), nil
	case 'n':
		return "", nil
	}
	return "", errType
}

// headers reads a headers object (multi: multiValueHeaders, whose values
// are lists) into the wanted headers' values. A null value of the single
// map is a header present with no value, as a decoded map holds it: an
// empty Authorization header decides alone, and an empty Origin is not a
// missing one.
func (r *eventReader) headers(into *[wantedHeaders][]string, multi bool) error {
	if null, err := r.orNull(); null || err != nil {
		return err
	}
	if err := r.open('{'); err != nil {
		return err
	}
	r.seen, r.seenNames = r.seen[:0], r.seenNames[:0]
	for r.dec.PeekKind() == '"' {
		name, err := r.readName()
		if err != nil {
			return err
		}
		h := wantedHeader(name)
		if h < 0 {
			if _, err := r.dec.ReadValue(); err != nil {
				return err
			}
			continue
		}
		if err := r.once(h, name); err != nil {
			return err
		}
		if !multi {
			v, err := r.str()
			if err != nil {
				return err
			}
			into[h] = append(into[h], v)
			continue
		}
		if null, err := r.orNull(); null || err != nil {
			if err != nil {
				return err
			}
			continue
		}
		if err := r.open('['); err != nil {
			return err
		}
		for r.dec.PeekKind() != ']' {
			v, err := r.str()
			if err != nil {
				return err
			}
			into[h] = append(into[h], v)
		}
		if err := r.close(']'); err != nil {
			return err
		}
	}
	return r.close('}')
}

// once refuses a wanted header whose exact name this map gave before.
func (r *eventReader) once(h int, name []byte) error {
	for _, s := range r.seen {
		if s.header == h && string(r.seenNames[s.start:s.end]) == string(name) {
			return errDuplicate
		}
	}
	start := len(r.seenNames)
	r.seenNames = append(r.seenNames, name...)
	r.seen = append(r.seen, seenHeader{header: h, start: start, end: len(r.seenNames)})
	return nil
}

// requestContext reads requestContext.requestId and
// requestContext.identity.sourceIp.
func (r *eventReader) requestContext(in *Input) error {
	return r.object(contextFields, func(f int) (err error) {
		if f == 0 {
			in.RequestID, err = r.str()
		} else {
			err = r.identity(in)
		}
		return err
	})
}

func (r *eventReader) identity(in *Input) error {
	return r.object(identityFields, func(int) (err error) {
		in.SourceIP, err = r.str()
		return err
	})
}

// object reads an object, or null, calling member to read the value of
// each member named in fields (f its index) and skipping the others.
func (r *eventReader) object(fields []string, member func(f int) error) error {
	if null, err := r.orNull(); null || err != nil {
		return err
	}
	if err := r.open('{'); err != nil {
		return err
	}
	var seen uint
	for r.dec.PeekKind() == '"' {
		f, err := r.field(fields, &seen)
		if err != nil {
			return err
		}
		if f < 0 {
			_, err = r.dec.ReadValue()
		} else {
			err = member(f)
		}
		if err != nil {
			return err
		}
	}
	return r.close('}')
}

// wantedHeader is the index of the wanted header a name is, in any letter
// case, or -1.
func wantedHeader(name []byte) int {
	return match(name, wantedHeaderNames[:])
}

// match is the index in names (ASCII) of the one that name equals under
// Unicode case folding, as bytes.EqualFold (and so encoding/json's field
// matching, and strings.EqualFold) has it: the Kelvin sign folds to k, the
// long s to s. -1 when none does.
func match[T string | []byte](name T, names []string) int {
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			for i, want := range names {
				if strings.EqualFold(string(name), want) {
					return i
				}
			}
			return -1
		}
	}
	for i, want := range names {
		if ascii.EqualFold(name, want) {
			return i
		}
	}
	return -1
}

// single is a header's one value, or "" when it has none or several.
func single(vs []string) string {
	if len(vs) != 1 {
		return ""
	}
	return vs[0]
}
