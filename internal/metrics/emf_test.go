package metrics_test

import (
	"bytes"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/metrics/emftest"
)

// line writes one JSON log line with attrs, as the functions' logger does.
func line(t *testing.T, attrs []slog.Attr) []byte {
	t.Helper()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).LogAttrs(t.Context(), slog.LevelInfo, "a line",
		append([]slog.Attr{slog.String("userId", "usr_1"), slog.String("reason", "free text")}, attrs...)...)
	return buf.Bytes()
}

// check checks a line against the specification and the fixed sets, and
// returns it.
func check(t *testing.T, raw []byte) emftest.Doc {
	t.Helper()
	d, err := emftest.Check(raw)
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if err := emftest.CheckKnown(d, []string{"posts:update"}); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	return d
}

func TestDecisionLine(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		cache   metrics.Cache
		metrics []string
	}{
		{metrics.CacheNone, []string{metrics.AuthorizerDecisions}},
		{metrics.CacheHit, []string{metrics.AuthorizerDecisions, metrics.KeyCacheHits}},
		{metrics.CacheMiss, []string{metrics.AuthorizerDecisions, metrics.KeyCacheMisses}},
	} {
		raw := line(t, metrics.AppendDecision(nil, now, "Latchkey-Staging", "live", metrics.OutcomeDeny, metrics.ReasonPermission, c.cache))
		d := check(t, raw)
		if got := slices.Sorted(maps.Keys(d.Metrics())); !slices.Equal(got, slices.Sorted(slices.Values(c.metrics))) {
			t.Errorf("cache %d: metrics %v; want %v\n%s", c.cache, got, c.metrics, raw)
		}
		want := map[string]string{metrics.DimDeployment: "Latchkey-Staging", metrics.DimEnvironment: "live", metrics.DimOutcome: "deny", metrics.DimReason: "permission"}
		if got := d.Dimensions(); !maps.Equal(got, want) {
			t.Errorf("dimensions %v; want %v", got, want)
		}
		if got := d.Sets(metrics.AuthorizerDecisions); !slices.Equal(got, []string{"Deployment,Environment,Outcome", "Deployment,Environment,Outcome,Reason"}) {
			t.Errorf("AuthorizerDecisions by %v", got)
		}
		for _, m := range c.metrics[1:] {
			if got := d.Sets(m); !slices.Equal(got, []string{"Deployment,Environment"}) {
				t.Errorf("%s by %v", m, got)
			}
		}
		if d.Timestamp.UnixMilli() != now.UnixMilli() {
			t.Errorf("timestamp %v; want %v", d.Timestamp, now)
		}
		// The line's own fields stay beside the metrics.
		if d.Line["reason"] != "free text" || d.Line["userId"] != "usr_1" || d.Line["msg"] != "a line" {
			t.Errorf("the line's own fields: %v", d.Line)
		}
	}
}

func TestSignInLine(t *testing.T) {
	for _, reason := range metrics.SignInReasons {
		outcome := metrics.OutcomeFailure
		if reason == metrics.SignInOK {
			outcome = metrics.OutcomeSuccess
		}
		raw := line(t, metrics.AppendSignIn(nil, time.Now(), "local", "test", outcome, reason))
		d := check(t, raw)
		if !maps.Equal(d.Metrics(), map[string]float64{metrics.SignIns: 1}) ||
			!slices.Equal(d.Sets(metrics.SignIns), []string{"Deployment,Environment,Outcome", "Deployment,Environment,Outcome,Reason"}) ||
			d.Line[metrics.DimDeployment] != "local" ||
			d.Line[metrics.DimReason] != reason || d.Line[metrics.DimOutcome] != outcome {
			t.Errorf("sign-in line:\n%s", raw)
		}
	}
}

func TestPolicyDenialLine(t *testing.T) {
	raw := line(t, metrics.AppendPolicyDenial(nil, time.Now(), "local", "test", "posts:update"))
	d := check(t, raw)
	if !maps.Equal(d.Metrics(), map[string]float64{metrics.PolicyDenials: 1}) ||
		!slices.Equal(d.Sets(metrics.PolicyDenials), []string{"Deployment,Environment", "Deployment,Environment,Action"}) ||
		!maps.Equal(d.Dimensions(), map[string]string{"Deployment": "local", "Environment": "test", "Action": "posts:update"}) {
		t.Errorf("policy denial line:\n%s", raw)
	}
}

