// Package metrics names the CloudWatch metrics Latchkey writes in the
// Embedded Metric Format (EMF) inside its JSON log lines, and the
// dimensions they carry. The functions write them; infra's alarms and
// dashboard read them by these very names, so a rename breaks a test on
// both sides rather than an alarm that silently never fires.
//
// Every dimension is low-cardinality by construction: the deployment's
// name, an environment, an outcome, a reason class or a policy action. Never a user, key,
// session or request id — those stay in the log line's own fields, where
// Logs Insights finds them and CloudWatch does not bill them as metrics.
package metrics

// Namespace is the CloudWatch namespace of every Latchkey metric.
const Namespace = "Latchkey"

// Dimension names. Every dimension set of every metric starts with
// {Deployment, Environment}.
const (
	// DimDeployment is the deployment's name (LATCHKEY_DEPLOYMENT: the
	// stack's name, "local" for the local server; config.ValidDeployment):
	// every metric carries it, so that two deployments in one account and
	// region, even of one environment, keep apart, and each one's alarms
	// count its own requests alone.
	DimDeployment = "Deployment"
	// DimEnvironment is the deployment's key environment (LATCHKEY_ENV:
	// "live" or "test"); every metric carries it.
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
	// {Deployment, Environment, Outcome} and {Deployment, Environment,
	// Outcome, Reason}.
	AuthorizerDecisions = "AuthorizerDecisions"
	// KeyCacheHits and KeyCacheMisses count API-key lookups the
	// authorizer answered from its cache or from the store, by
	// {Deployment, Environment}.
	KeyCacheHits   = "KeyCacheHits"
	KeyCacheMisses = "KeyCacheMisses"
	// SignIns counts completed sign-ins and refused ones, by
	// {Deployment, Environment, Outcome} and {Deployment, Environment,
	// Outcome, Reason}.
	SignIns = "SignIns"
	// PolicyDenials counts requests the Cedar policies refused, by
	// {Deployment, Environment} and {Deployment, Environment, Action}.
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

// Reason classes of AuthorizerDecisions (DimReason): why the authorizer
// decided as it did, one fixed word per rule of internal/authz. Each
// decision's own words stay in the log line's "reason" field.
const (
	// ReasonValidKey: an API key with the route's permission (allow).
	ReasonValidKey = "valid_key"
	// ReasonValidSession: a live browser session (allow).
	ReasonValidSession = "valid_session"
	// ReasonMissing: no Authorization header and no session cookie
	// (unauthorized).
	ReasonMissing = "missing"
	// ReasonMalformed: an Authorization header that is not a Bearer API
	// key, a key of the wrong shape or checksum, or a session cookie that
	// is malformed or repeated (unauthorized; no store read).
	ReasonMalformed = "malformed"
	// ReasonWrongEnvironment: a key of the other environment (an lk_live_
	// key sent to a test deployment or the reverse), by its prefix or its
	// record (unauthorized).
	ReasonWrongEnvironment = "wrong_environment"
	// ReasonUnknownKey: a well-formed key with no record: never issued,
	// deleted, or revoked — revoking a key deletes its hash's pointer, so
	// a revoked key's secret finds nothing and is counted here
	// (unauthorized).
	ReasonUnknownKey = "unknown_key"
	// ReasonExpired: a key past its expiry (unauthorized).
	ReasonExpired = "expired"
	// ReasonRevoked: a key record the store returned that the secret no
	// longer opens: marked revoked, or found by the old secret of a
	// rotated key past its grace period. The stores already find neither
	// (revoking deletes the key's pointers; an old secret is not found
	// past its grace), so such requests normally count as unknown_key:
	// this is the authorizer's own check of the record firing
	// (unauthorized).
	ReasonRevoked = "revoked"
	// ReasonUnknownSession: a session cookie of no session (signed out,
	// ended, or never issued) (unauthorized).
	ReasonUnknownSession = "unknown_session"
	// ReasonSessionExpired: a session past its absolute or idle lifetime
	// (unauthorized).
	ReasonSessionExpired = "session_expired"
	// ReasonIPNotAllowed: a key used from an address outside its
	// allow-list (deny, ip_not_allowed).
	ReasonIPNotAllowed = "ip_not_allowed"
	// ReasonCrossOrigin: a state-changing request from another site: a
	// key sent by a browser page of another site, or a session cookie
	// without the app's origin (deny).
	ReasonCrossOrigin = "cross_origin"
	// ReasonPermission: a key without the read or write permission the
	// method needs (deny).
	ReasonPermission = "permission"
	// ReasonSessionRequired: a key on a route only a browser session may
	// use, such as key management (deny).
	ReasonSessionRequired = "session_required"
	// ReasonFrontDoor: a request without CloudFront's origin header, sent
	// to the execute-api address directly (deny).
	ReasonFrontDoor = "front_door"
	// ReasonNoRoute: a route the route table does not have: the API and
	// the table disagree, a deployment fault (unauthorized).
	ReasonNoRoute = "no_route"
	// ReasonPublicRoute: a public route sent to the authorizer: a
	// deployment fault (unauthorized).
	ReasonPublicRoute = "public_route"
	// ReasonStoreError: the key or session store failed; the request is
	// refused with a 5xx (fail).
	ReasonStoreError = "store_error"
)

// Reason classes of SignIns (DimReason): how a sign-in's callback ended,
// one fixed word per refusal of internal/login's Callback.
const (
	// SignInOK: the person is signed in (success).
	SignInOK = "signed_in"
	// SignInCancelled: the person declined at the identity provider
	// (access_denied).
	SignInCancelled = "cancelled"
	// SignInProviderError: the provider answered another error code.
	SignInProviderError = "provider_error"
	// SignInIncomplete: the callback lacks its state or code, or repeats
	// them.
	SignInIncomplete = "incomplete"
	// SignInLoginExpired: the login cookie is missing, invalid or past its
	// ten minutes: this browser did not start the sign-in, or it took too
	// long.
	SignInLoginExpired = "login_expired"
	// SignInStateMismatch: the state does not match the login cookie's.
	SignInStateMismatch = "state_mismatch"
	// SignInIssuerMismatch: the answer names another issuer (RFC 9207; a
	// mix-up attack).
	SignInIssuerMismatch = "issuer_mismatch"
	// SignInTokenInvalid: the provider's answer did not verify: it refused
	// the code, or the ID token (signature, nonce, issue time, claims) or
	// the account (GitHub: no id, no verified primary email) was refused.
	SignInTokenInvalid = "token_invalid"
	// SignInProviderUnavailable: the provider could not be reached or
	// answered too slowly (a 503).
	SignInProviderUnavailable = "provider_unavailable"
	// SignInStaleAuthTime: asked to sign the person in again, the provider
	// answered with an older sign-in.
	SignInStaleAuthTime = "stale_auth_time"
	// SignInStoreError: the user or the session could not be saved (a
	// 500).
	SignInStoreError = "store_error"
)

// The fixed values of the Outcome and Reason dimensions, metric by metric:
// tests check every line against them, and docs/METRICS.md lists them.
var (
	AuthorizerOutcomes = []string{OutcomeAllow, OutcomeDeny, OutcomeUnauthorized, OutcomeFail}
	AuthorizerReasons  = []string{
		ReasonValidKey, ReasonValidSession, ReasonMissing, ReasonMalformed, ReasonWrongEnvironment,
		ReasonUnknownKey, ReasonExpired, ReasonRevoked, ReasonUnknownSession, ReasonSessionExpired,
		ReasonIPNotAllowed, ReasonCrossOrigin, ReasonPermission, ReasonSessionRequired,
		ReasonFrontDoor, ReasonNoRoute, ReasonPublicRoute, ReasonStoreError,
	}
	SignInOutcomes = []string{OutcomeSuccess, OutcomeFailure}
	SignInReasons  = []string{
		SignInOK, SignInCancelled, SignInProviderError, SignInIncomplete, SignInLoginExpired,
		SignInStateMismatch, SignInIssuerMismatch, SignInTokenInvalid, SignInProviderUnavailable,
		SignInStaleAuthTime, SignInStoreError,
	}
)
