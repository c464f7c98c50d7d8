package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/authz"
	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/store"
)

// single returns the template's one resource of a type, by logical id.
func single(t *testing.T, tmpl map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	rs := resources(tmpl, typ)
	if len(rs) != 1 {
		t.Fatalf("%d resources of type %s; want 1", len(rs), typ)
	}
	for id, r := range rs {
		return id, r
	}
	return "", nil
}

// wantAlarm is what the test expects of one alarm.
type wantAlarm struct {
	threshold float64
	check     func(t *testing.T, p map[string]any) // the metric, when the test reads it
}

// expectedAlarms are the application stack's alarms as the route table and
// the table layout imply them: three per function (errors, throttles, p99
// duration near the timeout), two per table (throttles, system errors),
// and the deployment's own, named here one by one.
func expectedAlarms(t *testing.T, s Settings) map[string]wantAlarm {
	t.Helper()
	a := s.Alarms
	want := map[string]wantAlarm{}
	for _, f := range Functions(routes.Table) {
		fn := logicalName(f.Name) + "Function"
		lambda := func(metric, stat string) func(*testing.T, map[string]any) {
			return func(t *testing.T, p map[string]any) {
				if p["Namespace"] != "AWS/Lambda" || p["MetricName"] != metric || refTo(get(p, "Dimensions", 0, "Value")) != fn ||
					get(p, "Dimensions", 0, "Name") != "FunctionName" || (p["Statistic"] != stat && p["ExtendedStatistic"] != stat) {
					t.Errorf("%s %s: metric %s %s %s %v/%v; want AWS/Lambda %s %s of %s", f.Name, metric, p["Namespace"], p["MetricName"],
						jsonString(p["Dimensions"]), p["Statistic"], p["ExtendedStatistic"], metric, stat, fn)
				}
			}
		}
		want[f.Name+"-errors"] = wantAlarm{float64(a.FunctionErrors), lambda("Errors", "Sum")}
		want[f.Name+"-throttles"] = wantAlarm{float64(a.Throttles), lambda("Throttles", "Sum")}
		want[f.Name+"-duration"] = wantAlarm{sizing[f.Kind].timeout.Seconds() * 1000 * float64(a.DurationPercent) / 100, lambda("Duration", "p99")}
	}
	for _, def := range store.Tables {
		dynamo := func(metric string) func(*testing.T, map[string]any) {
			return func(t *testing.T, p map[string]any) {
				var ops []string
				for _, q := range asList(p["Metrics"]) {
					m := get(q, "MetricStat", "Metric")
					if m == nil {
						continue
					}
					if get(m, "Namespace") != "AWS/DynamoDB" || get(m, "MetricName") != metric {
						t.Errorf("%s: %s; want AWS/DynamoDB %s", def.Name, jsonString(m), metric)
					}
					for _, d := range asList(get(m, "Dimensions")) {
						if get(d, "Name") == "Operation" {
							ops = append(ops, get(d, "Value").(string))
						}
					}
				}
				var want []string
				for _, op := range tableOperations(Functions(routes.Table), def.Name) {
					want = append(want, string(op))
				}
				slices.Sort(ops)
				if !slices.Equal(ops, want) {
					t.Errorf("%s %s: operations %v; want the granted ones %v", def.Name, metric, ops, want)
				}
			}
		}
		want[string(def.Name)+"-table-throttles"] = wantAlarm{float64(a.Throttles), dynamo("ThrottledRequests")}
		want[string(def.Name)+"-table-errors"] = wantAlarm{float64(a.TableErrors), dynamo("SystemErrors")}
	}
	ours := func(metric, outcome string) func(*testing.T, map[string]any) {
		return func(t *testing.T, p map[string]any) {
			dims := map[string]any{}
			for _, d := range asList(p["Dimensions"]) {
				dims[get(d, "Name").(string)] = get(d, "Value")
			}
			if p["Namespace"] != metrics.Namespace || p["MetricName"] != metric || len(dims) != 3 || dims[metrics.DimDeployment] != s.StackName ||
				dims[metrics.DimEnvironment] != s.Env || dims[metrics.DimOutcome] != outcome {
				t.Errorf("%s %s: %s %s %s; want %s with Deployment=%s, Environment=%s, Outcome=%s alone", metric, outcome, p["Namespace"], p["MetricName"],
					jsonString(p["Dimensions"]), metrics.Namespace, s.StackName, s.Env, outcome)
			}
		}
	}
	// Two metric-filter series, each with no data in a period without a
	// match: a bare sum would have no value, and never breach.
	want["authorizer-gateway-failures"] = wantAlarm{float64(a.AuthorizerFailures), func(t *testing.T, p map[string]any) {
		var expression string
		var fills []string
		for _, q := range asList(p["Metrics"]) {
			if e, ok := get(q, "Expression").(string); ok {
				expression = e
			} else {
				fills = append(fills, "FILL("+get(q, "Id").(string)+", 0)")
			}
		}
		slices.Sort(fills)
		if got := strings.Split(expression, " + "); len(fills) != 2 || !slices.Equal(slices.Sorted(slices.Values(got)), fills) {
			t.Errorf("authorizer-gateway-failures: expression %q; want the sum of %v, each series FILLed with 0", expression, fills)
		}
	}}
	want["authorizer-fail"] = wantAlarm{float64(a.AuthorizerFailures), ours(metrics.AuthorizerDecisions, metrics.OutcomeFail)}
	// Only the refused keys: not requests without a credential (every
	// signed-out page load asks /api/me) nor ended sessions.
	want["unauthorized-spike"] = wantAlarm{float64(a.Unauthorized), func(t *testing.T, p map[string]any) {
		keyClasses := []string{metrics.ReasonUnknownKey, metrics.ReasonMalformed, metrics.ReasonWrongEnvironment, metrics.ReasonExpired, metrics.ReasonRevoked}
		var expression string
		var reasons []string
		for _, q := range asList(p["Metrics"]) {
			if e, ok := get(q, "Expression").(string); ok {
				expression = e
				if get(q, "ReturnData") == false {
					t.Errorf("unauthorized-spike: the expression does not return its data")
				}
				continue
			}
			m := get(q, "MetricStat", "Metric")
			dims := map[string]any{}
			for _, d := range asList(get(m, "Dimensions")) {
				dims[get(d, "Name").(string)] = get(d, "Value")
			}
			reason, _ := dims[metrics.DimReason].(string)
			if get(m, "Namespace") != metrics.Namespace || get(m, "MetricName") != metrics.AuthorizerDecisions || len(dims) != 4 ||
				dims[metrics.DimDeployment] != s.StackName || dims[metrics.DimEnvironment] != s.Env ||
				dims[metrics.DimOutcome] != metrics.OutcomeUnauthorized || get(q, "MetricStat", "Stat") != "Sum" || get(q, "Id") != reason {
				t.Errorf("unauthorized-spike: %s; want the Sum of AuthorizerDecisions by Deployment=%s, Environment=%s, Outcome=unauthorized and a Reason, its id the reason",
					jsonString(q), s.StackName, s.Env)
			}
			reasons = append(reasons, reason)
			if !strings.Contains(expression+" "+jsonString(p["Metrics"]), "FILL("+reason+", 0)") {
				t.Errorf("unauthorized-spike: %s is not FILLed with 0 in the sum", reason)
			}
		}
		slices.Sort(reasons)
		slices.Sort(keyClasses)
		if !slices.Equal(reasons, keyClasses) {
			t.Errorf("unauthorized-spike counts the reasons %v; want the refused keys' alone %v", reasons, keyClasses)
		}
		var fills []string
		for _, r := range keyClasses {
			fills = append(fills, "FILL("+r+", 0)")
		}
		if got := strings.Split(expression, " + "); len(got) != len(fills) || !slices.Equal(slices.Sorted(slices.Values(got)), fills) {
			t.Errorf("unauthorized-spike: expression %q; want the sum of %v", expression, fills)
		}
	}}
	want["sign-in-failures"] = wantAlarm{float64(a.SignInFailures), ours(metrics.SignIns, metrics.OutcomeFailure)}
	want["api-5xx-rate"] = wantAlarm{float64(a.API5xxPercent), nil}
	want["api-4xx-rate"] = wantAlarm{float64(a.API4xxPercent), nil}
	want["api-throttled"] = wantAlarm{float64(a.APIThrottles), nil}
	want["api-waf-blocked"] = wantAlarm{float64(a.APIWAFBlocked), func(t *testing.T, p map[string]any) {
		if p["Namespace"] != "AWS/WAFV2" || p["MetricName"] != "BlockedRequests" ||
			!strings.Contains(jsonString(p["Dimensions"]), `{"Name":"WebACL","Value":"`+s.StackName+apiWebACLMetric+`"}`) ||
			!strings.Contains(jsonString(p["Dimensions"]), `{"Name":"Rule","Value":"ALL"}`) ||
			!strings.Contains(jsonString(p["Dimensions"]), `{"Name":"Region","Value":{"Ref":"AWS::Region"}}`) {
			t.Errorf("api-waf-blocked: %s %s %s; want the API web ACL's BlockedRequests, Rule=ALL, in this region", p["Namespace"], p["MetricName"], jsonString(p["Dimensions"]))
		}
	}}
	return want
}

