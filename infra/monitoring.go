package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/store"
)

// alarmPeriod is the period of every alarm's metric: counts are per five
// minutes.
const alarmPeriod = 5 * time.Minute

// minRateRequests is how many requests a period needs before the stage's
// error-rate alarms look at it: three 404s out of five requests are not an
// outage.
const minRateRequests = 20

// durationPeriods is how many periods in a row a function's p99 duration
// must stay near its timeout: a single slow period is a cold start or a
// slow identity provider, not a trend.
const durationPeriods = 3

// gatewayErrorsMetric counts, from the API's access log (a metric filter,
// newGatewayErrorsFilter), the answers API Gateway gave by itself that the
// alarms watch, by {ApiId, ErrorType}: the stage's throttle and the
// authorizer's failures. API Gateway has no metric of its own for either.
// Its namespace is metrics.Namespace; the functions never write it.
const gatewayErrorsMetric = "GatewayErrors"

// The gateway-error metric's dimensions.
const (
	dimAPIID     = "ApiId"
	dimErrorType = "ErrorType"
)

// watchedGatewayErrors are the API Gateway response types the metric filter
// counts ($context.error.responseType, the access log's errorType).
var watchedGatewayErrors = []string{
	httpx.GatewayThrottled.Type, httpx.GatewayAuthorizerFailure.Type, httpx.GatewayAuthorizerConfigurationError.Type,
}

// AlarmTopic is where one stack's alarms go: an SNS topic encrypted with
// its own KMS key, which CloudWatch may use. (CloudWatch cannot publish to
// a topic under the AWS-managed alias/aws/sns key, whose policy no one can
// change: "Encrypting messages published to Amazon SNS with AWS KMS", Amazon
// SNS Developer Guide, on AWS services publishing to encrypted topics.)
type AlarmTopic struct {
	Key          awskms.Key
	Topic        awssns.Topic
	Subscription awssns.Subscription // nil without alarmEmail
	Alarms       []awscloudwatch.Alarm
}

// Monitoring is what watches the application stack: its alarms and their
// topic, the dashboard, the saved Logs Insights queries, and the metric
// filter that counts API Gateway's own refusals.
type Monitoring struct {
	AlarmTopic
	GatewayErrors awslogs.MetricFilter
	Dashboard     awscloudwatch.Dashboard
	// Queries are keyed by their name after the stack's folder.
	Queries map[string]awslogs.QueryDefinition
}

// newAlarmTopic creates a stack's alarm topic: a KMS key with rotation
// that CloudWatch may encrypt with (kms:GenerateDataKey*, kms:Decrypt, from
// this account's alarms only), a topic under it that refuses every request
// not over TLS (aws:SecureTransport) and that CloudWatch may publish to,
// and the email subscription when alarmEmail is set.
func newAlarmTopic(scope constructs.Construct, s Settings, where string) AlarmTopic {
	c := constructs.NewConstruct(scope, jsii.String("Alarms"))
	key := awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String(s.StackName + ": encrypts the alarm topic (" + where + ")"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY, // it encrypts only messages in flight
	})
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	fromThisAccount := &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}}
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsEncrypt"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"), // in a key policy, "*" is this key
		Conditions: fromThisAccount,
	}), nil)
	topic := awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String(s.StackName + " alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: fromThisAccount,
	}))
	t := AlarmTopic{Key: key, Topic: topic}
	if s.Alarms.Email != "" {
		t.Subscription = awssns.NewSubscription(c, jsii.String("Email"), &awssns.SubscriptionProps{
			Topic:    topic,
			Protocol: awssns.SubscriptionProtocol_EMAIL,
			Endpoint: jsii.String(s.Alarms.Email),
		})
	}
	return t
}

// alarmSpec is one alarm before it is made.
type alarmSpec struct {
	// name follows the stack's name in the alarm's name
	// (<stackName>-<name>), and is its construct id in CamelCase.
	name      string
	metric    awscloudwatch.IMetric
	threshold float64
	// periods is how many periods in a row must breach (1 when 0).
	periods int
	// percentile: a percentile over too few requests is not evaluated.
	percentile bool
	what       string // the description: what it means (docs/OPERATIONS.md says what to do)
}

