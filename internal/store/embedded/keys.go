package embedded

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

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
		for _, k := range d.Keys {
			if k.UserID == userID {
				n++
			}
		}
		return nil
	})
	return n, err
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
