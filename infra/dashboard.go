package main

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/store"
)

// maxAlarmsPerWidget is how many alarms one alarm status widget shows.
const maxAlarmsPerWidget = 100

// hitRatioExpression is the key cache's hit ratio in percent over the
// KeyCacheHits and KeyCacheMisses of a period ("hits", "misses"): each
// FILL(…, 0), since a period may count misses and no hit (no data, which
// would leave the ratio out, not 0 %) or the reverse; and no point at all
// where the period looked no key up (IF without a false value: no
// division by zero, and no 0 % that was not one).
const hitRatioExpression = "IF(FILL(hits, 0) + FILL(misses, 0) > 0, 100 * FILL(hits, 0) / (FILL(hits, 0) + FILL(misses, 0)))"

// refusalsOnly is the search term that leaves the allowed decisions out of
// "Authorizer refusals by reason" (their reasons, valid_key and
// valid_session, would dwarf the refusals'); "Authorizer decisions by
// outcome" shows them.
var refusalsOnly = "NOT " + metrics.DimOutcome + `="` + metrics.OutcomeAllow + `"`

// newDashboard is the deployment's one dashboard (named after the stack;
// docs/OPERATIONS.md, "Reading the dashboard"): the alarms, then requests
// and latency by route (each route is its own function), the API stage,
// the authorizer's outcomes and reasons and its key cache, sign-ins and
// policy denials, the tables, and errors. Latchkey's own metrics are read
// with SEARCH expressions over their dimensions, so a reason class added
// later shows without a change here.
func newDashboard(scope constructs.Construct, l *Latchkey, fns []Function, m Monitoring) awscloudwatch.Dashboard {
	s := l.Settings
	stage := l.API.Rest.DeploymentStage()
	graph := func(title string, left []awscloudwatch.IMetric, right ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		p := &awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &left, Width: jsii.Number(12), Height: jsii.Number(6), Period: period()}
		if len(right) > 0 {
			p.Right = &right
		}
		return awscloudwatch.NewGraphWidget(p)
	}
	search := func(metric string, dims []string, terms ...string) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(ownSearch(s, metric, dims, terms...)),
			Period:     period(),
		})
	}

	var invocations, p99, errs []awscloudwatch.IMetric
	for _, f := range fns {
		fn := l.Functions[f.Name].Lambda
		label := &awscloudwatch.MetricOptions{Label: jsii.String(f.Name), Period: period()}
		invocations = append(invocations, fn.MetricInvocations(withStat(label, "Sum")))
		p99 = append(p99, fn.MetricDuration(withStat(label, "p99")))
		errs = append(errs, fn.MetricErrors(withStat(label, "Sum")))
	}
	var reads, writes, tableTrouble []awscloudwatch.IMetric
	for _, def := range store.Tables {
		t := l.Tables[def.Name]
		label := func(what string) *awscloudwatch.MetricOptions {
			return &awscloudwatch.MetricOptions{Label: jsii.String(string(def.Name) + " " + what), Statistic: jsii.String("Sum"), Period: period()}
		}
		reads = append(reads, t.MetricConsumedReadCapacityUnits(label("read")))
		writes = append(writes, t.MetricConsumedWriteCapacityUnits(label("write")))
		ops := tableOperations(fns, def.Name)
		tableTrouble = append(tableTrouble, tableSum(t, def.Name, "ThrottledRequests", ops, string(def.Name)+" throttled"),
			tableSum(t, def.Name, "SystemErrors", ops, string(def.Name)+" system errors"))
	}
	blocked := []awscloudwatch.IMetric{wafBlocked(s, apiWebACLMetric, l.Stack.Region())}
	if s.WAF {
		blocked = append(blocked, wafBlocked(s, webACLMetric, nil))
	}
	hitRatio := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String(hitRatioExpression),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"hits": ownMetric(s, metrics.KeyCacheHits), "misses": ownMetric(s, metrics.KeyCacheMisses)},
		Label:        jsii.String("key cache hit ratio (%)"),
		Period:       period(),
	})

	rows := [][]awscloudwatch.IWidget{{
		awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{Width: jsii.Number(24), Height: jsii.Number(2), Markdown: jsii.String(
			"# " + s.StackName + "\nEvery route is its own function; every alarm's meaning and what to do is in docs/OPERATIONS.md. " +
				"Latchkey's own metrics are in the `" + metrics.Namespace + "` namespace, `" + metrics.DimDeployment + "=" + s.StackName +
				"`, `" + metrics.DimEnvironment + "=" + s.Env + "`.")}),
	}}
	for i := 0; i < len(m.Alarms); i += maxAlarmsPerWidget {
		var refs []interfacesawscloudwatch.IAlarmRef
		for _, a := range m.Alarms[i:min(i+maxAlarmsPerWidget, len(m.Alarms))] {
			refs = append(refs, a)
		}
		rows = append(rows, []awscloudwatch.IWidget{awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
			Title: jsii.String("Alarms"), Alarms: &refs, Width: jsii.Number(24),
			Height: jsii.Number(float64(2 + len(refs)/6)), SortBy: awscloudwatch.AlarmStatusWidgetSortBy_STATE_UPDATED_TIMESTAMP,
		})})
	}
	rows = append(rows,
		[]awscloudwatch.IWidget{
			graph("Requests by route (invocations)", invocations),
			graph("Latency by route (p99 duration, ms)", p99),
		},
		[]awscloudwatch.IWidget{
			graph("API stage: requests, 4xx, 5xx", []awscloudwatch.IMetric{
				stage.MetricCount(withStat(&awscloudwatch.MetricOptions{Label: jsii.String("requests")}, "Sum")),
				stage.MetricClientError(withStat(&awscloudwatch.MetricOptions{Label: jsii.String("4xx")}, "Sum")),
				stage.MetricServerError(withStat(&awscloudwatch.MetricOptions{Label: jsii.String("5xx")}, "Sum")),
			}),
			graph("API stage: latency (ms)", []awscloudwatch.IMetric{
				stage.MetricLatency(withStat(&awscloudwatch.MetricOptions{Label: jsii.String("latency p50")}, "p50")),
				stage.MetricLatency(withStat(&awscloudwatch.MetricOptions{Label: jsii.String("latency p99")}, "p99")),
				stage.MetricIntegrationLatency(withStat(&awscloudwatch.MetricOptions{Label: jsii.String("integration p99")}, "p99")),
			}),
		},
		[]awscloudwatch.IWidget{
			graph("Authorizer decisions by outcome", []awscloudwatch.IMetric{
				search(metrics.AuthorizerDecisions, []string{metrics.DimOutcome}),
			}),
			graph("Authorizer refusals by reason; key cache hit ratio (right, %)", []awscloudwatch.IMetric{
				search(metrics.AuthorizerDecisions, []string{metrics.DimOutcome, metrics.DimReason}, refusalsOnly),
			}, hitRatio),
		},
		[]awscloudwatch.IWidget{
			graph("Sign-ins by outcome and reason", []awscloudwatch.IMetric{
				search(metrics.SignIns, []string{metrics.DimOutcome}),
				search(metrics.SignIns, []string{metrics.DimOutcome, metrics.DimReason}),
			}),
			graph("Policy denials by action", []awscloudwatch.IMetric{
				search(metrics.PolicyDenials, []string{metrics.DimAction}),
			}),
		},
		[]awscloudwatch.IWidget{
			graph("DynamoDB consumed capacity (read left, write right)", reads, writes...),
			graph("DynamoDB throttled requests and system errors", tableTrouble),
		},
		[]awscloudwatch.IWidget{
			graph("Function errors", errs),
			graph("API Gateway's own refusals (throttle, authorizer failures); web ACLs' blocked requests (right)", []awscloudwatch.IMetric{
				awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
					Expression: jsii.String(fmt.Sprintf(`SEARCH('{%s,%s,%s} MetricName="%s" %s="%s"', 'Sum', %d)`,
						metrics.Namespace, dimAPIID, dimErrorType, gatewayErrorsMetric, dimAPIID, *l.API.Rest.RestApiId(), int(alarmPeriod.Seconds()))),
					Period: period(),
				}),
			}, blocked...),
		},
	)
	var widgets []*[]awscloudwatch.IWidget
	for _, r := range rows {
		widgets = append(widgets, &r)
	}
	return awscloudwatch.NewDashboard(scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(s.StackName),
		Widgets:       &widgets,
	})
}

