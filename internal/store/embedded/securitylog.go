package embedded

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

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
