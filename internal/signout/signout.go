// Package signout serves POST /api/auth/logout and POST
// /api/auth/logout-all. It is apart from sign-in (internal/login) so that
// the sign-out functions are built without the identity provider's client
// and receive none of its secrets (the client secret, the login cookie's
// key): signing out needs only the sessions, and, to send the browser on
// to the provider's own sign-out page, the provider's public discovery
// document. It works with no identity provider configured.
package signout

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/seclog"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// Handlers serve the two routes.
type Handlers struct {
	Sessions store.SessionStore
	// Keys revokes the user's API keys when sign-out everywhere asks to.
	Keys   keys.Manager
	Config config.Config
	// EndSession finds the provider's sign-out page ("" when it has none).
	EndSession func(context.Context) string
	// Events records sign-outs in the user's security log.
	Events seclog.Recorder
}

func handlers(d deps.Deps) Handlers {
	return Handlers{Sessions: d.Stores.Sessions, Keys: keys.Manager{Keys: d.Stores.Keys, Env: d.Config.Env, Now: d.Now},
		Config: d.Config, EndSession: discovery(d.Config.OIDCIssuer), Events: seclog.For(d)}
}

// Logout builds the handler of POST /api/auth/logout.
func Logout(d deps.Deps) (httpx.Handler, error) { return handlers(d).Logout, nil }

// LogoutAll builds the handler of POST /api/auth/logout-all.
func LogoutAll(d deps.Deps) (httpx.Handler, error) { return handlers(d).LogoutAll, nil }

// Logout answers POST /api/auth/logout: the caller's session (if any) ends,
// the cookie is cleared, and the provider's sign-out page is returned when
// it has one. It needs no valid session, but a request that carries the
// cookie must come from the app's own origin, like every cookie request
// that changes state.
func (h Handlers) Logout(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	cookies := httpx.HeaderValues(req, "Cookie")
	token, err := session.FromCookies(cookies)
	hasCookie := !errors.Is(err, session.ErrNoCookie)
	if hasCookie {
		if !session.SameOrigin(httpx.HeaderValues(req, "Origin"), httpx.HeaderValues(req, "Sec-Fetch-Site"), h.Config.PublicURL, h.Config.AllowedOrigins) {
			return httpx.Response{}, httpx.Errorf(403, httpx.CodeForbidden, "sign-out must come from the app's own origin")
		}
	}
	if err == nil {
		id := session.ID(token)
		userID, err := session.End(ctx, h.Sessions, id, token)
		if err != nil {
			return httpx.Response{}, err
		}
		if userID != "" {
			httpx.Logger(ctx).Info("signed out", "userId", userID, "sessionId", id)
			h.Events.Record(ctx, userID, store.EventSignOut, map[string]string{"sessionId": id, "address": h.Events.Address(req)})
		}
	}
	var out session.LogoutAnswer
	if end := h.EndSession(ctx); end != "" {
		if u, err := url.Parse(end); err == nil {
			q := u.Query()
			q.Set("client_id", h.Config.OIDCClientID)
			q.Set("post_logout_redirect_uri", h.Config.PublicURL+"/")
			u.RawQuery = q.Encode()
			out.EndSessionURL = u.String()
		}
	}
	resp := httpx.JSON(200, out)
	if hasCookie {
		// Only a request that carried the cookie (and so passed the origin
		// check) clears it: a cross-site form POST, which never carries a
		// SameSite=Strict cookie, must not be able to delete it.
		resp.MultiValueHeaders = map[string][]string{"Set-Cookie": {session.ClearCookie()}}
	}
	return resp, nil
}

// AllRequest is the optional body of POST /api/auth/logout-all.
type AllRequest struct {
	// RevokeKeys revokes every API key of the user too: after a lost
	// laptop, a key on it is as much a way in as a session.
	RevokeKeys bool `json:"revokeKeys,omitempty"`
}

// LogoutAll answers POST /api/auth/logout-all: every session of the
// caller's user ends ("sign out everywhere"), and with revokeKeys every
// API key too.
func (h Handlers) LogoutAll(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := httpx.SessionPrincipal(req, "signing out")
	if err != nil {
		return httpx.Response{}, err
	}
	var body AllRequest
	if raw, err := httpx.Body(req, 1<<10); err != nil {
		return httpx.Response{}, err
	} else if len(raw) > 0 {
		if err := httpx.DecodeJSON(req, 1<<10, &body); err != nil {
			return httpx.Response{}, err
		}
	}
	revoked := 0
	if body.RevokeKeys {
		// Keys first: if this fails half-way, the sessions still work and
		// the person can try again.
		ks, err := h.Keys.List(ctx, p.UserID)
		if err != nil {
			return httpx.Response{}, err
		}
		for _, k := range ks {
			if err := h.Keys.Delete(ctx, p.UserID, k.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return httpx.Response{}, err
			}
			revoked++
		}
	}
	n, err := h.Sessions.DeleteAll(ctx, p.UserID)
	if err != nil {
		return httpx.Response{}, err
	}
	httpx.Logger(ctx).Info("signed out everywhere", "userId", p.UserID, "sessionId", p.SessionID, "sessions", n, "keysRevoked", revoked)
	h.Events.Record(ctx, p.UserID, store.EventSessionEnded, map[string]string{
		"scope": "all", "sessions": strconv.Itoa(n), "revokeKeys": strconv.FormatBool(body.RevokeKeys), "keysRevoked": strconv.Itoa(revoked),
		"by": p.SessionID, "address": h.Events.Address(req),
	})
	resp := httpx.NoContent()
	resp.MultiValueHeaders = map[string][]string{"Set-Cookie": {session.ClearCookie()}}
	return resp, nil
}

// discovery returns a function that reads the provider's
// end_session_endpoint from its discovery document (OpenID Connect
// Discovery 1.0; RP-Initiated Logout 1.0), once per warm instance, within
// a bound. Without an issuer (GitHub, or none) there is no such page.
func discovery(issuer string) func(context.Context) string {
	if issuer == "" {
		return func(context.Context) string { return "" }
	}
	var (
		mu    sync.Mutex
		found string
		done  bool
	)
	client := &http.Client{Timeout: 3 * time.Second}
	return func(ctx context.Context) string {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return found
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", nil)
		if err != nil {
			return ""
		}
		resp, err := client.Do(req)
		if err != nil {
			return "" // signing out still works; try again next time
		}
		defer resp.Body.Close()
		var doc struct {
			Issuer     string `json:"issuer"`
			EndSession string `json:"end_session_endpoint"`
		}
		if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 256<<10)).Decode(&doc) != nil {
			return ""
		}
		// The document must be the issuer's own (as sign-in checks), and
		// the page held to the issuer's rule (httpx.SecureURL): https, or
		// http only on loopback, and no user or password.
		u, err := url.Parse(doc.EndSession)
		if doc.Issuer != issuer || err != nil || !httpx.SecureURL(u) {
			doc.EndSession = ""
		}
		found, done = doc.EndSession, true
		return found
	}
}
