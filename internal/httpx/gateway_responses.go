package httpx

// WWWAuthenticate names the schemes a 401 offers (docs/API.md): an API key
// as "Bearer KEY" or "apikey KEY". Basic with user "apikey" is accepted
// too, but never offered: a browser that meets a Basic challenge asks the
// person for a user name and password, which is no way to use a key. The
// browser session cookie needs no challenge.
const WWWAuthenticate = `Bearer realm="latchkey", apikey realm="latchkey"`

// GatewayResponse is an answer API Gateway gives by itself, before or instead
// of a function. The infrastructure configures each of these on the REST API
// and the local gateway gives the same, so a client sees one error shape.
type GatewayResponse struct {
	// Type is API Gateway's gateway response type.
	Type   string
	Status int
	// TypeStatus marks the types configured without a status, which keep
	// the one API Gateway gives: DEFAULT_4XX and DEFAULT_5XX, since a
	// status there would replace that of every response type not
	// configured ("Gateway response types for API Gateway": changing a
	// default's status changes all the others), and INTEGRATION_FAILURE,
	// whose status depends on the failure. Status is then only what the
	// local gateway answers.
	TypeStatus bool
	Code       string
	Message    string
	// Headers are extra response headers (beyond APIHeaders and Content-Type).
	Headers map[string]string
	// FromAuthorizer says that on AWS the body is DenialTemplate, written
	// from the context of the authorizer's Deny, which names one of the
	// Denials; Code and Message are then those of the denial this
	// response stands for.
	FromAuthorizer bool
}

// Response renders the gateway response as a local answer.
func (g GatewayResponse) Response() Response {
	r := ErrorResponse(&Error{Status: g.Status, Code: g.Code, Message: g.Message})
	for k, v := range g.Headers {
		r.Headers[k] = v
	}
	return r
}

