// Package store defines what Latchkey persists — users, API keys, sessions
// and posts — as small interfaces with one behaviour contract, and the table
// layout that the DynamoDB implementation and the infrastructure share.
//
// Two implementations satisfy the interfaces: package dynamo (production)
// and package embedded (local runs and fast tests). Package storetest holds
// the contract suite that both must pass.
package store

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"
)

// Errors that callers branch on. Implementations wrap them with context, so
// compare with errors.Is.
var (
	// ErrNotFound: no item with that key (or not one the caller owns).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a conditional write lost, e.g. a stale post version.
	ErrConflict = errors.New("conflict")
	// ErrExists: a create found an item already under that key.
	ErrExists = errors.New("already exists")
	// ErrBadCursor: a listing cursor that this store did not issue.
	ErrBadCursor = errors.New("invalid cursor")
	// ErrRevoked: the key was revoked (KeyStore.RevokeByHash); its record
	// stays for its owner to see, but it never gets a secret again.
	ErrRevoked = errors.New("key revoked")
)

// Stores bundles the stores that a deployment uses.
type Stores struct {
	Users       UserStore
	Keys        KeyStore
	Sessions    SessionStore
	Posts       PostStore
	SecurityLog SecurityLogStore
}

// User is a person known through an identity provider. Its ID is derived from
// the provider's issuer and subject (see UserID), so signing in twice can never
// create two users.
type User struct {
	ID      string
	Issuer  string
	Subject string
	Email   string
	Name    string
	Roles   []string
	// RoleGrants say where each role came from at the last sign-in, so
	// that it can be re-checked on every request (config.RolesOf):
	// "editor:email" (LATCHKEY_EDITORS) or "editor:group:<name>"
	// (LATCHKEY_EDITOR_GROUP).
	RoleGrants []string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// UserStore keeps users.
type UserStore interface {
	// Upsert creates the user or updates its profile (email, name, roles,
	// UpdatedAt), keeping CreatedAt from the first write. It returns the
	// stored user.
	Upsert(ctx context.Context, u User) (User, error)
	// Get returns the user with that ID or ErrNotFound.
	Get(ctx context.Context, id string) (User, error)
}

// APIKey is a key's record. The key's secret is never stored: Hash is the
// hex SHA-256 of the whole key string.
type APIKey struct {
	ID          string
	UserID      string
	Label       string
	Hint        string
	Hash        string
	Permissions []string
	Environment string
	CreatedAt   time.Time
	ExpiresAt   *time.Time
	LastUsedAt  *time.Time
	// PreviousHash is the secret replaced by the last rotation; it stays
	// valid until PreviousUntil (a grace period), then never again.
	PreviousHash  string
	PreviousUntil *time.Time
	// AllowedCIDRs are the address prefixes the key may be used from, each
	// in canonical form (netip.Prefix's String); empty allows any address.
	AllowedCIDRs []string
	// Usage counts the key's requests per UTC day (UsageDay), as the
	// authorizer writes them (Touch); days past UsageDays may be gone.
	Usage map[string]int64
	// Addresses are the addresses the key was last used from, with when
	// each was last seen; the authorizer keeps them to MaxKeyAddresses.
	Addresses map[string]time.Time
	// Revoked is set when the key was revoked for its owner, e.g. because
	// its secret was found in public (GitHub secret scanning): no secret
	// opens it any more, and it cannot be regenerated, but the record
	// stays so that the owner sees what happened until they delete it.
	Revoked *KeyRevocation
}

// Key usage bounds.
const (
	// UsageDays is how many UTC days before today a key's usage is kept:
	// the authorizer forgets older days at its next write. The usage route
	// answers as many days, today included (keys.UsageWindow).
	UsageDays = 30
	// MaxKeyAddresses is how many of a key's recent addresses are kept.
	MaxKeyAddresses = 10
)

// UsageDay names the UTC day of t as Usage keys it ("2006-01-02").
func UsageDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// KeyUse is what one authorizer instance saw of a key since its last write
// for it: written at most once a minute per key and instance (Touch), never
// once per request.
type KeyUse struct {
	// At is the last use: the key's LastUsedAt.
	At time.Time
	// Requests are added to Usage, day by day, atomically: two instances
	// writing at once lose neither's counts.
	Requests map[string]int64
	// Addresses are set in Addresses with their times.
	Addresses map[string]time.Time
	// ForgetDays and ForgetAddresses are removed from Usage and Addresses
	// (days past UsageDays, addresses past MaxKeyAddresses). They must
	// not name a day of Requests or an address of Addresses.
	ForgetDays      []string
	ForgetAddresses []string
}

// KeySettings are the parts of a key its owner may change in place; nil
// leaves a part as it is.
type KeySettings struct {
	Label *string
	// AllowedCIDRs, canonical; empty allows any address.
	AllowedCIDRs *[]string
}

// KeyRevocation says why and when a key was revoked. URL and Source are
// where the secret was found, as the reporter said (a public URL, and
// GitHub's name for the kind of place: "content", "commit", …).
type KeyRevocation struct {
	At     time.Time
	Reason string
	URL    string
	Source string
}

// KeyRotation describes a regeneration: the new secret's hash and hint, and
// how long the old secret keeps working.
type KeyRotation struct {
	NewHash string
	NewHint string
	// Grace is how long the replaced secret stays valid; zero ends it at once.
	Grace time.Duration
	At    time.Time
}

// KeyStore keeps API keys. Lookups by hash are strongly consistent, so a
// deleted or rotated key stops working with the write that ends it.
type KeyStore interface {
	// Create stores a new key; ErrExists if the ID or the hash is taken.
	Create(ctx context.Context, k APIKey) error
	// Get returns the key with that ID owned by userID, or ErrNotFound (also
	// when another user owns it).
	Get(ctx context.Context, userID, id string) (APIKey, error)
	// ByHash returns the key whose current secret, or previous secret within
	// its grace period at time now, has this hash; otherwise ErrNotFound.
	ByHash(ctx context.Context, hash string, now time.Time) (APIKey, error)
	// List returns userID's keys, newest first.
	List(ctx context.Context, userID string, page Page) ([]APIKey, string, error)
	// Count returns how many keys userID has.
	Count(ctx context.Context, userID string) (int, error)
	// Rotate replaces the secret of userID's key id and returns the updated
	// key; ErrNotFound if it is not theirs, ErrRevoked if it was revoked.
	Rotate(ctx context.Context, userID, id string, r KeyRotation) (APIKey, error)
	// RevokeByHash revokes the key that hash opens at rev.At (its current
	// secret, or its previous one within the grace period): it records
	// rev on the key and removes every lookup of its secrets, so that
	// ByHash finds it no more, and returns the revoked key. ErrNotFound
	// when no key is opened by hash (a revoked key's secrets open
	// nothing). Safe to retry.
	RevokeByHash(ctx context.Context, hash string, rev KeyRevocation) (APIKey, error)
	// Delete removes userID's key id so that it stops working at once;
	// ErrNotFound if it is not theirs.
	Delete(ctx context.Context, userID, id string) error
	// UpdateSettings changes userID's key id as s says and returns the
	// updated key; ErrNotFound if it is not theirs, ErrRevoked (and nothing
	// changed) if it was revoked.
	UpdateSettings(ctx context.Context, userID, id string, s KeySettings) (APIKey, error)
	// Touch records the key's use as u says, in one write; ErrNotFound if
	// the key is gone (it never creates one). A revoked key's record takes
	// it: the authorizer may still allow a key it cached before the
	// revocation, within LATCHKEY_CACHE_TTL, and such a use is the owner's
	// to see.
	Touch(ctx context.Context, id string, u KeyUse) error
}

// Session is a browser session. The cookie holds a random token; only its
// hash is stored, and ID is derived from the hash one-way (see SessionID), so
// the public ID reveals neither.
type Session struct {
	ID         string
	UserID     string
	Hash       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	// AuthTime is when the person last proved who they are to the identity
	// provider (the ID token's auth_time), which may be before the session
	// began: a provider that still knows the person signs them in without
	// asking. Zero when the provider did not say; then CreatedAt stands.
	AuthTime time.Time
	// ExpiresEpoch is the DynamoDB TTL attribute (Unix seconds) after which
	// the item may be swept; validity is always checked from the times above.
	ExpiresEpoch int64
}

// SessionStore keeps browser sessions.
type SessionStore interface {
	// Create stores a new session; ErrExists if the ID is taken.
	Create(ctx context.Context, s Session) error
	// Get returns the session with that ID or ErrNotFound.
	Get(ctx context.Context, id string) (Session, error)
	// List returns userID's sessions, newest first.
	List(ctx context.Context, userID string, page Page) ([]Session, string, error)
	// Touch moves LastSeenAt (and the TTL attribute) forward.
	Touch(ctx context.Context, id string, lastSeen time.Time, expiresEpoch int64) error
	// Delete removes userID's session id; ErrNotFound if it is not theirs.
	Delete(ctx context.Context, userID, id string) error
	// DeleteAll removes every session of userID and returns how many.
	DeleteAll(ctx context.Context, userID string) (int, error)
}

// Post statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
)

