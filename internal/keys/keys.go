// Package keys serves the API key management routes under /api/keys:
// listing a user's keys, creating one (its secret shown once), regenerating
// a key's secret with an optional grace period for the old one, and deleting
// a key. Only a browser session may manage keys: a key can never create,
// rotate or delete keys, so a leaked key cannot make itself a successor.
package keys

import (
	"crypto/rand"
	"time"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/seclog"
	"github.com/latchkey/latchkey/internal/store"
)

// Key is the API shape of a key (docs/API.md). It never holds the secret or its
// hash.
type Key struct {
	ID          string     `json:"id"`
	Label       string     `json:"label"`
	Hint        string     `json:"hint"`
	Permissions []string   `json:"permissions"`
	Environment string     `json:"environment"`
	CreatedAt   time.Time  `json:"createdAt"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	LastUsedAt  *time.Time `json:"lastUsedAt,omitempty"`
	// PreviousExpiresAt is when the secret replaced by the last
	// regeneration stops working; until then the key is in its rotation
	// grace and both secrets open it. Absent when no grace was given.
	PreviousExpiresAt *time.Time `json:"previousExpiresAt,omitempty"`
	// AllowedCIDRs are the address prefixes the key may be used from, in
	// canonical form; empty allows any address.
	AllowedCIDRs []string `json:"allowedCidrs"`
	// Revoked says why the key stopped working for good, e.g. its secret
	// was found in public by GitHub's secret scanning. Absent for a live key.
	Revoked *Revocation `json:"revoked,omitempty"`
}

// Revocation is why and when a key was revoked, and where its secret was
// found: url as the reporter gave it (not necessarily http(s); the console
// makes a link of http(s) only), and source its kind of place ("content",
// "commit", "issue_comment", …).
type Revocation struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	URL    string    `json:"url,omitempty"`
	Source string    `json:"source,omitempty"`
}

// WithSecret is the answer of create and regenerate: the key and its
// secret, which is shown this once and never stored.
type WithSecret struct {
	Key
	Secret string `json:"key"`
}

// Listing is the answer of GET /api/keys.
type Listing struct {
	Keys []Key `json:"keys"`
	// CacheTTLSeconds is how long a deleted key, or a secret replaced
	// without grace, may keep working on a warm authorizer (its cache of
	// found keys, LATCHKEY_CACHE_TTL), so that the console can say so.
	CacheTTLSeconds int `json:"cacheTtlSeconds"`
}

// View converts a stored key to its API shape, times in UTC.
func View(k store.APIKey) Key {
	v := Key{
		ID: k.ID, Label: k.Label, Hint: k.Hint, Permissions: k.Permissions,
		Environment: k.Environment, CreatedAt: k.CreatedAt.UTC(),
		ExpiresAt: utc(k.ExpiresAt), LastUsedAt: utc(k.LastUsedAt),
	}
	if k.PreviousHash != "" && k.Revoked == nil {
		v.PreviousExpiresAt = utc(k.PreviousUntil)
	}
	if r := k.Revoked; r != nil {
		v.Revoked = &Revocation{At: r.At.UTC(), Reason: r.Reason, URL: r.URL, Source: r.Source}
	}
	if v.Permissions == nil {
		v.Permissions = []string{}
	}
	v.AllowedCIDRs = append([]string{}, k.AllowedCIDRs...)
	return v
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// handlers builds the routes' handlers over d. A nil d.Rand falls back to
// crypto/rand: a secret must never come from anything weaker by accident.
func handlers(d deps.Deps) Handlers {
	r := d.Rand
	if r == nil {
		r = rand.Reader
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return Handlers{Manager: Manager{Keys: d.Stores.Keys, Env: d.Config.Env, Rand: r, Now: now}, CacheTTL: d.Config.CacheTTL,
		Events: seclog.For(d)}
}

// List builds the handler of GET /api/keys.
func List(d deps.Deps) (httpx.Handler, error) { return handlers(d).List, nil }

// Create builds the handler of POST /api/keys.
func Create(d deps.Deps) (httpx.Handler, error) { return handlers(d).Create, nil }

// Delete builds the handler of DELETE /api/keys/{id}.
func Delete(d deps.Deps) (httpx.Handler, error) { return handlers(d).Delete, nil }

// Regenerate builds the handler of POST /api/keys/{id}/regenerate.
func Regenerate(d deps.Deps) (httpx.Handler, error) { return handlers(d).Regenerate, nil }

// Update builds the handler of PATCH /api/keys/{id}.
func Update(d deps.Deps) (httpx.Handler, error) { return handlers(d).Update, nil }

// Usage builds the handler of GET /api/keys/{id}/usage.
func Usage(d deps.Deps) (httpx.Handler, error) { return handlers(d).Usage, nil }
