package keys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/store"
)

// MaxKeysPerUser is how many keys one user may hold. It bounds what a
// hijacked session can mint and keeps a listing to one page or so. The count
// and the create are two calls, so two racing creates may pass it by one
// each; it is a limit on abuse, not an invariant.
const MaxKeysPerUser = 50

// maxListPages bounds the paging of a listing, so that a store answering
// cursors forever cannot hold a request forever. MaxKeysPerUser is far
// below it even with racing creates.
const maxListPages = 10

// ErrTooManyKeys means the user already holds MaxKeysPerUser keys.
var ErrTooManyKeys = errors.New("the user holds the most keys allowed")

// Manager is key management's domain: it mints secrets, decides the
// records and leaves persistence to the store. It never keeps or logs a
// secret; only its hash is stored.
type Manager struct {
	Keys store.KeyStore
	// Env is the deployment's environment ("live" or "test"); its keys are
	// made for it, so a test key never works on a live deployment.
	Env string
	// Rand is the source of secrets and IDs (crypto/rand.Reader outside
	// tests).
	Rand io.Reader
	Now  func() time.Time
}

// NewKey is a validated request for a key.
type NewKey struct {
	Label string
	// Permissions are in canonical order (read before write).
	Permissions []string
	// ExpiresIn is the key's lifetime; zero means it never expires.
	ExpiresIn time.Duration
	// AllowedCIDRs are canonical (ParseCIDRs); empty allows any address.
	AllowedCIDRs []string
}

// Issue makes a key for userID and returns its record and its secret,
// which the caller shows once. ErrTooManyKeys if the user holds
// MaxKeysPerUser keys already.
func (m Manager) Issue(ctx context.Context, userID string, nk NewKey) (store.APIKey, string, error) {
	n, err := m.Keys.Count(ctx, userID)
	if err != nil {
		return store.APIKey{}, "", fmt.Errorf("count keys: %w", err)
	}
	if n >= MaxKeysPerUser {
		return store.APIKey{}, "", ErrTooManyKeys
	}
	id, err := store.NewIDFrom(m.Rand, "key")
	if err != nil {
		return store.APIKey{}, "", err
	}
	secret, err := apikey.Generate(m.Rand, m.Env)
	if err != nil {
		return store.APIKey{}, "", err
	}
	now := m.Now().UTC()
	k := store.APIKey{
		ID: id, UserID: userID, Label: nk.Label,
		Hint: apikey.Hint(secret), Hash: apikey.Hash(secret),
		Permissions: nk.Permissions, Environment: m.Env, CreatedAt: now, AllowedCIDRs: nk.AllowedCIDRs,
	}
	if nk.ExpiresIn > 0 {
		exp := now.Add(nk.ExpiresIn)
		k.ExpiresAt = &exp
	}
	if err := m.Keys.Create(ctx, k); err != nil {
		return store.APIKey{}, "", err
	}
	return k, secret, nil
}

// List returns all of userID's keys, newest first.
func (m Manager) List(ctx context.Context, userID string) ([]store.APIKey, error) {
	var all []store.APIKey
	cursor := ""
	for range maxListPages {
		ks, next, err := m.Keys.List(ctx, userID, store.Page{Limit: store.MaxLimit, Cursor: cursor})
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		all = append(all, ks...)
		if next == "" {
			return all, nil
		}
		cursor = next
	}
	return nil, fmt.Errorf("list keys: still more after %d pages", maxListPages)
}

// Delete removes userID's key id; it stops working with the write.
// store.ErrNotFound if it is not theirs.
func (m Manager) Delete(ctx context.Context, userID, id string) error {
	return m.Keys.Delete(ctx, userID, id)
}

// Regenerate gives userID's key id a new secret and returns the updated
// record and the secret. The old secret keeps working for grace (zero: not
// at all). The key keeps its ID, label, permissions and expiry.
// store.ErrNotFound if it is not theirs.
func (m Manager) Regenerate(ctx context.Context, userID, id string, grace time.Duration) (store.APIKey, string, error) {
	secret, err := apikey.Generate(m.Rand, m.Env)
	if err != nil {
		return store.APIKey{}, "", err
	}
	k, err := m.Keys.Rotate(ctx, userID, id, store.KeyRotation{
		NewHash: apikey.Hash(secret), NewHint: apikey.Hint(secret),
		Grace: grace, At: m.Now().UTC(),
	})
	if err != nil {
		return store.APIKey{}, "", err
	}
	return k, secret, nil
}
