// Package gateway is a local stand-in for API Gateway's REST API: an
// http.Handler that matches the route table, runs the REQUEST authorizer as
// API Gateway does for every non-public route, builds the same v1 proxy event
// a function receives on AWS, and answers with the gateway responses that the
// infrastructure configures. The function and authorizer code it runs is the
// code that runs on Lambda.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/textproto"
	"time"

	"github.com/latchkey/latchkey/internal/authz"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/routes"
)

// MaxBody is API Gateway's payload limit (10 MB); beyond it the gateway
// answers 413 before the authorizer or any function runs. Lambda's own
// limit on the event (httpx.MaxRequest, 6 MB) is lower, so a body between
// the two passes the gateway and is then refused with 500 before the
// function runs.
const MaxBody = 10 << 20

// MaxMethodArn is API Gateway's limit on the method ARN of a request to a
// method with an authorizer: 1,600 bytes, past which the client gets 414
// ("Output from an API Gateway Lambda authorizer", API Gateway developer
// guide). The ARN holds the request's path, so a long path meets it.
const MaxMethodArn = 1600

// Fixed identifiers of the local "deployment", as they appear in events and
// method ARNs.
const (
	Region    = "us-east-1"
	AccountID = "123456789012"
	APIID     = "latchkeylocal"
	Stage     = "local"
)

// Function is a route's handler as lambda.Start would run it.
type Function func(context.Context, httpx.Request) (httpx.Response, error)

// Authorizer is the REQUEST authorizer as lambda.Start would run it.
type Authorizer func(context.Context, authz.Request) (authz.Response, error)

// Gateway serves the API locally.
type Gateway struct {
	// Functions maps a route table function name to its handler.
	Functions map[string]Function
	// Authorizer runs for every route that is not public.
	Authorizer Authorizer
	Log        *slog.Logger
	// Now is the clock for request times; time.Now when nil.
	Now func() time.Time
}

func (g *Gateway) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

func (g *Gateway) log() *slog.Logger {
	if g.Log != nil {
		return g.Log
	}
	return slog.New(slog.DiscardHandler)
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, params, result := routes.Match(r.Method, r.URL.EscapedPath())
	if result != routes.Matched {
		write(w, httpx.GatewayNotFound.Response())
		return
	}
	fn, ok := g.Functions[route.Function]
	if !ok {
		g.log().Error("no function registered for route", "function", route.Function)
		write(w, httpx.GatewayDefault5XX.Response())
		return
	}
	var body []byte
	var err error
	if r.Body != nil && r.Body != http.NoBody {
		// (net/http gives a request without a body http.NoBody: nothing
		// to read, nor a buffer to make for it.)
		body, err = io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	}
	if err != nil {
		write(w, httpx.GatewayDefault4XX.Response())
		return
	}
	if len(body) > MaxBody {
		write(w, httpx.GatewayTooLarge.Response())
		return
	}

	req := proxyRequest(r, route, params, body, g.now())
	ctx := r.Context()
	if route.Need != routes.NeedPublic {
		authorizer, gr := g.authorize(ctx, req)
		if gr != nil {
			write(w, gr.Response())
			return
		}
		req.RequestContext.Authorizer = authorizer
	}
	// Lambda refuses an event over its request limit before the function
	// runs, and API Gateway answers 500: the whole event counts, so a body
	// under MaxBody can still be over it.
	if n, over := httpx.OverRequestLimit(req); over {
		g.log().Error("event is over Lambda's request limit", "function", route.Function,
			"requestId", req.RequestContext.RequestID, "bytes", n, "limit", httpx.MaxRequest)
		write(w, httpx.GatewayInvokeRefused.Response())
		return
	}

	resp, err := fn(ctx, req)
	if err != nil {
		// On AWS a function error is a 502 from API Gateway; Latchkey's
		// functions answer their own errors, so this is a bug.
		g.log().Error("function returned an error", "function", route.Function, "requestId", req.RequestContext.RequestID, "err", err.Error())
		write(w, httpx.GatewayIntegrationFailure.Response())
		return
	}
	// Lambda refuses to deliver an answer over its limit, and API Gateway
	// then answers 502: refuse it here too, so that a test sees it.
	if n, over := httpx.OverResponseLimit(resp); over {
		g.log().Error("function answer is over Lambda's response limit", "function", route.Function,
			"requestId", req.RequestContext.RequestID, "bytes", n, "limit", httpx.MaxResponse)
		write(w, httpx.GatewayIntegrationFailure.Response())
		return
	}
	write(w, resp)
}

// authorize runs the authorizer as API Gateway does and returns the
// authorizer context for the function, or the gateway response that ends the
// request.
func (g *Gateway) authorize(ctx context.Context, req httpx.Request) (map[string]any, *httpx.GatewayResponse) {
	areq := authorizerRequest(req)
	if len(areq.MethodArn) > MaxMethodArn {
		// API Gateway answers 414 before it calls the authorizer; the body
		// is DEFAULT_4XX's, with that status.
		tooLong := httpx.GatewayDefault4XX
		tooLong.Status = http.StatusRequestURITooLong
		return nil, &tooLong
	}
	if g.Authorizer == nil {
		return nil, &httpx.GatewayUnauthorized
	}
	resp, err := g.Authorizer(ctx, areq)
	if err != nil {
		if err.Error() == "Unauthorized" {
			return nil, &httpx.GatewayUnauthorized
		}
		// Any other error from the authorizer's function is an
		// AUTHORIZER_CONFIGURATION_ERROR (httpx.GatewayAuthorizerConfigurationError).
		g.log().Error("authorizer failed", "requestId", req.RequestContext.RequestID, "err", err.Error())
		return nil, &httpx.GatewayAuthorizerConfigurationError
	}
	for _, st := range resp.PolicyDocument.Statement {
		for _, r := range st.Resource {
			if len(r) > authz.MaxPolicyResource {
				// API Gateway refuses the policy: a malformed authorizer answer.
				g.log().Error("authorizer policy resource over API Gateway's limit", "requestId", req.RequestContext.RequestID, "length", len(r))
				return nil, &httpx.GatewayAuthorizerConfigurationError
			}
		}
	}
	if !policyAllows(resp.PolicyDocument.Statement, areq.MethodArn) {
		// One gateway response for every denial; its body is the code and
		// message the Deny's context names (httpx.DenialTemplate on AWS).
		code, _ := resp.Context[httpx.DenialCode].(string)
		denial := httpx.Denial(code)
		return nil, &denial
	}
	out := make(map[string]any, len(resp.Context)+1)
	out["principalId"] = resp.PrincipalID
	for k, v := range resp.Context {
		switch v.(type) {
		case string, bool, float64, float32, int, int64, int32:
			out[k] = v
		default:
			// API Gateway refuses non-primitive context values, as a
			// malformed authorizer answer (AUTHORIZER_CONFIGURATION_ERROR).
			g.log().Error("authorizer context value is not a primitive", "key", k)
			return nil, &httpx.GatewayAuthorizerConfigurationError
		}
	}
	return out, nil
}

func write(w http.ResponseWriter, resp httpx.Response) {
	h := w.Header()
	// As h.Set(k, v) for each, with the values in one backing array rather
	// than one allocation a header.
	vals := make([]string, 0, len(resp.Headers))
	for k, v := range resp.Headers {
		vals = append(vals, v)
		h[textproto.CanonicalMIMEHeaderKey(k)] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	for k, vs := range resp.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			resp = httpx.GatewayDefault5XX.Response()
			write(w, resp)
			return
		}
		body = b
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	s := hex.EncodeToString(b)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

func sourceIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}
