package securitylog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/store"
)

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// logOf is a security log with five live events of usr_a a minute apart
// (the newest last), one of theirs past its retention, and one of usr_b.
func logOf(t *testing.T) (store.SecurityLogStore, []store.SecurityEvent) {
	t.Helper()
	log := depstest.Local(config.Config{}).Stores.SecurityLog
	var mine []store.SecurityEvent
	add := func(user string, at time.Time, expires int64, details map[string]string) store.SecurityEvent {
		e := store.SecurityEvent{ID: store.NewID("evt"), UserID: user, At: at, Kind: store.EventKeyCreated, Details: details, ExpiresEpoch: expires}
		if err := log.Add(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	kept := now.Add(time.Hour).Unix()
	for i := range 5 {
		details := map[string]string{"keyId": fmt.Sprintf("key_%d", i), "label": "nightly backup"}
		if i == 0 {
			details = nil // an event without details answers {}
		}
		mine = append(mine, add("usr_a", now.Add(time.Duration(i-10)*time.Minute), kept, details))
	}
	add("usr_a", now.Add(-time.Minute), now.Unix()-1, map[string]string{"label": "expired"})
	add("usr_b", now, kept, map[string]string{"label": "another user's"})
	if err := log.Add(context.Background(), store.SecurityEvent{ID: store.NewID("evt"), UserID: "usr_a", At: now.Add(-20 * time.Minute), Kind: store.EventSignOut, ExpiresEpoch: kept}); err != nil {
		t.Fatal(err)
	}
	return log, mine
}

func request(method string, query map[string]string) httpx.Request {
	req := httpx.Request{HTTPMethod: "GET", Path: "/api/security-log", QueryStringParameters: query}
	switch method {
	case principal.MethodSession:
		req.RequestContext.Authorizer = principal.Principal{UserID: "usr_a", SessionID: "ses_a", Method: method, Permissions: []string{"read", "write"}}.Context()
	case principal.MethodAPIKey:
		req.RequestContext.Authorizer = principal.Principal{UserID: "usr_a", KeyID: "key_a", Method: method, Permissions: []string{"read", "write"}}.Context()
	}
	return req
}

func serve(t *testing.T, log store.SecurityLogStore, req httpx.Request) (int, Page, string) {
	t.Helper()
	h := httpx.Adapt(slog.New(slog.DiscardHandler), Handlers{Log: log, Now: func() time.Time { return now }}.List)
	resp, err := h(context.Background(), req)
	if err != nil {
		t.Fatalf("GET /api/security-log: %v", err)
	}
	var out Page
	if resp.StatusCode == 200 {
		if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
			t.Fatalf("answer %s: %v", resp.Body, err)
		}
	}
	return resp.StatusCode, out, resp.Body
}

func TestListAnswersTheCallersOwnEventsNewestFirstPageByPage(t *testing.T) {
	log, mine := logOf(t)
	var got []string
	var events []SecurityEvent
	cursor := ""
	for range 5 {
		q := map[string]string{"limit": "2"}
		if cursor != "" {
			q["cursor"] = cursor
		}
		status, page, body := serve(t, log, request(principal.MethodSession, q))
		if status != 200 || len(page.Events) > 2 {
			t.Fatalf("GET ?limit=2 = %d %s; want 200 and at most 2 events", status, body)
		}
		for _, e := range page.Events {
			got = append(got, e.ID)
			events = append(events, e)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	want := []string{mine[4].ID, mine[3].ID, mine[2].ID, mine[1].ID, mine[0].ID}
	// The sign-out of twenty minutes ago is the oldest.
	if len(got) != 6 || !slices.Equal(got[:5], want) || events[5].Kind != store.EventSignOut {
		t.Fatalf("events = %v; want %v and the sign-out last, without the expired or another user's", got, want)
	}
	for i, e := range events[:5] {
		m := mine[4-i]
		wantDetails := m.Details
		if wantDetails == nil {
			wantDetails = map[string]string{}
		}
		if e.Kind != m.Kind || !e.At.Equal(m.At) || e.At.Location() != time.UTC || !maps.Equal(e.Details, wantDetails) || e.Details == nil {
			t.Errorf("event %d = %+v; want %+v", i, e, m)
		}
	}
}

func TestListAnswersOnlyASession(t *testing.T) {
	log, _ := logOf(t)
	tests := []struct {
		name   string
		method string
		status int
	}{
		{"no principal", "", 401},
		{"an API key, let through by a misconfigured route", principal.MethodAPIKey, 403},
		{"a session", principal.MethodSession, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, page, body := serve(t, log, request(tc.method, nil))
			if status != tc.status {
				t.Fatalf("GET /api/security-log = %d %s; want %d", status, body, tc.status)
			}
			if status != 200 && strings.Contains(body, "nightly backup") {
				t.Fatalf("a refusal carries events: %s", body)
			}
			if status == 200 && len(page.Events) != 6 {
				t.Fatalf("a session read %d events; want its 6", len(page.Events))
			}
		})
	}
}

func TestListRefusesBadPagingWith400(t *testing.T) {
	log, _ := logOf(t)
	tests := []struct {
		name  string
		query map[string]string
		multi map[string][]string
	}{
		{"limit 0", map[string]string{"limit": "0"}, nil},
		{"limit over 100", map[string]string{"limit": "101"}, nil},
		{"limit not a number", map[string]string{"limit": "ten"}, nil},
		{"limit given twice", nil, map[string][]string{"limit": {"1", "2"}}},
		{"a cursor the server did not issue", map[string]string{"cursor": "bm90IGEgY3Vyc29y"}, nil},
		{"an over-long cursor", map[string]string{"cursor": strings.Repeat("A", 600)}, nil},
		{"cursor given twice", nil, map[string][]string{"cursor": {"a", "b"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := request(principal.MethodSession, tc.query)
			req.MultiValueQueryStringParameters = tc.multi
			status, _, body := serve(t, log, req)
			if status != 400 || !strings.Contains(body, httpx.CodeBadRequest) {
				t.Fatalf("GET = %d %s; want 400 bad_request", status, body)
			}
		})
	}
}

type failingLog struct{ store.SecurityLogStore }

func (failingLog) List(context.Context, string, time.Time, store.Page) ([]store.SecurityEvent, string, error) {
	return nil, "", errors.New("table unreachable: internal detail")
}

// TestListFailsClosedWhenTheStoreFails: a store failure is a 500 that says
// nothing of the failure, never an empty log.
func TestListFailsClosedWhenTheStoreFails(t *testing.T) {
	status, _, body := serve(t, failingLog{}, request(principal.MethodSession, nil))
	if status != 500 || strings.Contains(body, "internal detail") || strings.Contains(body, "events") {
		t.Fatalf("GET with a failing store = %d %s; want a bare 500", status, body)
	}
}

// TestListIsBuiltFromDeps: the route's constructor reads the deployment's
// security log.
func TestListIsBuiltFromDeps(t *testing.T) {
	d := depstest.Local(config.Config{})
	e := store.SecurityEvent{ID: store.NewID("evt"), UserID: "usr_a", At: time.Now().Add(-time.Minute), Kind: store.EventSignIn,
		ExpiresEpoch: time.Now().Add(time.Hour).Unix()}
	if err := d.Stores.SecurityLog.Add(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	h := httpx.Adapt(d.Log, depstest.Build(t, List, d))
	resp, err := h(context.Background(), request(principal.MethodSession, nil))
	if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, e.ID) {
		t.Fatalf("GET /api/security-log = %d %s, %v; want 200 with the event", resp.StatusCode, resp.Body, err)
	}
}
