package httpx

import (
	"context"
	"io"
	"log/slog"
	"os"
)

// NewLogger returns the JSON logger every function and the local server
// use: slog's JSON handler at Info, whose lines a hot path may also build
// by hand (StartLine).
func NewLogger(w io.Writer) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	out := &lockedWriter{w: w}
	return slog.New(&jsonHandler{JSONHandler: slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}), out: out})
}

// RequestLogger adds the request's identifying fields to log. It records the
// request id, route and method — never headers, bodies or query strings,
// which may hold credentials.
// The fields are added when a line is written (requestHandler).
func RequestLogger(log *slog.Logger, req Request) *slog.Logger {
	return slog.New(&requestHandler{inner: log.Handler(), attrs: [3]slog.Attr{
		slog.String("requestId", req.RequestContext.RequestID),
		slog.String("resource", req.Resource),
		slog.String("method", req.HTTPMethod),
	}})
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
