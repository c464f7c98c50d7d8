package httpx

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestRequestLoggerWritesWhatWithWrites: the request's logger, which adds
// its fields only when it writes, writes the very lines slog's With would,
// whatever is done with it; and a level the handler drops writes nothing.
func TestRequestLoggerWritesWhatWithWrites(t *testing.T) {
	req := Request{Resource: "/api/me", HTTPMethod: "GET", RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-1"}}
	uses := []struct {
		name string
		use  func(*slog.Logger)
	}{
		{"a line", func(l *slog.Logger) { l.Info("handled", "status", 200) }},
		{"a dropped level", func(l *slog.Logger) { l.Debug("unseen", "x", 1) }},
		{"more fields", func(l *slog.Logger) { l.With("userId", "usr_1").Warn("slow", "ms", 12) }},
		{"a group", func(l *slog.Logger) { l.WithGroup("store").Error("failed", "op", "get") }},
		{"two lines", func(l *slog.Logger) { l.Info("a"); l.Info("b", "quote", `"<&>`) }},
	}
	noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	for _, u := range uses {
		t.Run(u.name, func(t *testing.T) {
			var got, want bytes.Buffer
			u.use(RequestLogger(slog.New(slog.NewJSONHandler(&got, noTime)), req))
			u.use(slog.New(slog.NewJSONHandler(&want, noTime)).With("requestId", "req-1", "resource", "/api/me", "method", "GET"))
			if got.String() != want.String() {
				t.Fatalf("RequestLogger wrote\n%s\nWith writes\n%s", got.String(), want.String())
			}
		})
	}
}
