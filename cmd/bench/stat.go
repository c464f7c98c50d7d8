package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/bench"
)

// stat copies `go test -bench` output from standard input to standard
// output as it comes, then prints the table of medians.
func stat(args []string) error {
	fs := flag.NewFlagSet("bench stat", flag.ContinueOnError)
	bases := fs.String("base", "internal/authz=BenchmarkFloor",
		"comma-separated package=benchmark pairs: each package's times are also given as ratios to that benchmark's")
	if err := fs.Parse(args); err != nil {
		return err
	}
	baseMap := map[string]string{}
	for _, p := range strings.Split(*bases, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pkg, name, ok := strings.Cut(p, "=")
		if !ok || pkg == "" || !strings.HasPrefix(name, "Benchmark") {
			return fmt.Errorf("-base %q: want package=BenchmarkName: %w", p, errUsage)
		}
		baseMap[pkg] = name
	}
	r := bench.GoBenchReader{Echo: os.Stdout}
	if err := r.ReadAll(os.Stdin); err != nil {
		return fmt.Errorf("read benchmark output: %w", err)
	}
	benches := r.Benchmarks()
	if len(benches) == 0 {
		return errors.New("no benchmark results on standard input")
	}
	fmt.Printf("\n### make bench, %s (medians of each benchmark's runs)\n\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Print(bench.GoBenchTable(benches, baseMap).Markdown())
	return nil
}
