// Package httpx is how Latchkey's Lambda handlers speak HTTP through API
// Gateway (REST API, payload v1): JSON answers with the error shape of
// docs/API.md, the headers every API answer carries, bounded body decoding, and
// the adapter that turns a handler's error into a status without leaking it.
package httpx

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Request and Response are API Gateway's REST (v1) proxy event and answer.
type (
	Request  = events.APIGatewayProxyRequest
	Response = events.APIGatewayProxyResponse
)

// Handler serves one route. It returns an *Error for answers it chose (404,
// 409, …); any other error becomes a 500 whose detail is only logged.
type Handler func(ctx context.Context, req Request) (Response, error)

// Error codes of docs/API.md.
const (
	CodeBadRequest       = "bad_request"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeConflict         = "conflict"
	CodeTooLarge         = "too_large"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeRateLimited      = "rate_limited"
	CodeInternal         = "internal"
	// CodeUnavailable (503) is a dependency outage that fails closed, such
	// as the authorizer unable to read its store; clients may retry.
	CodeUnavailable = "unavailable"
	// CodeReauthRequired (403) asks the person to sign in again first: the
	// action (making or regenerating an API key) needs a recent sign-in.
	CodeReauthRequired = "reauth_required"
	// CodeIPNotAllowed (403) refuses an API key used from an address
	// outside the key's allow-list (allowedCidrs).
	CodeIPNotAllowed = "ip_not_allowed"
	// CodeTimeout (504) is API Gateway giving up on a function: the request
	// may or may not have taken effect.
	CodeTimeout = "timeout"
	// CodeKeyRevoked (409): the key was revoked (its secret was found in
	// public), so it cannot be regenerated; delete it and make another.
	CodeKeyRevoked = "key_revoked"
	// CodeInvalidSignature (401): a secret-scanning report whose GitHub
	// signature is missing, malformed, by an unknown key or does not match
	// its body.
	CodeInvalidSignature = "invalid_signature"
	// CodeMethodNotAllowed (405): the local server's web app is read-only;
	// a method but GET or HEAD on its files is refused.
	CodeMethodNotAllowed = "method_not_allowed"
	// CodeNotImplemented (501): a route that make route added answers it
	// until its handler is written.
	CodeNotImplemented = "not_implemented"
)

// Error is an answer a handler chose to give: an HTTP status, an docs/API.md code
// and a message safe to show the caller.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Errorf builds an *Error with a formatted message. The message goes to the
// caller: never put a secret or an internal error's text in it.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Common answers.
func BadRequest(format string, args ...any) *Error {
	return Errorf(400, CodeBadRequest, format, args...)
}

// NotFound is the 404 for a missing resource or one the caller may not know of.
func NotFound(what string) *Error {
	return Errorf(404, CodeNotFound, "%s not found", what)
}

// ErrorBody is the JSON error shape of docs/API.md.
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// ErrorResponse renders e as an API answer. A 401 names the accepted
// schemes in WWW-Authenticate (docs/API.md), whether the gateway or a function
// gives it.
func ErrorResponse(e *Error) Response {
	r := JSON(e.Status, ErrorBody{Error: e.Code, Message: e.Message})
	if e.Status == 401 {
		r.Headers["WWW-Authenticate"] = WWWAuthenticate
	}
	if e.Status == 503 || e.Status == 429 {
		// Latchkey answers these before it acts: a retry is safe, after this.
		r.Headers["Retry-After"] = "5"
	}
	return r
}

// JSON answers status with v encoded as JSON and the standard API headers.
func JSON(status int, v any) Response {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a programming error (an unmarshalable type) gets here.
		status = 500
		body = []byte(`{"error":"internal","message":"internal error"}`)
	}
	h := APIHeaders()
	h["Content-Type"] = "application/json; charset=utf-8"
	return Response{StatusCode: status, Headers: h, Body: string(body)}
}

// NoContent answers 204 with the standard API headers.
func NoContent() Response {
	return Response{StatusCode: 204, Headers: APIHeaders()}
}

// HSTSMaxAge is how long a browser keeps to HTTPS for the app's host, in
// seconds (two years), and HSTS the header that says so, with the
// subdomains. The API's answers, the local web app and CloudFront's
// response headers policy (infra) all send it from here.
const (
	HSTSMaxAge = 63072000
	HSTS       = "max-age=63072000; includeSubDomains"
)

// APIHeaders returns the headers every API answer carries (docs/API.md): never
// cached, and the headers every answer carries (setSharedHeaders).
// CloudFront adds the page headers in front (PageHeaders); HSTS is set here
// too so that a function answers the same behind any front door.
func APIHeaders() map[string]string {
	h := make(map[string]string, 8) // room for the few a response adds
	setSharedHeaders(h)
	h["Cache-Control"] = "no-store"
	return h
}

// setSharedHeaders sets the headers that the API's answers (APIHeaders)
// and the web app's pages (PageHeaders) both carry: never content-sniffed,
// HTTPS only (HSTS), no referrer leaks.
func setSharedHeaders(h map[string]string) {
	h["X-Content-Type-Options"] = "nosniff"
	h["Strict-Transport-Security"] = HSTS
	h["Referrer-Policy"] = "strict-origin-when-cross-origin"
}

// Adapt turns a Handler into the function lambda.Start takes: chosen errors
// become their answers; any other error is logged with the request id and
// answered 500 with no detail; a panic is recovered the same way, so one bad
// request never kills a warm instance.
func Adapt(log *slog.Logger, h Handler) func(context.Context, Request) (Response, error) {
	return func(ctx context.Context, req Request) (resp Response, err error) {
		log := RequestLogger(log, req)
		defer func() {
			if p := recover(); p != nil {
				log.Error("handler panicked", "panic", fmt.Sprint(p))
				resp, err = ErrorResponse(Errorf(500, CodeInternal, "internal error")), nil
			}
		}()
		ctx = WithLogger(ctx, log)
		resp, err = h(ctx, req)
		if err != nil {
			return ErrorResponse(Chosen(ctx, err)), nil
		}
		return resp, nil
	}
}

// SecureURL reports whether u may be trusted with credentials and redirects:
// an absolute URL with a host and no userinfo, over https, or over plain
// http only on a loopback host (IsLoopback). Every configured or discovered
// URL Latchkey talks to or sends a browser to is held to this one rule.
func SecureURL(u *url.URL) bool {
	if u == nil || u.Hostname() == "" || u.User != nil {
		return false
	}
	return u.Scheme == "https" || u.Scheme == "http" && IsLoopback(u.Hostname())
}

// IsLoopback reports whether a host name (no port, no brackets) is this
// machine: "localhost" in any letter case, or a loopback address
// (127.0.0.0/8, ::1). Plain http and the development provider are allowed
// only there.
func IsLoopback(host string) bool {
	if len(host) == len("localhost") && strings.ToLower(host) == "localhost" {
		return true // ASCII letters only: ToLower keeps the length of no other spelling
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
