package authz

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/metrics"
)

// TestDecisionLineIsWhatLoggerWrites: the decision's audit line, handed to
// the handler directly, is the very line slog.Logger.Info writes with the
// same fields, in the same order.
func TestDecisionLineIsWhatLoggerWrites(t *testing.T) {
	noTime := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 || a.Key == "Timestamp" && len(groups) == 1 && groups[0] == "_aws" {
			return slog.Attr{}
		}
		return a
	}}
	var got, want bytes.Buffer
	f := newFixture()
	a := New(Options{Keys: f.keys, Env: apikey.EnvTest, CacheTTL: time.Minute, Routes: testRoutes,
		Log: slog.New(slog.NewJSONHandler(&got, noTime)), Now: func() time.Time { return f.now }})
	key, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	in := Input{RequestID: "req-1", SourceIP: "192.0.2.7", Resource: "/r", HTTPMethod: "GET", Authorization: []string{"Bearer " + key}}
	d := a.Decide(context.Background(), in)
	a.logDecision(in, d)
	a.Wait()
	args := []any{"requestId", in.RequestID, "sourceIp", in.SourceIP, "viewerAddress", in.ViewerAddress,
		"resource", in.Resource, "method", in.HTTPMethod,
		"effect", d.Effect.String(), "reason", d.Reason,
		"userId", d.Principal.UserID, "keyId", d.Principal.KeyID, "sessionId", d.Principal.SessionID}
	// Then the metrics: the first lookup of the key missed the cache.
	for _, m := range metrics.AppendDecision(nil, time.Now(), apikey.EnvTest, "allow", "valid_key", metrics.CacheMiss) {
		args = append(args, m)
	}
	slog.New(slog.NewJSONHandler(&want, noTime)).Info("authorizer decision", args...)
	if d.Effect != Allow || got.String() != want.String() {
		t.Fatalf("decision %v; line\n%s\nwant\n%s", d.Effect, got.String(), want.String())
	}
	// A handler that drops Info gets nothing.
	got.Reset()
	quiet := New(Options{Keys: f.keys, Env: apikey.EnvTest, Routes: testRoutes,
		Log: slog.New(slog.NewJSONHandler(&got, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	quiet.logDecision(in, d)
	if got.Len() != 0 {
		t.Fatalf("a Warn handler wrote %s", got.String())
	}
}
