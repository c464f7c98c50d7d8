package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/bench"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/testproc"
)

// loadCase is one kind of request of bench load.
type loadCase struct {
	name, path  string
	header      string // one request header, or none
	value       string // its value: passed to wrk in its environment, never on its command line
	want        int    // the status every answer must have
	ceiling     bool   // served by the bare handler
	rounds      []bench.Wrk
	rss         []float64 // peak resident memory of the server during each round
	unexpected  int64     // answers of another status than want (without the 5xx)
	fivexx      int64
	socketError int64
}

// wrkScript is the Lua script every wrk run gets: the case's header from the
// environment (so that no credential is in a process list), and, with
// statuses on, each answer's status class counted and printed at the end.
const wrkScript = `-- bench load (cmd/bench): one header from the environment.
local name, value = os.getenv("LATCHKEY_BENCH_HEADER"), os.getenv("LATCHKEY_BENCH_VALUE")
if name and name ~= "" then wrk.headers[name] = value end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) c2, c3, c4, c5 = 0, 0, 0, 0 end
function done(summary, latency, requests)
  local t = {0, 0, 0, 0}
  for _, th in ipairs(threads) do
    t[1] = t[1] + th:get("c2"); t[2] = t[2] + th:get("c3")
    t[3] = t[3] + th:get("c4"); t[4] = t[4] + th:get("c5")
  end
  io.write(string.format("latchkey-bench statuses: 2xx %d, 3xx %d, 4xx %d, 5xx %d\n", t[1], t[2], t[3], t[4]))
end
`

// wrkStatuses is the response hook that counts statuses.
const wrkStatuses = `function response(status, headers, body)
  if status >= 500 then c5 = c5 + 1 elseif status >= 400 then c4 = c4 + 1 elseif status >= 300 then c3 = c3 + 1 else c2 = c2 + 1 end
end
`

var demoKeyLine = regexp.MustCompile(`export LATCHKEY_API_KEY=(\S+)`)