// TestReasonClasses: the classes are distinct, short snake_case words, so
// that a dashboard can list them and none can carry an id.
func TestReasonClasses(t *testing.T) {
	word := regexp.MustCompile(`^[a-z][a-z_]{1,30}$`)
	for name, list := range map[string][]string{
		"AuthorizerReasons": metrics.AuthorizerReasons, "SignInReasons": metrics.SignInReasons,
		"AuthorizerOutcomes": metrics.AuthorizerOutcomes, "SignInOutcomes": metrics.SignInOutcomes,
	} {
		seen := map[string]bool{}
		for _, r := range list {
			if !word.MatchString(r) || seen[r] {
				t.Errorf("%s: %q is repeated or not a snake_case word", name, r)
			}
			seen[r] = true
		}
	}
}

// TestCheckRefuses: the checker refuses what the specification does, and
// dimension values outside the fixed sets.
func TestCheckRefuses(t *testing.T) {
	good := string(line(t, metrics.AppendPolicyDenial(nil, time.Now(), "local", "test", "posts:update")))
	if _, err := emftest.Check([]byte(good)); err != nil {
		t.Fatal(err)
	}
	ts := regexp.MustCompile(`"Timestamp":\d+`).FindString(good)
	for name, bad := range map[string]string{
		"not JSON":                  good[:len(good)-3],
		"data after the object":     strings.TrimSpace(good) + " {}",
		"no _aws":                   strings.Replace(good, `"_aws"`, `"aws"`, 1),
		"timestamp in seconds":      strings.Replace(good, ts, `"Timestamp":1700000000`, 1),
		"timestamp a string":        strings.Replace(good, ts, `"Timestamp":"1"`, 1),
		"no timestamp":              strings.Replace(good, ts+",", "", 1),
		"another namespace":         strings.Replace(good, `"Namespace":"Latchkey"`, `"Namespace":"Other"`, 1),
		"dimension not at the top":  strings.Replace(good, `"Action":"posts:update"`, `"nested":{"Action":"posts:update"}`, 1),
		"dimension not a string":    strings.Replace(good, `"Action":"posts:update"`, `"Action":7`, 1),
		"metric not a number":       strings.Replace(good, `"PolicyDenials":1`, `"PolicyDenials":"1"`, 1),
		"metric missing":            strings.Replace(good, `,"PolicyDenials":1`, ``, 1),
		"unit not CloudWatch's":     strings.Replace(good, `"Unit":"Count"`, `"Unit":"Things"`, 1),
		"extra member in directive": strings.Replace(good, `"Namespace":"Latchkey"`, `"Namespace":"Latchkey","Extra":1`, 1),
		"too many dimensions": strings.Replace(good, `["Deployment","Environment","Action"]`,
			`["Deployment","Environment"`+strings.Repeat(`,"Action"`, emftest.MaxDimensionsPerSet)+`]`, 1),
		"a set without the deployment":  strings.Replace(good, `["Deployment","Environment","Action"]`, `["Environment","Action"]`, 1),
		"a set without the environment": strings.Replace(good, `["Deployment","Environment","Action"]`, `["Deployment","Action"]`, 1),
	} {
		if _, err := emftest.Check([]byte(bad)); err == nil {
			t.Errorf("%s: accepted\n%s", name, bad)
		}
	}
	// Well-formed, but an id where a fixed word belongs.
	for _, attrs := range [][]slog.Attr{
		metrics.AppendPolicyDenial(nil, time.Now(), "local", "test", "usr_1"),
		metrics.AppendDecision(nil, time.Now(), "local", "test", metrics.OutcomeAllow, "key_123", metrics.CacheHit),
		metrics.AppendDecision(nil, time.Now(), "local", "sess_1", metrics.OutcomeAllow, metrics.ReasonValidKey, metrics.CacheNone),
		metrics.AppendSignIn(nil, time.Now(), "local", "test", metrics.OutcomeAllow, metrics.SignInOK),
		// The deployment: a name of a stack's alphabet, never an id or
		// what a request sent.
		metrics.AppendDecision(nil, time.Now(), "usr_1", "test", metrics.OutcomeAllow, metrics.ReasonValidKey, metrics.CacheNone),
		metrics.AppendSignIn(nil, time.Now(), "lk_test_abc", "test", metrics.OutcomeSuccess, metrics.SignInOK),
		metrics.AppendPolicyDenial(nil, time.Now(), "203.0.113.7", "test", "posts:update"),
		metrics.AppendPolicyDenial(nil, time.Now(), strings.Repeat("a", 200), "test", "posts:update"),
	} {
		raw := line(t, attrs)
		d, err := emftest.Check(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := emftest.CheckKnown(d, []string{"posts:update"}); err == nil {
			t.Errorf("CheckKnown accepted\n%s", raw)
		}
	}
}
