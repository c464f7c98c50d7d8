// Package authz is the Lambda REQUEST authorizer's decision code: given API
// Gateway's authorizer event, it decides Allow, Deny or Unauthorized for the
// route's need (package routes) and renders that decision as API Gateway
// expects. The authorizer main and the local gateway both call it.
package authz

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/routes"
)

// Request and Response are API Gateway's REQUEST authorizer event and answer.
type (
	Request  = events.APIGatewayCustomAuthorizerRequestTypeRequest
	Response = events.APIGatewayCustomAuthorizerResponse
)

// Effect is the outcome of a decision.
type Effect int

// The effects. The zero value is Unauthorized: deny by default.
const (
	// Unauthorized: no credential, or a bad one (API Gateway answers 401).
	Unauthorized Effect = iota
	// Deny: a valid credential without the permission (403).
	Deny
	// Allow: the request goes on to the function.
	Allow
	// Fail: the decision could not be made (a store error); fails closed
	// with a 5xx and is never cached.
	Fail
)

// Principal is who a request acts for, passed to functions as the
// authorizer context.
type Principal struct {
	UserID      string
	KeyID       string
	Method      string // "apikey" or "session"
	Permissions []string
}

// Decision is the authorizer's answer and why, for the log.
type Decision struct {
	Effect    Effect
	Principal Principal
	// Reason says which rule decided; it is logged, never returned.
	Reason string
}

// ErrUnauthorized is the error whose text API Gateway turns into a 401.
var ErrUnauthorized = errors.New("Unauthorized") //nolint:staticcheck // API Gateway matches this exact text.

// errFailed makes API Gateway answer AUTHORIZER_FAILURE (a 5xx).
var errFailed = errors.New("authorizer failed")

// Authorizer decides requests. Its zero value refuses every credential.
type Authorizer struct {
	Log *slog.Logger
}

// Decide decides one request. It knows the route from the event's resource
// and method; an unknown route is refused. No credential verifier is
// configured yet, so every credential is refused as unknown.
func (a *Authorizer) Decide(_ context.Context, req Request) Decision {
	route, ok := routes.Find(req.HTTPMethod, req.Resource)
	if !ok {
		return Decision{Effect: Unauthorized, Reason: "route not in the route table"}
	}
	if route.Need == routes.NeedPublic {
		return Decision{Effect: Unauthorized, Reason: "public route sent to the authorizer"}
	}
	return Decision{Effect: Unauthorized, Reason: "no credential verifier accepts this request"}
}

// Handle is the Lambda entry point: it decides and renders.
func (a *Authorizer) Handle(ctx context.Context, req Request) (Response, error) {
	d := a.Decide(ctx, req)
	log := a.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log.Info("authorizer decision",
		"requestId", req.RequestContext.RequestID,
		"resource", req.Resource, "method", req.HTTPMethod,
		"effect", d.Effect.String(), "reason", d.Reason,
		"userId", d.Principal.UserID, "keyId", d.Principal.KeyID)
	return Render(d, req.MethodArn)
}

func (e Effect) String() string {
	switch e {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	case Fail:
		return "fail"
	}
	return "unauthorized"
}

// Build builds the authorizer's Lambda handler from the dependencies; the
// authorizer main and the local gateway both use it. Credential verifiers
// join it as they are built.
func Build(d app.Deps) app.AuthorizerHandler {
	a := &Authorizer{Log: d.Log}
	return a.Handle
}
