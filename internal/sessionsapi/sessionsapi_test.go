package sessionsapi

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/seclog"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func add(t *testing.T, s store.SessionStore, user, token string, created, lastSeen time.Time) store.Session {
	t.Helper()
	x := store.Session{ID: session.ID(token), UserID: user, Hash: session.Hash(token), CreatedAt: created,
		LastSeenAt: lastSeen, ExpiresAt: created.Add(12 * time.Hour), UserAgent: "ua"}
	if err := s.Create(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	return x
}

func req(user, method, sessionID string, params map[string]string) httpx.Request {
	ctx := map[string]any{"userId": user, "method": method, "permissions": "read,write"}
	if method == "session" {
		ctx["sessionId"] = sessionID
	} else {
		ctx["keyId"] = "key_x"
	}
	return httpx.Request{PathParameters: params, RequestContext: events.APIGatewayProxyRequestContext{Authorizer: ctx}}
}

func status(err error) int {
	var e *httpx.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func TestListShowsLiveSessionsAndMarksTheCurrentOne(t *testing.T) {
	s := embedded.New().Stores().Sessions
	cur := add(t, s, "usr_a", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", t0.Add(-time.Hour), t0.Add(-time.Minute))
	other := add(t, s, "usr_a", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", t0.Add(-2*time.Hour), t0.Add(-5*time.Minute))
	add(t, s, "usr_a", "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", t0.Add(-3*time.Hour), t0.Add(-2*time.Hour)) // idle
	add(t, s, "usr_b", "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD", t0.Add(-time.Hour), t0)                     // another user's
	h := Handlers{Sessions: s, Lifetimes: session.Lifetimes{Absolute: 12 * time.Hour, Idle: time.Hour}, Now: func() time.Time { return t0 }}

	resp, err := h.List(context.Background(), req("usr_a", "session", cur.ID, nil))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Sessions []Session }
	_ = json.Unmarshal([]byte(resp.Body), &out)
	if len(out.Sessions) != 2 || out.Sessions[0].ID != cur.ID || !out.Sessions[0].Current || out.Sessions[1].ID != other.ID || out.Sessions[1].Current {
		t.Fatalf("List = %s; want the two live sessions of usr_a, the current one marked", resp.Body)
	}
}

func TestDeleteRules(t *testing.T) {
	s := embedded.New().Stores().Sessions
	mine := add(t, s, "usr_a", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", t0, t0)
	theirs := add(t, s, "usr_b", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", t0, t0)
	d := depstest.Local(config.Config{})
	d.Now = func() time.Time { return t0 }
	h := Handlers{Sessions: s, Now: d.Now, Events: seclog.For(d)}
	tests := []struct {
		name string
		req  httpx.Request
		want int
	}{
		{"another user's session is 404", req("usr_a", "session", mine.ID, map[string]string{"id": theirs.ID}), 404},
		{"a malformed id is 404", req("usr_a", "session", mine.ID, map[string]string{"id": "../x"}), 404},
		{"an API key is 403", req("usr_a", "apikey", "", map[string]string{"id": mine.ID}), 403},
		{"no principal is 401", httpx.Request{PathParameters: map[string]string{"id": mine.ID}}, 401},
		{"the caller's own session is 204", req("usr_a", "session", mine.ID, map[string]string{"id": mine.ID}), 204},
		{"then it is gone", req("usr_a", "session", mine.ID, map[string]string{"id": mine.ID}), 404},
	}
	for _, tc := range tests {
		resp, err := h.Delete(context.Background(), tc.req)
		got := resp.StatusCode
		if err != nil {
			got = status(err)
		}
		if got != tc.want {
			t.Fatalf("%s: Delete = %d (%v); want %d", tc.name, got, err, tc.want)
		}
	}
	if _, err := s.Get(context.Background(), theirs.ID); err != nil {
		t.Fatalf("usr_b's session was touched: %v", err)
	}
	// The one session ended is in its user's security log, with the
	// browser it was; the refused attempts are in no one's.
	for user, want := range map[string][]map[string]string{
		"usr_a": {{"scope": "one", "sessionId": mine.ID, "userAgent": "ua", "by": mine.ID, "address": ""}},
		"usr_b": nil,
	} {
		events, _, err := d.Stores.SecurityLog.List(context.Background(), user, t0, store.Page{})
		if err != nil || len(events) != len(want) {
			t.Fatalf("%s's security log = %+v, %v; want %d events", user, events, err, len(want))
		}
		for i, e := range events {
			if e.Kind != store.EventSessionEnded || !maps.Equal(e.Details, want[i]) {
				t.Errorf("%s's event %+v; want session-ended with %v", user, e, want[i])
			}
		}
	}
}
