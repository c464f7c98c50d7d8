package bench

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Wrk is what one run of wrk (with --latency) reports, and the status
// counts of the Lua script cmd/bench gives it.
type Wrk struct {
	// Requests completed in Seconds; RPS is wrk's Requests/sec.
	Requests int64
	Seconds  float64
	RPS      float64
	// P50 and P99 are latencies, in seconds, from the Latency
	// Distribution (needs --latency).
	P50, P99 float64
	// Non2xx3xx is wrk's "Non-2xx or 3xx responses" (0 when absent).
	Non2xx3xx int64
	// SocketErrors adds up wrk's connect, read, write and timeout errors.
	SocketErrors int64
	// Status counts by class, from the script's "statuses" line: 2xx,
	// 3xx, 4xx, 5xx; nil without it.
	Status map[string]int64
}

var (
	wrkTotal   = regexp.MustCompile(`^(\d+) requests in ([0-9.]+)(us|ms|s|m|h),`)
	wrkRPS     = regexp.MustCompile(`^Requests/sec:\s+([0-9.]+)$`)
	wrkPct     = regexp.MustCompile(`^(50|99)(?:\.0+)?%\s+([0-9.]+)(us|ms|s|m|h)$`)
	wrkNon2xx  = regexp.MustCompile(`^Non-2xx or 3xx responses: (\d+)$`)
	wrkSocket  = regexp.MustCompile(`^Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)$`)
	wrkClasses = regexp.MustCompile(`^latchkey-bench statuses: 2xx (\d+), 3xx (\d+), 4xx (\d+), 5xx (\d+)$`)
)

// unitSeconds are wrk's time units in seconds.
var unitSeconds = map[string]float64{"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}

// MaxWrkOutput bounds what ParseWrk reads: wrk's report is under 2 KB.
const MaxWrkOutput = 64 << 10

// ParseWrk reads wrk's report. It needs the request total, Requests/sec
// and the 50 % and 99 % latencies; anything missing is an error that says
// what.
func ParseWrk(out string) (Wrk, error) {
	if len(out) > MaxWrkOutput {
		return Wrk{}, fmt.Errorf("wrk output: %d bytes, over the %d this reads", len(out), MaxWrkOutput)
	}
	var w Wrk
	var haveTotal, haveRPS, have50, have99 bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := wrkTotal.FindStringSubmatch(line); m != nil {
			n, err1 := strconv.ParseInt(m[1], 10, 64)
			s, err2 := strconv.ParseFloat(m[2], 64)
			if err1 != nil || err2 != nil {
				return Wrk{}, fmt.Errorf("wrk output: %q: not numbers", line)
			}
			w.Requests, w.Seconds, haveTotal = n, s*unitSeconds[m[3]], true
		} else if m := wrkRPS.FindStringSubmatch(line); m != nil {
			v, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				return Wrk{}, fmt.Errorf("wrk output: %q: not a number", line)
			}
			w.RPS, haveRPS = v, true
		} else if m := wrkPct.FindStringSubmatch(line); m != nil {
			v, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				return Wrk{}, fmt.Errorf("wrk output: %q: not a number", line)
			}
			v *= unitSeconds[m[3]]
			if m[1] == "50" {
				w.P50, have50 = v, true
			} else {
				w.P99, have99 = v, true
			}
		} else if m := wrkNon2xx.FindStringSubmatch(line); m != nil {
			w.Non2xx3xx, _ = strconv.ParseInt(m[1], 10, 64)
		} else if m := wrkSocket.FindStringSubmatch(line); m != nil {
			for _, s := range m[1:] {
				n, _ := strconv.ParseInt(s, 10, 64)
				w.SocketErrors += n
			}
		} else if m := wrkClasses.FindStringSubmatch(line); m != nil {
			w.Status = map[string]int64{}
			for i, class := range []string{"2xx", "3xx", "4xx", "5xx"} {
				w.Status[class], _ = strconv.ParseInt(m[i+1], 10, 64)
			}
		}
	}
	var missing []string
	for _, f := range []struct {
		ok   bool
		what string
	}{{haveTotal, "the request total"}, {haveRPS, "Requests/sec"}, {have50, "the 50% latency (run wrk with --latency)"}, {have99, "the 99% latency (run wrk with --latency)"}} {
		if !f.ok {
			missing = append(missing, f.what)
		}
	}
	if len(missing) > 0 {
		return Wrk{}, errors.New("wrk output: no " + strings.Join(missing, ", no "))
	}
	return w, nil
}