// checkAlarmTopic holds one stack's alarms to its topic: exactly the
// expected alarms, each with its threshold, its ALARM and OK actions the
// topic alone; the topic encrypted with a rotated KMS key that CloudWatch
// may use, refusing requests without TLS; the email subscription only when
// alarmEmail is set.
func checkAlarmTopic(t *testing.T, which string, tmpl map[string]any, s Settings, want map[string]wantAlarm) {
	t.Helper()
	topicID, topic := single(t, tmpl, "AWS::SNS::Topic")
	key := resource(t, tmpl, refTo(get(props(topic), "KmsMasterKeyId")))
	if key["Type"] != "AWS::KMS::Key" || get(props(key), "EnableKeyRotation") != true {
		t.Errorf("%s: topic key %s; want a KMS key with rotation", which, jsonString(key))
	}
	cwUses := false
	for _, st := range asList(get(props(key), "KeyPolicy", "Statement")) {
		if get(st, "Principal", "Service") == "cloudwatch.amazonaws.com" && get(st, "Effect") == "Allow" &&
			slices.Contains(asList(get(st, "Action")), any("kms:Decrypt")) && slices.Contains(asList(get(st, "Action")), any("kms:GenerateDataKey*")) {
			cwUses = true
		}
	}
	if !cwUses {
		t.Errorf("%s: the topic's key does not let CloudWatch encrypt: %s", which, jsonString(get(props(key), "KeyPolicy")))
	}
	sslOnly, cwPublishes := false, false
	for _, pol := range resources(tmpl, "AWS::SNS::TopicPolicy") {
		if !mentions(props(pol)["Topics"], topicID) {
			continue
		}
		for _, st := range asList(get(props(pol), "PolicyDocument", "Statement")) {
			if get(st, "Effect") == "Deny" && get(st, "Condition", "Bool", "aws:SecureTransport") == "false" {
				sslOnly = true
			}
			if get(st, "Effect") == "Allow" && get(st, "Principal", "Service") == "cloudwatch.amazonaws.com" && get(st, "Action") == "sns:Publish" {
				cwPublishes = true
			}
		}
	}
	if !sslOnly || !cwPublishes {
		t.Errorf("%s: topic policy SSL-only %v, CloudWatch may publish %v; want both", which, sslOnly, cwPublishes)
	}

	subs := resources(tmpl, "AWS::SNS::Subscription")
	switch {
	case s.Alarms.Email == "" && len(subs) != 0:
		t.Errorf("%s: %d subscriptions without alarmEmail; want none", which, len(subs))
	case s.Alarms.Email != "":
		if len(subs) != 1 {
			t.Fatalf("%s: %d subscriptions with alarmEmail; want 1", which, len(subs))
		}
		for _, sub := range subs {
			p := props(sub)
			if p["Protocol"] != "email" || p["Endpoint"] != s.Alarms.Email || refTo(p["TopicArn"]) != topicID {
				t.Errorf("%s: subscription %s; want %s by email to the topic", which, jsonString(p), s.Alarms.Email)
			}
		}
	}

	got := map[string]bool{}
	for id, r := range resources(tmpl, "AWS::CloudWatch::Alarm") {
		p := props(r)
		name, _ := strings.CutPrefix(p["AlarmName"].(string), s.StackName+"-")
		got[name] = true
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: alarm %s (%s) that the route table and the layout do not imply", which, p["AlarmName"], id)
			continue
		}
		if p["Threshold"] != w.threshold || p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" {
			t.Errorf("%s: %s fires %v %v; want at or above %v", which, name, p["ComparisonOperator"], p["Threshold"], w.threshold)
		}
		for _, actions := range []string{"AlarmActions", "OKActions"} {
			if as := asList(p[actions]); len(as) != 1 || refTo(as[0]) != topicID {
				t.Errorf("%s: %s %s = %s; want the topic %s alone", which, name, actions, jsonString(p[actions]), topicID)
			}
		}
		if p["TreatMissingData"] != "notBreaching" {
			t.Errorf("%s: %s treats missing data as %v; want notBreaching", which, name, p["TreatMissingData"])
		}
		if !strings.Contains(p["AlarmDescription"].(string), "docs/OPERATIONS.md, "+name) {
			t.Errorf("%s: %s's description does not point to its section of docs/OPERATIONS.md", which, name)
		}
		if w.check != nil {
			w.check(t, p)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d alarms; want %d", which, len(got), len(want))
	}
	for name := range want {
		if !got[name] {
			t.Errorf("%s: no alarm %s", which, name)
		}
	}
}

