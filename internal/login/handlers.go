package login

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// Handlers are the /api/auth routes over one Service.
type Handlers struct{ S *Service }

// build returns the handler h of a Service built from d. With no identity
// provider configured, every sign-in request is a logged 500 (a deployment
// may run without sign-in); a configured one that cannot be built (a login
// key of the wrong size) is an error, which stops the cold start.
func build(d deps.Deps, h func(Handlers) httpx.Handler) (httpx.Handler, error) {
	if d.Config.OIDCIssuer == "" && d.Config.GitHubClientID == "" {
		// A deployment may run without sign-in (keys made by other means):
		// then each sign-in request says so, as a logged 500.
		return pages(func(context.Context, httpx.Request) (httpx.Response, error) {
			return httpx.Response{}, ErrNoProvider
		}), nil
	}
	s, err := NewService(d)
	if err != nil {
		return nil, err
	}
	return pages(h(Handlers{S: s})), nil
}

// Start builds the handler of GET /api/auth/login.
func Start(d deps.Deps) (httpx.Handler, error) {
	return build(d, func(h Handlers) httpx.Handler { return h.Login })
}

// Callback builds the handler of GET /api/auth/callback.
func Callback(d deps.Deps) (httpx.Handler, error) {
	return build(d, func(h Handlers) httpx.Handler { return h.Callback })
}

// pageTitle heads the HTML page of a failed sign-in.
const pageTitle = "Sign-in did not finish"

// pages makes the failures of a route that browsers navigate to (login and
// callback) answer an HTML page when the request asks for HTML: a person
// who clicked "Sign in" reads what went wrong and finds a link back, not a
// JSON document. The handlers render the answers they choose with
// httpx.ErrorFor; this renders the errors they return (a 500, a repeated
// query parameter) the same way. fetch() and scripts still get JSON.
func pages(h httpx.Handler) httpx.Handler {
	return func(ctx context.Context, req httpx.Request) (httpx.Response, error) {
		resp, err := h(ctx, req)
		if err != nil && httpx.WantsHTML(req) {
			return httpx.ErrorPage(pageTitle, httpx.Chosen(ctx, err)), nil
		}
		return resp, err
	}
}

// loginCookie is the sealed flow's cookie. SameSite=Lax, not Strict: it
// must come back on the identity provider's top-level redirect to the
// callback, which is a cross-site navigation. Path=/ because the __Host-
// prefix requires it (and with it, no sibling subdomain can set the cookie);
// it lives ten minutes at most and is cleared by the callback.
func loginCookie(value string, maxAge int) string {
	return fmt.Sprintf("%s=%s; Path=/; Max-Age=%d; Secure; HttpOnly; SameSite=Lax", session.LoginCookieName, value, maxAge)
}

func redirect(status int, location string, cookies ...string) httpx.Response {
	h := httpx.APIHeaders()
	h["Location"] = location
	return httpx.Response{StatusCode: status, Headers: h, MultiValueHeaders: map[string][]string{"Set-Cookie": cookies}}
}

