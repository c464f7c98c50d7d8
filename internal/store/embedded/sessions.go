package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// Sessions is the embedded SessionStore.
type Sessions DB

var _ store.SessionStore = (*Sessions)(nil)

// Create implements store.SessionStore.
func (s *Sessions) Create(ctx context.Context, x store.Session) error {
	if err := isCanceled(ctx); err != nil {
		return err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, ok := db.data.Sessions[x.ID]; ok {
		return fmt.Errorf("create session: %w", store.ErrExists)
	}
	db.data.Sessions[x.ID] = x
	return db.save()
}

// Get implements store.SessionStore.
func (s *Sessions) Get(ctx context.Context, id string) (store.Session, error) {
	if err := isCanceled(ctx); err != nil {
		return store.Session{}, err
	}
	db := (*DB)(s)
	db.mu.RLock()
	defer db.mu.RUnlock()
	x, ok := db.data.Sessions[id]
	if !ok {
		return store.Session{}, fmt.Errorf("get session %s: %w", id, store.ErrNotFound)
	}
	return x, nil
}

// List implements store.SessionStore.
func (s *Sessions) List(ctx context.Context, userID string, p store.Page) ([]store.Session, string, error) {
	if err := isCanceled(ctx); err != nil {
		return nil, "", err
	}
	db := (*DB)(s)
	db.mu.RLock()
	var mine []store.Session
	for _, x := range db.data.Sessions {
		if x.UserID == userID {
			mine = append(mine, x)
		}
	}
	db.mu.RUnlock()
	return page(mine, func(x store.Session) store.Position {
		return store.Position{Sort: store.SortTime(x.CreatedAt), ID: x.ID}
	}, p)
}

// Touch implements store.SessionStore.
func (s *Sessions) Touch(ctx context.Context, id string, lastSeen time.Time, expiresEpoch int64) error {
	if err := isCanceled(ctx); err != nil {
		return err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	x, ok := db.data.Sessions[id]
	if !ok {
		return fmt.Errorf("touch session %s: %w", id, store.ErrNotFound)
	}
	x.LastSeenAt = lastSeen
	x.ExpiresEpoch = expiresEpoch
	db.data.Sessions[id] = x
	return db.save()
}

// Delete implements store.SessionStore.
func (s *Sessions) Delete(ctx context.Context, userID, id string) error {
	if err := isCanceled(ctx); err != nil {
		return err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	x, ok := db.data.Sessions[id]
	if !ok || x.UserID != userID {
		return fmt.Errorf("delete session %s: %w", id, store.ErrNotFound)
	}
	delete(db.data.Sessions, id)
	return db.save()
}

// DeleteAll implements store.SessionStore.
func (s *Sessions) DeleteAll(ctx context.Context, userID string) (int, error) {
	if err := isCanceled(ctx); err != nil {
		return 0, err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	n := 0
	for id, x := range db.data.Sessions {
		if x.UserID == userID {
			delete(db.data.Sessions, id)
			n++
		}
	}
	return n, db.save()
}
