// Package sessionsapi serves a user's view of their own browser sessions:
// GET /api/sessions lists the live ones, the current one marked, and
// DELETE /api/sessions/{id} ends one at once.
package sessionsapi

import (
	"context"
	"errors"
	"time"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/seclog"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// Session is a session as the API shows it; ID is the public ID, never the
// cookie value.
type Session struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
	UserAgent  string    `json:"userAgent"`
	Current    bool      `json:"current"`
}

// Listing is the answer of GET /api/sessions.
type Listing struct {
	Sessions []Session `json:"sessions"`
}

// maxPages bounds the listing; a user has few sessions.
const maxPages = 10

// Handlers serve the routes.
type Handlers struct {
	Sessions  store.SessionStore
	Lifetimes session.Lifetimes
	Now       func() time.Time
	// Events records an ended session in the user's security log.
	Events seclog.Recorder
}

func fromDeps(d deps.Deps) Handlers {
	return Handlers{Sessions: d.Stores.Sessions, Lifetimes: session.Lifetimes{Absolute: d.Config.SessionTTL, Idle: d.Config.SessionIdle}, Now: d.Now,
		Events: seclog.For(d)}
}

// List builds the handler of GET /api/sessions.
func List(d deps.Deps) (httpx.Handler, error) { return fromDeps(d).List, nil }

// Delete builds the handler of DELETE /api/sessions/{id}.
func Delete(d deps.Deps) (httpx.Handler, error) { return fromDeps(d).Delete, nil }

// List answers the caller's live sessions, newest first.
func (h Handlers) List(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := httpx.SessionPrincipal(req, "managing sessions")
	if err != nil {
		return httpx.Response{}, err
	}
	now := h.Now()
	out := Listing{Sessions: []Session{}}
	cursor := ""
	for range maxPages {
		ss, next, err := h.Sessions.List(ctx, p.UserID, store.Page{Limit: store.MaxLimit, Cursor: cursor})
		if err != nil {
			return httpx.Response{}, err
		}
		for _, s := range ss {
			if !h.Lifetimes.Live(s, s.LastSeenAt, now) {
				continue
			}
			out.Sessions = append(out.Sessions, Session{
				ID: s.ID, CreatedAt: s.CreatedAt.UTC(), LastSeenAt: s.LastSeenAt.UTC(), ExpiresAt: s.ExpiresAt.UTC(),
				UserAgent: s.UserAgent, Current: s.ID == p.SessionID,
			})
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return httpx.JSON(200, out), nil
}

// Delete ends one of the caller's sessions; 404 if it is not theirs.
func (h Handlers) Delete(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := httpx.SessionPrincipal(req, "managing sessions")
	if err != nil {
		return httpx.Response{}, err
	}
	id := req.PathParameters["id"]
	if !store.ValidID("ses", id) {
		return httpx.Response{}, httpx.NotFound("session")
	}
	// The ended session's browser, for the log: read before it is gone,
	// and only when it is the caller's (Delete decides that again).
	agent := ""
	if s, err := h.Sessions.Get(ctx, id); err == nil && s.UserID == p.UserID {
		agent = s.UserAgent
	}
	err = h.Sessions.Delete(ctx, p.UserID, id)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.Response{}, httpx.NotFound("session")
	}
	if err != nil {
		return httpx.Response{}, err
	}
	httpx.Logger(ctx).Info("session ended", "userId", p.UserID, "sessionId", id, "by", p.SessionID)
	h.Events.Record(ctx, p.UserID, store.EventSessionEnded, map[string]string{
		"scope": "one", "sessionId": id, "userAgent": agent, "by": p.SessionID, "address": h.Events.Address(req),
	})
	return httpx.NoContent(), nil
}