// TestAlarms: the application stack has exactly the alarms the route table
// and the table layout imply, wired to its topic; with the WAF, the edge
// stack has the CloudFront web ACL's alarm and a topic of its own (an
// alarm must be in its metric's region, us-east-1); the thresholds are the
// settings'.
func TestAlarms(t *testing.T) {
	for _, tc := range deployments {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d(t)
			s := d.l.Settings
			checkAlarmTopic(t, "app", d.tmpl, s, expectedAlarms(t, s))
			if !s.WAF {
				if d.edge != nil && len(resources(d.edge, "AWS::CloudWatch::Alarm")) != 0 {
					t.Error("edge stack alarms without the WAF")
				}
				return
			}
			checkAlarmTopic(t, "edge", d.edge, s, map[string]wantAlarm{"waf-blocked": {float64(s.Alarms.WAFBlocked), func(t *testing.T, p map[string]any) {
				if p["Namespace"] != "AWS/WAFV2" || p["MetricName"] != "BlockedRequests" ||
					jsonString(p["Dimensions"]) != `[{"Name":"Rule","Value":"ALL"},{"Name":"WebACL","Value":"`+s.StackName+webACLMetric+`"}]` {
					t.Errorf("waf-blocked: %s %s %s; want CloudFront's web ACL's BlockedRequests, Rule=ALL, no Region", p["Namespace"], p["MetricName"], jsonString(p["Dimensions"]))
				}
			}}})
		})
	}
	// The full deployment's thresholds are not the defaults: they came from
	// the settings.
	if a := full(t).l.Settings.Alarms; a.FunctionErrors != 7 || a.Unauthorized != 250 || a.DurationPercent != 50 || a.WAFBlocked != 321 {
		t.Errorf("full deployment's alarm settings %+v; want the test's", a)
	}
}

