package embedded

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// Users is the embedded UserStore.
type Users DB

var _ store.UserStore = (*Users)(nil)

// Upsert implements store.UserStore.
func (s *Users) Upsert(ctx context.Context, u store.User) (store.User, error) {
	err := (*DB)(s).update(ctx, func(d *data) error {
		if old, ok := d.Users[u.ID]; ok {
			u.CreatedAt = old.CreatedAt
		}
		u = cloneUser(u)
		d.Users[u.ID] = u
		return nil
	})
	if err != nil {
		return store.User{}, err
	}
	return cloneUser(u), nil
}

// Get implements store.UserStore.
func (s *Users) Get(ctx context.Context, id string) (u store.User, err error) {
	err = (*DB)(s).view(ctx, func(d *data) error {
		found, ok := d.Users[id]
		if !ok {
			return fmt.Errorf("get user %s: %w", id, store.ErrNotFound)
		}
		u = cloneUser(found)
		return nil
	})
	return u, err
}

func cloneUser(u store.User) store.User {
	u.Roles = slices.Clone(u.Roles)
	u.RoleGrants = slices.Clone(u.RoleGrants)
	return u
}

// Keys is the embedded KeyStore.
type Keys DB

var _ store.KeyStore = (*Keys)(nil)

// Create implements store.KeyStore.
func (s *Keys) Create(ctx context.Context, k store.APIKey) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		if _, ok := d.Keys[k.ID]; ok {
			return fmt.Errorf("create key %s: %w", k.ID, store.ErrExists)
		}
		if _, ok := d.Hashes[k.Hash]; ok {
			return fmt.Errorf("create key %s: hash: %w", k.ID, store.ErrExists)
		}
		d.Keys[k.ID] = cloneKey(k)
		d.Hashes[k.Hash] = k.ID
		return nil
	})
}

// Get implements store.KeyStore.
func (s *Keys) Get(ctx context.Context, userID, id string) (k store.APIKey, err error) {
	err = (*DB)(s).view(ctx, func(d *data) error {
		found, err := d.userKey("get", userID, id)
		if err != nil {
			return err
		}
		k = cloneKey(found)
		return nil
	})
	return k, err
}

// ByHash implements store.KeyStore.
func (s *Keys) ByHash(ctx context.Context, hash string, now time.Time) (k store.APIKey, err error) {
	err = (*DB)(s).view(ctx, func(d *data) error {
		id, ok := d.Hashes[hash]
		if !ok {
			return fmt.Errorf("key by hash: %w", store.ErrNotFound)
		}
		found, ok := d.Keys[id]
		if !ok || !store.HashValid(found, hash, now) {
			return fmt.Errorf("key by hash: %w", store.ErrNotFound)
		}
		k = cloneKey(found)
		return nil
	})
	return k, err
}

// List implements store.KeyStore.
func (s *Keys) List(ctx context.Context, userID string, p store.Page) ([]store.APIKey, string, error) {
	return pageOf(ctx, (*DB)(s), func(d *data) []store.APIKey {
		var mine []store.APIKey
		for _, k := range d.Keys {
			if k.UserID == userID {
				mine = append(mine, cloneKey(k))
			}
		}
		return mine
	}, func(k store.APIKey) store.Position {
		return store.Position{Sort: store.SortTime(k.CreatedAt), ID: k.ID}
	}, p)
}

// Count implements store.KeyStore.
func (s *Keys) Count(ctx context.Context, userID string) (n int, err error) {
	err = (*DB)(s).view(ctx, func(d *data) error {
		n = countWhere(d.Keys, func(k store.APIKey) bool { return k.UserID == userID })
		return nil
	})
	return n, err
}

// countWhere counts the items of m that keep holds for.
func countWhere[T any](m map[string]T, keep func(T) bool) (n int) {
	for _, v := range m {
		if keep(v) {
			n++
		}
	}
	return n
}