// add makes the alarm: at or over its threshold for its periods, missing
// data is not breaching (no traffic is no alarm), and both ALARM and OK go
// to the topic.
func (t *AlarmTopic) add(scope constructs.Construct, s Settings, a alarmSpec) {
	periods := max(a.periods, 1)
	props := &awscloudwatch.AlarmProps{
		Metric:             a.metric,
		AlarmName:          jsii.String(s.StackName + "-" + a.name),
		AlarmDescription:   jsii.String(truncate(a.what+" What to do: docs/OPERATIONS.md, "+a.name+".", 1024)),
		Threshold:          jsii.Number(a.threshold),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(float64(periods)),
		DatapointsToAlarm:  jsii.Number(float64(periods)),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	if a.percentile {
		props.EvaluateLowSampleCountPercentile = jsii.String("ignore")
	}
	alarm := awscloudwatch.NewAlarm(scope, jsii.String(logicalName(a.name)), props)
	action := awscloudwatchactions.NewSnsAction(t.Topic)
	alarm.AddAlarmAction(action)
	alarm.AddOkAction(action)
	t.Alarms = append(t.Alarms, alarm)
}

// newMonitoring watches the application stack. Every alarm is derived from
// what the stack has — the functions of the route table, the tables of the
// layout — or is one of the deployment's own (deploymentAlarms).
func newMonitoring(scope constructs.Construct, l *Latchkey, fns []Function) Monitoring {
	s := l.Settings
	c := constructs.NewConstruct(scope, jsii.String("Monitoring"))
	m := Monitoring{AlarmTopic: newAlarmTopic(c, s, "the application stack"), Queries: map[string]awslogs.QueryDefinition{}}
	m.GatewayErrors = newGatewayErrorsFilter(c, l.API)
	alarms := constructs.NewConstruct(c, jsii.String("Alarm"))

	for _, f := range fns {
		fn := l.Functions[f.Name].Lambda
		timeout := sizing[f.Kind].timeout
		// Lambda's Errors, Throttles and Duration, by FunctionName ("Types
		// of metrics for Lambda functions", AWS Lambda Developer Guide).
		m.add(alarms, s, alarmSpec{name: f.Name + "-errors", metric: fn.MetricErrors(sum()),
			threshold: float64(s.Alarms.FunctionErrors),
			what:      fmt.Sprintf("Function %s returned errors (panics, timeouts, 5xx it could not answer) %d or more times in 5 minutes.", f.Name, s.Alarms.FunctionErrors)})
		m.add(alarms, s, alarmSpec{name: f.Name + "-throttles", metric: fn.MetricThrottles(sum()),
			threshold: float64(s.Alarms.Throttles),
			what:      fmt.Sprintf("Lambda refused to run function %s (concurrency) %d or more times in 5 minutes; callers got 5xx.", f.Name, s.Alarms.Throttles)})
		limit := timeout.Seconds() * 1000 * float64(s.Alarms.DurationPercent) / 100
		m.add(alarms, s, alarmSpec{name: f.Name + "-duration", metric: fn.MetricDuration(stat("p99")),
			threshold: limit, periods: durationPeriods, percentile: true,
			what: fmt.Sprintf("Function %s's p99 duration stayed at or above %.0f ms (%d%% of its %v timeout) for %d periods of 5 minutes.",
				f.Name, limit, s.Alarms.DurationPercent, timeout, durationPeriods)})
	}

	for _, def := range store.Tables {
		t := l.Tables[def.Name]
		ops := tableOperations(fns, def.Name)
		// ThrottledRequests and SystemErrors carry TableName and Operation
		// ("DynamoDB Metrics and dimensions", Amazon DynamoDB Developer
		// Guide): summed over the operations the functions are granted.
		m.add(alarms, s, alarmSpec{name: string(def.Name) + "-table-throttles", metric: tableSum(t, def.Name, "ThrottledRequests", ops, "ThrottledRequests"),
			threshold: float64(s.Alarms.Throttles),
			what:      fmt.Sprintf("DynamoDB throttled %d or more requests on the %s table in 5 minutes (on-demand: a hot key or the account's table limit).", s.Alarms.Throttles, def.Name)})
		m.add(alarms, s, alarmSpec{name: string(def.Name) + "-table-errors", metric: tableSum(t, def.Name, "SystemErrors", ops, "SystemErrors"),
			threshold: float64(s.Alarms.TableErrors),
			what:      fmt.Sprintf("DynamoDB answered %d or more requests on the %s table with a 500 (its own error) in 5 minutes.", s.Alarms.TableErrors, def.Name)})
	}

	for _, a := range deploymentAlarms(l) {
		m.add(alarms, s, a)
	}
	m.Queries = newQueries(c, l, fns)
	m.Dashboard = newDashboard(c, l, fns, m)
	return m
}

// deploymentAlarms are the alarms a deployment has once: the authorizer,
// sign-in, the API stage and its web ACL.
func deploymentAlarms(l *Latchkey) []alarmSpec {
	s := l.Settings
	stage := l.API.Rest.DeploymentStage()
	gw := func(errorType string) awscloudwatch.IMetric { return gatewayErrorMetric(l.API, errorType) }
	// The stage's rate of 5xx or 4xx answers in percent, once it has
	// minRateRequests in the period. 5XXError, 4XXError and Count are
	// API Gateway's, by ApiName and Stage ("Amazon API Gateway dimensions
	// and metrics", API Gateway Developer Guide).
	rate := func(errors awscloudwatch.IMetric) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String(fmt.Sprintf("IF(requests >= %d, 100 * errors / requests, 0)", minRateRequests)),
			UsingMetrics: &map[string]awscloudwatch.IMetric{"errors": errors, "requests": stage.MetricCount(sum())},
			Period:       period(),
			Label:        jsii.String("percent of requests"),
		})
	}
	return []alarmSpec{
		{name: "authorizer-gateway-failures", threshold: float64(s.Alarms.AuthorizerFailures),
			metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				// A metric filter has no data in a period without a match
				// (AUTHORIZER_FAILURE almost never has one): FILL, or the
				// sum has no value and the alarm never fires.
				Expression: jsii.String("FILL(failure, 0) + FILL(configuration, 0)"),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"failure": gw(httpx.GatewayAuthorizerFailure.Type), "configuration": gw(httpx.GatewayAuthorizerConfigurationError.Type),
				},
				Period: period(),
			}),
			what: fmt.Sprintf("API Gateway could not use the authorizer (AUTHORIZER_FAILURE or AUTHORIZER_CONFIGURATION_ERROR: it failed, timed out "+
				"or answered nonsense) %d or more times in 5 minutes; those requests were answered 503.", s.Alarms.AuthorizerFailures)},
		{name: "authorizer-fail", metric: ours(s, metrics.AuthorizerDecisions, metrics.OutcomeFail), threshold: float64(s.Alarms.AuthorizerFailures),
			what: fmt.Sprintf("The authorizer refused %d or more requests in 5 minutes because a dependency failed (the keys or sessions table, "+
				"a secret): it fails closed, so callers with good credentials got 503.", s.Alarms.AuthorizerFailures)},
		{name: "unauthorized-spike", metric: keyRefusals(s), threshold: float64(s.Alarms.Unauthorized),
			what: fmt.Sprintf("The authorizer refused %d or more API keys in 5 minutes (unknown, malformed, of the other environment, expired "+
				"or revoked): someone may be trying keys. Requests with no credential or an ended session do not count.", s.Alarms.Unauthorized)},
		{name: "sign-in-failures", metric: ours(s, metrics.SignIns, metrics.OutcomeFailure), threshold: float64(s.Alarms.SignInFailures),
			what: fmt.Sprintf("%d or more sign-ins were refused in 5 minutes (the identity provider down or misconfigured, or forged callbacks).", s.Alarms.SignInFailures)},
		{name: "api-5xx-rate", metric: rate(stage.MetricServerError(sum())), threshold: float64(s.Alarms.API5xxPercent),
			what: fmt.Sprintf("%d%% or more of the API's answers in 5 minutes were 5xx (at least %d requests).", s.Alarms.API5xxPercent, minRateRequests)},
		{name: "api-4xx-rate", metric: rate(stage.MetricClientError(sum())), threshold: float64(s.Alarms.API4xxPercent),
			what: fmt.Sprintf("%d%% or more of the API's answers in 5 minutes were 4xx (at least %d requests): a broken client, or probing.", s.Alarms.API4xxPercent, minRateRequests)},
		{name: "api-throttled", metric: gw(httpx.GatewayThrottled.Type), threshold: float64(s.Alarms.APIThrottles),
			what: fmt.Sprintf("The stage's throttle (throttleRate, throttleBurst per route) answered 429 %d or more times in 5 minutes.", s.Alarms.APIThrottles)},
		{name: "api-waf-blocked", metric: wafBlocked(s, apiWebACLMetric, awscdk.Aws_REGION()), threshold: float64(s.Alarms.APIWAFBlocked),
			what: fmt.Sprintf("The API's web ACL blocked %d or more requests in 5 minutes: requests to the execute-api address that skipped "+
				"CloudFront, or CloudFront sending an origin secret the ACL does not know.", s.Alarms.APIWAFBlocked)},
	}
}

