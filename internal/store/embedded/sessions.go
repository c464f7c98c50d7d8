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