// The gateway responses Latchkey configures. API Gateway answers an unknown
// path, and a known path with an unknown method, with
// MISSING_AUTHENTICATION_TOKEN (403 by default); Latchkey turns it into the
// 404 it really is.
var (
	GatewayUnauthorized = GatewayResponse{
		Type: "UNAUTHORIZED", Status: 401, Code: CodeUnauthorized,
		Message: "a valid API key or session is required",
		Headers: map[string]string{"WWW-Authenticate": WWWAuthenticate},
	}
	GatewayAccessDenied = GatewayResponse{
		Type: "ACCESS_DENIED", Status: 403, Code: CodeForbidden,
		Message: "this credential does not allow this request", FromAuthorizer: true,
	}
	GatewayNotFound = GatewayResponse{
		Type: "MISSING_AUTHENTICATION_TOKEN", Status: 404, Code: CodeNotFound,
		Message: "no such route",
	}
	GatewayTooLarge = GatewayResponse{
		Type: "REQUEST_TOO_LARGE", Status: 413, Code: CodeTooLarge,
		Message: "request body is too large",
	}
	GatewayThrottled = GatewayResponse{
		Type: "THROTTLED", Status: 429, Code: CodeRateLimited,
		Message: "too many requests; retry later",
		Headers: map[string]string{"Retry-After": "1"},
	}
	// GatewayAuthorizerFailure is AWS's answer when an authorizer "failed to
	// authenticate the caller" ("Gateway response types for API Gateway");
	// the local gateway never gives it, but a deployment answers it like
	// the configuration error below, and counts both.
	GatewayAuthorizerFailure = GatewayResponse{
		Type: "AUTHORIZER_FAILURE", Status: 503, Code: CodeUnavailable,
		Message: "authorization is unavailable; retry later",
		Headers: map[string]string{"Retry-After": "1"},
	}
	// GatewayAuthorizerConfigurationError is the answer when API Gateway
	// could not use the authorizer: it could not invoke it, the function
	// errored or timed out (as it does when it fails closed on a store
	// outage; the error API Gateway reports is AuthorizerConfigurationException),
	// or its answer was malformed. The local gateway gives it in all those
	// cases.
	GatewayAuthorizerConfigurationError = GatewayResponse{
		Type: "AUTHORIZER_CONFIGURATION_ERROR", Status: 503, Code: CodeUnavailable,
		Message: "authorization is unavailable; retry later",
		Headers: map[string]string{"Retry-After": "1"},
	}
	// The other types API Gateway may answer with, each with its own
	// default status ("Gateway response types for API Gateway", API Gateway
	// developer guide) and the matching code of docs/API.md, so that
	// neither a status nor a code is lost to the defaults below.
	GatewayResourceNotFound = GatewayResponse{
		Type: "RESOURCE_NOT_FOUND", Status: 404, Code: CodeNotFound, Message: "no such route",
	}
	GatewayBadRequestBody       = badRequest("BAD_REQUEST_BODY")
	GatewayBadRequestParameters = badRequest("BAD_REQUEST_PARAMETERS")
	GatewayUnsupportedMediaType = GatewayResponse{
		Type: "UNSUPPORTED_MEDIA_TYPE", Status: 415, Code: CodeUnsupportedMedia, Message: "unsupported media type",
	}
	GatewayInvalidSignature = refused("INVALID_SIGNATURE")
	GatewayExpiredToken     = refused("EXPIRED_TOKEN")
	GatewayInvalidAPIKey    = refused("INVALID_API_KEY")
	GatewayWAFFiltered      = refused("WAF_FILTERED")
	GatewayQuotaExceeded    = GatewayResponse{
		Type: "QUOTA_EXCEEDED", Status: 429, Code: CodeRateLimited, Message: "too many requests; retry later",
		Headers: map[string]string{"Retry-After": "1"},
	}
	GatewayAPIConfigurationError = GatewayResponse{
		Type: "API_CONFIGURATION_ERROR", Status: 500, Code: CodeInternal, Message: "internal error",
	}
	// GatewayIntegrationTimeout: the function did not answer within API
	// Gateway's integration timeout (29 s by default; the functions' own
	// timeouts are shorter, so this is rare).
	GatewayIntegrationTimeout = GatewayResponse{
		Type: "INTEGRATION_TIMEOUT", Status: 504, Code: CodeTimeout,
		Message: "the request took too long; it may or may not have taken effect",
	}
	// GatewayIntegrationFailure is API Gateway's answer when the function
	// fails instead of answering: it errs, or its answer is over Lambda's
	// response limit (MaxResponse). On AWS it keeps the status API Gateway
	// gives (502 for a Lambda error under the proxy integration; the
	// type's documented default is 504); locally it is 502.
	GatewayIntegrationFailure = GatewayResponse{
		Type: "INTEGRATION_FAILURE", Status: 502, TypeStatus: true, Code: CodeInternal,
		Message: "the function of this route failed to answer",
	}
	// The defaults give any other 4xx or 5xx the JSON shape and keep the
	// status API Gateway chose. Locally, Default5XX answers what has no
	// type of its own (a route with no function registered) and Default4XX
	// a request body that could not be read.
	GatewayDefault4XX = GatewayResponse{
		Type: "DEFAULT_4XX", Status: 400, TypeStatus: true, Code: CodeBadRequest,
		Message: "bad request",
	}
	GatewayDefault5XX = GatewayResponse{
		Type: "DEFAULT_5XX", Status: 502, TypeStatus: true, Code: CodeInternal,
		Message: "internal error",
	}
)

