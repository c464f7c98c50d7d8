// Package depstest builds handlers for tests, failing the test when a
// constructor fails.
package depstest

import (
	"testing"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
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
