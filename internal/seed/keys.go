package seed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/store"
)

// The fixture keys' IDs. Both belong to Author.
const (
	FixtureKeyID     = "key_fixturekeyfixturekeyfixtur"
	FixtureReadKeyID = "key_readonlykeyreadonlykeyread"
)

// The fixture keys' secrets. They are public, test-environment keys made to
// be recognised at a glance: the random part of each reads as a sentence
// (the 32 "random" bytes are that base62 text decoded), the checksum is
// real, so apikey.Check accepts them. LoadFixtureKeys refuses to store them
// anywhere but a test deployment, and seed.Load (what `make dev` runs) never
// stores them.
var (
	// FixtureKey has read and write, no expiry, and was last used on day 6.
	FixtureKey = fixtureSecret("FixtureKeyForTestsOnlyItIsNotASecret0000001")
	// FixtureReadKey has read only and expires 90 days after its creation.
	FixtureReadKey = fixtureSecret("FixtureReadOnlyKeyForTestsNotASecret0000002")
)

// FixtureKeys returns the fixture keys' records, as LoadFixtureKeys stores
// them.
func FixtureKeys() []store.APIKey {
	lastUsed := at(6).Add(10 * time.Minute)
	expires := at(7 + 90)
	return []store.APIKey{
		{
			ID: FixtureKeyID, UserID: Author.ID, Label: "Fixture script key",
			Hint: apikey.Hint(FixtureKey), Hash: apikey.Hash(FixtureKey),
			Permissions: []string{principal.Read, principal.Write}, Environment: apikey.EnvTest,
			CreatedAt: at(5), LastUsedAt: &lastUsed,
		},
		{
			ID: FixtureReadKeyID, UserID: Author.ID, Label: "Fixture read-only key",
			Hint: apikey.Hint(FixtureReadKey), Hash: apikey.Hash(FixtureReadKey),
			Permissions: []string{principal.Read}, Environment: apikey.EnvTest,
			CreatedAt: at(7), ExpiresAt: &expires,
		},
	}
}

// LoadFixtureKeys stores the fixture keys for the event fixtures and tests.
// env is the deployment's environment: the secrets are published, so
// anything but a test deployment is refused. Keys already there are left as
// they are.
func LoadFixtureKeys(ctx context.Context, s store.Stores, env string) error {
	if env != apikey.EnvTest {
		return fmt.Errorf("seed: the fixture keys are public test keys; refusing to store them in a %q deployment", env)
	}
	for _, k := range FixtureKeys() {
		if err := s.Keys.Create(ctx, k); err != nil && !errors.Is(err, store.ErrExists) {
			return fmt.Errorf("seed key %s: %w", k.ID, err)
		}
	}
	return nil
}

// fixtureSecret makes the test key whose random part is text (43 base62
// characters): apikey.Generate over the bytes that encode to it.
func fixtureSecret(text string) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	n, base := new(big.Int), big.NewInt(62)
	for _, c := range text {
		n.Mul(n, base).Add(n, big.NewInt(int64(strings.IndexRune(alphabet, c))))
	}
	// FillBytes panics if text does not fit in 32 bytes; the seed test
	// covers both texts.
	raw := n.FillBytes(make([]byte, apikey.RandomBytes))
	key, _ := apikey.Generate(bytes.NewReader(raw), apikey.EnvTest) // a 32-byte reader and a known environment cannot fail
	return key
}
