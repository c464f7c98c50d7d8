package embedded

import (
	"context"
	"fmt"
	"slices"

	"github.com/latchkey/latchkey/internal/store"
)

// Users is the embedded UserStore.
type Users DB

var _ store.UserStore = (*Users)(nil)

// Upsert implements store.UserStore.
func (s *Users) Upsert(ctx context.Context, u store.User) (store.User, error) {
	if err := isCanceled(ctx); err != nil {
		return store.User{}, err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	if old, ok := db.data.Users[u.ID]; ok {
		u.CreatedAt = old.CreatedAt
	}
	u.Roles = slices.Clone(u.Roles)
	u.RoleGrants = slices.Clone(u.RoleGrants)
	db.data.Users[u.ID] = u
	if err := db.save(); err != nil {
		return store.User{}, err
	}
	return cloneUser(u), nil
}

// Get implements store.UserStore.
func (s *Users) Get(ctx context.Context, id string) (store.User, error) {
	if err := isCanceled(ctx); err != nil {
		return store.User{}, err
	}
	db := (*DB)(s)
	db.mu.RLock()
	defer db.mu.RUnlock()
	u, ok := db.data.Users[id]
	if !ok {
		return store.User{}, fmt.Errorf("get user %s: %w", id, store.ErrNotFound)
	}
	return cloneUser(u), nil
}

func cloneUser(u store.User) store.User {
	u.Roles = slices.Clone(u.Roles)
	u.RoleGrants = slices.Clone(u.RoleGrants)
	return u
}
