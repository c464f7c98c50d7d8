// Package emftest checks log lines against CloudWatch's Embedded Metric
// Format specification
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
// and against Latchkey's metric contract (internal/metrics): the tests of
// every package that writes metrics, and the local server's acceptance
// test, read their lines with it.
package emftest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/metrics"
)

// Doc is one EMF log line, checked.
type Doc struct {
	// Line is the whole line, decoded.
	Line map[string]any
	// Timestamp is _aws.Timestamp.
	Timestamp time.Time
	// Directives are _aws.CloudWatchMetrics.
	Directives []Directive
}

// Directive is one metric directive.
type Directive struct {
	Namespace  string
	Dimensions [][]string
	Metrics    []Metric
}

// Metric is one metric definition.
type Metric struct{ Name, Unit string }

// Units are the units a metric definition may name (the specification's
// schema; CloudWatch's MetricDatum units).
var Units = []string{
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
	"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
	"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}

// The specification's limits.
const (
	MaxDimensionsPerSet = 30  // dimension names in one dimension set
	MaxMetrics          = 100 // metric definitions in one directive, values in one metric array
	MaxName             = 255 // characters of a namespace, dimension or metric name
	MaxDimensionValue   = 1024
)

// Check decodes line and checks it against the specification: one JSON
// object; an _aws object with exactly Timestamp (an integer count of
// milliseconds) and CloudWatchMetrics (a non-empty array of directives);
// each directive with exactly Namespace, Dimensions and Metrics, within the
// limits above; each dimension name a top-level member with a non-empty
// ASCII string value, each metric name a top-level number or array of
// numbers, each unit one of Units. Latchkey's own rules on top: the
// namespace is metrics.Namespace, every unit is Count, every dimension set
// starts with the deployment and the environment, and the timestamp is
// within a day of now.
func Check(line []byte) (Doc, error) {
	var doc Doc
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&doc.Line); err != nil {
		return doc, fmt.Errorf("not a JSON object: %w", err)
	}
	if dec.More() {
		return doc, fmt.Errorf("data after the JSON object")
	}
	aws, ok := doc.Line["_aws"].(map[string]any)
	if !ok {
		return doc, fmt.Errorf("no _aws object")
	}
	if err := onlyKeys(aws, "_aws", "Timestamp", "CloudWatchMetrics"); err != nil {
		return doc, err
	}
	ts, ok := aws["Timestamp"].(json.Number)
	if !ok {
		return doc, fmt.Errorf("_aws.Timestamp is %v, not a number", aws["Timestamp"])
	}
	ms, err := ts.Int64()
	if err != nil {
		return doc, fmt.Errorf("_aws.Timestamp %s is not an integer of milliseconds", ts)
	}
	doc.Timestamp = time.UnixMilli(ms)
	if d := time.Since(doc.Timestamp); d > 24*time.Hour || d < -24*time.Hour {
		return doc, fmt.Errorf("_aws.Timestamp %s is not now (milliseconds expected)", doc.Timestamp)
	}
	raw, ok := aws["CloudWatchMetrics"].([]any)
	if !ok || len(raw) == 0 {
		return doc, fmt.Errorf("_aws.CloudWatchMetrics is %v, not a non-empty array", aws["CloudWatchMetrics"])
	}
	for i, r := range raw {
		d, err := directive(doc.Line, r)
		if err != nil {
			return doc, fmt.Errorf("CloudWatchMetrics[%d]: %w", i, err)
		}
		doc.Directives = append(doc.Directives, d)
	}
	return doc, nil
}