// Login answers GET /api/auth/login: a fresh state, nonce and PKCE verifier
// sealed into the login cookie, and a 302 to the provider.
func (h Handlers) Login(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	returnTo, _, err := httpx.Query(req, "return_to")
	if err != nil {
		return httpx.Response{}, err
	}
	var f flow
	for _, p := range []*string{&f.State, &f.Nonce, &f.Verifier} {
		if *p, err = h.S.random(); err != nil {
			return httpx.Response{}, err
		}
	}
	f.ReturnTo = SafeReturnTo(returnTo)
	if token, err := session.FromCookies(headerValues(req, "Cookie")); err == nil {
		f.Previous = session.ID(token)
	}
	f.Expires = h.S.Now().Add(loginTTL).Unix()
	sealed, err := h.S.sealer.seal(f)
	if err != nil {
		return httpx.Response{}, err
	}
	// ?reauth=1: the person is asked to sign in again (the console sends it
	// when making a key needs a recent sign-in).
	reauth, _, err := httpx.Query(req, "reauth")
	if err != nil {
		return httpx.Response{}, err
	}
	f.Fresh = reauth == "1"
	if f.Fresh {
		// Sealed again with Fresh in it.
		if sealed, err = h.S.sealer.seal(f); err != nil {
			return httpx.Response{}, err
		}
	}
	pctx, cancel := h.S.providerContext(ctx)
	defer cancel()
	u, err := h.S.Provider.AuthCodeURL(pctx, f.State, f.Nonce, f.Verifier, f.Fresh)
	if err != nil {
		httpx.Logger(ctx).Error("identity provider unreachable", "err", err.Error())
		resp := httpx.ErrorFor(req, pageTitle, httpx.Errorf(503, httpx.CodeUnavailable, "the identity provider cannot be reached; try again shortly"))
		resp.Headers["Retry-After"] = "5"
		return resp, nil
	}
	return redirect(302, u, loginCookie(sealed, int(loginTTL.Seconds()))), nil
}

// providerError is the shape of an error code from the provider (RFC 6749
// §4.1.2.1); anything else is not repeated back.
var providerError = regexp.MustCompile(`^[a-z_]{1,64}$`)

