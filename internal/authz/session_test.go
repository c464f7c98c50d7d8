package authz

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

const appOrigin = "https://app.example.com"

type sessionFixture struct {
	*fixture
	sessions store.SessionStore
}

func newSessionFixture() *sessionFixture {
	stores := embedded.New().Stores()
	f := newFixture()
	return &sessionFixture{fixture: f, sessions: stores.Sessions}
}

func (f *sessionFixture) authorizer(ttl time.Duration) *Authorizer {
	return New(Options{
		Keys: f.keys, Sessions: f.sessions, Env: apikey.EnvTest, CacheTTL: ttl, Routes: testRoutes,
		Lifetimes: session.Lifetimes{Absolute: 12 * time.Hour, Idle: time.Hour},
		PublicURL: appOrigin, Now: func() time.Time { return f.now },
	})
}

func (f *sessionFixture) addSession(t *testing.T) (string, store.Session) {
	t.Helper()
	tok, err := session.NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := store.Session{ID: session.ID(tok), UserID: "usr_owner", Hash: session.Hash(tok), CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(12 * time.Hour)}
	if err := f.sessions.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return tok, s
}

func cookieIn(method, resource, token string, origin ...string) Input {
	in := Input{HTTPMethod: method, Resource: resource, Cookie: []string{"theme=dark; " + session.CookieName + "=" + token}}
	in.Origin = origin
	return in
}

func TestSessionRules(t *testing.T) {
	f := newSessionFixture()
	a := f.authorizer(30 * time.Second)
	tok, s := f.addSession(t)
	other, _ := f.addSession(t)
	tests := []struct {
		name  string
		input Input
		want  Effect
	}{
		{"a session reads", cookieIn("GET", "/r", tok), Allow},
		{"a session manages keys", cookieIn("GET", "/s", tok), Allow},
		{"a session writes from its own origin", cookieIn("POST", "/w", tok, appOrigin), Allow},
		{"a write from another origin is 403", cookieIn("POST", "/w", tok, "https://evil.example"), Deny},
		{"a write with no origin and no fetch metadata is 403", cookieIn("POST", "/w", tok), Deny},
		{"a write with Sec-Fetch-Site same-origin", Input{HTTPMethod: "POST", Resource: "/w", Cookie: []string{session.CookieName + "=" + tok}, SecFetchSite: []string{"same-origin"}}, Allow},
		{"OPTIONS from another origin is 403 like a write", cookieIn("OPTIONS", "/api/{proxy+}", tok, "https://evil.example"), Deny},
		{"OPTIONS with no origin and no fetch metadata is 403", cookieIn("OPTIONS", "/api/{proxy+}", tok), Deny},
		{"OPTIONS from its own origin", cookieIn("OPTIONS", "/api/{proxy+}", tok, appOrigin), Allow},
		{"a write with Sec-Fetch-Site same-site is 403", Input{HTTPMethod: "POST", Resource: "/w", Cookie: []string{session.CookieName + "=" + tok}, SecFetchSite: []string{"same-site"}}, Deny},
		{"an unknown token", cookieIn("GET", "/r", otherFirst(tok)), Unauthorized},
		{"a malformed token", cookieIn("GET", "/r", "nope"), Unauthorized},
		{"two session cookies", Input{HTTPMethod: "GET", Resource: "/r", Cookie: []string{session.CookieName + "=" + tok + "; " + session.CookieName + "=" + other}}, Unauthorized},
		{"a cookie without the session cookie", Input{HTTPMethod: "GET", Resource: "/r", Cookie: []string{"theme=dark"}}, Unauthorized},
		{"a bad Authorization header beside a good cookie", Input{HTTPMethod: "GET", Resource: "/r", Authorization: []string{"Bearer x"}, Cookie: []string{session.CookieName + "=" + tok}}, Unauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := a.Decide(context.Background(), tc.input)
			if d.Effect != tc.want {
				t.Fatalf("Decide = %v (%s); want %v", d.Effect, d.Reason, tc.want)
			}
			if d.Effect == Allow && (d.Principal.UserID != "usr_owner" || d.Principal.SessionID != s.ID || d.Principal.Method != principal.MethodSession ||
				!d.Principal.Can("read") || !d.Principal.Can("write")) {
				t.Fatalf("principal = %+v; want the session's user with read and write", d.Principal)
			}
		})
	}
}

func TestSessionLifetimes(t *testing.T) {
	ctx := context.Background()
	f := newSessionFixture()
	a := f.authorizer(30 * time.Second)
	tok, s := f.addSession(t)

	f.now = t0.Add(59 * time.Minute)
	if d := a.Decide(ctx, cookieIn("GET", "/r", tok)); d.Effect != Allow {
		t.Fatalf("within the idle timeout = %v", d.Effect)
	}
	a.Wait()
	got, _ := f.sessions.Get(ctx, s.ID)
	if !got.LastSeenAt.Equal(f.now) || got.ExpiresEpoch != f.now.Add(time.Hour).Unix() {
		t.Fatalf("after use: lastSeen %v ttl %d; want the sliding window moved to %v", got.LastSeenAt, got.ExpiresEpoch, f.now)
	}
	f.now = t0.Add(118 * time.Minute)
	if d := a.Decide(ctx, cookieIn("GET", "/r", tok)); d.Effect != Allow {
		t.Fatalf("kept alive by use = %v", d.Effect)
	}
	a.Wait()
	f.now = f.now.Add(time.Hour)
	if d := a.Decide(ctx, cookieIn("GET", "/r", tok)); d.Effect != Unauthorized {
		t.Fatalf("after an hour idle = %v; want unauthorized", d.Effect)
	}
}

