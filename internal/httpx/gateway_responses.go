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
	Type    string
	Status  int
	Code    string
	Message string
	// Headers are extra response headers (beyond APIHeaders and Content-Type).
	Headers map[string]string
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
		Message: "this credential does not allow this request",
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
	GatewayAuthorizerFailure = GatewayResponse{
		Type: "AUTHORIZER_FAILURE", Status: 503, Code: CodeUnavailable,
		Message: "authorization is unavailable; retry later",
		Headers: map[string]string{"Retry-After": "1"},
	}
	// GatewayAuthorizerConfigurationError is what API Gateway reports when
	// the authorizer Lambda itself errors or times out (as it does when it
	// fails closed on a store outage); answered like AUTHORIZER_FAILURE.
	GatewayAuthorizerConfigurationError = GatewayResponse{
		Type: "AUTHORIZER_CONFIGURATION_ERROR", Status: 503, Code: CodeUnavailable,
		Message: "authorization is unavailable; retry later",
		Headers: map[string]string{"Retry-After": "1"},
	}
	// GatewayIntegrationFailure is API Gateway's answer when the function
	// fails instead of answering: it errs, or its answer is over Lambda's
	// response limit (MaxResponse).
	GatewayIntegrationFailure = GatewayResponse{
		Type: "INTEGRATION_FAILURE", Status: 502, Code: CodeInternal,
		Message: "the function of this route failed to answer",
	}
	GatewayDefault4XX = GatewayResponse{
		Type: "DEFAULT_4XX", Status: 400, Code: CodeBadRequest,
		Message: "bad request",
	}
	GatewayDefault5XX = GatewayResponse{
		Type: "DEFAULT_5XX", Status: 500, Code: CodeInternal,
		Message: "internal error",
	}
)

// GatewayResponses lists them all, for the infrastructure.
var GatewayResponses = []GatewayResponse{
	GatewayUnauthorized, GatewayAccessDenied, GatewayNotFound, GatewayTooLarge,
	GatewayThrottled, GatewayAuthorizerFailure, GatewayAuthorizerConfigurationError, GatewayIntegrationFailure,
	GatewayDefault4XX, GatewayDefault5XX,
}