func directive(root map[string]any, r any) (Directive, error) {
	var d Directive
	obj, ok := r.(map[string]any)
	if !ok {
		return d, fmt.Errorf("not an object")
	}
	if err := onlyKeys(obj, "directive", "Namespace", "Dimensions", "Metrics"); err != nil {
		return d, err
	}
	d.Namespace, _ = obj["Namespace"].(string)
	if d.Namespace == "" || len(d.Namespace) > MaxName {
		return d, fmt.Errorf("namespace %v: want 1 to %d characters", obj["Namespace"], MaxName)
	}
	if d.Namespace != metrics.Namespace {
		return d, fmt.Errorf("namespace %q, not %q", d.Namespace, metrics.Namespace)
	}
	sets, ok := obj["Dimensions"].([]any)
	if !ok {
		return d, fmt.Errorf("Dimensions is not an array")
	}
	for _, s := range sets {
		names, ok := s.([]any)
		if !ok || len(names) > MaxDimensionsPerSet {
			return d, fmt.Errorf("dimension set %v: want an array of at most %d names", s, MaxDimensionsPerSet)
		}
		var set []string
		for _, n := range names {
			name, ok := n.(string)
			if !ok || name == "" || len(name) > MaxName {
				return d, fmt.Errorf("dimension name %v", n)
			}
			v, ok := root[name].(string)
			if !ok {
				return d, fmt.Errorf("dimension %q is not a top-level string member (%v)", name, root[name])
			}
			if !dimensionValue(v) {
				return d, fmt.Errorf("dimension %q = %q: want 1 to %d printable ASCII characters", name, v, MaxDimensionValue)
			}
			set = append(set, name)
		}
		if len(set) < 2 || set[0] != metrics.DimDeployment || set[1] != metrics.DimEnvironment {
			return d, fmt.Errorf("dimension set %v does not start with %s, %s", set, metrics.DimDeployment, metrics.DimEnvironment)
		}
		d.Dimensions = append(d.Dimensions, set)
	}
	defs, ok := obj["Metrics"].([]any)
	if !ok || len(defs) == 0 || len(defs) > MaxMetrics {
		return d, fmt.Errorf("Metrics: want an array of 1 to %d definitions", MaxMetrics)
	}
	for _, m := range defs {
		def, ok := m.(map[string]any)
		if !ok {
			return d, fmt.Errorf("metric definition %v is not an object", m)
		}
		if err := onlyKeys(def, "metric definition", "Name", "Unit"); err != nil {
			return d, err
		}
		name, _ := def["Name"].(string)
		unit, _ := def["Unit"].(string)
		if name == "" || len(name) > MaxName {
			return d, fmt.Errorf("metric name %v", def["Name"])
		}
		if !slices.Contains(Units, unit) {
			return d, fmt.Errorf("metric %s: unit %v is not a CloudWatch unit", name, def["Unit"])
		}
		if unit != metrics.UnitCount {
			return d, fmt.Errorf("metric %s: unit %s, not %s", name, unit, metrics.UnitCount)
		}
		if !metricValue(root[name]) {
			return d, fmt.Errorf("metric %q is not a top-level number or array of numbers (%v)", name, root[name])
		}
		d.Metrics = append(d.Metrics, Metric{Name: name, Unit: unit})
	}
	return d, nil
}

// onlyKeys: the specification's objects "MUST NOT contain any additional
// members", and every member it defines here is required.
func onlyKeys(obj map[string]any, what string, keys ...string) error {
	for k := range obj {
		if !slices.Contains(keys, k) {
			return fmt.Errorf("%s has the member %q; want only %v", what, k, keys)
		}
	}
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			return fmt.Errorf("%s lacks %q", what, k)
		}
	}
	return nil
}