// Rotate implements store.KeyStore.
func (s *Keys) Rotate(ctx context.Context, userID, id string, r store.KeyRotation) (store.APIKey, error) {
	var rotated store.APIKey
	err := (*DB)(s).update(ctx, func(d *data) error {
		k, err := d.userKey("rotate", userID, id)
		if err != nil {
			return err
		}
		if k.Revoked != nil {
			return fmt.Errorf("rotate key %s: %w", id, store.ErrRevoked)
		}
		if _, ok := d.Hashes[r.NewHash]; ok {
			return fmt.Errorf("rotate key %s: hash: %w", id, store.ErrExists)
		}
		if k.PreviousHash != "" {
			delete(d.Hashes, k.PreviousHash)
		}
		k = store.Rotated(k, r)
		if k.PreviousHash == "" {
			// No grace: the old secret's pointer goes with the write.
			for h, kid := range d.Hashes {
				if kid == id {
					delete(d.Hashes, h)
				}
			}
		}
		d.Hashes[r.NewHash] = id
		d.Keys[id] = k
		rotated = cloneKey(k)
		return nil
	})
	if err != nil {
		return store.APIKey{}, err
	}
	return rotated, nil
}

// RevokeByHash implements store.KeyStore: the record is marked and every
// lookup of its secrets goes, in one write.
func (s *Keys) RevokeByHash(ctx context.Context, hash string, rev store.KeyRevocation) (store.APIKey, error) {
	var revoked store.APIKey
	err := (*DB)(s).update(ctx, func(d *data) error {
		id, ok := d.Hashes[hash]
		if !ok {
			return fmt.Errorf("revoke key by hash: %w", store.ErrNotFound)
		}
		k, ok := d.Keys[id]
		if !ok || !store.HashValid(k, hash, rev.At) {
			return fmt.Errorf("revoke key by hash: %w", store.ErrNotFound)
		}
		r := rev
		k.Revoked = &r
		for h, kid := range d.Hashes {
			if kid == id {
				delete(d.Hashes, h)
			}
		}
		d.Keys[id] = k
		revoked = cloneKey(k)
		return nil
	})
	if err != nil {
		return store.APIKey{}, err
	}
	return revoked, nil
}

// Delete implements store.KeyStore.
func (s *Keys) Delete(ctx context.Context, userID, id string) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		k, err := d.userKey("delete", userID, id)
		if err != nil {
			return err
		}
		delete(d.Keys, id)
		delete(d.Hashes, k.Hash)
		if k.PreviousHash != "" {
			delete(d.Hashes, k.PreviousHash)
		}
		return nil
	})
}

// UpdateSettings implements store.KeyStore.
func (s *Keys) UpdateSettings(ctx context.Context, userID, id string, set store.KeySettings) (store.APIKey, error) {
	var updated store.APIKey
	err := (*DB)(s).update(ctx, func(d *data) error {
		k, err := d.userKey("update", userID, id)
		if err != nil {
			return err
		}
		if k.Revoked != nil {
			return fmt.Errorf("update key %s: %w", id, store.ErrRevoked)
		}
		if set.Label != nil {
			k.Label = *set.Label
		}
		if set.AllowedCIDRs != nil {
			k.AllowedCIDRs = slices.Clone(*set.AllowedCIDRs)
			if len(k.AllowedCIDRs) == 0 {
				k.AllowedCIDRs = nil
			}
		}
		d.Keys[id] = k
		updated = cloneKey(k)
		return nil
	})
	return updated, err
}

// Touch implements store.KeyStore.
func (s *Keys) Touch(ctx context.Context, id string, u store.KeyUse) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		k, ok := d.Keys[id]
		if !ok {
			return fmt.Errorf("touch key %s: %w", id, store.ErrNotFound)
		}
		k = cloneKey(k)
		at := u.At
		k.LastUsedAt = &at
		for day, n := range u.Requests {
			if k.Usage == nil {
				k.Usage = map[string]int64{}
			}
			k.Usage[day] += n
		}
		for addr, seen := range u.Addresses {
			if k.Addresses == nil {
				k.Addresses = map[string]time.Time{}
			}
			k.Addresses[addr] = seen
		}
		for _, day := range u.ForgetDays {
			delete(k.Usage, day)
		}
		for _, addr := range u.ForgetAddresses {
			delete(k.Addresses, addr)
		}
		d.Keys[id] = k
		return nil
	})
}

// userKey returns key id when it belongs to userID, and otherwise an
// ErrNotFound error named after op, so that another user's key looks absent.
func (d *data) userKey(op, userID, id string) (store.APIKey, error) {
	k, ok := d.Keys[id]
	if !ok || k.UserID != userID {
		return store.APIKey{}, fmt.Errorf("%s key %s: %w", op, id, store.ErrNotFound)
	}
	return k, nil
}