func TestSessionAbsoluteExpiry(t *testing.T) {
	f := newSessionFixture()
	a := f.authorizer(0)
	tok, _ := f.addSession(t)
	for m := 50; m < 12*60; m += 50 {
		f.now = t0.Add(time.Duration(m) * time.Minute)
		if d := a.Decide(context.Background(), cookieIn("GET", "/r", tok)); d.Effect != Allow {
			t.Fatalf("at %v = %v; want allow", f.now, d.Effect)
		}
		a.Wait()
	}
	f.now = t0.Add(12 * time.Hour)
	if d := a.Decide(context.Background(), cookieIn("GET", "/r", tok)); d.Effect != Unauthorized {
		t.Fatalf("at the absolute end = %v; want unauthorized however active", d.Effect)
	}
}

func TestSignOutEndsASessionAtOnceDespiteTheCache(t *testing.T) {
	ctx := context.Background()
	f := newSessionFixture()
	a := f.authorizer(time.Hour)
	tok, s := f.addSession(t)
	if d := a.Decide(ctx, cookieIn("GET", "/r", tok)); d.Effect != Allow {
		t.Fatal(d.Reason)
	}
	if err := f.sessions.Delete(ctx, "usr_owner", s.ID); err != nil {
		t.Fatal(err)
	}
	if d := a.Decide(ctx, cookieIn("GET", "/r", tok)); d.Effect != Unauthorized {
		t.Fatalf("after sign-out = %v; want unauthorized at once", d.Effect)
	}
}

func TestSessionStoreErrorFailsClosed(t *testing.T) {
	f := newSessionFixture()
	a := New(Options{Sessions: failingSessions{}, Routes: testRoutes, Lifetimes: session.Lifetimes{Absolute: time.Hour, Idle: time.Hour}, Now: func() time.Time { return t0 }})
	tok, _ := f.addSession(t)
	if d := a.Decide(context.Background(), cookieIn("GET", "/r", tok)); d.Effect != Fail {
		t.Fatalf("Decide with the store down = %v; want fail", d.Effect)
	}
}

type failingSessions struct{ store.SessionStore }

func (failingSessions) Get(context.Context, string) (store.Session, error) {
	return store.Session{}, context.DeadlineExceeded
}

// frozenSessions completes a write only while the invocation runs: after
// freeze, as Lambda freezes an environment once the handler returns, a
// write is lost.
type frozenSessions struct {
	store.SessionStore
	frozen  bool
	touched int
}

func (s *frozenSessions) Touch(ctx context.Context, id string, lastSeen time.Time, ttl int64) error {
	if s.frozen {
		return nil // lost with the frozen environment
	}
	s.touched++
	return s.SessionStore.Touch(ctx, id, lastSeen, ttl)
}

// TestSessionLastSeenIsWrittenBeforeTheAnswer: a session's last-seen time,
// which its idle timeout and time to live follow, is stored before the
// authorizer answers (a background write would be lost on Lambda), at most
// once a minute per session, and a person active across the idle timeout
// stays signed in.
func TestSessionLastSeenIsWrittenBeforeTheAnswer(t *testing.T) {
	f := newSessionFixture()
	fs := &frozenSessions{SessionStore: f.sessions}
	f.sessions = fs
	a := f.authorizer(0)
	tok, _ := f.addSession(t)
	for step := range 6 { // a request every 20 minutes, for 2 hours: longer than the 1-hour idle timeout
		f.now = t0.Add(time.Duration(step) * 20 * time.Minute)
		fs.frozen = false
		d := a.Decide(context.Background(), cookieIn("GET", "/r", tok))
		fs.frozen = true // the answer is out: nothing more completes
		if d.Effect != Allow {
			t.Fatalf("after %v of activity: %v (%s); want allowed", f.now.Sub(t0), d.Effect, d.Reason)
		}
	}
	got, err := f.sessions.Get(context.Background(), session.ID(tok))
	if err != nil || !got.LastSeenAt.Equal(f.now) {
		t.Fatalf("stored last seen %v, %v; want %v", got.LastSeenAt, err, f.now)
	}
	fs.frozen = false
	before := fs.touched
	a.Decide(context.Background(), cookieIn("GET", "/r", tok))
	if fs.touched != before {
		t.Fatalf("a second request within the minute wrote again")
	}
}

// TestAuthTimeIsTheProvidersWord: the authorizer passes the session's
// auth time (the provider's auth_time) when it has one, so a sign-in the
// provider made without asking is not a recent one; otherwise the
// session's start.
func TestAuthTimeIsTheProvidersWord(t *testing.T) {
	f := newSessionFixture()
	a := f.authorizer(0)
	tok, s := f.addSession(t)
	if d := a.Decide(context.Background(), cookieIn("GET", "/r", tok)); d.Principal.AuthTime != s.CreatedAt.Unix() {
		t.Fatalf("AuthTime = %d; want the session's start %d", d.Principal.AuthTime, s.CreatedAt.Unix())
	}
	tok2, err := session.NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	old := t0.Add(-3 * time.Hour)
	s2 := store.Session{ID: session.ID(tok2), UserID: "usr_owner", Hash: session.Hash(tok2), CreatedAt: t0, LastSeenAt: t0,
		ExpiresAt: t0.Add(12 * time.Hour), AuthTime: old}
	if err := f.sessions.Create(context.Background(), s2); err != nil {
		t.Fatal(err)
	}
	if d := a.Decide(context.Background(), cookieIn("GET", "/r", tok2)); d.Principal.AuthTime != old.Unix() {
		t.Fatalf("AuthTime = %d; want the provider's %d", d.Principal.AuthTime, old.Unix())
	}
}

// otherFirst is tok with its first character changed, so a different token
// of the same shape.
func otherFirst(tok string) string {
	if tok[0] == 'A' {
		return "B" + tok[1:]
	}
	return "A" + tok[1:]
}