// newEdgeAlarms watches the CloudFront web ACL from the edge stack: its
// metrics are in us-east-1, and an alarm must be in its metric's region, so
// the edge stack has its own topic (and the same email subscription).
func newEdgeAlarms(stack awscdk.Stack, s Settings) AlarmTopic {
	c := constructs.NewConstruct(stack, jsii.String("Monitoring"))
	t := newAlarmTopic(c, s, "the edge stack, us-east-1")
	t.add(constructs.NewConstruct(c, jsii.String("Alarm")), s, alarmSpec{
		name: "waf-blocked", metric: wafBlocked(s, webACLMetric, nil), threshold: float64(s.Alarms.WAFBlocked),
		what: fmt.Sprintf("CloudFront's web ACL blocked %d or more requests in 5 minutes (one address over wafRateLimit, or known bad inputs).", s.Alarms.WAFBlocked),
	})
	return t
}

// wafBlocked is a web ACL's BlockedRequests over all its rules: AWS/WAFV2,
// WebACL (its metric name), Rule=ALL, and Region except for CloudFront's
// ("AWS WAF metrics and dimensions", AWS WAF Developer Guide: Region is
// required for every protected resource but CloudFront distributions,
// whose metrics are in us-east-1).
func wafBlocked(s Settings, aclMetric string, region *string) awscloudwatch.Metric {
	dims := map[string]*string{"WebACL": jsii.String(s.StackName + aclMetric), "Rule": jsii.String("ALL")}
	props := &awscloudwatch.MetricProps{Namespace: jsii.String("AWS/WAFV2"), MetricName: jsii.String("BlockedRequests"),
		DimensionsMap: &dims, Statistic: jsii.String("Sum"), Period: period()}
	if region != nil {
		dims["Region"] = region
	} else {
		props.Region = jsii.String(EdgeRegion)
	}
	return awscloudwatch.NewMetric(props)
}

