package posts

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/metrics/emftest"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

// TestPolicyRefusalsAreInTheAuthorsSecurityLog: when the policy refuses
// someone an action on a post, the post's author finds it in their
// security log — the action the request asked for, the post, and whether
// it was them or another user, never who the other user was or where
// from — and nobody else's log changes. Allowed actions and the public
// routes, which anyone may call, record nothing.
func TestPolicyRefusalsAreInTheAuthorsSecurityLog(t *testing.T) {
	tests := []struct {
		name    string
		build   deps.Constructor
		method  string
		as      *store.User // nil: no credential (the public routes)
		post    string
		body    string
		status  int
		author  store.User
		details map[string]string // nil: nothing recorded
		// denied is the PolicyDenials metric's Action: the action the
		// policy refused, which is read when the post could not be seen
		// ("" when nothing was refused).
		denied string
	}{
		{"another user reads a draft", Get, "GET", &seed.Reader, seed.DraftID, "", 404, seed.Author,
			map[string]string{"action": "read", "postId": seed.DraftID, "title": "Unfinished thoughts", "actor": "other"}, "posts:read"},
		{"another user edits a draft they cannot see", Update, "PUT", &seed.Reader, seed.DraftID, `{"title":"x","body":"y","version":1}`, 404, seed.Author,
			map[string]string{"action": "update", "postId": seed.DraftID, "title": "Unfinished thoughts", "actor": "other"}, "posts:read"},
		{"another user edits a published post", Update, "PUT", &seed.Reader, seed.WelcomeID, `{"title":"x","body":"y","version":2}`, 403, seed.Author,
			map[string]string{"action": "update", "postId": seed.WelcomeID, "title": "Welcome to Latchkey", "actor": "other"}, "posts:update"},
		{"an editor deletes another's post", Delete, "DELETE", &seed.Editor, seed.WelcomeID, "", 403, seed.Author,
			map[string]string{"action": "delete", "postId": seed.WelcomeID, "title": "Welcome to Latchkey", "actor": "other"}, "posts:delete"},
		{"the author publishes without the editor role", Publish, "POST", &seed.Author, seed.DraftID, "", 403, seed.Author,
			map[string]string{"action": "publish", "postId": seed.DraftID, "title": "Unfinished thoughts", "actor": "author"}, "posts:publish"},
		{"another user reads the editor's draft: the editor's log", Get, "GET", &seed.Reader, seed.Draft2ID, "", 404, seed.Editor,
			map[string]string{"action": "read", "postId": seed.Draft2ID, "title": "Editor's notes", "actor": "other"}, "posts:read"},
		{"the author reads their draft", Get, "GET", &seed.Author, seed.DraftID, "", 200, seed.Author, nil, ""},
		{"an editor edits another's post", Update, "PUT", &seed.Editor, seed.DraftID, `{"title":"x","body":"y","version":1}`, 200, seed.Author, nil, ""},
		{"anyone reads a draft on the public route", PublicGet, "GET", nil, seed.DraftID, "", 404, seed.Author, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			d := depstest.Local(config.Config{Env: config.EnvTest, Deployment: "Latchkey-Staging", Editors: []string{seed.Editor.Email}})
			if err := seed.Load(ctx, d.Stores); err != nil {
				t.Fatal(err)
			}
			req := httpx.Request{HTTPMethod: tc.method, Body: tc.body, PathParameters: map[string]string{"id": tc.post}}
			if tc.body != "" {
				req.Headers = map[string]string{"Content-Type": "application/json"}
			}
			req.RequestContext.Identity.SourceIP = "203.0.113.66"
			if tc.as != nil {
				req.RequestContext.Authorizer = map[string]any{"userId": tc.as.ID, "method": "session", "sessionId": "ses_x", "permissions": "read,write"}
			}
			var logs bytes.Buffer
			resp, err := httpx.Adapt(slog.New(slog.NewJSONHandler(&logs, nil)), depstest.Build(t, tc.build, d))(ctx, req)
			if err != nil || resp.StatusCode != tc.status {
				t.Fatalf("%s %s = %d %s, %v; want %d", tc.method, tc.post, resp.StatusCode, resp.Body, err, tc.status)
			}
			for _, u := range seed.Users {
				events := depstest.SecurityLog(t, d, u.ID)
				if u.ID != tc.author.ID || tc.details == nil {
					if len(events) != 0 {
						t.Errorf("%s's security log = %+v; want nothing", u.Name, events)
					}
					continue
				}
				if len(events) != 1 || events[0].Kind != store.EventPolicyDenied || !maps.Equal(events[0].Details, tc.details) {
					t.Fatalf("%s's security log = %+v; want one policy-denied with %v", u.Name, events, tc.details)
				}
				for _, v := range events[0].Details {
					if strings.Contains(v, "203.0.113.66") || (tc.as != nil && strings.Contains(v, tc.as.ID)) {
						t.Errorf("the author's log names who was refused, or from where: %v", events[0].Details)
					}
				}
			}
			wantDenial(t, logs.Bytes(), tc.denied)
		})
	}
}