func cloneKey(k store.APIKey) store.APIKey {
	k.Permissions = slices.Clone(k.Permissions)
	k.AllowedCIDRs = slices.Clone(k.AllowedCIDRs)
	k.Usage = maps.Clone(k.Usage)
	k.Addresses = maps.Clone(k.Addresses)
	k.ExpiresAt = ptrTime(k.ExpiresAt)
	k.LastUsedAt = ptrTime(k.LastUsedAt)
	k.PreviousUntil = ptrTime(k.PreviousUntil)
	if k.Revoked != nil {
		r := *k.Revoked
		k.Revoked = &r
	}
	return k
}

// Sessions is the embedded SessionStore.
type Sessions DB

var _ store.SessionStore = (*Sessions)(nil)

// Create implements store.SessionStore.
func (s *Sessions) Create(ctx context.Context, x store.Session) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		if _, ok := d.Sessions[x.ID]; ok {
			return fmt.Errorf("create session: %w", store.ErrExists)
		}
		d.Sessions[x.ID] = x
		return nil
	})
}

// Get implements store.SessionStore.
func (s *Sessions) Get(ctx context.Context, id string) (x store.Session, err error) {
	err = (*DB)(s).view(ctx, func(d *data) error {
		x, err = d.session("get", id)
		return err
	})
	return x, err
}

// List implements store.SessionStore.
func (s *Sessions) List(ctx context.Context, userID string, p store.Page) ([]store.Session, string, error) {
	return pageOf(ctx, (*DB)(s), func(d *data) []store.Session {
		var mine []store.Session
		for _, x := range d.Sessions {
			if x.UserID == userID {
				mine = append(mine, x)
			}
		}
		return mine
	}, func(x store.Session) store.Position {
		return store.Position{Sort: store.SortTime(x.CreatedAt), ID: x.ID}
	}, p)
}

// Touch implements store.SessionStore.
func (s *Sessions) Touch(ctx context.Context, id string, lastSeen time.Time, expiresEpoch int64) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		x, err := d.session("touch", id)
		if err != nil {
			return err
		}
		x.LastSeenAt = lastSeen
		x.ExpiresEpoch = expiresEpoch
		d.Sessions[id] = x
		return nil
	})
}

// Delete implements store.SessionStore.
func (s *Sessions) Delete(ctx context.Context, userID, id string) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		if x, ok := d.Sessions[id]; !ok || x.UserID != userID {
			return fmt.Errorf("delete session %s: %w", id, store.ErrNotFound)
		}
		delete(d.Sessions, id)
		return nil
	})
}

// DeleteAll implements store.SessionStore.
func (s *Sessions) DeleteAll(ctx context.Context, userID string) (n int, err error) {
	err = (*DB)(s).update(ctx, func(d *data) error {
		for id, x := range d.Sessions {
			if x.UserID == userID {
				delete(d.Sessions, id)
				n++
			}
		}
		return nil
	})
	return n, err
}

// session returns session id, or an ErrNotFound error named after op.
func (d *data) session(op, id string) (store.Session, error) {
	x, ok := d.Sessions[id]
	if !ok {
		return store.Session{}, fmt.Errorf("%s session %s: %w", op, id, store.ErrNotFound)
	}
	return x, nil
}

// Posts is the embedded PostStore.
type Posts DB

var _ store.PostStore = (*Posts)(nil)

// Create implements store.PostStore.
func (s *Posts) Create(ctx context.Context, p store.Post) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		if _, ok := d.Posts[p.ID]; ok {
			return fmt.Errorf("create post %s: %w", p.ID, store.ErrExists)
		}
		d.Posts[p.ID] = stored(p)
		return nil
	})
}

// Get implements store.PostStore.
func (s *Posts) Get(ctx context.Context, id string) (p store.Post, err error) {
	err = (*DB)(s).view(ctx, func(d *data) error {
		found, err := d.post("get", id)
		if err != nil {
			return err
		}
		p = withExcerpt(found)
		return nil
	})
	return p, err
}

// Update implements store.PostStore.
func (s *Posts) Update(ctx context.Context, p store.Post, expectedVersion int) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		if err := d.postAt("update", p.ID, expectedVersion); err != nil {
			return err
		}
		d.Posts[p.ID] = stored(p)
		return nil
	})
}

// Delete implements store.PostStore.
func (s *Posts) Delete(ctx context.Context, id string, expectedVersion int) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		if err := d.postAt("delete", id, expectedVersion); err != nil {
			return err
		}
		delete(d.Posts, id)
		return nil
	})
}

