package authz

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/httpx"
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
	a := New(Options{Keys: f.keys, Env: apikey.EnvTest, Deployment: "Latchkey-Staging", CacheTTL: time.Minute, Routes: testRoutes,
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
	for _, m := range metrics.AppendDecision(nil, time.Now(), "Latchkey-Staging", apikey.EnvTest, "allow", "valid_key", metrics.CacheMiss) {
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

// TestDecisionLineByHandIsSlogs: through httpx.NewLogger the decision line
// is built by hand (httpx.StartLine); it is the line slog writes for the
// same decision, for every kind of decision and whatever the request's
// strings hold. Only the clock's readings differ.
func TestDecisionLineByHandIsSlogs(t *testing.T) {
	f := newFixture()
	key, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	unknown, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
	clock := regexp.MustCompile(`"time":"[^"]*"|"Timestamp":[0-9]+`)
	for _, tc := range []struct {
		name string
		in   Input
	}{
		{"a key: a miss, then a hit", Input{RequestID: "req-1", SourceIP: "192.0.2.7", Resource: "/r", HTTPMethod: "GET", Authorization: []string{"Bearer " + key}}},
		{"an unknown key", Input{RequestID: "req-2", SourceIP: "192.0.2.7", Resource: "/r", HTTPMethod: "GET", Authorization: []string{"Bearer " + unknown}}},
		{"no credential", Input{RequestID: "req-3", SourceIP: "192.0.2.7", Resource: "/r", HTTPMethod: "GET"}},
		{"a route not in the table", Input{RequestID: "req-4", Resource: "/nowhere", HTTPMethod: "GET"}},
		{"strings to escape", Input{RequestID: "q\"\\\n\x00\u2028\xff<&>", SourceIP: "é☃", ViewerAddress: "\t1.2.3.4\r", Resource: "/r", HTTPMethod: "GET", Authorization: []string{"Bearer " + key}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var byHand, bySlog bytes.Buffer
			opts := Options{Keys: f.keys, Env: apikey.EnvTest, Deployment: "Latchkey-Staging", CacheTTL: time.Minute, Routes: testRoutes, Now: func() time.Time { return f.now }}
			opts.Log = httpx.NewLogger(&byHand)
			hand := New(opts)
			opts.Log = slog.New(slog.NewJSONHandler(&bySlog, &slog.HandlerOptions{Level: slog.LevelInfo}))
			viaSlog := New(opts)
			for range 2 { // a key's first lookup misses the cache, its second hits
				hand.logDecision(tc.in, hand.Decide(context.Background(), tc.in))
				viaSlog.logDecision(tc.in, viaSlog.Decide(context.Background(), tc.in))
			}
			hand.Wait()
			viaSlog.Wait()
			got, want := clock.ReplaceAllString(byHand.String(), "T"), clock.ReplaceAllString(bySlog.String(), "T")
			if got != want || strings.Count(got, "\n") != 2 {
				t.Fatalf("by hand\n%s\nby slog\n%s", got, want)
			}
		})
	}
}
