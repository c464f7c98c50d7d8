// Package depstest builds handlers for tests, failing the test when a
// constructor fails.
package depstest

import (
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

// Build returns build's handler over d, or fails the test.
func Build(tb testing.TB, build deps.Constructor, d deps.Deps) httpx.Handler {
	tb.Helper()
	h, err := build(d)
	if err != nil {
		tb.Fatalf("constructor: %v", err)
	}
	return h
}

// Local is what a test builds handlers from unless it says otherwise: cfg,
// a fresh in-memory store, a logger that discards, the real clock and
// crypto/rand. A test replaces the fields it cares about.
func Local(cfg config.Config) deps.Deps {
	return deps.Deps{Config: cfg, Stores: embedded.New().Stores(), Log: slog.New(slog.DiscardHandler), Now: time.Now, Rand: rand.Reader}
}