// GatewayInvokeRefused is what API Gateway answers when Lambda refuses to
// run the function at all, as it does an event over MaxRequest: 500, "If
// the Lambda API rejects the invocation request, API Gateway returns a 500
// error code" ("Handling Lambda errors with an API Gateway API", Lambda
// developer guide). The page names no gateway response type; an
// integration that cannot be invoked is an integration failure, so the body
// is INTEGRATION_FAILURE's, which keeps the status API Gateway gives
// (TypeStatus). Were it DEFAULT_5XX instead, the status and the code would
// be the same and only the message would differ. It is not in
// GatewayResponses: the infrastructure configures the type once.
var GatewayInvokeRefused = func() GatewayResponse {
	g := GatewayIntegrationFailure
	g.Status = 500
	return g
}()

// GatewayIPNotAllowed is ACCESS_DENIED for an API key used from an address
// outside its allow-list: the same gateway response as GatewayAccessDenied
// (API Gateway has one type for every Deny), with the code and message the
// authorizer's Deny names in its context.
var GatewayIPNotAllowed = GatewayResponse{
	Type: "ACCESS_DENIED", Status: 403, Code: CodeIPNotAllowed,
	Message: "this API key may not be used from this address", FromAuthorizer: true,
}

// Denials are the answers a Deny of the authorizer may give, by the code
// in its context (DenialCode).
var Denials = []GatewayResponse{GatewayAccessDenied, GatewayIPNotAllowed}

// The authorizer context keys of a Deny: the code and message of one of the
// Denials. API Gateway writes ACCESS_DENIED's body from them
// (DenialTemplate); the local gateway picks the denial by the code. Neither
// is a name API Gateway fills itself: $context.authorizer.error is its own
// "error message returned from an authorizer" ("Variables for access
// logging for API Gateway"), which the access log records (authz's
// TestRender holds every context key apart from those names).
const (
	DenialCode    = "denialCode"
	DenialMessage = "denialMessage"
)

// DenialTemplate is ACCESS_DENIED's body template on AWS. A gateway
// response's template is not processed by Velocity, but its $context
// variables are substituted ("Gateway responses in API Gateway", API
// Gateway developer guide), and $context.authorizer.<key> is a value of the
// context map a Lambda authorizer returned ("Output from an API Gateway
// Lambda authorizer"), a Deny's included. The authorizer puts only the
// fixed code and message of one of the Denials there (no character that
// JSON would escape, never anything from the request), and every Deny it
// answers carries them.
const DenialTemplate = `{"error":"$context.authorizer.` + DenialCode + `","message":"$context.authorizer.` + DenialMessage + `"}`

// Denial returns the answer of a Deny whose context names code: one of the
// Denials, or GatewayAccessDenied for any other code.
func Denial(code string) GatewayResponse {
	for _, d := range Denials {
		if d.Code == code {
			return d
		}
	}
	return GatewayAccessDenied
}

// GatewayResponses lists them all, for the infrastructure.
var GatewayResponses = []GatewayResponse{
	GatewayUnauthorized, GatewayAccessDenied, GatewayNotFound, GatewayTooLarge,
	GatewayThrottled, GatewayAuthorizerFailure, GatewayAuthorizerConfigurationError,
	GatewayResourceNotFound, GatewayBadRequestBody, GatewayBadRequestParameters, GatewayUnsupportedMediaType,
	GatewayInvalidSignature, GatewayExpiredToken, GatewayInvalidAPIKey, GatewayWAFFiltered, GatewayQuotaExceeded,
	GatewayAPIConfigurationError, GatewayIntegrationTimeout, GatewayIntegrationFailure,
	GatewayDefault4XX, GatewayDefault5XX,
}

// refused is the answer to a request API Gateway refuses before any
// authorizer: its signature, token or API key, or a WAF rule. It says no
// more than 403 does.
func refused(typ string) GatewayResponse {
	return GatewayResponse{Type: typ, Status: 403, Code: CodeForbidden, Message: "this request is not allowed"}
}

// badRequest is the answer to a request API Gateway's validation refuses.
func badRequest(typ string) GatewayResponse {
	return GatewayResponse{Type: typ, Status: 400, Code: CodeBadRequest, Message: "bad request"}
}
