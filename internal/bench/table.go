// Package bench holds what the bench targets (`make bench`, `make
// bench-cold`, `make bench-load`; cmd/bench) share and what they parse:
// medians and spreads of interleaved rounds, the Markdown tables they end
// with, and readers for the output of wrk and of `go test -bench`. It does
// no measuring itself; docs/PERFORMANCE.md says how each figure is made.
package bench

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Table is a Markdown table: a header row and rows of cells.
type Table struct {
	Header []string
	Rows   [][]string
}

// Add appends a row.
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, cells) }

// Markdown renders the table, one line per row, with a pipe in a cell
// escaped and a short row padded with empty cells.
func (t Table) Markdown() string {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i := range t.Header {
			c := ""
			if i < len(cells) {
				c = strings.ReplaceAll(strings.ReplaceAll(cells[i], "|", `\|`), "\n", " ")
			}
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n")
	}
	line(t.Header)
	sep := make([]string, len(t.Header))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range t.Rows {
		line(r)
	}
	return b.String()
}

// Median is the median of xs (the mean of the middle two for an even
// count); NaN for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// MinMax is the smallest and largest of xs; NaN for none.
func MinMax(xs []float64) (lo, hi float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	return slices.Min(xs), slices.Max(xs)
}

// Ratios are a[i]/b[i] for each round i both have (interleaved rounds:
// the same round's figures share the machine's state).
func Ratios(a, b []float64) []float64 {
	out := make([]float64, 0, min(len(a), len(b)))
	for i := range min(len(a), len(b)) {
		if b[i] != 0 {
			out = append(out, a[i]/b[i])
		}
	}
	return out
}

// Duration formats seconds for a table: µs below a millisecond, ms below
// a second, else s, with three significant digits.
func Duration(seconds float64) string {
	switch {
	case math.IsNaN(seconds):
		return "—"
	case seconds < 1e-3:
		return sig3(seconds*1e6) + " µs"
	case seconds < 1:
		return sig3(seconds*1e3) + " ms"
	}
	return sig3(seconds) + " s"
}

// Spread formats a range of seconds: "lo–hi" in lo's unit.
func Spread(lo, hi float64) string {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return "—"
	}
	d := Duration(lo)
	unit := d[strings.LastIndexByte(d, ' ')+1:]
	scale := map[string]float64{"µs": 1e6, "ms": 1e3, "s": 1}[unit]
	return sig3(lo*scale) + "–" + sig3(hi*scale) + " " + unit
}

// Ratio formats a ratio to two decimals with a ×.
func Ratio(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "—"
	}
	return fmt.Sprintf("%.2f×", r)
}

// Count formats a whole number with thousands separators.
func Count(n float64) string {
	if math.IsNaN(n) {
		return "—"
	}
	s := fmt.Sprintf("%.0f", math.Abs(n))
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if n < 0 {
		return "-" + b.String()
	}
	return b.String()
}

// Bytes formats a size in MB (2^20 bytes), one decimal.
func Bytes(n float64) string {
	if math.IsNaN(n) {
		return "—"
	}
	return fmt.Sprintf("%.1f MB", n/(1<<20))
}

// Seconds converts a duration for Median and the formatters.
func Seconds(d time.Duration) float64 { return d.Seconds() }

// sig3 prints x with three significant digits, without an exponent.
func sig3(x float64) string {
	switch ax := math.Abs(x); {
	case ax >= 100:
		return fmt.Sprintf("%.0f", x)
	case ax >= 10:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.2f", x)
}