// ours is one of Latchkey's own metrics (internal/metrics) at the Outcome
// level — {Deployment, Environment, Outcome}, which the functions always
// write — so that an alarm depends on no reason class.
func ours(s Settings, name, outcome string) awscloudwatch.Metric {
	return ownMetric(s, name, metrics.DimOutcome, outcome)
}

// keyRefusalReasons are the reason classes of an API key the authorizer
// refused as unusable (unauthorized): what trying keys produces. Not
// "missing" (every signed-out console load asks GET /api/me without a
// credential) nor the session classes (a session that ended), which are
// ordinary traffic.
var keyRefusalReasons = []string{
	metrics.ReasonUnknownKey, metrics.ReasonMalformed, metrics.ReasonWrongEnvironment, metrics.ReasonExpired, metrics.ReasonRevoked,
}

// keyRefusals is the unauthorized-spike alarm's metric: the sum of the
// {Deployment, Environment, Outcome=unauthorized, Reason} series of
// keyRefusalReasons, each FILL(…, 0) so that a period in which some class
// counted nothing (no data) still sums the others. The ids are the classes
// (metric math ids: a lower-case letter, then letters, digits and '_').
func keyRefusals(s Settings) awscloudwatch.IMetric {
	using := map[string]awscloudwatch.IMetric{}
	var terms []string
	for _, r := range keyRefusalReasons {
		using[r] = ownMetric(s, metrics.AuthorizerDecisions, metrics.DimOutcome, metrics.OutcomeUnauthorized, metrics.DimReason, r)
		terms = append(terms, "FILL("+r+", 0)")
	}
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String(strings.Join(terms, " + ")),
		UsingMetrics: &using,
		Label:        jsii.String("API keys refused"),
		Period:       period(),
	})
}