// TestGatewayErrorsFilter: API Gateway's throttle and authorizer failures
// are counted from the access log by API and error type, the metric the
// alarms read.
func TestGatewayErrorsFilter(t *testing.T) {
	d := plain(t)
	_, f := single(t, d.tmpl, "AWS::Logs::MetricFilter")
	p := props(f)
	if !mentions(p["LogGroupName"], byPath(t, d.tmpl, d.l.Settings.StackName+"/Api/AccessLogs/Resource")) {
		t.Errorf("metric filter on %s; want the access log", jsonString(p["LogGroupName"]))
	}
	for _, typ := range watchedGatewayErrors {
		if !strings.Contains(p["FilterPattern"].(string), `$.errorType = "`+typ+`"`) {
			t.Errorf("filter pattern %s does not count %s", p["FilterPattern"], typ)
		}
	}
	mt := get(p, "MetricTransformations", 0)
	if get(mt, "MetricNamespace") != metrics.Namespace || get(mt, "MetricName") != gatewayErrorsMetric ||
		!strings.Contains(jsonString(get(mt, "Dimensions")), `"Key":"ApiId","Value":"$.apiId"`) ||
		!strings.Contains(jsonString(get(mt, "Dimensions")), `"Key":"ErrorType","Value":"$.errorType"`) {
		t.Errorf("metric transformation %s", jsonString(mt))
	}
}

