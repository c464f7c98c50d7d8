package bench

import (
	"math"
	"strings"
	"testing"
)

// wrkReport is wrk 4.1's report of a run with --latency, socket errors,
// non-2xx answers and the statuses line of cmd/bench's Lua script.
const wrkReport = `Running 5s test @ http://127.0.0.1:40123/api/me
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.73ms    1.20ms  30.12ms   90.01%
    Req/Sec     9.45k   812.33    11.02k    70.00%
  Latency Distribution
     50%    1.54ms
     75%    2.01ms
     90%    2.80ms
     99%  892.00us
  94012 requests in 5.00s, 40.11MB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 17
Requests/sec:  18801.57
Transfer/sec:      8.02MB
latchkey-bench statuses: 2xx 93990, 3xx 0, 4xx 5, 5xx 12
`

func TestParseWrkReadsEveryFigure(t *testing.T) {
	w, err := ParseWrk(wrkReport)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"requests", float64(w.Requests), 94012},
		{"seconds", w.Seconds, 5},
		{"requests/s", w.RPS, 18801.57},
		{"p50", w.P50, 1.54e-3},
		{"p99 in µs", w.P99, 892e-6},
		{"non-2xx", float64(w.Non2xx3xx), 17},
		{"socket errors summed", float64(w.SocketErrors), 10},
		{"2xx", float64(w.Status["2xx"]), 93990},
		{"4xx", float64(w.Status["4xx"]), 5},
		{"5xx", float64(w.Status["5xx"]), 12},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-9*math.Max(1, c.want) {
			t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseWrkUnits(t *testing.T) {
	for _, tc := range []struct {
		line string
		want float64
	}{
		{"50%  950.00us", 950e-6},
		{"50%    3.74ms", 3.74e-3},
		{"50%    1.20s", 1.2},
		{"50%    2.00m", 120},
	} {
		out := strings.Replace(wrkReport, "50%    1.54ms", tc.line, 1)
		w, err := ParseWrk(out)
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		if math.Abs(w.P50-tc.want) > 1e-12 {
			t.Errorf("%q: p50 = %v s; want %v s", tc.line, w.P50, tc.want)
		}
	}
}

func TestParseWrkWithoutOptionalLines(t *testing.T) {
	var kept []string
	for _, l := range strings.Split(wrkReport, "\n") {
		if strings.Contains(l, "Socket errors") || strings.Contains(l, "Non-2xx") || strings.Contains(l, "latchkey-bench") {
			continue
		}
		kept = append(kept, l)
	}
	w, err := ParseWrk(strings.Join(kept, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Non2xx3xx != 0 || w.SocketErrors != 0 || w.Status != nil {
		t.Errorf("absent lines read as %d non-2xx, %d socket errors, statuses %v; want zero and nil", w.Non2xx3xx, w.SocketErrors, w.Status)
	}
}

func TestParseWrkRefusesIncompleteReports(t *testing.T) {
	for _, tc := range []struct {
		name, drop, wantErr string
	}{
		{"no latency distribution (run without --latency)", "     50%    1.54ms\n", "50% latency"},
		{"no 99th percentile", "     99%  892.00us\n", "99% latency"},
		{"no Requests/sec", "Requests/sec:  18801.57\n", "Requests/sec"},
		{"no total", "  94012 requests in 5.00s, 40.11MB read\n", "request total"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseWrk(strings.Replace(wrkReport, tc.drop, "", 1))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v; want one naming %q", err, tc.wantErr)
			}
		})
	}
	if _, err := ParseWrk("unable to connect to 127.0.0.1:1 Connection refused\n"); err == nil {
		t.Error("wrk's connection error parsed as a report")
	}
	if _, err := ParseWrk(strings.Repeat("x", MaxWrkOutput+1)); err == nil {
		t.Error("an oversized output was read")
	}
}

// FuzzParseWrk: ParseWrk reads the output of a program it runs, and must
// never panic or return figures with an error.
func FuzzParseWrk(f *testing.F) {
	f.Add(wrkReport)
	f.Add("50% 1e309us\n99% NaNms\n1 requests in 1s,\nRequests/sec: 1\n")
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWrk(s)
		if err != nil && (w.Requests != 0 || w.RPS != 0) {
			t.Fatalf("figures returned with an error: %+v, %v", w, err)
		}
	})
}

