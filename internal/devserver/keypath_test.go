package devserver

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// keyPathCase is one kind of request the key-path load compares.
type keyPathCase struct {
	name   string
	path   string
	header string // "Name: value", or empty
	bare   bool   // served by the bare Go handler, not the local server
	want   int
}

// keyPathFixture is the local server as `make dev` runs it (its JSON log
// to a file: /dev/null here), a bare Go handler beside it, and one
// credential of each kind.
type keyPathFixture struct {
	local, bare *httptest.Server
	d           deps.Deps
	cases       []keyPathCase
}

func newKeyPathFixture(tb testing.TB) *keyPathFixture {
	tb.Helper()
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = devNull.Close() })
	logs := NewLogBuffer(devNull, 100*time.Millisecond) // as cmd/dev writes its log
	tb.Cleanup(func() { _ = logs.Close() })
	local, d := serveLocal(tb, httpx.NewLogger(logs), nil)

	// The ceiling: a Go handler answering a small JSON body, no routing,
	// no store, no log.
	body := []byte(`{"user":{"id":"usr_1"}}`)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	tb.Cleanup(bare.Close)

	m := keys.Manager{Keys: d.Stores.Keys, Env: d.Config.Env, Rand: rand.Reader, Now: time.Now}
	_, key, err := m.Issue(context.Background(), seed.Author.ID, keys.NewKey{Label: "keypath", Permissions: []string{"read"}})
	if err != nil {
		tb.Fatal(err)
	}
	tok, _ := session.NewToken(rand.Reader)
	now := time.Now()
	s := store.Session{ID: session.ID(tok), UserID: seed.Reader.ID, Hash: session.Hash(tok), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := d.Stores.Sessions.Create(context.Background(), s); err != nil {
		tb.Fatal(err)
	}
	return &keyPathFixture{local: local, bare: bare, d: d, cases: []keyPathCase{
		{name: "public", path: "/api/public/posts/" + seed.WelcomeID, want: 200},
		{name: "key", path: "/api/me", header: "Authorization: Bearer " + key, want: 200},
		{name: "session", path: "/api/me", header: "Cookie: " + session.CookieName + "=" + tok, want: 200},
		{name: "bare", path: "/", bare: true, want: 200},
	}}
}

func (f *keyPathFixture) url(c keyPathCase) string {
	if c.bare {
		return f.bare.URL + c.path
	}
	return f.local.URL + c.path
}