func load(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench load", flag.ContinueOnError)
	server := fs.String("server", ".bin/latchkey-dev", "the local server's binary (make bench-load builds it from ./cmd/dev)")
	rounds := fs.Int("rounds", 3, "interleaved rounds: in each, every case runs once")
	duration := fs.Duration("duration", 5*time.Second, "length of one wrk run")
	warmup := fs.Duration("warmup", time.Second, "an unrecorded wrk run of each case first (0: none)")
	threads := fs.Int("threads", 2, "wrk threads (-t)")
	conns := fs.Int("connections", 32, "wrk connections (-c)")
	statuses := fs.Bool("statuses", true, "count every answer's status in wrk's Lua (the same client cost for every case, ceiling included)")
	web := fs.String("web", "web", "the web console's folder, for the local server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rounds < 1 || *rounds > 20 || *duration < time.Second || *duration > 2*time.Minute || *threads < 1 || *conns < *threads {
		return fmt.Errorf("want 1–20 rounds of 1 s–2 min, at least one thread and as many connections: %w", errUsage)
	}
	wrkBin, err := exec.LookPath("wrk")
	if err != nil {
		return errors.New("wrk is not installed: apt-get install -y wrk (Debian), or brew install wrk")
	}
	if _, err := os.Stat(*server); err != nil {
		return fmt.Errorf("the local server %s: %w (make bench-load builds it: go build -o %s ./cmd/dev)", *server, err, *server)
	}
	tmp, err := os.MkdirTemp("", "latchkey-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	script := filepath.Join(tmp, "bench.lua")
	text := wrkScript
	if *statuses {
		text += wrkStatuses
	}
	if err := os.WriteFile(script, []byte(text), 0o600); err != nil {
		return err
	}

	// The ceiling: a bare Go handler in a child process of its own.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ceilAddr, ceil, err := startServer("ceiling", func(addr string) *exec.Cmd {
		return exec.Command(self, ceilingCommand, "-addr", addr)
	})
	if err != nil {
		return err
	}
	// Latchkey's local server as `make dev` runs it: the embedded store,
	// seeded, with the development provider, on loopback.
	// Its log goes to a file, as a server's log does: piped back into this
	// process, each line of it cost this process a read as well, on the
	// cores the server and wrk share, and only the cases that log (every
	// one through the authorizer) paid for it.
	logPath := filepath.Join(tmp, "latchkey-dev.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	keyOut := &capped{max: 64 << 10}
	lkAddr, lk, err := startServer("latchkey dev", func(addr string) *exec.Cmd {
		cmd := exec.Command(*server, "-web", *web)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
			"LATCHKEY_ADDR=" + addr, "LATCHKEY_PUBLIC_URL=http://" + addr}
		cmd.Stdout = keyOut // the demo key is printed there: kept in memory, never shown
		cmd.Stderr = logFile
		return cmd
	})
	if err != nil {
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("%w; its log:\n%s", err, tail(string(log), 2000))
	}
	base := "http://" + lkAddr
	var key string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := demoKeyLine.FindStringSubmatch(keyOut.String()); m != nil {
			key = m[1]
			break
		}
		if time.Now().After(deadline) {
			return errors.New("the local server printed no demo key within 10 s")
		}
	}
	cookie, err := signIn(ctx, base, seed.Author.Subject)
	if err != nil {
		return err
	}
	bad, err := apikey.Generate(rand.Reader, apikey.EnvTest) // well-formed, unknown
	if err != nil {
		return err
	}
	cases := []*loadCase{
		{name: "ceiling: bare Go handler", path: "http://" + ceilAddr + "/", want: 200, ceiling: true},
		{name: "public: GET /api/public/posts/{id}", path: base + "/api/public/posts/" + seed.WelcomeID, want: 200},
		{name: "key: GET /api/me, API key", path: base + "/api/me", header: "Authorization", value: "Bearer " + key, want: 200},
		{name: "session: GET /api/me, cookie", path: base + "/api/me", header: "Cookie", value: session.CookieName + "=" + cookie, want: 200},
		{name: "bad key: GET /api/me, unknown key", path: base + "/api/me", header: "Authorization", value: "Bearer " + bad, want: 401},
	}
	for _, c := range cases {
		if err := checkCase(ctx, c); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "bench load: %d cases × %d rounds of %v (wrk -t%d -c%d), after a %v warm-up of each\n",
		len(cases), *rounds, *duration, *threads, *conns, *warmup)

	runCase := func(c *loadCase, d time.Duration, record bool) error {
		pid := lk.cmd.Process.Pid
		if c.ceiling {
			pid = ceil.cmd.Process.Pid
		}
		stopSampling := sampleRSS(pid)
		out, err := runWrk(ctx, wrkBin, script, c, d, *threads, *conns)
		p := stopSampling()
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		if !record {
			return nil
		}
		c.rounds = append(c.rounds, out)
		c.rss = append(c.rss, float64(p))
		c.socketError += out.SocketErrors
		if out.Status != nil {
			c.fivexx += out.Status["5xx"]
			class := strconv.Itoa(c.want/100) + "xx"
			for k, n := range out.Status {
				if k != class && k != "5xx" {
					c.unexpected += n
				}
			}
		} else if c.want < 300 {
			c.unexpected += out.Non2xx3xx
		}
		return nil
	}
	if *warmup > 0 {
		for _, c := range cases {
			if err := runCase(c, *warmup, false); err != nil {
				return err
			}
		}
	}
	for r := range *rounds {
		for i := range cases {
			// Each round starts one case further on, so that no case always
			// follows the same one.
			if err := runCase(cases[(r+i)%len(cases)], *duration, true); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "bench load: round %d of %d done\n", r+1, *rounds)
	}
	if !lk.running() || !ceil.running() {
		return errors.New("a server exited during the run")
	}

	fmt.Printf("\n### make bench-load, %s: %d interleaved rounds of %v, wrk -t%d -c%d --latency, on loopback\n\n",
		time.Now().UTC().Format("2006-01-02"), *rounds, *duration, *threads, *conns)
	t, summary := loadTable(cases)
	fmt.Print(t.Markdown())
	fmt.Println()
	fmt.Print(summary)
	var bad5 int64
	for _, c := range cases {
		bad5 += c.fivexx + c.unexpected + c.socketError
	}
	if bad5 > 0 {
		return fmt.Errorf("%d answers were 5xx, of an unexpected status, or socket errors", bad5)
	}
	return nil
}