// Post is a blog post, the example resource.
type Post struct {
	ID       string
	AuthorID string
	Title    string
	// Body is the text. Listings leave it empty: the indexes they read do
	// not carry it, and Excerpt stands in for it there.
	Body string
	// Excerpt and Truncated are Excerpt(Body). Stores derive them from Body
	// (whatever a caller put here is not stored) and fill them on every
	// read, listings included.
	Excerpt     string
	Truncated   bool
	Status      string
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt *time.Time
}

// ExcerptLength is how many characters (Unicode code points) of a body a
// listing carries. A body may be 100 KB, and each `<` in it takes seven
// bytes in a Lambda answer (API.md, "Answer sizes"): a page of 100 whole
// bodies could take over 70 MB, where Lambda delivers 6 MB, while a page of
// 100 excerpts stays under 0.4 MB.
const ExcerptLength = 300

// Excerpt returns the first ExcerptLength characters of body, and whether
// body goes on beyond them.
func Excerpt(body string) (excerpt string, truncated bool) {
	n := 0
	for i := range body {
		if n == ExcerptLength {
			return body[:i], true
		}
		n++
	}
	return body, false
}

// PostStore keeps posts. Writes are optimistic: Update and Delete name the
// version they expect and fail with ErrConflict when it moved.
type PostStore interface {
	// Create stores a new post; ErrExists if the ID is taken.
	Create(ctx context.Context, p Post) error
	// Get returns the post or ErrNotFound.
	Get(ctx context.Context, id string) (Post, error)
	// Update replaces the post if its stored version is expectedVersion;
	// ErrConflict otherwise, ErrNotFound if it is gone.
	Update(ctx context.Context, p Post, expectedVersion int) error
	// Delete removes the post if its stored version is expectedVersion.
	Delete(ctx context.Context, id string, expectedVersion int) error
	// ListPublished returns published posts, most recently published
	// first. Like every listing, it returns each post without its Body
	// (Excerpt instead).
	ListPublished(ctx context.Context, page Page) ([]Post, string, error)
	// ListByAuthor returns authorID's posts, drafts included, newest first.
	ListByAuthor(ctx context.Context, authorID string, page Page) ([]Post, string, error)
	// CountByAuthor returns how many posts authorID has, drafts included.
	// It reads what ListByAuthor reads, so, on DynamoDB, a post created or
	// deleted a moment ago may not be counted yet (the index is eventually
	// consistent).
	CountByAuthor(ctx context.Context, authorID string) (int, error)
	// ListAll returns every post, drafts included, newest first.
	ListAll(ctx context.Context, page Page) ([]Post, string, error)
}