// wantDenial checks that a request's log counts one PolicyDenials of
// action (an EMF line by Deployment, Environment and Action, the policy decision's
// line) or, when action is "", none.
func wantDenial(t *testing.T, log []byte, action string) {
	t.Helper()
	docs := emftest.Lines(t, log)
	if action == "" {
		if len(docs) != 0 {
			t.Fatalf("%d metric lines; want none:\n%s", len(docs), log)
		}
		return
	}
	if len(docs) != 1 {
		t.Fatalf("%d metric lines; want one PolicyDenials:\n%s", len(docs), log)
	}
	d := docs[0]
	if err := emftest.CheckKnown(d, MetricActions()); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{metrics.DimDeployment: "Latchkey-Staging", metrics.DimEnvironment: config.EnvTest, metrics.DimAction: action}
	if !maps.Equal(d.Dimensions(), want) || !maps.Equal(d.Metrics(), map[string]float64{metrics.PolicyDenials: 1}) ||
		!slices.Equal(d.Sets(metrics.PolicyDenials), []string{"Deployment,Environment", "Deployment,Environment,Action"}) {
		t.Fatalf("PolicyDenials line %v %v by %v; want %v", d.Dimensions(), d.Metrics(), d.Sets(metrics.PolicyDenials), want)
	}
	if d.Line["msg"] != "policy decision" || d.Line["allowed"] != false || d.Line["action"] != strings.TrimPrefix(action, "posts:") {
		t.Fatalf("the denial is not on the policy decision's line: %v", d.Line)
	}
}

// TestRepeatedRefusalsAreOneEventAWindow: anyone who can sign in can be
// refused changes to every published post as often as they like; within a
// RefusalWindow, the author's log gains one event per action and kind of
// actor however many requests, on however many posts, are refused (so a
// flood cannot push the author's sign-ins out of sight), naming the first
// post refused; the next window records again.
func TestRepeatedRefusalsAreOneEventAWindow(t *testing.T) {
	ctx := context.Background()
	d := depstest.Local(config.Config{Env: config.EnvTest, Editors: []string{seed.Editor.Email}})
	if err := seed.Load(ctx, d.Stores); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC) // a window's first second
	d.Now = func() time.Time { return now }
	refuse := func(build deps.Constructor, method string, as store.User, post string, times int) {
		t.Helper()
		h := httpx.Adapt(slog.New(slog.DiscardHandler), depstest.Build(t, build, d))
		for range times {
			req := httpx.Request{HTTPMethod: method, PathParameters: map[string]string{"id": post}}
			if method == "PUT" {
				req.Body = `{"title":"x","body":"y","version":2}`
				req.Headers = map[string]string{"Content-Type": "application/json"}
			}
			req.RequestContext.Authorizer = map[string]any{"userId": as.ID, "method": "session", "sessionId": "ses_x", "permissions": "read,write"}
			if resp, err := h(ctx, req); err != nil || resp.StatusCode != 403 {
				t.Fatalf("%s %s as %s = %d %s, %v; want 403", method, post, as.Name, resp.StatusCode, resp.Body, err)
			}
		}
	}
	count := func() map[string]int {
		got := map[string]int{}
		for _, e := range depstest.SecurityLog(t, d, seed.Author.ID) {
			if e.Kind == store.EventPolicyDenied {
				got[e.Details["action"]+" by "+e.Details["actor"]+" of "+e.Details["postId"]]++
			}
		}
		return got
	}

	refuse(Delete, "DELETE", seed.Reader, seed.WelcomeID, 200)
	refuse(Delete, "DELETE", seed.Reader, seed.KeysID, 50) // another post of the author's
	refuse(Delete, "DELETE", seed.Editor, seed.CedarID, 3) // another user: the log says "other" for both
	refuse(Update, "PUT", seed.Reader, seed.KeysID, 5)
	want := map[string]int{"delete by other of " + seed.WelcomeID: 1, "update by other of " + seed.KeysID: 1}
	if got := count(); !maps.Equal(got, want) {
		t.Fatalf("after 258 refusals on three posts in one window, the author's log counts %v; want %v", got, want)
	}
	now = now.Add(RefusalWindow - time.Second)
	refuse(Delete, "DELETE", seed.Reader, seed.CedarID, 10)
	if got := count(); !maps.Equal(got, want) {
		t.Fatalf("refusals at the window's last second changed the log to %v; want still %v", got, want)
	}
	now = now.Add(time.Second)
	refuse(Delete, "DELETE", seed.Reader, seed.CedarID, 10)
	want["delete by other of "+seed.CedarID] = 1
	if got := count(); !maps.Equal(got, want) {
		t.Fatalf("the next window's refusals made the log %v; want %v", got, want)
	}
}