// loadTable is the table bench load ends with, and the ratios under it.
func loadTable(cases []*loadCase) (bench.Table, string) {
	t := bench.Table{Header: []string{"case", "requests/s (median)", "spread (min–max)", "p50", "p99", "5xx", "unexpected", "peak RSS", "of the ceiling"}}
	rps := func(c *loadCase) []float64 {
		out := make([]float64, len(c.rounds))
		for i, w := range c.rounds {
			out[i] = w.RPS
		}
		return out
	}
	get := func(c *loadCase, f func(bench.Wrk) float64) []float64 {
		out := make([]float64, len(c.rounds))
		for i, w := range c.rounds {
			out[i] = f(w)
		}
		return out
	}
	var ceiling, public, key *loadCase
	for _, c := range cases {
		switch {
		case c.ceiling:
			ceiling = c
		case strings.HasPrefix(c.name, "public"):
			public = c
		case strings.HasPrefix(c.name, "key"):
			key = c
		}
	}
	for _, c := range cases {
		r := rps(c)
		lo, hi := bench.MinMax(r)
		frac := "1"
		if !c.ceiling {
			frac = fmt.Sprintf("%.2f", bench.Median(bench.Ratios(r, rps(ceiling))))
		}
		t.Add(c.name, bench.Count(bench.Median(r)), bench.Count(lo)+"–"+bench.Count(hi),
			bench.Duration(bench.Median(get(c, func(w bench.Wrk) float64 { return w.P50 }))),
			bench.Duration(bench.Median(get(c, func(w bench.Wrk) float64 { return w.P99 }))),
			bench.Count(float64(c.fivexx)), bench.Count(float64(c.unexpected+c.socketError)),
			bench.Bytes(bench.Median(c.rss)), frac)
	}
	var b strings.Builder
	if key != nil && public != nil && ceiling != nil {
		kp := bench.Ratios(rps(key), rps(public))
		kc := bench.Ratios(rps(key), rps(ceiling))
		verdict := func(ok bool) string {
			if ok {
				return "met"
			}
			return "NOT met"
		}
		fmt.Fprintf(&b, "key / public: %.2f (median of the rounds' ratios: %s); target ≥ 0.95: %s.\n",
			bench.Median(kp), ratios(kp), verdict(bench.Median(kp) >= 0.95))
		fmt.Fprintf(&b, "key / ceiling: %.2f (rounds: %s); target ≥ 0.50: %s.\n",
			bench.Median(kc), ratios(kc), verdict(bench.Median(kc) >= 0.5))
	}
	b.WriteString("\"of the ceiling\" is the median of each round's ratio to the bare handler's requests/s; \"unexpected\" counts answers of another status than the case's (200; 401 for the bad key) and socket errors. ")
	b.WriteString("Peak RSS is the serving process's VmRSS, sampled every 100 ms during the round (median of the rounds). wrk shares the machine's cores with the servers.\n")
	return t, b.String()
}

func ratios(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, ", ")
}

// startServer starts a server child on a free loopback port and waits until
// it accepts connections.
func startServer(name string, command func(addr string) *exec.Cmd) (string, *child, error) {
	type started struct {
		addr string
		c    *child
	}
	s, err := testproc.OnFreePort(name, func(port int) (started, error) {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		c, err := startChild(name, command(addr))
		if err != nil {
			return started{}, err
		}
		output := func() string { return tail(c.out.String(), 2000) }
		if err := testproc.Await(name, addr, c.exited, output, testproc.Listening(addr), 20*time.Second); err != nil {
			c.stop()
			return started{}, err
		}
		return started{addr, c}, nil
	})
	return s.addr, s.c, err
}

// checkCase sends a case's request once and checks its status, so that a
// misconfigured case fails before the load.
func checkCase(ctx context.Context, c *loadCase) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.path, nil)
	if err != nil {
		return err
	}
	if c.header != "" {
		req.Header.Set(c.header, c.value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != c.want {
		return fmt.Errorf("%s: answered %d, want %d: %s", c.name, resp.StatusCode, c.want, body)
	}
	return nil
}

// runWrk runs wrk on one case and reads its report. The case's header
// reaches wrk's script through wrk's environment.
func runWrk(ctx context.Context, wrkBin, script string, c *loadCase, d time.Duration, threads, conns int) (bench.Wrk, error) {
	wctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(wctx, wrkBin, "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+strconv.Itoa(int(d.Seconds()))+"s", "--latency", "--timeout", "10s", "-s", script, c.path)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LATCHKEY_BENCH_HEADER=" + c.header, "LATCHKEY_BENCH_VALUE=" + c.value}
	out := &capped{max: bench.MaxWrkOutput}
	cmd.Stdout, cmd.Stderr = out, out
	ch, err := startChild("wrk", cmd)
	if err != nil {
		return bench.Wrk{}, err
	}
	<-ch.exited
	ch.stop()
	if ctx.Err() != nil {
		return bench.Wrk{}, ctx.Err()
	}
	if cmd.ProcessState == nil || !cmd.ProcessState.Success() {
		return bench.Wrk{}, fmt.Errorf("wrk failed: %s", tail(out.String(), 2000))
	}
	return bench.ParseWrk(out.String())
}

// sampleRSS samples a process's resident memory every 100 ms until the
// returned function is called, which returns the peak.
func sampleRSS(pid int) func() int64 {
	var (
		mu   sync.Mutex
		peak int64
	)
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := func() {
		if v, err := rss(pid); err == nil {
			mu.Lock()
			peak = max(peak, v)
			mu.Unlock()
		}
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-done:
				sample()
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
