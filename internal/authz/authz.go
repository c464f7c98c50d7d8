// Package authz is the Lambda REQUEST authorizer's decision code: given API
// Gateway's authorizer event, it finds the route's need in the route table,
// verifies the request's credential, and decides Allow, Deny or
// Unauthorized; then it renders that decision as API Gateway expects. The
// authorizer main and the local gateway both run it.
package authz

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/seclog"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// Request and Response are API Gateway's REQUEST authorizer event and answer.
type (
	Request  = events.APIGatewayCustomAuthorizerRequestTypeRequest
	Response = events.APIGatewayCustomAuthorizerResponse
)

// Effect is the outcome of a decision.
type Effect int

// The effects. The zero value is Unauthorized: deny by default.
const (
	// Unauthorized: no credential, or a bad one (API Gateway answers 401).
	Unauthorized Effect = iota
	// Deny: a valid credential without the permission (403).
	Deny
	// Allow: the request goes on to the function.
	Allow
	// Fail: the decision could not be made (a store error); fails closed
	// with a 5xx and is never cached.
	Fail
)

// Decision is the authorizer's answer and why, for the log.
type Decision struct {
	Effect    Effect
	Principal principal.Principal
	// Reason says which rule decided; it is logged, never returned.
	Reason string
	// Class is Reason's class, one of metrics.AuthorizerReasons: the
	// AuthorizerDecisions metric's Reason dimension (docs/METRICS.md).
	Class string
	// Code is a Deny's error code (one of httpx.Denials), which the caller
	// gets in the 403's body; empty is httpx.CodeForbidden.
	Code string
	// Cache is what the key cache made of the decision's lookup (the
	// KeyCacheHits and KeyCacheMisses metrics).
	Cache metrics.Cache
}

// denial is the answer a Deny gives the caller: its code and message.
func (d Decision) denial() httpx.GatewayResponse { return httpx.Denial(d.Code) }

// ErrUnauthorized is the error whose exact text API Gateway turns into a 401.
var ErrUnauthorized = errors.New("Unauthorized") //nolint:staticcheck // API Gateway matches this exact text.

// errFailed makes API Gateway answer AUTHORIZER_CONFIGURATION_ERROR (a 5xx:
// httpx.GatewayAuthorizerConfigurationError).
var errFailed = errors.New("authorizer failed")

// Cache bounds.
const (
	// MaxCacheEntries bounds each credential cache of a warm instance.
	MaxCacheEntries = 10_000
	// touchEvery is how often a session's lastSeenAt is written at most,
	// and by default (Options.KeyUseEvery) a key's use.
	touchEvery = time.Minute
)

// Options configure an Authorizer. The zero value of every field but Keys
// is usable.
type Options struct {
	// Keys looks keys up by hash.
	Keys store.KeyStore
	// Sessions looks browser sessions up by ID.
	Sessions store.SessionStore
	// Lifetimes are the sessions' absolute and idle limits.
	Lifetimes session.Lifetimes
	// PublicURL and AllowedOrigins are the origins a cookie request that
	// changes state may come from.
	PublicURL      string
	AllowedOrigins []string
	// Env is the deployment's environment: only its keys are accepted.
	Env string
	// Deployment names the deployment in the decision line's metrics (the
	// Deployment dimension; config.Config.Deployment): config.DeploymentLocal
	// when empty.
	Deployment string
	// CacheTTL is how long a found API key is remembered; 0 disables the
	// cache (every request reads the store). Sessions are never cached
	// found, so that signing out ends a session at once everywhere.
	CacheTTL time.Duration
	Log      *slog.Logger
	Now      func() time.Time
	// Routes is the route table to decide by; routes.Table when nil.
	Routes []routes.Route
	// OriginSecrets are the accepted values of the header CloudFront adds
	// (internal/frontdoor); a request without one is denied before its
	// credential is looked at, so the execute-api address cannot be used to
	// test credentials around CloudFront. Empty turns the check off (local
	// runs). On, the caller's address is the viewer's as CloudFront saw it
	// (callerAddress).
	OriginSecrets frontdoor.Secrets
	// KeyUseEvery is how often at most the use of one key is written per
	// instance (keyUses); a minute when zero.
	KeyUseEvery time.Duration
	// Record tells a key's owner of a new address in their security log;
	// nil tells nothing.
	Record Recorder
}