// TestDashboard: one dashboard, named after the stack, that shows every
// function (requests, latency, errors), every table, and Latchkey's own
// metrics.
func TestDashboard(t *testing.T) {
	for _, tc := range deployments {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d(t)
			_, b := single(t, d.tmpl, "AWS::CloudWatch::Dashboard")
			p := props(b)
			if p["DashboardName"] != d.l.Settings.StackName {
				t.Errorf("dashboard %v; want %s", p["DashboardName"], d.l.Settings.StackName)
			}
			body := jsonString(p["DashboardBody"])
			for _, f := range Functions(routes.Table) {
				if !mentions(p["DashboardBody"], logicalName(f.Name)+"Function") || !strings.Contains(body, `\"label\":\"`+f.Name+`\"`) {
					t.Errorf("the dashboard does not name function %s", f.Name)
				}
			}
			for id, r := range resources(d.tmpl, "AWS::DynamoDB::Table") {
				if !mentions(p["DashboardBody"], id) {
					t.Errorf("the dashboard does not show table %s", props(r)["TableName"])
				}
			}
			for _, m := range []string{metrics.AuthorizerDecisions, metrics.KeyCacheHits, metrics.KeyCacheMisses, metrics.SignIns, metrics.PolicyDenials, gatewayErrorsMetric} {
				if !strings.Contains(body, m) {
					t.Errorf("the dashboard does not show %s", m)
				}
			}
			for id := range resources(d.tmpl, "AWS::CloudWatch::Alarm") {
				if !mentions(p["DashboardBody"], id) {
					t.Errorf("the dashboard's alarm widgets leave out %s", id)
				}
			}
			// Every search over Latchkey's own metrics selects this
			// deployment's series alone: its schema and its terms name the
			// Deployment (another deployment of the same environment in the
			// account writes the same names).
			var own int
			for _, e := range dashboardExpressions(t, p["DashboardBody"]) {
				if !strings.HasPrefix(e, "SEARCH('{"+metrics.Namespace+",") || strings.Contains(e, gatewayErrorsMetric) {
					continue
				}
				own++
				if !strings.HasPrefix(e, "SEARCH('{"+metrics.Namespace+","+metrics.DimDeployment+","+metrics.DimEnvironment) ||
					!strings.Contains(e, ` `+metrics.DimDeployment+`="`+d.l.Settings.StackName+`" `+metrics.DimEnvironment+`="`+d.l.Settings.Env+`"`) {
					t.Errorf("search %s does not select Deployment=%s, Environment=%s", e, d.l.Settings.StackName, d.l.Settings.Env)
				}
			}
			if own < 5 {
				t.Errorf("%d searches over Latchkey's own metrics; want one per graph of them", own)
			}
			// The refusals by reason leave the allowed decisions out; the
			// key cache's hit ratio fills a missing count with 0 and has no
			// point where no key was looked up.
			exprs := dashboardExpressions(t, p["DashboardBody"])
			refusals := ownSearch(d.l.Settings, metrics.AuthorizerDecisions, []string{metrics.DimOutcome, metrics.DimReason}, `NOT Outcome="allow"`)
			if !slices.Contains(exprs, refusals) {
				t.Errorf("no refusals-by-reason search %s among %q", refusals, exprs)
			}
			for _, e := range exprs {
				if strings.Contains(e, ",Outcome,Reason} MetricName=\"AuthorizerDecisions\"") && e != refusals {
					t.Errorf("a search by reason that counts the allowed decisions: %s", e)
				}
			}
			if !slices.Contains(exprs, hitRatioExpression) {
				t.Errorf("no key cache hit ratio %s among %q", hitRatioExpression, exprs)
			}
		})
	}
}

