package devserver

import (
	"log/slog"
	"net/http/httptest"
	"strings"
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
	host := strings.TrimPrefix(cfg.PublicURL, "http://")
	for _, bc := range []struct {
		name, path string
		want       int
	}{
		{"public-posts-list", "/api/public/posts", 200},
		{"public-posts-get", "/api/public/posts/" + seed.WelcomeID, 200},
		{"unauthorized", "/api/keys", 401},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				r := httptest.NewRequest("GET", bc.path, nil)
				r.Host = host // the public URL's: any other is refused (421) before the gateway
				h.ServeHTTP(w, r)
				if w.Code != bc.want {
					b.Fatalf("status %d; want %d", w.Code, bc.want)
				}
			}
		})
	}
}
