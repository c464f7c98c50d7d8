package authz

import (
	"encoding/json"
	"fmt"
)

// decodeInputEncodingJSON is the authorizer's former raw decoder, built on
// encoding/json, kept as the oracle that DecodeInput is fuzzed against
// (FuzzLeanInputMatchesEncodingJSON): it decodes only the fields a decision
// needs, encoding/json validating the whole event and matching names in any
// letter case; a header given under two spellings keeps both values.
func decodeInputEncodingJSON(event []byte) (Input, error) {
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
		Headers           oracleHeaders[appendString]
		MultiValueHeaders oracleHeaders[appendStrings]
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

// oracleHeaders picks the credential headers out of a headers object.
// encoding/json matches object keys to these fields case-insensitively.
type oracleHeaders[T any] struct {
	Authorization T `json:"authorization"`
	Cookie        T `json:"cookie"`
	Origin        T `json:"origin"`
	SecFetchSite  T `json:"sec-fetch-site"`
	FrontDoor     T `json:"x-latchkey-origin"`         // frontdoor.Header
	Viewer        T `json:"x-latchkey-viewer-address"` // httpx.ViewerAddressHeader
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
