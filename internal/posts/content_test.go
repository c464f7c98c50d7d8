package posts

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/seed"
)

func TestContentLimits(t *testing.T) {
	s := func(v string) *string { return &v }
	n := func(v int) *int { return &v }
	tests := []struct {
		name        string
		c           content
		needVersion bool
		want        int // 0: valid
	}{
		{"valid create", content{Title: s("Hello"), Body: s("")}, false, 0},
		{"200-character title", content{Title: s(strings.Repeat("é", 200)), Body: s("x")}, false, 0},
		{"201-character title", content{Title: s(strings.Repeat("é", 201)), Body: s("x")}, false, 400},
		{"empty title", content{Title: s(""), Body: s("x")}, false, 400},
		{"missing body", content{Title: s("t")}, false, 400},
		{"body of exactly 100 KB", content{Title: s("t"), Body: s(strings.Repeat("a", MaxBody))}, false, 0},
		{"body over 100 KB", content{Title: s("t"), Body: s(strings.Repeat("a", MaxBody+1))}, false, 413},
		{"invalid UTF-8", content{Title: s("t\xff"), Body: s("x")}, false, 400},
		{"update without version", content{Title: s("t"), Body: s("x")}, true, 400},
		{"update with version", content{Title: s("t"), Body: s("x"), Version: n(3)}, true, 0},
		{"create with version", content{Title: s("t"), Body: s("x"), Version: n(3)}, false, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.check(tc.needVersion)
			got := 0
			var e *httpx.Error
			if errors.As(err, &e) {
				got = e.Status
			}
			if got != tc.want {
				t.Fatalf("check = %v; want status %d", err, tc.want)
			}
		})
	}
}

// TestEscapedBodiesAreMeasuredDecoded: the 100 KB limit holds for the text
// of the body, however a client's encoder escaped it (Go's json.Marshal
// writes each `<` as six bytes).
func TestEscapedBodiesAreMeasuredDecoded(t *testing.T) {
	d := depstest.Local(config.Config{})
	if err := seed.Load(context.Background(), d.Stores); err != nil {
		t.Fatal(err)
	}
	h := depstest.Build(t, Create, d)
	tests := []struct {
		name       string
		body       string
		wantStatus int
	}{
		{"100 KB of < escaped (600 KB of JSON)", strings.Repeat("<", MaxBody), 201},
		{"100 KB of U+2028 escaped (200 KB of JSON)", strings.Repeat("\u2028", MaxBody/3), 201},
		{"one < over 100 KB", strings.Repeat("<", MaxBody+1), 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(map[string]string{"title": strings.Repeat("&", MaxTitle), "body": tc.body})
			if err != nil {
				t.Fatal(err)
			}
			req := httpx.Request{HTTPMethod: "POST", Path: "/api/posts", Body: string(b), Headers: map[string]string{"Content-Type": "application/json"}}
			req.RequestContext.Authorizer = map[string]any{"userId": seed.Author.ID, "method": "session", "sessionId": "ses_x", "permissions": "read,write"}
			resp, _ := httpx.Adapt(slog.New(slog.DiscardHandler), h)(context.Background(), req)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("POST of %d bytes = %d %.100s; want %d", len(b), resp.StatusCode, resp.Body, tc.wantStatus)
			}
		})
	}
}
