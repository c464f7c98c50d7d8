// Package notfound serves the catch-all routes: a path that no route has
// answers 404 with the error shape of docs/API.md. Under /api/public/ it needs no
// credential; elsewhere under /api/ the authorizer runs first, so a caller
// without a credential learns nothing about which paths exist.
package notfound

import (
	"context"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
)

// Handle answers 404.
func Handle(context.Context, httpx.Request) (httpx.Response, error) {
	return httpx.GatewayNotFound.Response(), nil
}

// Build builds the handler (it needs nothing).
func Build(deps.Deps) (httpx.Handler, error) { return Handle, nil }