// Authorizer decides requests. Build one per process with New; it is safe
// for concurrent use.
type Authorizer struct {
	opts Options
	// deployment is opts.Deployment, or config.DeploymentLocal.
	deployment string
	log        *slog.Logger
	now        func() time.Time
	keys       *cache[store.APIKey]
	sessions   *cache[store.Session]
	touch      *toucher
	uses       *keyUses
}

// New returns an authorizer with the given options.
func New(o Options) *Authorizer {
	a := &Authorizer{opts: o, deployment: o.Deployment, log: o.Log, now: o.Now}
	if a.deployment == "" {
		a.deployment = config.DeploymentLocal
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.keys = newCache[store.APIKey](o.CacheTTL, negativeTTL(o.CacheTTL), MaxCacheEntries)
	a.sessions = newCache[store.Session](0, negativeTTL(o.CacheTTL), MaxCacheEntries)
	a.touch = newToucher(a.log)
	every := o.KeyUseEvery
	if every <= 0 {
		every = touchEvery
	}
	a.uses = newKeyUses(every, a.log, &a.touch.wg, func(ctx context.Context, id string, u store.KeyUse) error {
		return o.Keys.Touch(ctx, id, u)
	}, o.Record)
	if o.Now != nil {
		a.uses.now = o.Now
	}
	return a
}

// Build builds the authorizer from the dependencies; the authorizer main
// and the local gateway both use it.
func Build(d deps.Deps) (*Authorizer, error) {
	o := Options{
		Keys: d.Stores.Keys, Sessions: d.Stores.Sessions,
		Lifetimes: session.Lifetimes{Absolute: d.Config.SessionTTL, Idle: d.Config.SessionIdle},
		PublicURL: d.Config.PublicURL, AllowedOrigins: d.Config.AllowedOrigins,
		Env: d.Config.Env, Deployment: d.Config.Deployment, CacheTTL: d.Config.CacheTTL, Log: d.Log, Now: d.Now,
		OriginSecrets: d.Config.OriginSecrets, KeyUseEvery: d.Config.KeyUseInterval,
	}
	o.Record = func(ctx context.Context, userID, kind string, details map[string]string) error {
		return seclog.Record(httpx.WithLogger(ctx, d.Log), d, userID, kind, details)
	}
	return New(o), nil
}

// Decide decides one request.
//
// Precedence (docs/DESIGN.md): an Authorization header, when present, decides
// alone — a bad header is 401 even beside a good cookie. Otherwise the
// session cookie. Otherwise 401.
func (a *Authorizer) Decide(ctx context.Context, in Input) Decision {
	if !a.opts.OriginSecrets.Allows(in.FrontDoor) {
		return Decision{Effect: Deny, Reason: "request did not come through CloudFront", Class: metrics.ReasonFrontDoor}
	}
	route, ok := a.find(in.HTTPMethod, in.Resource)
	if !ok {
		return Decision{Reason: "route not in the route table", Class: metrics.ReasonNoRoute}
	}
	if route.Need == routes.NeedPublic {
		return Decision{Reason: "public route sent to the authorizer", Class: metrics.ReasonPublicRoute}
	}
	if len(in.Authorization) > 0 {
		return a.decideKey(ctx, in, route)
	}
	if len(in.Cookie) > 0 {
		return a.decideSession(ctx, in)
	}
	return Decision{Reason: "no credential", Class: metrics.ReasonMissing}
}

func (a *Authorizer) decideKey(ctx context.Context, in Input, route routes.Route) Decision {
	key, err := apikey.FromAuthorization(in.Authorization)
	if err != nil {
		return Decision{Reason: "authorization header refused", Class: metrics.ReasonMalformed}
	}
	switch err := apikey.Check(key, a.opts.Env); {
	case errors.Is(err, apikey.ErrWrongEnvironment):
		return Decision{Reason: err.Error(), Class: metrics.ReasonWrongEnvironment}
	case err != nil:
		return Decision{Reason: err.Error(), Class: metrics.ReasonMalformed}
	}
	hash := apikey.Hash(key)
	now := a.now()
	k, found, hit, err := a.keys.get(ctx, hash, now, func(ctx context.Context) (store.APIKey, bool, time.Time, error) {
		k, err := a.opts.Keys.ByHash(ctx, hash, now)
		if errors.Is(err, store.ErrNotFound) {
			return store.APIKey{}, false, time.Time{}, nil
		}
		if err != nil {
			return store.APIKey{}, false, time.Time{}, err
		}
		var until time.Time
		if k.Hash != hash && k.PreviousUntil != nil {
			until = *k.PreviousUntil // a rotated secret is cached no longer than its grace
		}
		return k, true, until, nil
	})
	d := a.decideFound(in, route, k, found, err, hash, now)
	d.Cache = metrics.CacheMiss
	if hit {
		d.Cache = metrics.CacheHit
	}
	return d
}

// decideFound decides a key request once its record was looked up.
func (a *Authorizer) decideFound(in Input, route routes.Route, k store.APIKey, found bool, err error, hash string, now time.Time) Decision {
	if err != nil {
		a.log.Error("authorizer: key lookup failed", "err", err.Error())
		return Decision{Effect: Fail, Reason: "key store unavailable", Class: metrics.ReasonStoreError}
	}
	if !found {
		// Revoking or deleting a key deletes its hash's pointer: its
		// secret finds nothing, and is counted as an unknown key.
		return Decision{Reason: "unknown key", Class: metrics.ReasonUnknownKey}
	}
	// The cached record is checked again at this instant: a rotated
	// secret's grace and a key's expiry end on time, cache or not.
	if !store.HashValid(k, hash, now) {
		return Decision{Reason: "rotated key past its grace period", Class: metrics.ReasonRevoked}
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return Decision{Reason: "expired key", Class: metrics.ReasonExpired}
	}
	if k.Environment != a.opts.Env {
		return Decision{Reason: "key of another environment", Class: metrics.ReasonWrongEnvironment}
	}
	p := principal.Principal{UserID: k.UserID, KeyID: k.ID, Method: principal.MethodAPIKey, Permissions: k.Permissions}
	// The allow-list is checked on the record at this instant, cached or
	// not, as expiry is; a refused request is no use of the key.
	addr, addrOK := a.callerAddress(in)
	if len(k.AllowedCIDRs) > 0 && (!addrOK || !allowedFrom(k.AllowedCIDRs, addr)) {
		return Decision{Effect: Deny, Code: httpx.CodeIPNotAllowed, Principal: p, Reason: "key used from an address outside its allow-list", Class: metrics.ReasonIPNotAllowed}
	}
	d := a.keyDecision(in, route, p)
	a.uses.seen(k, addr, addrOK, now, d.Effect == Allow)
	return d
}

// keyDecision decides what a valid key, used from an address it allows,
// may do on route.
func (a *Authorizer) keyDecision(in Input, route routes.Route, p principal.Principal) Decision {
	if session.Unsafe(in.HTTPMethod) && fromAnotherSite(in, a.opts.PublicURL, a.opts.AllowedOrigins) {
		// Scripts send neither header. A browser does, and a page of
		// another site that got hold of a key (or tricks one into being
		// sent) must not change state with it.
		return Decision{Effect: Deny, Principal: p, Reason: "key sent by a browser from another site", Class: metrics.ReasonCrossOrigin}
	}
	switch route.Need {
	case routes.NeedCredential:
		return Decision{Effect: Allow, Principal: p, Reason: "valid key", Class: metrics.ReasonValidKey}
	case routes.NeedRead, routes.NeedWrite:
		if perm := principal.Permission(in.HTTPMethod); p.Can(perm) {
			return Decision{Effect: Allow, Principal: p, Reason: keyReasons[perm][1], Class: metrics.ReasonValidKey}
		}
		return Decision{Effect: Deny, Principal: p, Reason: keyReasons[principal.Permission(in.HTTPMethod)][0], Class: metrics.ReasonPermission}
	}
	return Decision{Effect: Deny, Principal: p, Reason: "route needs a browser session", Class: metrics.ReasonSessionRequired}
}

// keyReasons are the reasons a key lacks or has a permission, written once
// rather than joined on every request.
var keyReasons = map[string][2]string{
	principal.Read:  {"key lacks " + principal.Read, "key has " + principal.Read},
	principal.Write: {"key lacks " + principal.Write, "key has " + principal.Write},
}

// fromAnotherSite reports a request a browser sent from another site:
// Sec-Fetch-Site cross-site or same-site (a sibling subdomain), or an
// Origin that is not the app's. A request with neither is a script's.
func fromAnotherSite(in Input, publicURL string, allowed []string) bool {
	for _, s := range in.SecFetchSite {
		if s == "cross-site" || s == "same-site" {
			return true
		}
	}
	if len(in.Origin) == 0 {
		return false
	}
	return !session.SameOrigin(in.Origin, nil, publicURL, allowed)
}

// decideSession verifies the session cookie. A session carries all of its
// user's permissions, key management included; a state-changing request
// must also come from the app's own origin.
func (a *Authorizer) decideSession(ctx context.Context, in Input) Decision {
	token, err := session.FromCookies(in.Cookie)
	if errors.Is(err, session.ErrNoCookie) {
		return Decision{Reason: "no credential", Class: metrics.ReasonMissing}
	}
	if err != nil {
		return Decision{Reason: err.Error(), Class: metrics.ReasonMalformed}
	}
	hash := session.Hash(token)
	id := store.SessionID(hash)
	now := a.now()
	s, found, _, err := a.sessions.get(ctx, hash, now, func(ctx context.Context) (store.Session, bool, time.Time, error) {
		s, err := a.opts.Sessions.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return store.Session{}, false, time.Time{}, nil
		}
		if err != nil {
			return store.Session{}, false, time.Time{}, err
		}
		if subtle.ConstantTimeCompare([]byte(s.Hash), []byte(hash)) != 1 {
			return store.Session{}, false, time.Time{}, nil
		}
		return s, true, time.Time{}, nil
	})
	if err != nil {
		a.log.Error("authorizer: session lookup failed", "err", err.Error())
		return Decision{Effect: Fail, Reason: "session store unavailable", Class: metrics.ReasonStoreError}
	}
	if !found {
		return Decision{Reason: "unknown session", Class: metrics.ReasonUnknownSession}
	}
	if !a.opts.Lifetimes.Live(s, a.touch.lastSeen(id), now) {
		return Decision{Reason: "session expired or idle", Class: metrics.ReasonSessionExpired}
	}
	authAt := s.CreatedAt
	if !s.AuthTime.IsZero() {
		authAt = s.AuthTime // the provider's word: a silent sign-in is not a fresh one
	}
	p := principal.Principal{UserID: s.UserID, SessionID: s.ID, Method: principal.MethodSession, Permissions: []string{principal.Read, principal.Write}, AuthTime: authAt.Unix()}
	if session.Unsafe(in.HTTPMethod) && !session.SameOrigin(in.Origin, in.SecFetchSite, a.opts.PublicURL, a.opts.AllowedOrigins) {
		return Decision{Effect: Deny, Principal: p, Reason: "cross-origin cookie request", Class: metrics.ReasonCrossOrigin}
	}
	a.touch.now(ctx, id, s.LastSeenAt, now, func(ctx context.Context) error {
		return a.opts.Sessions.Touch(ctx, id, now, a.opts.Lifetimes.TTLEpoch(s, now))
	})
	return Decision{Effect: Allow, Principal: p, Reason: "valid session", Class: metrics.ReasonValidSession}
}

