package bench

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// GoBench is one benchmark of `go test -bench` output, every run of it
// (-count): its package, its name without the GOMAXPROCS suffix, and each
// unit's values in run order (ns/op, B/op, allocs/op, and custom ones).
type GoBench struct {
	Pkg, Name string
	Values    map[string][]float64
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)((?:\s+[0-9.eE+-]+ \S+)+)\s*$`)
	benchPair = regexp.MustCompile(`([0-9.eE+-]+) (\S+)`)
)

// GoBenchReader reads `go test -bench` output line by line, copying each
// line to Echo (when set) as it comes, so a long run shows its progress.
type GoBenchReader struct {
	Echo io.Writer

	pkg     string
	order   []string
	benches map[string]*GoBench
}

// Line reads one line of output.
func (r *GoBenchReader) Line(line string) {
	if r.Echo != nil {
		fmt.Fprintln(r.Echo, line)
	}
	if p, ok := strings.CutPrefix(line, "pkg: "); ok {
		r.pkg = strings.TrimSpace(p)
		return
	}
	m := benchLine.FindStringSubmatch(line)
	if m == nil {
		return
	}
	key := r.pkg + " " + m[1]
	if r.benches == nil {
		r.benches = map[string]*GoBench{}
	}
	b, ok := r.benches[key]
	if !ok {
		b = &GoBench{Pkg: r.pkg, Name: m[1], Values: map[string][]float64{}}
		r.benches[key] = b
		r.order = append(r.order, key)
	}
	for _, p := range benchPair.FindAllStringSubmatch(m[3], -1) {
		v, err := strconv.ParseFloat(p[1], 64)
		if err == nil {
			b.Values[p[2]] = append(b.Values[p[2]], v)
		}
	}
}

// ReadAll reads every line of in.
func (r *GoBenchReader) ReadAll(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		r.Line(sc.Text())
	}
	return sc.Err()
}

// Benchmarks are the benchmarks read, in the order they first appeared.
func (r *GoBenchReader) Benchmarks() []GoBench {
	out := make([]GoBench, 0, len(r.order))
	for _, k := range r.order {
		out = append(out, *r.benches[k])
	}
	return out
}

// GoBenchTable is the table `make bench` ends with: for each benchmark,
// the median time per operation and its spread over the runs, the median
// bytes and allocations per operation, and its time against its package's
// base benchmark (bases maps a package path suffix, such as
// "internal/authz", to a benchmark name, such as "BenchmarkFloor"): the
// median of the runs' ratios, run i of one against run i of the base, which
// are of the same round when the runs are interleaved rounds.
func GoBenchTable(benches []GoBench, bases map[string]string) Table {
	t := Table{Header: []string{"package", "benchmark", "runs", "time/op (median)", "spread (min–max)", "B/op", "allocs/op", "time vs base"}}
	base := map[string][]float64{} // package → its base's ns/op by run
	for _, b := range benches {
		for suffix, name := range bases {
			if strings.HasSuffix(b.Pkg, suffix) && b.Name == name {
				base[b.Pkg] = b.Values["ns/op"]
			}
		}
	}
	for _, b := range benches {
		ns := b.Values["ns/op"]
		lo, hi := MinMax(ns)
		ratio := "—"
		if v, ok := base[b.Pkg]; ok {
			ratio = Ratio(Median(Ratios(ns, v)))
		}
		t.Add(shortPkg(b.Pkg), strings.TrimPrefix(b.Name, "Benchmark"), strconv.Itoa(len(ns)),
			Duration(Median(ns)/1e9), Spread(lo/1e9, hi/1e9),
			Count(Median(b.Values["B/op"])), Count(Median(b.Values["allocs/op"])), ratio)
	}
	return t
}

// shortPkg drops the module path: internal/authz for
// github.com/latchkey/latchkey/internal/authz.
func shortPkg(p string) string {
	if i := strings.Index(p, "/internal/"); i >= 0 {
		return p[i+1:]
	}
	if i := strings.Index(p, "/cmd/"); i >= 0 {
		return p[i+1:]
	}
	return p
}
