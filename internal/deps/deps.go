// Package deps is what a handler is built from: the configuration, the
// stores, the clock, the randomness and the logger. It is a leaf: handlers
// depend on it, and on nothing that wires them (internal/app builds Deps
// on Lambda, internal/devserver locally).
package deps

import (
	"io"
	"log/slog"
	"time"

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

// Constructor builds a route's handler from the dependencies. It fails on
// what would make every request fail (a policy that does not parse, a key
// of the wrong size), so that a Lambda cold start stops at once with the
// reason and the local server refuses to start.
type Constructor func(Deps) (httpx.Handler, error)
