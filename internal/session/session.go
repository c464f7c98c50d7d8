// Package session is Latchkey's browser session: a random token in a
// __Host- cookie, only its hash stored, an absolute expiry and an idle
// timeout. It makes tokens and cookies, reads the cookie back from request
// headers, checks a stored session's lifetimes, and checks that a
// state-changing cookie request comes from the app's own origin.
package session

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// Cookie names (docs/API.md).
const (
	// CookieName holds the session token. The __Host- prefix makes the
	// browser refuse it unless it is Secure, has Path=/ and no Domain, so a
	// sibling subdomain cannot set or overwrite it.
	CookieName = "__Host-latchkey_session"
	// LoginCookieName holds the sealed state of a sign-in in progress. It
	// is a __Host- cookie too: a sibling subdomain could otherwise plant
	// its own sealed flow, with a state and code it holds, and sign the
	// victim in as the attacker.
	LoginCookieName = "__Host-latchkey_login"
)

// tokenLen is the length of a token: 32 random bytes in unpadded base64url.
const tokenLen = 43

// NewToken returns a fresh session token from 32 bytes of r.
func NewToken(r io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("new session token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ValidToken reports whether s has a token's shape, so that garbage is
// refused before any hashing or store read.
func ValidToken(s string) bool { return len(s) == tokenLen && base64URL(s) }

// base64URL reports whether s holds only the characters of unpadded
// base64url.
func base64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Hash is the stored form of a token: hex SHA-256. The token has 256 bits
// of entropy, so no salt or slow hash is needed.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ID is the public ID of the session whose token is token.
func ID(token string) string { return store.SessionID(Hash(token)) }

// HashMatches reports, in constant time, whether stored is token's hash.
func HashMatches(stored, token string) bool {
	return subtle.ConstantTimeCompare([]byte(stored), []byte(Hash(token))) == 1
}

// Lifetimes are a session's limits.
type Lifetimes struct {
	// Absolute is how long a session lives from sign-in, whatever its use.
	Absolute time.Duration
	// Idle is how long a session lives without a request.
	Idle time.Duration
}

// Live reports whether s is still valid at now, given that it was last seen
// at lastSeen (which may be later than s.LastSeenAt when the caller knows of
// a newer request than the stored one).
func (l Lifetimes) Live(s store.Session, lastSeen, now time.Time) bool {
	if lastSeen.Before(s.LastSeenAt) {
		lastSeen = s.LastSeenAt
	}
	return now.Before(s.ExpiresAt) && now.Before(lastSeen.Add(l.Idle))
}

// TTLEpoch is the DynamoDB TTL attribute for a session last seen at
// lastSeen: the earlier of its absolute and idle ends.
func (l Lifetimes) TTLEpoch(s store.Session, lastSeen time.Time) int64 {
	end := lastSeen.Add(l.Idle)
	if s.ExpiresAt.Before(end) {
		end = s.ExpiresAt
	}
	return end.Unix()
}

// ErrNoCookie means the request carried no session cookie; ErrBadCookie
// means it carried something other than exactly one well-formed one.
var (
	ErrNoCookie  = errors.New("no session cookie")
	ErrBadCookie = errors.New("session cookie malformed or repeated")
)

// maxCookieHeader bounds the Cookie headers read.
const maxCookieHeader = 8 << 10

// FromCookies returns the session token from the values of the Cookie
// header. More than one session cookie is refused, not resolved: a second
// one can only come from cookie tossing by another site or subdomain.
func FromCookies(values []string) (string, error) {
	return cookieValue(values, CookieName, ValidToken)
}

// LoginCookie returns the sealed value of the login cookie: exactly one,
// of bounded length, in unpadded base64url.
func LoginCookie(values []string) (string, error) {
	return cookieValue(values, LoginCookieName, func(v string) bool {
		return v != "" && len(v) <= 2048 && base64URL(v)
	})
}

// cookieValue finds exactly one cookie named name among the Cookie header
// values and checks its value.
func cookieValue(values []string, name string, valid func(string) bool) (string, error) {
	total, found, n := 0, "", 0
	for _, v := range values {
		total += len(v)
		if total > maxCookieHeader {
			return "", ErrBadCookie
		}
		for part := range strings.SplitSeq(v, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || k != name {
				continue
			}
			n++
			found = val
		}
	}
	switch {
	case n == 0:
		return "", ErrNoCookie
	case n > 1 || !valid(found):
		return "", ErrBadCookie
	}
	return found, nil
}

// SetCookie is the Set-Cookie value that starts a session. Max-Age equals
// the absolute lifetime: the browser forgets the cookie when the server
// would refuse it anyway.
func SetCookie(token string, maxAge time.Duration) string {
	return fmt.Sprintf("%s=%s; Path=/; Max-Age=%d; Secure; HttpOnly; SameSite=Strict", CookieName, token, int(maxAge.Seconds()))
}

// ClearCookie is the Set-Cookie value that removes the session cookie.
func ClearCookie() string {
	return CookieName + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict"
}

// LogoutAnswer is the body of POST /api/auth/logout's answer.
type LogoutAnswer struct {
	// EndSessionURL is the identity provider's sign-out page, when it has
	// one: the browser goes there next.
	EndSessionURL string `json:"endSessionUrl,omitempty"`
}

// End ends the session with this id and returns its user's id ("" when
// there was none). With a token, it ends the session only if the token
// opens it; without one ("") it ends it whoever's it is. Sign-out and a new
// sign-in (which replaces the browser's previous session) share it.
func End(ctx context.Context, sessions store.SessionStore, id, token string) (string, error) {
	sess, err := sessions.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if token != "" && !HashMatches(sess.Hash, token) {
		return "", nil
	}
	if err := sessions.Delete(ctx, sess.UserID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	return sess.UserID, nil
}