// check makes one request of each case and fails unless it is answered as
// the case wants: a load run measures right answers only.
func (f *keyPathFixture) check(tb testing.TB) {
	tb.Helper()
	for _, c := range f.cases {
		req, _ := http.NewRequest("GET", f.url(c), nil)
		if c.header != "" {
			k, v, _ := strings.Cut(c.header, ": ")
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			tb.Fatalf("%s: GET %s = %d %s; want %d", c.name, c.path, resp.StatusCode, b, c.want)
		}
	}
}

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
var wrkNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses:\s+([0-9]+)`)

// TestKeyPathLoad compares, under wrk on loopback, the requests per second
// of a public post, GET /api/me with an API key, the same with a session
// cookie, and a bare Go handler (the ceiling), in interleaved rounds
// (public, key, session, bare, public, …), and prints each case's median
// and the medians of the per-round ratios. Skipped unless
// LATCHKEY_KEYPATH_SECONDS (seconds per case and round) is set; wrk must
// be on PATH. LATCHKEY_KEYPATH_ROUNDS sets the rounds (default 3),
// LATCHKEY_KEYPATH_PROFILE a folder where one more key run, not counted,
// leaves CPU, mutex and block profiles of the server (cpu-key.out,
// mutex.out, block.out). Beside requests per second it reports the
// server's CPU time per request (getrusage), which moves far less with
// what else the machine runs. docs/PERFORMANCE.md, "Key path under load",
// records its figures.
func TestKeyPathLoad(t *testing.T) {
	seconds, _ := strconv.Atoi(os.Getenv("LATCHKEY_KEYPATH_SECONDS"))
	if seconds <= 0 {
		t.Skip("LATCHKEY_KEYPATH_SECONDS is not set")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Skip("wrk is not installed (apt-get install wrk)")
	}
	rounds, _ := strconv.Atoi(os.Getenv("LATCHKEY_KEYPATH_ROUNDS"))
	if rounds <= 0 {
		rounds = 3
	}
	profile := os.Getenv("LATCHKEY_KEYPATH_PROFILE")
	f := newKeyPathFixture(t)
	f.check(t)

	wrkRun := func(c keyPathCase) (rate, cpuPerRequest float64) {
		t.Helper()
		before := processCPU()
		args := []string{"-t2", "-c32", "-d" + strconv.Itoa(seconds) + "s", "--latency"}
		if c.header != "" {
			args = append(args, "-H", c.header)
		}
		out, err := exec.Command(wrk, append(args, f.url(c))...).CombinedOutput()
		if err != nil {
			t.Fatalf("wrk %s: %v\n%s", c.name, err, out)
		}
		m := wrkRate.FindSubmatch(out)
		if m == nil {
			t.Fatalf("wrk %s: no rate in\n%s", c.name, out)
		}
		if n := wrkNon2xx.FindSubmatch(out); n != nil {
			t.Fatalf("wrk %s: %s answers were not 2xx\n%s", c.name, n[1], out)
		}
		used := processCPU() - before
		r, _ := strconv.ParseFloat(string(m[1]), 64)
		return r, float64(used.Microseconds()) / (r * float64(seconds))
	}
	rates, cpus := map[string][]float64{}, map[string][]float64{}
	for round := range rounds {
		for _, c := range f.cases {
			r, cpu := wrkRun(c)
			rates[c.name] = append(rates[c.name], r)
			cpus[c.name] = append(cpus[c.name], cpu)
			t.Logf("round %d %-8s %8.0f requests/s, %5.1f µs of server CPU per request", round+1, c.name, r, cpu)
		}
	}
	t.Log(keyPathReport(rates, cpus, rounds, seconds))
	if profile == "" {
		return
	}
	// One more key run, not counted, with the CPU, mutex and block
	// profiles on (they slow what they watch).
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(int(time.Microsecond))
	defer runtime.SetMutexProfileFraction(0)
	defer runtime.SetBlockProfileRate(0)
	cpu, err := os.Create(filepath.Join(profile, "cpu-key.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer cpu.Close()
	if err := pprof.StartCPUProfile(cpu); err != nil {
		t.Fatal(err)
	}
	_, _ = wrkRun(f.cases[1])
	pprof.StopCPUProfile()
	for _, name := range []string{"mutex", "block"} {
		w, err := os.Create(filepath.Join(profile, name+".out"))
		if err != nil {
			t.Fatal(err)
		}
		_ = pprof.Lookup(name).WriteTo(w, 0)
		w.Close()
	}
}

// keyPathReport is the figures of a run: each case's median, and the
// median of each round's ratios to the public post and to the ceiling.
func keyPathReport(rates, cpus map[string][]float64, rounds, seconds int) string {
	median := func(xs []float64) float64 {
		s := slices.Clone(xs)
		slices.Sort(s)
		if len(s)%2 == 1 {
			return s[len(s)/2]
		}
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	ratio := func(m map[string][]float64, a, b string) float64 {
		var rs []float64
		for i := range m[a] {
			rs = append(rs, m[a][i]/m[b][i])
		}
		return median(rs)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d interleaved rounds of %d s each, wrk -t2 -c32, medians:\n", rounds, seconds)
	for _, c := range []string{"public", "key", "session", "bare"} {
		fmt.Fprintf(&b, "  %-8s %8.0f requests/s (%s), %5.1f µs of server CPU per request\n", c, median(rates[c]), fmtRates(rates[c]), median(cpus[c]))
	}
	fmt.Fprintf(&b, "  requests/s: key/public %.2f, session/public %.2f, key/bare %.2f, public/bare %.2f\n",
		ratio(rates, "key", "public"), ratio(rates, "session", "public"), ratio(rates, "key", "bare"), ratio(rates, "public", "bare"))
	fmt.Fprintf(&b, "  server CPU per request: key/public %.2f, session/public %.2f, key/bare %.2f, public/bare %.2f",
		ratio(cpus, "key", "public"), ratio(cpus, "session", "public"), ratio(cpus, "key", "bare"), ratio(cpus, "public", "bare"))
	return b.String()
}

// processCPU is the CPU time this process has used, user and system
// (Linux): unlike requests per second, it hardly moves with what else the
// machine runs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fmtRates(xs []float64) string {
	var parts []string
	for _, x := range xs {
		parts = append(parts, strconv.FormatFloat(x, 'f', 0, 64))
	}
	return strings.Join(parts, ", ")
}

// BenchmarkKeyPathParallel drives the local server's handler from every
// core at once (b.RunParallel), without the network, for the same requests
// as TestKeyPathLoad: run it with -mutexprofile or -blockprofile to see
// contention on the key path.
func BenchmarkKeyPathParallel(b *testing.B) {
	newKeyPathFixture(b).bench(b, func(b *testing.B, c keyPathCase, serve func() *httptest.ResponseRecorder) {
		var failed sync.Once
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if w := serve(); w.Code != c.want {
					failed.Do(func() { b.Errorf("%s: status %d %s", c.name, w.Code, w.Body) })
				}
			}
		})
	})
}

// BenchmarkKeyPath is one request at a time through the local server's
// handler, for the requests TestKeyPathLoad compares; with -count N the
// cases interleave (public, key, session, public, …).
func BenchmarkKeyPath(b *testing.B) {
	newKeyPathFixture(b).bench(b, func(b *testing.B, c keyPathCase, serve func() *httptest.ResponseRecorder) {
		for b.Loop() {
			if w := serve(); w.Code != c.want {
				b.Fatalf("%s: status %d %s", c.name, w.Code, w.Body)
			}
		}
	})
}

// bench runs loop as a sub-benchmark of each case the local server
// answers, reporting allocations and the process's CPU time per request;
// serve sends the case's request through the local server's handler,
// without the network, and returns the answer.
func (f *keyPathFixture) bench(b *testing.B, loop func(b *testing.B, c keyPathCase, serve func() *httptest.ResponseRecorder)) {
	h := f.local.Config.Handler
	for _, c := range f.cases {
		if c.bare {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			start := processCPU()
			defer func() { b.ReportMetric(float64((processCPU()-start).Nanoseconds())/float64(b.N), "cpu-ns/op") }()
			loop(b, c, func() *httptest.ResponseRecorder {
				r := httptest.NewRequest("GET", c.path, nil)
				r.Host = f.local.Listener.Addr().String()
				r.RemoteAddr = "127.0.0.1:40000"
				if c.header != "" {
					k, v, _ := strings.Cut(c.header, ": ")
					r.Header.Set(k, v)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w
			})
		})
	}
}
