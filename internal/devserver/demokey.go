package devserver

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

// demoLabel marks the demo key, so a restart over a persisted store replaces
// it instead of piling keys up.
const demoLabel = "make dev demo key"

// DemoKey creates a fresh read-and-write test key for the seeded author, so
// that a local trial can call the API at once; it expires in a day and
// replaces the previous run's demo key. It
// refuses a live environment: a key it prints must never open a real
// deployment, and no Lambda build contains this code.
func DemoKey(ctx context.Context, d deps.Deps) (string, error) {
	if d.Config.Env != config.EnvTest {
		return "", fmt.Errorf("demo keys are for LATCHKEY_ENV=test only")
	}
	secret, err := apikey.Generate(d.Rand, apikey.EnvTest)
	if err != nil {
		return "", err
	}
	id, err := store.NewIDFrom(d.Rand, "key")
	if err != nil {
		return "", err
	}
	old, _, err := d.Stores.Keys.List(ctx, seed.Author.ID, store.Page{Limit: store.MaxLimit})
	if err != nil {
		return "", fmt.Errorf("demo key: %w", err)
	}
	for _, k := range old {
		if k.Label == demoLabel {
			if err := d.Stores.Keys.Delete(ctx, seed.Author.ID, k.ID); err != nil {
				return "", fmt.Errorf("demo key: %w", err)
			}
		}
	}
	now := d.Now().UTC()
	exp := now.Add(24 * time.Hour)
	k := store.APIKey{
		ID: id, UserID: seed.Author.ID, Label: demoLabel, Hint: apikey.Hint(secret), Hash: apikey.Hash(secret),
		Permissions: []string{principal.Read, principal.Write}, Environment: apikey.EnvTest, CreatedAt: now, ExpiresAt: &exp,
	}
	if err := d.Stores.Keys.Create(ctx, k); err != nil {
		return "", fmt.Errorf("demo key: %w", err)
	}
	return secret, nil
}