func (a *Authorizer) find(method, resource string) (routes.Route, bool) {
	if a.opts.Routes == nil {
		return routes.Find(method, resource)
	}
	return routes.FindIn(a.opts.Routes, method, resource)
}

// Handle decides a decoded event and renders the answer (the local
// gateway's entry point).
func (a *Authorizer) Handle(ctx context.Context, req Request) (Response, error) {
	in := InputFrom(req)
	d := a.Decide(ctx, in)
	a.logDecision(in, d)
	return Render(d, PolicyResource(req.MethodArn, req.Resource))
}

// decisionMsg is the decision line's message.
const decisionMsg = "authorizer decision"

// logDecision writes the decision's audit line: the request (API Gateway's
// id, the route, the address it came from) and who was decided about, never
// a credential; and, in CloudWatch's Embedded Metric Format, the
// AuthorizerDecisions metric by deployment, environment, outcome and reason
// class, and KeyCacheHits or KeyCacheMisses when a key was looked up
// (metrics.AppendDecision; docs/METRICS.md). Every dimension is a fixed
// word or the deployment's name: the ids stay in the line's own fields.
//
// It is written with typed attributes, which box nothing (the untyped
// form's eleven conversions to any were most of its cost under load), and
// handed to the handler as slog.Logger would hand it, without the caller's
// program counter, which only a handler set to add the source reads
// (httpx.NewLogger's does not) and which cost as much again. The metrics'
// directives are encoded once, at start: a line adds only their timestamp.
//
// Through httpx.NewLogger's handler (every function's and the local
// server's) the line is built by hand instead (httpx.StartLine), the same
// bytes at a fifth of the cost: with its metrics, slog's walk over the
// line's attributes was a seventh of the local server's CPU on a key
// request. TestDecisionLineByHandIsSlogs holds the two ways the same, and
// TestDecisionLineIsWhatLoggerWrites the slog way to slog.Logger.Info.
func (a *Authorizer) logDecision(in Input, d Decision) {
	ctx := context.Background()
	h := a.log.Handler()
	now := time.Now()
	if l := httpx.StartLine(h, now, slog.LevelInfo, decisionMsg); l != nil {
		effect := d.Effect.String()
		l.Str("requestId", in.RequestID).Str("sourceIp", in.SourceIP).Str("viewerAddress", in.ViewerAddress).
			Str("resource", in.Resource).Str("method", in.HTTPMethod).
			Str("effect", effect).Str("reason", d.Reason).
			Str("userId", d.Principal.UserID).Str("keyId", d.Principal.KeyID).Str("sessionId", d.Principal.SessionID).
			Object("_aws").Int("Timestamp", now.UnixMilli()).Raw("CloudWatchMetrics", metrics.DecisionDirectives(d.Cache)).End().
			Str(metrics.DimDeployment, a.deployment).Str(metrics.DimEnvironment, a.opts.Env).Str(metrics.DimOutcome, effect).Str(metrics.DimReason, d.Class).
			Int(metrics.AuthorizerDecisions, 1)
		switch d.Cache {
		case metrics.CacheHit:
			l.Int(metrics.KeyCacheHits, 1)
		case metrics.CacheMiss:
			l.Int(metrics.KeyCacheMisses, 1)
		}
		l.Write()
		return
	}
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	r := slog.NewRecord(now, slog.LevelInfo, decisionMsg, 0)
	var buf [18]slog.Attr // the line's 10 fields and at most 8 metric members
	attrs := append(buf[:0],
		slog.String("requestId", in.RequestID), slog.String("sourceIp", in.SourceIP), slog.String("viewerAddress", in.ViewerAddress),
		slog.String("resource", in.Resource), slog.String("method", in.HTTPMethod),
		slog.String("effect", d.Effect.String()), slog.String("reason", d.Reason),
		slog.String("userId", d.Principal.UserID), slog.String("keyId", d.Principal.KeyID), slog.String("sessionId", d.Principal.SessionID))
	r.AddAttrs(metrics.AppendDecision(attrs, now, a.deployment, a.opts.Env, d.Effect.String(), d.Class, d.Cache)...)
	_ = h.Handle(ctx, r)
}

// Wait blocks until background writes (last-used times) have finished;
// tests and a shutting-down local server call it.
func (a *Authorizer) Wait() { a.touch.wg.Wait() }

// Flush writes now what the instance gathered of keys' use and has not
// written yet (counts within an interval), then waits as Wait does.
func (a *Authorizer) Flush() {
	a.uses.flushAll()
	a.touch.wg.Wait()
}

// String names the effect as the log line's "effect" and the
// AuthorizerDecisions metric's Outcome both do.
func (e Effect) String() string {
	switch e {
	case Allow:
		return metrics.OutcomeAllow
	case Deny:
		return metrics.OutcomeDeny
	case Fail:
		return metrics.OutcomeFail
	}
	return metrics.OutcomeUnauthorized
}