func dimensionValue(v string) bool {
	if v == "" || len(v) > MaxDimensionValue || strings.TrimSpace(v) == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

func metricValue(v any) bool {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return err == nil && !math.IsInf(f, 0)
	case []any:
		if len(v) == 0 || len(v) > MaxMetrics {
			return false
		}
		for _, x := range v {
			if _, ok := x.(json.Number); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// Dimensions returns the value of every dimension the doc's directives
// name.
func (d Doc) Dimensions() map[string]string {
	out := map[string]string{}
	for _, dir := range d.Directives {
		for _, set := range dir.Dimensions {
			for _, name := range set {
				out[name], _ = d.Line[name].(string)
			}
		}
	}
	return out
}

// Metrics returns the value of every metric the doc's directives name.
func (d Doc) Metrics() map[string]float64 {
	out := map[string]float64{}
	for _, dir := range d.Directives {
		for _, m := range dir.Metrics {
			if n, ok := d.Line[m.Name].(json.Number); ok {
				out[m.Name], _ = n.Float64()
			}
		}
	}
	return out
}

// Sets returns the doc's dimension sets of metric, each joined with ",".
func (d Doc) Sets(metric string) []string {
	var out []string
	for _, dir := range d.Directives {
		for _, m := range dir.Metrics {
			if m.Name == metric {
				for _, set := range dir.Dimensions {
					out = append(out, strings.Join(set, ","))
				}
			}
		}
	}
	return out
}

// Known is every dimension value Latchkey may write, by metric and
// dimension: fixed sets, so that no user, key, session or request id can
// become a dimension. Environments are config's (LATCHKEY_ENV); actions
// are the caller's (the posts policy's), passed to CheckKnown. The
// deployment's name is the one dimension not of a fixed set: it is one
// per deployment, set by its configuration (LATCHKEY_DEPLOYMENT), and
// CheckKnown holds it to config.ValidDeployment.
func Known(actions []string) map[string]map[string][]string {
	env := []string{config.EnvLive, config.EnvTest}
	return map[string]map[string][]string{
		metrics.AuthorizerDecisions: {metrics.DimEnvironment: env, metrics.DimOutcome: metrics.AuthorizerOutcomes, metrics.DimReason: metrics.AuthorizerReasons},
		metrics.KeyCacheHits:        {metrics.DimEnvironment: env},
		metrics.KeyCacheMisses:      {metrics.DimEnvironment: env},
		metrics.SignIns:             {metrics.DimEnvironment: env, metrics.DimOutcome: metrics.SignInOutcomes, metrics.DimReason: metrics.SignInReasons},
		metrics.PolicyDenials:       {metrics.DimEnvironment: env, metrics.DimAction: actions},
	}
}

// CheckKnown checks that every metric of d is one of Latchkey's, that it
// counts one event, and that each dimension it is published by has a
// value of its fixed set (Known), the deployment a valid one
// (config.ValidDeployment).
func CheckKnown(d Doc, actions []string) error {
	known := Known(actions)
	for _, dir := range d.Directives {
		for _, m := range dir.Metrics {
			dims, ok := known[m.Name]
			if !ok {
				return fmt.Errorf("metric %q is not Latchkey's", m.Name)
			}
			if n, _ := d.Line[m.Name].(json.Number); n.String() != "1" {
				return fmt.Errorf("metric %s = %v; want 1", m.Name, d.Line[m.Name])
			}
			for _, set := range dir.Dimensions {
				for _, name := range set {
					if name == metrics.DimDeployment {
						if v := d.Line[name].(string); !config.ValidDeployment(v) {
							return fmt.Errorf("metric %s: %s = %q is not a deployment's name (LATCHKEY_DEPLOYMENT)", m.Name, name, v)
						}
						continue
					}
					values, ok := dims[name]
					if !ok {
						return fmt.Errorf("metric %s has the dimension %q", m.Name, name)
					}
					if v := d.Line[name].(string); !slices.Contains(values, v) {
						return fmt.Errorf("metric %s: %s = %q is not one of %v", m.Name, name, v, values)
					}
				}
			}
		}
	}
	return nil
}

// Lines returns the lines of a JSON log that carry an _aws member, each
// checked with Check (a failure fails tb).
func Lines(tb testing.TB, log []byte) []Doc {
	tb.Helper()
	var out []Doc
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(`"_aws"`)) {
			continue
		}
		d, err := Check(line)
		if err != nil {
			tb.Errorf("EMF line: %v\n%s", err, line)
			continue
		}
		out = append(out, d)
	}
	return out
}
