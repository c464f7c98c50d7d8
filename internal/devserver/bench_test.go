package devserver

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

// BenchmarkLocalGateway measures one request through the local gateway and
// a function over the embedded store: event building, routing, the handler
// and JSON encoding, without the network.
func BenchmarkLocalGateway(b *testing.B) {
	cfg, _ := config.Load(func(string) string { return "" })
	d := app.Deps{Config: cfg, Stores: embedded.New().Stores(), Log: slog.New(slog.DiscardHandler), Now: time.Now}
	h, err := New(context.Background(), d, os.DirFS("../../web"))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, path string }{
		{"public-posts-list", "/api/public/posts"},
		{"public-posts-get", "/api/public/posts/" + seed.WelcomeID},
		{"unauthorized", "/api/keys"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", bc.path, nil))
				if w.Code >= 500 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
