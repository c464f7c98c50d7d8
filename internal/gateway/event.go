package gateway

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/routes"
)

// proxyRequest builds the REST API (v1) proxy event API Gateway would send
// for r: single- and multi-value headers and query, path parameters, the
// request context, and the body (as UTF-8 text: utf8Text).
func proxyRequest(r *http.Request, route routes.Route, params map[string]string, body []byte, now time.Time) httpx.Request {
	headers, multiHeaders := headerMaps(r)
	query, multiQuery := queryMaps(r)
	req := httpx.Request{
		Resource:                        route.Path,
		Path:                            r.URL.Path,
		HTTPMethod:                      r.Method,
		Headers:                         headers,
		MultiValueHeaders:               multiHeaders,
		QueryStringParameters:           query,
		MultiValueQueryStringParameters: multiQuery,
		PathParameters:                  params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:        AccountID,
			ResourceID:       resourceID(route),
			Stage:            Stage,
			DomainName:       r.Host,
			RequestID:        newRequestID(),
			Protocol:         r.Proto,
			Identity:         events.APIGatewayRequestIdentity{SourceIP: sourceIP(r.RemoteAddr), UserAgent: r.UserAgent()},
			ResourcePath:     route.Path,
			Path:             "/" + Stage + r.URL.Path,
			HTTPMethod:       r.Method,
			RequestTime:      now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: now.UnixMilli(),
			APIID:            APIID,
		},
	}
	if len(body) > 0 {
		req.Body = utf8Text(body)
	}
	return req
}

// utf8Text is the body as API Gateway passes it to a proxy integration
// when the API has no binary media types (Latchkey's has none:
// infra/api.go, TestStage) and the integration no content handling: a
// UTF-8 string, whatever the Content-Type, never base64
// (isBase64Encoded false). "Content type conversions in API Gateway", API
// Gateway developer guide:
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html
// ("Text data | Any data type | Undefined | Undefined | UTF8-encoded
// string"). The page does not say what becomes of bytes that are not
// UTF-8; they cannot reach a function as they are, since the event is
// JSON text. Here each such byte becomes U+FFFD, as a JSON encoder writes
// it (Go's does), so a handler never sees invalid UTF-8 locally either.
func utf8Text(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var s strings.Builder
	s.Grow(len(b) + len(b)/2)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			s.WriteString("\uFFFD")
		} else {
			s.Write(b[:n])
		}
		b = b[n:]
	}
	return s.String()
}

// authorizerRequest builds the REQUEST authorizer event for a proxy event, as
// API Gateway does before invoking the function.
func authorizerRequest(req httpx.Request) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	rc := req.RequestContext
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:                            "REQUEST",
		MethodArn:                       MethodArn(req.HTTPMethod, req.Path),
		Resource:                        req.Resource,
		Path:                            req.Path,
		HTTPMethod:                      req.HTTPMethod,
		Headers:                         req.Headers,
		MultiValueHeaders:               req.MultiValueHeaders,
		QueryStringParameters:           req.QueryStringParameters,
		MultiValueQueryStringParameters: req.MultiValueQueryStringParameters,
		PathParameters:                  req.PathParameters,
		StageVariables:                  req.StageVariables,
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path:         rc.Path,
			AccountID:    rc.AccountID,
			ResourceID:   rc.ResourceID,
			Stage:        rc.Stage,
			RequestID:    rc.RequestID,
			Identity:     events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: rc.Identity.SourceIP, APIKey: rc.Identity.APIKey},
			ResourcePath: rc.ResourcePath,
			HTTPMethod:   rc.HTTPMethod,
			APIID:        rc.APIID,
		},
	}
}

// MethodArn is the ARN API Gateway gives the authorizer for a request.
func MethodArn(method, path string) string {
	return "arn:aws:execute-api:" + Region + ":" + AccountID + ":" + APIID + "/" + Stage + "/" + method + "/" + strings.TrimPrefix(path, "/")
}

// headerMaps returns API Gateway's two header views: the last value of each
// header, and all values. Go drops Host from r.Header; it is put back.
func headerMaps(r *http.Request) (map[string]string, map[string][]string) {
	// Sized once: grown entry by entry, the maps were rehashed as they
	// filled, a tenth of the event's cost under load.
	single := make(map[string]string, len(r.Header)+1)
	multi := make(map[string][]string, len(r.Header)+1)
	// Every header's values are copied into one backing array, each map
	// entry a full slice expression of it (an append to one cannot reach
	// the next).
	n := 0
	for _, vs := range r.Header {
		n += len(vs)
	}
	all := make([]string, 0, n)
	for k, vs := range r.Header {
		if len(vs) == 0 {
			continue
		}
		single[k] = vs[len(vs)-1]
		start := len(all)
		all = append(all, vs...)
		multi[k] = all[start:len(all):len(all)]
	}
	if r.Host != "" {
		single["Host"] = r.Host
		multi["Host"] = []string{r.Host}
	}
	return single, multi
}

// queryMaps returns the two query views, nil when there is no query (API
// Gateway sends null).
func queryMaps(r *http.Request) (map[string]string, map[string][]string) {
	q := r.URL.Query()
	if len(q) == 0 {
		return nil, nil
	}
	single := make(map[string]string, len(q))
	multi := make(map[string][]string, len(q))
	for k, vs := range q {
		single[k] = vs[len(vs)-1]
		multi[k] = vs
	}
	return single, multi
}

// resourceID is a stable short id per route path, as API Gateway has one per
// resource.
func resourceID(r routes.Route) string {
	var h uint32 = 2166136261
	for i := 0; i < len(r.Path); i++ {
		h = (h ^ uint32(r.Path[i])) * 16777619
	}
	const digits = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	for i := range b {
		b[i] = digits[h%36]
		h /= 36
	}
	return string(b)
}
