package httpx

import (
	"context"
	"errors"
	"html"
	"maps"
	"mime"
	"net"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ContentSecurityPolicy is the web app's policy, and that of every HTML page
// the API answers: its own scripts, styles and API only; no inline script
// or style, no framing, no plugins. CloudFront sends it on every answer in
// a deployment, the local server on the web app's files.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// PageHeaders returns the headers of every page of the web app, and of
// every HTML page the API answers: the shared ones (setSharedHeaders: HSTS,
// nosniff, the referrer policy), frame denial and the content security
// policy. They are what CloudFront's response headers policy adds to every
// answer in a deployment (infra/web.go; TestResponseHeadersPolicy compares
// the policy it synthesizes with them), what the local server sends with
// the web app's files, and what ErrorPage adds to the API's headers.
func PageHeaders() map[string]string {
	h := make(map[string]string, 8)
	setSharedHeaders(h)
	h["X-Frame-Options"] = "DENY"
	h["Content-Security-Policy"] = ContentSecurityPolicy
	return h
}

// WantsHTML reports whether the request asks for an HTML page: its Accept
// header names text/html (with a non-zero quality), as a browser's
// navigation does. A fetch() or a script sends application/json or */*, and
// gets the JSON error shape.
func WantsHTML(req Request) bool {
	for _, accept := range HeaderValues(req, "Accept") {
		for _, part := range strings.Split(accept, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != "text/html" {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
					continue
				}
			}
			return true
		}
	}
	return false
}

// Chosen returns the answer a handler's error stands for: the *Error it
// chose; 503 for a dependency that is down or throttling (Unavailable),
// which a client may retry; or, for anything else, a 500 without detail.
// Errors it did not choose are logged with the request's logger. Adapt
// answers errors this way.
func Chosen(ctx context.Context, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	Logger(ctx).Error("handler failed", "err", err.Error(), "unavailable", Unavailable(err))
	if Unavailable(err) {
		return Errorf(503, CodeUnavailable, "a service Latchkey depends on is unavailable; try again shortly")
	}
	return Errorf(500, CodeInternal, "internal error")
}

// unavailableCodes are the error codes of AWS services (and their
// emulators) that refuse a request before doing anything: throttling.
var unavailableCodes = map[string]bool{
	"ThrottlingException": true, "ProvisionedThroughputExceededException": true, "RequestLimitExceeded": true,
}

// Unavailable reports whether err is a dependency that refused the request
// before doing anything: it could not be connected to, or it throttled.
// Then a 503 is honest and a retry safe. A timeout or an internal error of
// the dependency is not: a write may have happened, so that stays a 500.
// It looks only at interfaces, so it needs no AWS package.
func Unavailable(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var coded interface{ ErrorCode() string }
	return errors.As(err, &coded) && unavailableCodes[coded.ErrorCode()]
}

// ErrorFor renders e for the request: a small HTML page (ErrorPage) when a
// browser navigated here, else the JSON error shape. Only routes that a
// browser navigates to (sign-in's) use it.
func ErrorFor(req Request, title string, e *Error) Response {
	if WantsHTML(req) {
		return ErrorPage(title, e)
	}
	return ErrorResponse(e)
}

// ErrorPage renders e as a small HTML page with the same status: a title,
// the message in words and a link back to the app. It carries the API's
// headers and the page headers (PageHeaders: the web app's content
// security policy and frame denial), and loads only the app's own style
// sheet.
func ErrorPage(title string, e *Error) Response {
	h := APIHeaders()
	maps.Copy(h, PageHeaders())
	h["Content-Type"] = "text/html; charset=utf-8"
	if e.Status == 401 {
		h["WWW-Authenticate"] = WWWAuthenticate
	}
	body := `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + html.EscapeString(title) + ` · Latchkey</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/style.css">
</head>
<body class="page">
<main id="main">
<h1>` + html.EscapeString(title) + `</h1>
<p role="alert">` + html.EscapeString(sentence(e.Message)) + `</p>
<p><a class="button" href="/">Back to Latchkey</a></p>
</main>
</body>
</html>
`
	return Response{StatusCode: e.Status, Headers: h, Body: body}
}

// sentence starts s with a capital letter and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