// ownDimensions select this deployment's series of one of Latchkey's own
// metrics: its Deployment (the stack's name, every function's
// LATCHKEY_DEPLOYMENT) and its Environment, then more as name, value
// pairs. Without the Deployment, two deployments of one environment in
// one account and region would count each other's requests.
func ownDimensions(s Settings, more ...string) map[string]*string {
	dims := map[string]*string{metrics.DimDeployment: jsii.String(s.StackName), metrics.DimEnvironment: jsii.String(s.Env)}
	for i := 0; i+1 < len(more); i += 2 {
		dims[more[i]] = jsii.String(more[i+1])
	}
	return dims
}

// ownMetric is the Sum of one of Latchkey's own metrics by ownDimensions.
func ownMetric(s Settings, name string, more ...string) awscloudwatch.Metric {
	dims := ownDimensions(s, more...)
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String(metrics.Namespace), MetricName: jsii.String(name),
		DimensionsMap: &dims, Statistic: jsii.String("Sum"), Period: period(),
	})
}

// newGatewayErrorsFilter counts the watched gateway errors in the access
// log, by the API's id and the error's type.
func newGatewayErrorsFilter(scope constructs.Construct, api API) awslogs.MetricFilter {
	var any []awslogs.JsonPattern
	for _, t := range watchedGatewayErrors {
		any = append(any, awslogs.FilterPattern_StringValue(jsii.String("$.errorType"), jsii.String("="), jsii.String(t)))
	}
	return awslogs.NewMetricFilter(scope, jsii.String("GatewayErrors"), &awslogs.MetricFilterProps{
		LogGroup:        api.AccessLogs,
		FilterPattern:   awslogs.FilterPattern_Any(any...),
		MetricNamespace: jsii.String(metrics.Namespace),
		MetricName:      jsii.String(gatewayErrorsMetric),
		MetricValue:     jsii.String("1"),
		Dimensions:      &map[string]*string{dimAPIID: jsii.String("$.apiId"), dimErrorType: jsii.String("$.errorType")},
	})
}

// gatewayErrorMetric is the filter's count of one error type on this API.
func gatewayErrorMetric(api API, errorType string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String(metrics.Namespace), MetricName: jsii.String(gatewayErrorsMetric),
		DimensionsMap: &map[string]*string{dimAPIID: api.Rest.RestApiId(), dimErrorType: jsii.String(errorType)},
		Statistic:     jsii.String("Sum"), Period: period(), Label: jsii.String(errorType),
	})
}

// tableOperations are the DynamoDB operations the functions are granted on
// a table (access.go), as CloudWatch's Operation dimension names them.
func tableOperations(fns []Function, table store.TableName) []string {
	var ops []string
	for _, f := range fns {
		access, ok := f.Tables[table]
		if !ok {
			continue
		}
		for _, a := range Actions(access) {
			if op := strings.TrimPrefix(a, "dynamodb:"); !slices.Contains(ops, op) {
				ops = append(ops, op)
			}
		}
	}
	slices.Sort(ops)
	return ops
}

// tableSum is the sum of one of a table's per-operation metrics over the
// given operations (at most 10: an alarm's metric math may use no more).
// The ids name the table, the operation and the metric, so that a graph
// may hold every table's.
func tableSum(t awsdynamodb.Table, name store.TableName, metric string, ops []string, label string) awscloudwatch.IMetric {
	using := map[string]awscloudwatch.IMetric{}
	var ids []string
	for _, op := range ops {
		// Unique within a graph that shows every table's.
		id := strings.ToLower(string(name[:1])) + logicalName(string(name))[1:] + op + metric
		ids = append(ids, id)
		using[id] = t.Metric(jsii.String(metric), &awscloudwatch.MetricOptions{
			DimensionsMap: &map[string]*string{"TableName": t.TableName(), "Operation": jsii.String(op)},
			Statistic:     jsii.String("Sum"), Period: period(),
		})
	}
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("SUM([" + strings.Join(ids, ", ") + "])"),
		UsingMetrics: &using,
		Label:        jsii.String(label),
		Period:       period(),
	})
}

func period() awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(alarmPeriod.Minutes())) }

func stat(statistic string) *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{Statistic: jsii.String(statistic), Period: period()}
}

func sum() *awscloudwatch.MetricOptions { return stat("Sum") }
