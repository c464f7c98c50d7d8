package embedded

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// Keys is the embedded KeyStore.
type Keys DB

var _ store.KeyStore = (*Keys)(nil)

// Create implements store.KeyStore.
func (s *Keys) Create(ctx context.Context, k store.APIKey) error {
	if err := isCanceled(ctx); err != nil {
		return err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, ok := db.data.Keys[k.ID]; ok {
		return fmt.Errorf("create key %s: %w", k.ID, store.ErrExists)
	}
	if _, ok := db.data.Hashes[k.Hash]; ok {
		return fmt.Errorf("create key %s: hash: %w", k.ID, store.ErrExists)
	}
	db.data.Keys[k.ID] = cloneKey(k)
	db.data.Hashes[k.Hash] = k.ID
	return db.save()
}

// Get implements store.KeyStore.
func (s *Keys) Get(ctx context.Context, userID, id string) (store.APIKey, error) {
	if err := isCanceled(ctx); err != nil {
		return store.APIKey{}, err
	}
	db := (*DB)(s)
	db.mu.RLock()
	defer db.mu.RUnlock()
	k, ok := db.data.Keys[id]
	if !ok || k.UserID != userID {
		return store.APIKey{}, fmt.Errorf("get key %s: %w", id, store.ErrNotFound)
	}
	return cloneKey(k), nil
}

// ByHash implements store.KeyStore.
func (s *Keys) ByHash(ctx context.Context, hash string, now time.Time) (store.APIKey, error) {
	if err := isCanceled(ctx); err != nil {
		return store.APIKey{}, err
	}
	db := (*DB)(s)
	db.mu.RLock()
	defer db.mu.RUnlock()
	id, ok := db.data.Hashes[hash]
	if !ok {
		return store.APIKey{}, fmt.Errorf("key by hash: %w", store.ErrNotFound)
	}
	k, ok := db.data.Keys[id]
	if !ok || !store.HashValid(k, hash, now) {
		return store.APIKey{}, fmt.Errorf("key by hash: %w", store.ErrNotFound)
	}
	return cloneKey(k), nil
}

// List implements store.KeyStore.
func (s *Keys) List(ctx context.Context, userID string, p store.Page) ([]store.APIKey, string, error) {
	if err := isCanceled(ctx); err != nil {
		return nil, "", err
	}
	db := (*DB)(s)
	db.mu.RLock()
	var mine []store.APIKey
	for _, k := range db.data.Keys {
		if k.UserID == userID {
			mine = append(mine, cloneKey(k))
		}
	}
	db.mu.RUnlock()
	return page(mine, func(k store.APIKey) store.Position {
		return store.Position{Sort: store.SortTime(k.CreatedAt), ID: k.ID}
	}, p)
}

// Count implements store.KeyStore.
func (s *Keys) Count(ctx context.Context, userID string) (int, error) {
	if err := isCanceled(ctx); err != nil {
		return 0, err
	}
	db := (*DB)(s)
	db.mu.RLock()
	defer db.mu.RUnlock()
	n := 0
	for _, k := range db.data.Keys {
		if k.UserID == userID {
			n++
		}
	}
	return n, nil
}

// Rotate implements store.KeyStore.
func (s *Keys) Rotate(ctx context.Context, userID, id string, r store.KeyRotation) (store.APIKey, error) {
	if err := isCanceled(ctx); err != nil {
		return store.APIKey{}, err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	k, ok := db.data.Keys[id]
	if !ok || k.UserID != userID {
		return store.APIKey{}, fmt.Errorf("rotate key %s: %w", id, store.ErrNotFound)
	}
	if _, ok := db.data.Hashes[r.NewHash]; ok {
		return store.APIKey{}, fmt.Errorf("rotate key %s: hash: %w", id, store.ErrExists)
	}
	if k.PreviousHash != "" {
		delete(db.data.Hashes, k.PreviousHash)
	}
	k = store.Rotated(k, r)
	if k.PreviousHash == "" {
		// No grace: the old secret's pointer goes with the write.
		for h, kid := range db.data.Hashes {
			if kid == id {
				delete(db.data.Hashes, h)
			}
		}
	}
	db.data.Hashes[r.NewHash] = id
	db.data.Keys[id] = k
	if err := db.save(); err != nil {
		return store.APIKey{}, err
	}
	return cloneKey(k), nil
}

// Delete implements store.KeyStore.
func (s *Keys) Delete(ctx context.Context, userID, id string) error {
	if err := isCanceled(ctx); err != nil {
		return err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	k, ok := db.data.Keys[id]
	if !ok || k.UserID != userID {
		return fmt.Errorf("delete key %s: %w", id, store.ErrNotFound)
	}
	delete(db.data.Keys, id)
	delete(db.data.Hashes, k.Hash)
	if k.PreviousHash != "" {
		delete(db.data.Hashes, k.PreviousHash)
	}
	return db.save()
}

// Touch implements store.KeyStore.
func (s *Keys) Touch(ctx context.Context, id string, t time.Time) error {
	if err := isCanceled(ctx); err != nil {
		return err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	k, ok := db.data.Keys[id]
	if !ok {
		return fmt.Errorf("touch key %s: %w", id, store.ErrNotFound)
	}
	k.LastUsedAt = &t
	db.data.Keys[id] = k
	return db.save()
}

func cloneKey(k store.APIKey) store.APIKey {
	k.Permissions = slices.Clone(k.Permissions)
	k.ExpiresAt = ptrTime(k.ExpiresAt)
	k.LastUsedAt = ptrTime(k.LastUsedAt)
	k.PreviousUntil = ptrTime(k.PreviousUntil)
	return k
}
