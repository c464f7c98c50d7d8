package session

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/store"
)

func TestTokens(t *testing.T) {
	a, err := NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken(rand.Reader)
	if a == b || !ValidToken(a) || len(Hash(a)) != 64 || Hash(a) == Hash(b) {
		t.Fatalf("tokens %q %q: want distinct valid tokens with distinct hashes", a, b)
	}
	if ID(a) != store.SessionID(Hash(a)) || strings.Contains(ID(a), a) {
		t.Fatal("ID must derive from the hash and not contain the token")
	}
	for _, bad := range []string{"", a[:42], a + "A", a[:10] + "." + a[11:], strings.Repeat("=", 43)} {
		if ValidToken(bad) {
			t.Errorf("ValidToken(%q) = true", bad)
		}
	}
}

func TestFromCookies(t *testing.T) {
	tok, _ := NewToken(rand.Reader)
	other, _ := NewToken(rand.Reader)
	tests := []struct {
		name    string
		headers []string
		want    string
		err     error
	}{
		{"the only cookie", []string{CookieName + "=" + tok}, tok, nil},
		{"among others", []string{"a=1; " + CookieName + "=" + tok + "; b=2"}, tok, nil},
		{"split over two Cookie headers", []string{"a=1", CookieName + "=" + tok}, tok, nil},
		{"no cookie", nil, "", ErrNoCookie},
		{"other cookies only", []string{"a=1; __Host-latchkey_sessionX=" + tok}, "", ErrNoCookie},
		{"two session cookies (cookie tossing)", []string{CookieName + "=" + tok + "; " + CookieName + "=" + other}, "", ErrBadCookie},
		{"two in two headers", []string{CookieName + "=" + tok, CookieName + "=" + other}, "", ErrBadCookie},
		{"malformed value", []string{CookieName + "=nope"}, "", ErrBadCookie},
		{"quoted value", []string{CookieName + "=\"" + tok + "\""}, "", ErrBadCookie},
		{"over the bound", []string{strings.Repeat("a", maxCookieHeader) + "; " + CookieName + "=" + tok}, "", ErrBadCookie},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FromCookies(tc.headers)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Fatalf("FromCookies = %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestSetCookieAttributes(t *testing.T) {
	c := SetCookie("tok", 12*time.Hour)
	for _, want := range []string{CookieName + "=tok", "Path=/", "Max-Age=43200", "Secure", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(c, want) {
			t.Errorf("SetCookie = %q; missing %q", c, want)
		}
	}
	if strings.Contains(strings.ToLower(c), "domain") {
		t.Errorf("SetCookie = %q; a __Host- cookie must not have Domain", c)
	}
	if cl := ClearCookie(); !strings.Contains(cl, "Max-Age=0") || !strings.Contains(cl, "Path=/") {
		t.Errorf("ClearCookie = %q", cl)
	}
}

func TestLifetimes(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := Lifetimes{Absolute: 12 * time.Hour, Idle: time.Hour}
	s := store.Session{CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(12 * time.Hour)}
	tests := []struct {
		name     string
		lastSeen time.Time
		now      time.Time
		want     bool
	}{
		{"fresh", t0, t0.Add(time.Minute), true},
		{"idle too long", t0, t0.Add(time.Hour), false},
		{"kept alive by a newer request this instance saw", t0.Add(50 * time.Minute), t0.Add(time.Hour + time.Minute), true},
		{"an older local time does not shorten it", t0.Add(-time.Hour), t0.Add(30 * time.Minute), true},
		{"past the absolute end however active", t0.Add(12*time.Hour - time.Minute), t0.Add(12 * time.Hour), false},
	}
	for _, tc := range tests {
		if got := l.Live(s, tc.lastSeen, tc.now); got != tc.want {
			t.Errorf("%s: Live = %v; want %v", tc.name, got, tc.want)
		}
	}
	if got := l.TTLEpoch(s, t0.Add(11*time.Hour+30*time.Minute)); got != s.ExpiresAt.Unix() {
		t.Errorf("TTLEpoch near the end = %d; want the absolute end %d", got, s.ExpiresAt.Unix())
	}
}

func TestSameOrigin(t *testing.T) {
	const app = "https://app.example.com"
	tests := []struct {
		name      string
		origin    []string
		fetchSite []string
		want      bool
	}{
		{"own origin", []string{app}, nil, true},
		{"allowed origin", []string{"https://admin.example.com"}, nil, true},
		{"another site", []string{"https://evil.example"}, nil, false},
		{"a sibling subdomain", []string{"https://blog.example.com"}, []string{"same-site"}, false},
		{"origin with a path is not the origin", []string{app + "/"}, nil, false},
		{"null origin", []string{"null"}, nil, false},
		{"two origins", []string{app, app}, nil, false},
		{"no origin, same-origin fetch", nil, []string{"same-origin"}, true},
		{"no origin, same-site fetch", nil, []string{"same-site"}, false},
		{"no origin, cross-site fetch", nil, []string{"cross-site"}, false},
		{"neither header", nil, nil, false},
		{"origin decides over fetch site", []string{"https://evil.example"}, []string{"same-origin"}, false},
	}
	for _, tc := range tests {
		if got := SameOrigin(tc.origin, tc.fetchSite, app, []string{"https://admin.example.com"}); got != tc.want {
			t.Errorf("%s: SameOrigin = %v; want %v", tc.name, got, tc.want)
		}
	}
}

// TestUnsafeIsWhatNeedsWrite: a method escapes the origin check exactly
// when a read-only key may use it; OPTIONS is neither.
func TestUnsafeIsWhatNeedsWrite(t *testing.T) {
	for m, unsafe := range map[string]bool{
		"GET": false, "HEAD": false,
		"POST": true, "PUT": true, "PATCH": true, "DELETE": true,
		"OPTIONS": true, "TRACE": true, "PROPFIND": true, "get": true, "": true,
	} {
		if got := Unsafe(m); got != unsafe {
			t.Errorf("Unsafe(%q) = %v; want %v", m, got, unsafe)
		}
		if needsWrite := principal.Permission(m) == principal.Write; needsWrite != Unsafe(m) {
			t.Errorf("%q: needs write %v, unsafe %v; want them to agree", m, needsWrite, Unsafe(m))
		}
	}
}
