package authz

import (
	"encoding/json"
	"fmt"

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
	// (ViewerAddressHeader, which CloudFront's function writes over
	// whatever a client sends); empty locally.
	ViewerAddress string
}

// ViewerAddressHeader carries the viewer's address from CloudFront's
// viewer-request function on /api/* (infra/web.go). It is
// httpx.ViewerAddressHeader, where the handlers read it from
// (httpx.CallerAddress).
const ViewerAddressHeader = httpx.ViewerAddressHeader

// InputFrom takes the decision's input from a decoded event (the local
// gateway's path).
func InputFrom(req Request) Input {
	in := Input{MethodArn: req.MethodArn, Resource: req.Resource, HTTPMethod: req.HTTPMethod,
		RequestID: req.RequestContext.RequestID, SourceIP: req.RequestContext.Identity.SourceIP}
	pick := func(name string) []string { return httpx.ValuesOf(req.Headers, req.MultiValueHeaders, name) }
	in.Authorization = pick("Authorization")
	in.Cookie = pick("Cookie")
	in.Origin = pick("Origin")
	in.SecFetchSite = pick("Sec-Fetch-Site")
	in.FrontDoor = pick(frontdoor.Header)
	if v := pick(ViewerAddressHeader); len(v) == 1 {
		in.ViewerAddress = v[0]
	}
	return in
}

// maxEvent bounds the event the raw decoder reads. API Gateway caps a
// request's headers far below this; the bound is a backstop.
const maxEvent = 1 << 20

// DecodeInput reads the decision's input straight from the event JSON (the
// Lambda path). It decodes only the fields a decision needs: encoding/json
// still validates the whole event but builds no maps for the headers it
// skips. Header names match in any letter case, and a header given under two
// spellings keeps both values, so "two Authorization headers" is never
// hidden.
func DecodeInput(event []byte) (Input, error) {
	if len(event) > maxEvent {
		return Input{}, fmt.Errorf("authorizer event of %d bytes is over %d", len(event), maxEvent)
	}
	var e struct {
		Type           string `json:"type"`
		MethodArn      string `json:"methodArn"`
		Resource       string `json:"resource"`
		HTTPMethod     string `json:"httpMethod"`
		RequestContext struct {
			RequestID string `json:"requestId"`
			Identity  struct {
				SourceIP string `json:"sourceIp"`
			} `json:"identity"`
		} `json:"requestContext"`
		Headers           wantedHeaders[appendString]
		MultiValueHeaders wantedHeaders[appendStrings]
	}
	if err := json.Unmarshal(event, &e); err != nil {
		return Input{}, fmt.Errorf("decode authorizer event: %w", err)
	}
	if e.Type != "REQUEST" {
		return Input{}, fmt.Errorf("authorizer event type %q: want REQUEST", e.Type)
	}
	either := func(multi, single []string) []string {
		if multi != nil {
			return multi
		}
		return single
	}
	return Input{
		MethodArn:     e.MethodArn,
		Resource:      e.Resource,
		HTTPMethod:    e.HTTPMethod,
		Authorization: either(e.MultiValueHeaders.Authorization.list(), e.Headers.Authorization.list()),
		Cookie:        either(e.MultiValueHeaders.Cookie.list(), e.Headers.Cookie.list()),
		Origin:        either(e.MultiValueHeaders.Origin.list(), e.Headers.Origin.list()),
		SecFetchSite:  either(e.MultiValueHeaders.SecFetchSite.list(), e.Headers.SecFetchSite.list()),
		FrontDoor:     either(e.MultiValueHeaders.FrontDoor.list(), e.Headers.FrontDoor.list()),
		RequestID:     e.RequestContext.RequestID,
		SourceIP:      e.RequestContext.Identity.SourceIP,
		ViewerAddress: single(either(e.MultiValueHeaders.Viewer.list(), e.Headers.Viewer.list())),
	}, nil
}

// lister is a header's collected values.
type lister interface{ list() []string }

// wantedHeaders picks the credential headers out of a headers object.
// encoding/json matches object keys to these fields case-insensitively.
type wantedHeaders[T any] struct {
	Authorization T `json:"authorization"`
	Cookie        T `json:"cookie"`
	Origin        T `json:"origin"`
	SecFetchSite  T `json:"sec-fetch-site"`
	FrontDoor     T `json:"x-latchkey-origin"`         // frontdoor.Header
	Viewer        T `json:"x-latchkey-viewer-address"` // ViewerAddressHeader
}

// appendString collects the string values of every key that matches its
// field: json calls UnmarshalJSON once per matching key.
type appendString []string

func (a *appendString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		// A header present with no value still counts as present, as the
		// decoded path (InputFrom) sees it: an empty Authorization header
		// decides alone, and an empty Origin is not a missing one.
		*a = append(*a, "")
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*a = append(*a, s)
	return nil
}

func (a appendString) list() []string { return a }

// appendStrings collects the array values of every matching key.
type appendStrings []string

func (a *appendStrings) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return err
	}
	*a = append(*a, ss...)
	return nil
}

func (a appendStrings) list() []string { return a }

var (
	_ lister = appendString(nil)
	_ lister = appendStrings(nil)
)

// single is a header's one value, or "" when it has none or several.
func single(vs []string) string {
	if len(vs) != 1 {
		return ""
	}
	return vs[0]
}