// goBenchOutput is `go test -bench` output of two packages, two runs each.
const goBenchOutput = `goos: linux
goarch: amd64
pkg: github.com/latchkey/latchkey/internal/authz
cpu: Intel(R) Xeon(R) CPU @ 2.20GHz
BenchmarkAuthorizer/cache-hit-2         	  100000	     25000 ns/op	    2424 B/op	      38 allocs/op
BenchmarkAuthorizer/cache-hit-2         	  100000	     27000 ns/op	    2424 B/op	      38 allocs/op
BenchmarkFloor-2                        	   50000	     50000 ns/op	    9770 B/op	     192 allocs/op
BenchmarkFloor-2                        	   50000	     40000 ns/op	    9770 B/op	     192 allocs/op
PASS
ok  	github.com/latchkey/latchkey/internal/authz	12.0s
pkg: github.com/latchkey/latchkey/internal/devserver
BenchmarkLocalGateway/public-posts-get-2	  100000	     21300 ns/op	   10900 B/op	      84 allocs/op
BenchmarkFloor-2                        	  100000	      1000 ns/op	       0 B/op	       0 allocs/op
PASS
`

func TestGoBenchTable(t *testing.T) {
	var echoed strings.Builder
	r := GoBenchReader{Echo: &echoed}
	if err := r.ReadAll(strings.NewReader(goBenchOutput)); err != nil {
		t.Fatal(err)
	}
	if echoed.String() != goBenchOutput {
		t.Error("the output was not copied through as it came")
	}
	benches := r.Benchmarks()
	if len(benches) != 4 {
		t.Fatalf("%d benchmarks; want 4 (the same name in two packages is two): %+v", len(benches), benches)
	}
	table := GoBenchTable(benches, map[string]string{"internal/authz": "BenchmarkFloor"}).Markdown()
	for _, want := range []string{
		// Per-run ratios 25/50 and 27/40: their median, not 26/45.
		"| internal/authz | Authorizer/cache-hit | 2 | 26.0 µs | 25.0–27.0 µs | 2,424 | 38 | 0.59× |",
		"| internal/authz | Floor | 2 | 45.0 µs | 40.0–50.0 µs | 9,770 | 192 | 1.00× |",
		// Only the named package has a base: devserver's own Floor is not one.
		"| internal/devserver | LocalGateway/public-posts-get | 1 | 21.3 µs | 21.3–21.3 µs | 10,900 | 84 | — |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks the row\n%s\nin\n%s", want, table)
		}
	}
}

func TestMarkdownTable(t *testing.T) {
	tab := Table{Header: []string{"case", "figure"}}
	tab.Add("a|b", "1")
	tab.Add("short row")
	tab.Add("two\nlines", "2", "an extra cell is dropped")
	want := "| case | figure |\n| --- | --- |\n| a\\|b | 1 |\n| short row |  |\n| two lines | 2 |\n"
	if got := tab.Markdown(); got != want {
		t.Errorf("Markdown() =\n%s\nwant\n%s", got, want)
	}
}

func TestStatistics(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		want float64
	}{
		{"odd count", []float64{3, 1, 2}, 2},
		{"even count: mean of the middle two", []float64{4, 1, 3, 2}, 2.5},
		{"one", []float64{7}, 7},
	} {
		if got := Median(tc.xs); got != tc.want {
			t.Errorf("%s: Median(%v) = %v; want %v", tc.name, tc.xs, got, tc.want)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median(nil) is not NaN")
	}
	xs := []float64{3, 1, 2}
	Median(xs)
	if xs[0] != 3 {
		t.Error("Median sorted its argument")
	}
	if got := Ratios([]float64{2, 3, 4}, []float64{1, 0}); len(got) != 1 || got[0] != 2 {
		t.Errorf("Ratios = %v; want [2]: pairs of the same round only, none over zero", got)
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Duration(25.7e-6), "25.7 µs"},
		{Duration(0.0186), "18.6 ms"},
		{Duration(1.234), "1.23 s"},
		{Duration(0.000999), "999 µs"},
		{Duration(math.NaN()), "—"},
		{Spread(0.018, 0.0192), "18.0–19.2 ms"},
		{Ratio(0.987), "0.99×"},
		{Ratio(math.Inf(1)), "—"},
		{Count(1690827), "1,690,827"},
		{Count(999), "999"},
		{Count(-1234), "-1,234"},
		{Bytes(28.2 * (1 << 20)), "28.2 MB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q; want %q", tc.got, tc.want)
		}
	}
}