// dashboardExpressions are the metric math and search expressions of a
// dashboard's body (a string, or the Fn::Join of strings and tokens the CDK
// makes of it; the tokens are left out).
func dashboardExpressions(t *testing.T, body any) []string {
	t.Helper()
	var text strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			text.WriteString(x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
				walk(j[1])
			}
		}
	}
	walk(body)
	var out []string
	for _, m := range regexp.MustCompile(`"expression":("(?:[^"\\]|\\.)*")`).FindAllStringSubmatch(text.String(), -1) {
		var e string
		if err := json.Unmarshal([]byte(m[1]), &e); err != nil {
			t.Fatalf("expression %s: %v", m[1], err)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		t.Fatalf("no expression in the dashboard's body %s", jsonString(body))
	}
	return out
}

// TestHitRatioExpression: the key cache's hit ratio fills a period's
// missing hits or misses with 0 (a period of misses alone is 0 %, not a
// gap) and guards the division: a period that looked no key up has no
// point rather than a division by zero.
func TestHitRatioExpression(t *testing.T) {
	e := hitRatioExpression
	if strings.Contains(strings.NewReplacer("FILL(hits, 0)", "", "FILL(misses, 0)", "").Replace(e), "hits") ||
		strings.Contains(strings.NewReplacer("FILL(hits, 0)", "", "FILL(misses, 0)", "").Replace(e), "misses") {
		t.Errorf("%s reads hits or misses without FILL(…, 0)", e)
	}
	if !strings.HasPrefix(e, "IF(FILL(hits, 0) + FILL(misses, 0) > 0, ") || strings.Count(e, ",") != 6 {
		t.Errorf("%s does not guard its denominator with IF(total > 0, ratio), no false value", e)
	}
	if !strings.Contains(e, "100 * FILL(hits, 0) / (FILL(hits, 0) + FILL(misses, 0))") {
		t.Errorf("%s is not the percentage of hits", e)
	}
}

// TestOwnSearch: the dashboard's searches over Latchkey's own metrics, as
// CloudWatch reads them: the schema, then exact terms for the metric, the
// deployment and the environment, then any more terms.
func TestOwnSearch(t *testing.T) {
	s := Settings{StackName: "Latchkey-Staging", Env: "live"}
	for _, tc := range []struct {
		got, want string
	}{
		{ownSearch(s, metrics.AuthorizerDecisions, []string{metrics.DimOutcome}),
			`SEARCH('{Latchkey,Deployment,Environment,Outcome} MetricName="AuthorizerDecisions" Deployment="Latchkey-Staging" Environment="live"', 'Sum', 300)`},
		{ownSearch(s, metrics.PolicyDenials, []string{metrics.DimAction}, `NOT Action="posts:read"`),
			`SEARCH('{Latchkey,Deployment,Environment,Action} MetricName="PolicyDenials" Deployment="Latchkey-Staging" Environment="live" NOT Action="posts:read"', 'Sum', 300)`},
	} {
		if tc.got != tc.want {
			t.Errorf("ownSearch = %s\nwant        %s", tc.got, tc.want)
		}
	}
}

