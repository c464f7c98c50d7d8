// Package depstest builds handlers for tests, failing the test when a
// constructor fails.
package depstest

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
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

// SecurityLog returns user's security log as of d.Now, newest first (up to
// store.MaxLimit events), or fails the test.
func SecurityLog(tb testing.TB, d deps.Deps, user string) []store.SecurityEvent {
	tb.Helper()
	events, _, err := d.Stores.SecurityLog.List(context.Background(), user, d.Now(), store.Page{Limit: store.MaxLimit})
	if err != nil {
		tb.Fatal(err)
	}
	return events
}

// Local is what a test builds handlers from unless it says otherwise: cfg,
// a fresh in-memory store, a logger that discards, the real clock and
// crypto/rand. A test replaces the fields it cares about.
func Local(cfg config.Config) deps.Deps {
	return deps.Deps{Config: cfg, Stores: embedded.New().Stores(), Log: slog.New(slog.DiscardHandler), Now: time.Now, Rand: rand.Reader}
}

// Config is the configuration config.Load makes of vars (LATCHKEY_*
// variables by name; any other is unset), or fails the test with Load's
// error.
func Config(tb testing.TB, vars map[string]string) config.Config {
	tb.Helper()
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}
