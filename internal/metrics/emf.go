package metrics

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"time"
)

// Latchkey writes its metrics in CloudWatch's Embedded Metric Format:
// members of the JSON log lines it writes anyway, which CloudWatch Logs
// turns into metrics, so no request waits on a PutMetricData call. The
// specification ("Specification: Embedded metric format", Amazon
// CloudWatch User Guide,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
// asks of a line:
//
//   - a top-level "_aws" object with "Timestamp" (milliseconds since the
//     Unix epoch) and "CloudWatchMetrics", an array of metric directives;
//   - each directive: "Namespace" (1–255 characters), "Dimensions" (an
//     array of dimension sets, each an array of at most 30 dimension
//     names) and "Metrics" (at most 100 definitions of "Name" and an
//     optional "Unit", a CloudWatch unit);
//   - every dimension a set names a top-level string member of the same
//     object, and every metric a top-level number (or array of numbers):
//     references are never nested.
//
// A line here is the slog JSON handler's: "_aws" is one attribute, and the
// dimensions and metrics are attributes beside the line's own fields. Only
// the timestamp changes from line to line, so each kind of line builds its
// directives once (Block) and writes them as they are.

// UnitCount is the unit of every Latchkey metric: a line counts one event.
const UnitCount = "Count"

// Directive is one metric directive of a line: metrics (each a Count) and
// the dimension sets CloudWatch publishes each of them by. The namespace is
// always Namespace.
type Directive struct {
	Dimensions [][]string
	Metrics    []string
}

// Block is the "_aws" member of one kind of line, its directives encoded
// once; Attr adds the timestamp.
type Block struct {
	directives slog.Value
	raw        []byte // the directives as slog's JSON handler writes them
}

// NewBlock encodes the directives of a kind of line.
func NewBlock(ds ...Directive) Block {
	type metric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	type directive struct {
		Namespace  string     `json:"Namespace"`
		Dimensions [][]string `json:"Dimensions"`
		Metrics    []metric   `json:"Metrics"`
	}
	out := make([]directive, 0, len(ds))
	for _, d := range ds {
		ms := make([]metric, 0, len(d.Metrics))
		for _, m := range d.Metrics {
			ms = append(ms, metric{Name: m, Unit: UnitCount})
		}
		out = append(out, directive{Namespace: Namespace, Dimensions: d.Dimensions, Metrics: ms})
	}
	// Boxed once, as the values themselves: slog's JSON handler encodes
	// them with encoding/json, which writes these few strings by
	// reflection in half the time it takes to re-scan the same directives
	// handed over as a json.RawMessage (encoding/json compacts and checks
	// every Marshaler's output): about 1 µs against 2.5 µs a line.
	// slog's JSON handler encodes such a value with an encoding/json
	// Encoder, HTML left unescaped, and drops its newline.
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		panic(err) // strings and slices of them always encode
	}
	return Block{directives: slog.AnyValue(out), raw: bytes.TrimSuffix(raw.Bytes(), []byte("\n"))}
}

// DecisionDirectives is the "CloudWatchMetrics" member of the decision
// line that c describes, encoded as slog writes it, for a line built by
// hand (httpx.StartLine). The caller must not change it.
func DecisionDirectives(c Cache) []byte {
	return decisionBlocks[c.known()].raw
}

// Attr returns the "_aws" member of a line written at t.
func (b Block) Attr(t time.Time) slog.Attr {
	return slog.Attr{Key: "_aws", Value: slog.GroupValue(
		slog.Int64("Timestamp", t.UnixMilli()),
		slog.Attr{Key: "CloudWatchMetrics", Value: b.directives},
	)}
}

// Cache says what the API-key cache made of a decision's lookup.
type Cache uint8

// known is c, or CacheNone for a value that names no result.
func (c Cache) known() Cache {
	if int(c) >= len(decisionBlocks) {
		return CacheNone
	}
	return c
}

// The cache results.
const (
	// CacheNone: the decision looked no key up (no key, a malformed one,
	// or a session).
	CacheNone Cache = iota
	// CacheHit: the key (or its absence) was remembered.
	CacheHit
	// CacheMiss: the store was read, or a concurrent read of the same key
	// waited for.
	CacheMiss
)

// The dimension sets of each metric (names.go says which): each starts
// with the deployment and its environment.
var (
	byOutcome      = [][]string{{DimDeployment, DimEnvironment, DimOutcome}, {DimDeployment, DimEnvironment, DimOutcome, DimReason}}
	byEnvironment  = [][]string{{DimDeployment, DimEnvironment}}
	decisions      = Directive{Dimensions: byOutcome, Metrics: []string{AuthorizerDecisions}}
	decisionBlocks = [...]Block{
		CacheNone: NewBlock(decisions),
		CacheHit:  NewBlock(decisions, Directive{Dimensions: byEnvironment, Metrics: []string{KeyCacheHits}}),
		CacheMiss: NewBlock(decisions, Directive{Dimensions: byEnvironment, Metrics: []string{KeyCacheMisses}}),
	}
	signInBlock = NewBlock(Directive{Dimensions: byOutcome, Metrics: []string{SignIns}})
	denialBlock = NewBlock(Directive{
		Dimensions: [][]string{{DimDeployment, DimEnvironment}, {DimDeployment, DimEnvironment, DimAction}},
		Metrics:    []string{PolicyDenials},
	})
)

// AppendDecision appends to attrs the metric members of the authorizer's
// decision line written at t: one AuthorizerDecisions by deployment, env,
// outcome and reason, and one KeyCacheHits or KeyCacheMisses when the
// decision looked a key up.
func AppendDecision(attrs []slog.Attr, t time.Time, deployment, env, outcome, reason string, c Cache) []slog.Attr {
	c = c.known()
	attrs = append(attrs, decisionBlocks[c].Attr(t),
		slog.String(DimDeployment, deployment), slog.String(DimEnvironment, env),
		slog.String(DimOutcome, outcome), slog.String(DimReason, reason),
		slog.Int64(AuthorizerDecisions, 1))
	switch c {
	case CacheHit:
		attrs = append(attrs, slog.Int64(KeyCacheHits, 1))
	case CacheMiss:
		attrs = append(attrs, slog.Int64(KeyCacheMisses, 1))
	}
	return attrs
}

// AppendSignIn appends to attrs the metric members of a sign-in's line
// written at t: one SignIns by deployment, env, outcome (OutcomeSuccess or
// OutcomeFailure) and reason (a SignIn* class).
func AppendSignIn(attrs []slog.Attr, t time.Time, deployment, env, outcome, reason string) []slog.Attr {
	return append(attrs, signInBlock.Attr(t),
		slog.String(DimDeployment, deployment), slog.String(DimEnvironment, env),
		slog.String(DimOutcome, outcome), slog.String(DimReason, reason),
		slog.Int64(SignIns, 1))
}

// AppendPolicyDenial appends to attrs the metric members of a policy
// decision's line that refused action (a Cedar action, "posts:update"),
// written at t: one PolicyDenials by deployment, env and action.
func AppendPolicyDenial(attrs []slog.Attr, t time.Time, deployment, env, action string) []slog.Attr {
	return append(attrs, denialBlock.Attr(t),
		slog.String(DimDeployment, deployment), slog.String(DimEnvironment, env), slog.String(DimAction, action),
		slog.Int64(PolicyDenials, 1))
}
