package devserver

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// TestLoad is a bounded load through the local server on loopback (`make
// load`; skipped unless LATCHKEY_LOAD_SECONDS is set): GET /api/me with API
// keys, session cookies and 10 % bad credentials mixed, from 16 concurrent
// clients, for that many seconds. It fails on any 5xx, on a bad credential
// that is not 401 or a good one that is not 200, or when the resident
// memory after a forced GC exceeds the start by more than 64 MB; it prints
// requests per second, p50 and p99, and the resident memory before, after,
// and after the GC. The server and the clients share the process (and its
// memory figures).
func TestLoad(t *testing.T) {
	seconds, _ := strconv.Atoi(os.Getenv("LATCHKEY_LOAD_SECONDS"))
	if seconds <= 0 {
		t.Skip("LATCHKEY_LOAD_SECONDS is not set (make load sets it)")
	}
	srv, d := serveLocal(t, slog.New(slog.DiscardHandler), nil)
	base := srv.URL

	m := keys.Manager{Keys: d.Stores.Keys, Env: d.Config.Env, Rand: rand.Reader, Now: time.Now}
	var goodKeys, cookies []string
	for range 20 {
		_, k, err := m.Issue(context.Background(), seed.Author.ID, keys.NewKey{Label: "load", Permissions: []string{"read"}})
		if err != nil {
			t.Fatal(err)
		}
		goodKeys = append(goodKeys, k)
	}
	for range 20 {
		tok, _ := session.NewToken(rand.Reader)
		now := time.Now()
		s := store.Session{ID: session.ID(tok), UserID: seed.Reader.ID, Hash: session.Hash(tok), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := d.Stores.Sessions.Create(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		cookies = append(cookies, session.CookieName+"="+tok)
	}

	rssBefore := rss(t)
	const workers = 16
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 10 * time.Second}
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		fivexx    atomic.Int64
		wrong     atomic.Int64
		total     atomic.Int64
	)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<16)
			for i := w; time.Now().Before(deadline); i += workers {
				req, _ := http.NewRequest("GET", base+"/api/me", nil)
				want := 200
				switch i % 10 {
				case 0:
					bad, _ := apikey.Generate(rand.Reader, apikey.EnvTest)
					req.Header.Set("Authorization", "Bearer "+bad)
					want = 401
				case 1, 2, 3, 4, 5:
					req.Header.Set("Authorization", "Bearer "+goodKeys[i%len(goodKeys)])
				default:
					req.Header.Set("Cookie", cookies[i%len(cookies)])
				}
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					wrong.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				local = append(local, time.Since(start))
				total.Add(1)
				if resp.StatusCode >= 500 {
					fivexx.Add(1)
				} else if resp.StatusCode != want {
					wrong.Add(1)
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	rssAfter := rss(t)
	runtime.GC()
	debug.FreeOSMemory()
	rssGC := rss(t)

	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(float64(len(latencies)-1)*p)] }
	report := fmt.Sprintf("%d s, %d clients: %d requests, %.0f requests/s, p50 %v, p99 %v, %d 5xx, %d wrong; RSS %d MB before, %d MB after, %d MB after GC",
		seconds, workers, total.Load(), float64(total.Load())/float64(seconds), pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
		fivexx.Load(), wrong.Load(), rssBefore>>20, rssAfter>>20, rssGC>>20)
	t.Log(report)
	if f := os.Getenv("LATCHKEY_LOAD_REPORT"); f != "" {
		_ = os.WriteFile(f, []byte(report+"\n"), 0o644)
	}
	if fivexx.Load() != 0 || wrong.Load() != 0 {
		t.Fatalf("5xx or wrong answers under load: %s", report)
	}
	if rssGC > rssBefore+64<<20 {
		t.Fatalf("resident memory after GC grew by more than 64 MB: %s", report)
	}
}

// rss is this process's resident memory in bytes (Linux).
func rss(t *testing.T) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status: resident memory is read on Linux only")
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
