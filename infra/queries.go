package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/routes"
)

// Placeholders the saved queries filter on: the operator replaces them
// with the key's or the user's id before running the query
// (docs/OPERATIONS.md).
const (
	keyIDPlaceholder  = "key_PUT_THE_KEY_ID_HERE"
	userIDPlaceholder = "usr_PUT_THE_USER_ID_HERE"
)

// The saved queries, by name (after the stack's folder).
const (
	queryKey      = "everything one key did"
	queryRefusals = "every refusal for one user"
	querySignIns  = "sign-ins by provider and outcome"
	querySlowest  = "slowest requests"
)

// newQueries saves the Logs Insights queries an operator needs, in a
// folder named after the stack. They read the fields the code writes:
//
//   - the authorizer's "authorizer decision" line (internal/authz,
//     logDecision): requestId, sourceIp, viewerAddress, resource, method,
//     effect (allow, deny, unauthorized, fail), reason, userId, keyId,
//     sessionId;
//   - the API's access log (accessLogFields): requestId, httpMethod,
//     resourcePath, status, the latencies, userId and keyId (from the
//     authorizer's context), errorType;
//   - the sign-in functions' lines (internal/login): "signed in" (userId,
//     sessionId), "sign-in refused" and "sign-in failed" (reason), each
//     with the SignIns metric's members (Deployment, Outcome, Reason,
//     SignIns: internal/metrics).
//
// Every function's own lines carry requestId, which joins them to the
// authorizer's and the access log's.
func newQueries(scope constructs.Construct, l *Latchkey, fns []Function) map[string]awslogs.QueryDefinition {
	c := constructs.NewConstruct(scope, jsii.String("Queries"))
	authorizer := l.Functions[routes.AuthorizerFunction].LogGroup
	access := l.API.AccessLogs
	var signIn []interfacesawslogs.ILogGroupRef
	for _, f := range fns {
		if f.Kind == KindSignIn {
			signIn = append(signIn, l.Functions[f.Name].LogGroup)
		}
	}
	out := map[string]awslogs.QueryDefinition{}
	save := func(id, name string, groups []interfacesawslogs.ILogGroupRef, q *awslogs.QueryStringProps) {
		out[name] = awslogs.NewQueryDefinition(c, jsii.String(id), &awslogs.QueryDefinitionProps{
			QueryDefinitionName: jsii.String(l.Settings.StackName + "/" + name),
			QueryString:         awslogs.NewQueryString(q),
			LogGroups:           &groups,
		})
	}

	// The authorizer's decisions about the key, and the access log's lines
	// of the requests it made (their requestId leads to the function's
	// lines).
	save("KeyActivity", queryKey, []interfacesawslogs.ILogGroupRef{authorizer, access}, &awslogs.QueryStringProps{
		Fields: jsii.Strings("@timestamp", "@log", "requestId", "method", "resource", "httpMethod", "resourcePath", "status",
			"effect", "reason", "errorType", "userId", "sourceIp", "viewerAddress"),
		FilterStatements: jsii.Strings(`keyId = "` + keyIDPlaceholder + `"`),
		Sort:             jsii.String("@timestamp desc"),
		Limit:            jsii.Number(1000),
	})
	// Every decision that refused the user's credential, and every
	// request of theirs answered 4xx or 5xx.
	save("UserRefusals", queryRefusals, []interfacesawslogs.ILogGroupRef{authorizer, access}, &awslogs.QueryStringProps{
		Fields: jsii.Strings("@timestamp", "@log", "requestId", "method", "resource", "httpMethod", "resourcePath", "status",
			"effect", "reason", "errorType", "keyId", "sessionId", "sourceIp", "viewerAddress"),
		FilterStatements: jsii.Strings(
			`userId = "`+userIDPlaceholder+`"`,
			refusedEffects()+` or status like /^[45]/`,
		),
		Sort:  jsii.String("@timestamp desc"),
		Limit: jsii.Number(1000),
	})
	// Every line that ends a sign-in counts it in the SignIns metric, by
	// the provider the line names ("github" or the OpenID issuer's host),
	// its outcome and its reason class (a fixed word, where the line's own
	// "reason" is free text): the same counts as the metric's, the
	// store_error of a "sign-in failed" line among them.
	save("SignIns", querySignIns, signIn, &awslogs.QueryStringProps{
		FilterStatements: jsii.Strings("ispresent(" + metrics.SignIns + ")"),
		StatsStatements: jsii.Strings(fmt.Sprintf("sum(%s) as signIns by %s, provider, %s, %s",
			metrics.SignIns, metrics.DimDeployment, metrics.DimOutcome, metrics.DimReason)),
		Sort: jsii.String("signIns desc"),
	})
	// The access log's latencies are strings in its JSON; arithmetic
	// reads them as numbers, so the sort is numeric.
	save("Slowest", querySlowest, []interfacesawslogs.ILogGroupRef{access}, &awslogs.QueryStringProps{
		Fields: jsii.Strings("@timestamp", "responseLatency * 1 as latencyMs", "integrationLatency", "authorizerLatency",
			"httpMethod", "resourcePath", "status", "userId", "keyId", "requestId"),
		FilterStatements: jsii.Strings("ispresent(responseLatency)"),
		Sort:             jsii.String("latencyMs desc"),
		Limit:            jsii.Number(100),
	})
	return out
}

// refusedEffects is the filter on the authorizer's refusals: its line's
// effect is any decision outcome but allow (metrics.AuthorizerOutcomes),
// the decisions the dashboard's refusalsOnly keeps too.
func refusedEffects() string {
	var quoted []string
	for _, o := range metrics.AuthorizerOutcomes {
		if o != metrics.OutcomeAllow {
			quoted = append(quoted, strconv.Quote(o))
		}
	}
	return "effect in [" + strings.Join(quoted, ", ") + "]"
}
