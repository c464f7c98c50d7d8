// Package app wires Latchkey's pieces together: the dependencies every
// handler is built from, and the start-up of a Lambda function or of the
// authorizer. Function mains call Start with their handler's constructor; the
// local server and the invoke tool build the same constructors over the
// embedded store.
package app

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
)

// Deps is what a handler is built from.
type Deps struct {
	Config config.Config
	Stores store.Stores
	Log    *slog.Logger
	// Now is the clock; handlers never call time.Now themselves.
	Now func() time.Time
	// Rand is the source of secrets and IDs: crypto/rand.Reader everywhere
	// but in tests that need reproducible output.
	Rand io.Reader
}

// HandlerFunc builds a route's handler from the dependencies. Every function
// has one; its main passes it to Start and the local registry lists it.
type HandlerFunc func(Deps) httpx.Handler

// Authorizer is the REQUEST authorizer: a lambda.Handler on the raw event
// for Lambda, and Handle on a decoded event for the local gateway. Both
// make the same decision.
type Authorizer interface {
	lambda.Handler
	Handle(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error)
}

// AuthorizerFunc builds the authorizer from the dependencies.
type AuthorizerFunc func(Deps) Authorizer