// Callback answers GET /api/auth/callback. Every failure is a 400 with no
// session, and the login cookie is cleared whatever happens, so a callback
// cannot be replayed with it. Each outcome's log line counts it in the
// SignIns metric, by its class (metrics.SignInReasons; docs/METRICS.md).
func (h Handlers) Callback(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	clear := loginCookie("", 0)
	refuse := func(class, reason string, e *httpx.Error) (httpx.Response, error) {
		h.S.logSignIn(ctx, slog.LevelWarn, "sign-in refused", metrics.OutcomeFailure, class, slog.String("reason", reason))
		r := httpx.ErrorFor(req, pageTitle, e)
		r.MultiValueHeaders = map[string][]string{"Set-Cookie": {clear}}
		return r, nil
	}
	fail := func(class, reason string, msg string) (httpx.Response, error) {
		return refuse(class, reason, httpx.BadRequest("sign-in failed: %s; please sign in again", msg))
	}
	if e, ok, err := httpx.Query(req, "error"); ok || err != nil {
		if e == "access_denied" && err == nil {
			// The person said no at the provider (or closed its page).
			return refuse(metrics.SignInCancelled, "provider error access_denied", httpx.BadRequest("Sign-in was cancelled."))
		}
		if !providerError.MatchString(e) {
			e = "an error"
		}
		return fail(metrics.SignInProviderError, "provider error "+e, "the identity provider answered "+e)
	}
	state, okState, err1 := httpx.Query(req, "state")
	code, okCode, err2 := httpx.Query(req, "code")
	if err1 != nil || err2 != nil || !okState || !okCode || code == "" || len(code) > 2048 {
		return fail(metrics.SignInIncomplete, "state or code missing or repeated", "the answer from the identity provider is incomplete")
	}
	const tooLong = "this browser did not start the sign-in, or it took too long"
	sealed, err := session.LoginCookie(headerValues(req, "Cookie"))
	if err != nil {
		return fail(metrics.SignInLoginExpired, "login cookie: "+err.Error(), tooLong)
	}
	f, err := h.S.sealer.open(sealed, h.S.Now())
	if err != nil {
		return fail(metrics.SignInLoginExpired, err.Error(), tooLong)
	}
	if subtle.ConstantTimeCompare([]byte(state), []byte(f.State)) != 1 {
		return fail(metrics.SignInStateMismatch, "state mismatch", "the answer does not belong to this sign-in")
	}
	if iss, ok, err := httpx.Query(req, "iss"); err != nil || ok && iss != h.S.Provider.Issuer() {
		// RFC 9207: the answer names another issuer (a mix-up attack).
		return fail(metrics.SignInIssuerMismatch, "iss mismatch", "the answer came from another identity provider")
	}
	pctx, cancel := h.S.providerContext(ctx)
	defer cancel()
	id, err := h.S.Provider.Identify(pctx, code, f.Verifier, f.Nonce)
	if errors.Is(err, ErrVerify) {
		return fail(metrics.SignInTokenInvalid, err.Error(), "the identity provider's answer did not verify")
	}
	if err != nil {
		// The provider is down or slow: fail closed, say so, and let the
		// person try again (a new sign-in: the code and flow are spent).
		httpx.Logger(ctx).Error("identity provider unavailable", "err", err.Error())
		r, _ := refuse(metrics.SignInProviderUnavailable, "provider unavailable",
			httpx.Errorf(503, httpx.CodeUnavailable, "the identity provider could not be reached; sign in again shortly"))
		r.Headers["Retry-After"] = "5"
		return r, nil
	}
	if f.Fresh && !id.AuthTime.IsZero() && id.AuthTime.Before(time.Unix(f.Expires, 0).Add(-loginTTL-providerClockSkew)) {
		// Asked to sign in again, the provider answered with an older
		// sign-in: it did not ask the person (prompt=login ignored).
		return fail(metrics.SignInStaleAuthTime, "stale auth_time on a fresh sign-in", "the identity provider did not ask you to sign in again")
	}
	ua, _ := httpx.Header(req, "User-Agent")
	token, u, err := h.S.SignIn(ctx, id, ua)
	if err != nil {
		// Answered 500 and logged with the error by httpx.Adapt; counted here.
		h.S.logSignIn(ctx, slog.LevelError, "sign-in failed", metrics.OutcomeFailure, metrics.SignInStoreError)
		return httpx.Response{}, err
	}
	h.S.logSignIn(ctx, slog.LevelInfo, "signed in", metrics.OutcomeSuccess, metrics.SignInOK,
		slog.String("userId", u.ID), slog.String("sessionId", session.ID(token)))
	h.S.Events.Record(ctx, u.ID, store.EventSignIn, map[string]string{
		"provider": h.S.providerName(), "address": h.S.Events.Address(req), "userAgent": cleanUserAgent(ua), "sessionId": session.ID(token),
	})
	// The session this browser had ends: the one named when the sign-in
	// started, and the one whose cookie came with the callback (ASVS 7.2.4).
	old := []string{f.Previous}
	if prev, err := session.FromCookies(headerValues(req, "Cookie")); err == nil {
		old = append(old, session.ID(prev))
	}
	for _, id := range old {
		if id == "" || id == session.ID(token) {
			continue
		}
		ended, err := session.End(ctx, h.S.Sessions, id, "")
		if err != nil {
			// The new session stands; the old one ends by its idle timeout.
			httpx.Logger(ctx).Error("could not end the replaced session", "sessionId", id, "err", err.Error())
			continue
		}
		if ended != "" {
			httpx.Logger(ctx).Info("session replaced by a new sign-in", "userId", ended, "sessionId", id)
		}
	}
	return redirect(303, f.ReturnTo, session.SetCookie(token, h.S.Lifetimes.Absolute), clear), nil
}

func headerValues(req httpx.Request, name string) []string { return httpx.HeaderValues(req, name) }

// logSignIn writes the line of a sign-in's outcome, with attrs, and counts
// it in the SignIns metric by the deployment, its environment, outcome and
// class. The dimensions are fixed words and the deployment's name; ids stay
// in attrs.
func (s *Service) logSignIn(ctx context.Context, level slog.Level, msg, outcome, class string, attrs ...slog.Attr) {
	if s.Provider != nil {
		// Which provider: "github", or the OpenID issuer's host (the saved
		// query "sign-ins by provider and outcome" groups by it).
		attrs = append(attrs, slog.String("provider", s.providerName()))
	}
	attrs = metrics.AppendSignIn(attrs, time.Now(), s.Config.Deployment, s.Config.Env, outcome, class)
	httpx.Logger(ctx).LogAttrs(ctx, level, msg, attrs...)
}
