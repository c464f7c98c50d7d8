// Package metrics names the CloudWatch metrics Latchkey writes in the
// Embedded Metric Format (EMF) inside its JSON log lines, and the
// dimensions they carry. The functions write them; infra's alarms and
// dashboard read them by these very names, so a rename breaks a test on
// both sides rather than an alarm that silently never fires.
//
// Every dimension is low-cardinality by construction: an environment,
// an outcome, a reason class or a policy action. Never a user, key,
// session or request id — those stay in the log line's own fields, where
// Logs Insights finds them and CloudWatch does not bill them as metrics.
package metrics

// Namespace is the CloudWatch namespace of every Latchkey metric.
const Namespace = "Latchkey"

// Dimension names.
const (
	// DimEnvironment is the deployment's key environment (LATCHKEY_ENV:
	// "live" or "test"); every metric carries it, so two deployments in
	// one account keep apart.
	DimEnvironment = "Environment"
	// DimOutcome is what happened (the Outcome* values).
	DimOutcome = "Outcome"
	// DimReason is the reason class (the Reason* values).
	DimReason = "Reason"
	// DimAction is the Cedar action a policy refused (for example
	// "posts:update").
	DimAction = "Action"
)

// Metric names; every one is a Count of 1 per event.
const (
	// AuthorizerDecisions counts the authorizer's decisions, by
	// {Environment, Outcome} and {Environment, Outcome, Reason}.
	AuthorizerDecisions = "AuthorizerDecisions"
	// KeyCacheHits and KeyCacheMisses count API-key lookups the
	// authorizer answered from its cache or from the store, by
	// {Environment}.
	KeyCacheHits   = "KeyCacheHits"
	KeyCacheMisses = "KeyCacheMisses"
	// SignIns counts completed sign-ins and refused ones, by
	// {Environment, Outcome} and {Environment, Outcome, Reason}.
	SignIns = "SignIns"
	// PolicyDenials counts requests the Cedar policies refused, by
	// {Environment} and {Environment, Action}.
	PolicyDenials = "PolicyDenials"
)

// Outcomes of an authorizer decision (DimOutcome of AuthorizerDecisions).
const (
	OutcomeAllow        = "allow"
	OutcomeDeny         = "deny"         // 403: a valid credential that may not do this
	OutcomeUnauthorized = "unauthorized" // 401: no usable credential
	OutcomeFail         = "fail"         // 503: a dependency failed; the request is refused (fail closed)
)

// Outcomes of a sign-in (DimOutcome of SignIns).
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)
