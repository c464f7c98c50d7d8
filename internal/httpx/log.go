package httpx

import (
	"context"
	"io"
	"log/slog"
	"os"
)

// NewLogger returns the JSON logger every function and the local server use.
func NewLogger(w io.Writer) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// RequestLogger adds the request's identifying fields to log. It records the
// request id, route and method — never headers, bodies or query strings,
// which may hold credentials.
func RequestLogger(log *slog.Logger, req Request) *slog.Logger {
	return log.With(
		"requestId", req.RequestContext.RequestID,
		"resource", req.Resource,
		"method", req.HTTPMethod,
	)
}

type loggerKey struct{}

// WithLogger stores a request's logger in its context.
func WithLogger(ctx context.Context, log *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, log)
}

// Logger returns the request's logger (or a discarding one).
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