// ListPublished implements store.PostStore.
func (s *Posts) ListPublished(ctx context.Context, p store.Page) ([]store.Post, string, error) {
	return s.list(ctx, p, func(x store.Post) bool { return x.Status == store.StatusPublished && x.PublishedAt != nil }, byPublished)
}

// ListByAuthor implements store.PostStore.
func (s *Posts) ListByAuthor(ctx context.Context, authorID string, p store.Page) ([]store.Post, string, error) {
	return s.list(ctx, p, func(x store.Post) bool { return x.AuthorID == authorID }, byCreated)
}

// CountByAuthor implements store.PostStore.
func (s *Posts) CountByAuthor(ctx context.Context, authorID string) (n int, err error) {
	err = (*DB)(s).view(ctx, func(d *data) error {
		n = countWhere(d.Posts, func(p store.Post) bool { return p.AuthorID == authorID })
		return nil
	})
	return n, err
}

// ListAll implements store.PostStore.
func (s *Posts) ListAll(ctx context.Context, p store.Page) ([]store.Post, string, error) {
	return s.list(ctx, p, func(store.Post) bool { return true }, byCreated)
}

func byCreated(p store.Post) store.Position {
	return store.Position{Sort: store.SortTime(p.CreatedAt), ID: p.ID}
}

func byPublished(p store.Post) store.Position {
	return store.Position{Sort: store.SortTime(*p.PublishedAt), ID: p.ID}
}

func (s *Posts) list(ctx context.Context, p store.Page, keep func(store.Post) bool, key func(store.Post) store.Position) ([]store.Post, string, error) {
	return pageOf(ctx, (*DB)(s), func(d *data) []store.Post {
		var all []store.Post
		for _, x := range d.Posts {
			if keep(x) {
				// What the DynamoDB indexes carry: no body.
				x = withExcerpt(x)
				x.Body = ""
				all = append(all, x)
			}
		}
		return all
	}, key, p)
}

// post returns post id, or an ErrNotFound error named after op.
func (d *data) post(op, id string) (store.Post, error) {
	p, ok := d.Posts[id]
	if !ok {
		return store.Post{}, fmt.Errorf("%s post %s: %w", op, id, store.ErrNotFound)
	}
	return p, nil
}

// postAt checks, before op writes post id, that it exists at version.
func (d *data) postAt(op, id string, version int) error {
	p, err := d.post(op, id)
	if err != nil {
		return err
	}
	if p.Version != version {
		return fmt.Errorf("%s post %s at version %d: %w", op, id, version, store.ErrConflict)
	}
	return nil
}

// stored is p as this store keeps it: the excerpt is derived on reading.
func stored(p store.Post) store.Post {
	p = clonePost(p)
	p.Excerpt, p.Truncated = "", false
	return p
}

// withExcerpt is a copy of stored post p as readers get it, its excerpt derived.
func withExcerpt(p store.Post) store.Post {
	p = clonePost(p)
	p.Excerpt, p.Truncated = store.Excerpt(p.Body)
	return p
}

func clonePost(p store.Post) store.Post {
	p.PublishedAt = ptrTime(p.PublishedAt)
	return p
}

// SecurityLog is the embedded SecurityLogStore.
type SecurityLog DB

var _ store.SecurityLogStore = (*SecurityLog)(nil)

// Add implements store.SecurityLogStore.
func (s *SecurityLog) Add(ctx context.Context, e store.SecurityEvent) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		if _, ok := d.Events[e.ID]; ok {
			return fmt.Errorf("add security event %s: %w", e.ID, store.ErrExists)
		}
		e.Details = maps.Clone(e.Details)
		d.Events[e.ID] = e
		return nil
	})
}

// List implements store.SecurityLogStore.
func (s *SecurityLog) List(ctx context.Context, userID string, now time.Time, p store.Page) ([]store.SecurityEvent, string, error) {
	return pageOf(ctx, (*DB)(s), func(d *data) []store.SecurityEvent {
		var mine []store.SecurityEvent
		for _, e := range d.Events {
			if e.UserID == userID && (e.ExpiresEpoch == 0 || e.ExpiresEpoch >= now.Unix()) {
				e.Details = maps.Clone(e.Details)
				mine = append(mine, e)
			}
		}
		return mine
	}, func(e store.SecurityEvent) store.Position {
		return store.Position{Sort: store.SortTime(e.At), ID: e.ID}
	}, p)
}