// HashValid reports whether hash opens key k at time now: k is not revoked,
// and hash is the current secret, or the previous one within its grace
// period. Both stores use it, so they agree on when a rotated secret stops.
func HashValid(k APIKey, hash string, now time.Time) bool {
	if k.Revoked != nil {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(k.Hash), []byte(hash)) == 1 {
		return true
	}
	return k.PreviousHash != "" && k.PreviousUntil != nil && now.Before(*k.PreviousUntil) &&
		subtle.ConstantTimeCompare([]byte(k.PreviousHash), []byte(hash)) == 1
}

// Rotated returns k with its secret replaced as r describes. A zero grace
// leaves no previous secret at all.
func Rotated(k APIKey, r KeyRotation) APIKey {
	k.PreviousHash, k.PreviousUntil = "", nil
	if r.Grace > 0 {
		until := r.At.Add(r.Grace)
		k.PreviousHash, k.PreviousUntil = k.Hash, &until
	}
	k.Hash, k.Hint = r.NewHash, r.NewHint
	return k
}

// SecurityEvent is one entry of a user's security log: something that
// happened to their account that they may want to know of. Details never
// hold a secret (no key, token, code or hash of one): only ids, hints,
// addresses, user agents, providers and URLs. One exception, in no user's
// log: the secret-scanning reports kept under the reserved owner
// secretscan.OutcomeOwner hold each reported token's SHA-256, which
// GitHub's feedback asks for (a reported live key is revoked by then).
type SecurityEvent struct {
	ID      string
	UserID  string
	At      time.Time
	Kind    string
	Details map[string]string
	// ExpiresEpoch is the DynamoDB TTL attribute (Unix seconds): the log
	// keeps an event for the deployment's retention, then may sweep it.
	// Readers do not show an event past it.
	ExpiresEpoch int64
}

// The kinds of security event.
const (
	EventSignIn         = "sign-in"
	EventSignOut        = "sign-out"
	EventSessionEnded   = "session-ended"
	EventKeyCreated     = "key-created"
	EventKeyRegenerated = "key-regenerated"
	EventKeyRevoked     = "key-revoked"
	EventKeyAutoRevoked = "key-auto-revoked"
	EventKeyNewAddress  = "key-new-address"
	EventKeyUpdated     = "key-updated"
	EventPolicyDenied   = "policy-denied"
)

// EventKinds are every kind of security event, in the order the OpenAPI
// document lists them (securitylog.SecurityEvent's schema tag).
var EventKinds = []string{
	EventSignIn, EventSignOut, EventSessionEnded, EventKeyCreated, EventKeyRegenerated,
	EventKeyRevoked, EventKeyAutoRevoked, EventKeyNewAddress, EventKeyUpdated, EventPolicyDenied,
}

// SecurityLogStore keeps the security log.
type SecurityLogStore interface {
	// Add stores an event; ErrExists if the ID is taken.
	Add(ctx context.Context, e SecurityEvent) error
	// List returns userID's events, newest first, leaving out those whose
	// ExpiresEpoch is before now.
	List(ctx context.Context, userID string, now time.Time, page Page) ([]SecurityEvent, string, error)
}