// TestQueries: the saved Logs Insights queries exist in the stack's folder,
// over the log groups whose lines they read.
func TestQueries(t *testing.T) {
	d := plain(t)
	s := d.l.Settings
	authorizer := byPath(t, d.tmpl, s.StackName+"/Functions/"+logicalName(routes.AuthorizerFunction)+"/Logs/Resource")
	access := byPath(t, d.tmpl, s.StackName+"/Api/AccessLogs/Resource")
	var signIn []string
	for _, f := range Functions(routes.Table) {
		if f.Kind == KindSignIn {
			signIn = append(signIn, byPath(t, d.tmpl, s.StackName+"/Functions/"+logicalName(f.Name)+"/Logs/Resource"))
		}
	}
	if len(signIn) == 0 {
		t.Fatal("no sign-in functions in the route table")
	}
	want := map[string]struct {
		groups   []string
		contains []string
	}{
		queryKey:      {[]string{authorizer, access}, []string{`keyId = "` + keyIDPlaceholder + `"`, "effect", "status"}},
		queryRefusals: {[]string{authorizer, access}, []string{`userId = "` + userIDPlaceholder + `"`, `"unauthorized"`, "status like"}},
		// Every sign-in line counts (the "sign-in failed" of a store error
		// too), by the metric's fixed reason classes, not the free text.
		querySignIns: {signIn, []string{"filter ispresent(SignIns)", "stats sum(SignIns) as signIns by Deployment, provider, Outcome, Reason", "sort signIns desc"}},
		querySlowest: {[]string{access}, []string{"responseLatency", "sort latencyMs desc"}},
	}
	got := resources(d.tmpl, "AWS::Logs::QueryDefinition")
	if len(got) != len(want) {
		t.Errorf("%d saved queries; want %d", len(got), len(want))
	}
	for _, q := range got {
		p := props(q)
		name, _ := strings.CutPrefix(p["Name"].(string), s.StackName+"/")
		w, ok := want[name]
		if !ok {
			t.Errorf("unexpected query %v", p["Name"])
			continue
		}
		groups := asList(p["LogGroupNames"])
		if len(groups) != len(w.groups) {
			t.Errorf("%s: log groups %s; want %v", name, jsonString(groups), w.groups)
		}
		for i, g := range w.groups {
			if i < len(groups) && refTo(groups[i]) != g {
				t.Errorf("%s: log group %d is %s; want %s", name, i, jsonString(groups[i]), g)
			}
		}
		for _, c := range w.contains {
			if !strings.Contains(p["QueryString"].(string), c) {
				t.Errorf("%s: %q does not contain %q", name, p["QueryString"], c)
			}
		}
	}
}

// TestRefusalsQueryNamesEveryRefusal: the saved query of a user's refusals
// filters on every effect the authorizer logs but allow, each once, from
// the metrics' outcomes (metrics.AuthorizerOutcomes) and the authorizer's
// own effects alike: a refusal it left out would be missing from the
// answer an operator reads.
func TestRefusalsQueryNamesEveryRefusal(t *testing.T) {
	var want []string
	for e := authz.Unauthorized; e <= authz.Fail; e++ {
		if e != authz.Allow {
			want = append(want, e.String())
		}
	}
	var outcomes []string
	for _, o := range metrics.AuthorizerOutcomes {
		if o != metrics.OutcomeAllow {
			outcomes = append(outcomes, o)
		}
	}
	slices.Sort(want)
	slices.Sort(outcomes)
	if !slices.Equal(want, outcomes) {
		t.Fatalf("the authorizer's refusals %q are not metrics.AuthorizerOutcomes' %q", want, outcomes)
	}
	var query string
	for _, q := range resources(plain(t).tmpl, "AWS::Logs::QueryDefinition") {
		if strings.HasSuffix(props(q)["Name"].(string), "/"+queryRefusals) {
			query = props(q)["QueryString"].(string)
		}
	}
	m := regexp.MustCompile(`effect in \[([^\]]*)\]`).FindStringSubmatch(query)
	if m == nil {
		t.Fatalf("query %q: no effect in [...] filter", query)
	}
	var got []string
	for _, q := range strings.Split(m[1], ",") {
		v, err := strconv.Unquote(strings.TrimSpace(q))
		if err != nil {
			t.Fatalf("query %q: %s is not a quoted effect", query, q)
		}
		got = append(got, v)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("the refusals query filters on effects %q; want every refusal %q", got, want)
	}
}
