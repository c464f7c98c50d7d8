package devserver

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/seed"
)

// BenchmarkLocalGateway measures one request through the local gateway and
// a function over the embedded store: event building, routing, the handler
// and JSON encoding, without the network.
func BenchmarkLocalGateway(b *testing.B) {
	cfg, _ := config.Load(func(string) string { return "" })
	h, _ := localHandler(b, cfg, slog.New(slog.DiscardHandler))
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
