package devserver

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/seed"
)

// BenchmarkLocalGateway measures one request through the local gateway and
// a function over the embedded store: event building, routing, the handler
// and JSON encoding, without the network. The requests are for a loopback
// host, which the local server answers (another host gets its 421), and
// each answer must have its route's status.
func BenchmarkLocalGateway(b *testing.B) {
	cfg := depstest.Config(b, nil)
	h, _ := localHandler(b, cfg, slog.New(slog.DiscardHandler))
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
				h.ServeHTTP(w, httptest.NewRequest("GET", "http://127.0.0.1"+bc.path, nil))
				if w.Code != bc.want {
					b.Fatalf("status %d; want %d", w.Code, bc.want)
				}
			}
		})
	}
}