// ownSearch is a SEARCH expression over this deployment's series of one of
// Latchkey's own metrics by {Deployment, Environment, dims…}:
// SEARCH('{namespace,Deployment,Environment,dims…} MetricName="…"
// Deployment="…" Environment="…"', 'Sum', period), every series of exactly
// that schema, each labelled by its dimension values; a quoted value
// matches the whole value alone ("CloudWatch search expression syntax",
// Amazon CloudWatch User Guide). The stack's name and the environment are
// of a fixed alphabet (stackNameRE, live or test), so they need no
// escaping; terms are more search terms, appended.
func ownSearch(s Settings, metric string, dims []string, terms ...string) string {
	schema := append([]string{metrics.Namespace, metrics.DimDeployment, metrics.DimEnvironment}, dims...)
	q := fmt.Sprintf(`{%s} MetricName="%s" %s="%s" %s="%s"`, strings.Join(schema, ","), metric,
		metrics.DimDeployment, s.StackName, metrics.DimEnvironment, s.Env)
	for _, t := range terms {
		q += " " + t
	}
	return fmt.Sprintf(`SEARCH('%s', 'Sum', %d)`, q, int(alarmPeriod.Seconds()))
}

// withStat sets a metric option's statistic and the alarm period.
func withStat(o *awscloudwatch.MetricOptions, statistic string) *awscloudwatch.MetricOptions {
	o.Statistic = jsii.String(statistic)
	o.Period = period()
	return o
}
