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
