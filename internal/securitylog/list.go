package securitylog

import (
	"context"
	"time"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
)

// SecurityEvent is an event as GET /api/security-log shows it: what
// happened (Kind, one of store.EventKinds, which its schema tag lists for
// the OpenAPI document: TestSchemaTagsAreTheConstants), when, and the
// details a person needs to recognise it (docs/API.md, "Security log").
// Details never hold a secret: internal/seclog's callers write ids, hints,
// labels, addresses, user agents and providers only.
type SecurityEvent struct {
	ID      string            `json:"id"`
	At      time.Time         `json:"at"`
	Kind    string            `json:"kind" schema:"enum=sign-in|sign-out|session-ended|key-created|key-regenerated|key-revoked|key-auto-revoked|key-new-address|key-updated|policy-denied"`
	Details map[string]string `json:"details"`
}

// Page is the answer of GET /api/security-log: a page of the caller's
// events, newest first, and the cursor of the next page while there is one.
type Page struct {
	Events []SecurityEvent `json:"events"`
	Next   string          `json:"next,omitempty"`
}

// Handlers serve the route.
type Handlers struct {
	Log store.SecurityLogStore
	Now func() time.Time
}

// List builds the handler of GET /api/security-log.
func List(d deps.Deps) (httpx.Handler, error) {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return Handlers{Log: d.Stores.SecurityLog, Now: now}.List, nil
}

// List answers the caller's security log, newest first, a page at a time:
// ?limit= (1–100, default 20) and ?cursor=. Only a browser session may read
// it: the authorizer refuses API keys on the route (NeedSession), and this
// refuses them again, so that a leaked key cannot read where, and from
// what, its owner signs in.
func (h Handlers) List(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := httpx.SessionPrincipal(req, "reading the security log")
	if err != nil {
		return httpx.Response{}, err
	}
	page, err := httpx.PageOf(req)
	if err != nil {
		return httpx.Response{}, err
	}
	events, next, err := h.Log.List(ctx, p.UserID, h.Now(), page)
	if err != nil {
		return httpx.Response{}, httpx.ListError(err)
	}
	out := Page{Events: make([]SecurityEvent, 0, len(events)), Next: next}
	for _, e := range events {
		details := e.Details
		if details == nil {
			details = map[string]string{}
		}
		out.Events = append(out.Events, SecurityEvent{ID: e.ID, At: e.At.UTC(), Kind: e.Kind, Details: details})
	}
	return httpx.JSON(200, out), nil
}
