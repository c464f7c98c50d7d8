package seed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// FixtureSessionToken is the cookie value of the author's fixture session: a
// public test token (43 base64url characters) that reads as what it is.
const FixtureSessionToken = "FixtureSessionTokenForTestsOnlyNotASecret00"

// FixtureNow is the instant the event fixtures are replayed at (the golden
// tests' clock): thirty days after the seed.
var FixtureNow = Epoch.Add(30 * 24 * time.Hour)

// FixtureSessions returns the fixture sessions: the author's current one
// (its token above) and an older one on another device.
func FixtureSessions() []store.Session {
	mk := func(token, ua string, created time.Time) store.Session {
		s := store.Session{
			ID: session.ID(token), UserID: Author.ID, Hash: session.Hash(token),
			CreatedAt: created, LastSeenAt: FixtureNow.Add(-10 * time.Minute), ExpiresAt: created.Add(12 * time.Hour),
			UserAgent: ua,
		}
		s.ExpiresEpoch = s.ExpiresAt.Unix()
		return s
	}
	return []store.Session{
		mk(FixtureSessionToken, "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", FixtureNow.Add(-time.Hour)),
		mk("FixtureOtherSessionTokenForTestsNotASecret1", "curl/8.5.0", FixtureNow.Add(-2*time.Hour)),
	}
}

// LoadFixtures stores the fixture keys and sessions that the event
// fixtures name. Like LoadFixtureKeys it refuses anything but a test
// deployment; `make dev` never calls it.
func LoadFixtures(ctx context.Context, s store.Stores, env string) error {
	if err := LoadFixtureKeys(ctx, s, env); err != nil {
		return err
	}
	if env != apikey.EnvTest {
		return fmt.Errorf("seed: refusing fixture sessions in a %q deployment", env)
	}
	for _, x := range FixtureSessions() {
		if err := s.Sessions.Create(ctx, x); err != nil && !errors.Is(err, store.ErrExists) {
			return fmt.Errorf("seed session: %w", err)
		}
	}
	return nil
}
