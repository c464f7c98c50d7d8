// Package seclog writes a user's security log (store.SecurityEvent): the
// sign-ins, sign-outs, key changes and refusals that a person may want to
// check on their own account. Handlers, the authorizer and the
// secret-scanning endpoint call Record; GET /api/security-log reads it.
package seclog

import (
	"context"
	"errors"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
)

// Record adds an event of kind to userID's security log, dated d.Now() and
// kept for d.Config.SecurityLogDays. details must hold no secret. A failed
// write is logged (without the details) and returned: the caller decides
// whether the action it records may stand without its entry.
func Record(ctx context.Context, d deps.Deps, userID, kind string, details map[string]string) error {
	id, err := store.NewIDFrom(d.Rand, "evt")
	if err != nil {
		return err
	}
	if err := add(ctx, d, id, userID, kind, details); err != nil {
		httpx.Logger(ctx).Error("security log write failed", "kind", kind, "userId", userID, "error", err.Error())
		return err
	}
	return nil
}

// RecordOnce is Record under an id the caller derives from what the event
// records (store.DerivedID), so that the same event recorded again adds
// nothing: the id is taken, and RecordOnce returns store.ErrExists without
// logging it (the event is kept already). Any other failed write is logged
// and returned as Record's is.
func RecordOnce(ctx context.Context, d deps.Deps, id, userID, kind string, details map[string]string) error {
	err := add(ctx, d, id, userID, kind, details)
	if err != nil && !errors.Is(err, store.ErrExists) {
		httpx.Logger(ctx).Error("security log write failed", "kind", kind, "userId", userID, "error", err.Error())
	}
	return err
}

// add writes the event under id.
func add(ctx context.Context, d deps.Deps, id, userID, kind string, details map[string]string) error {
	now := d.Now().UTC()
	days := d.Config.SecurityLogDays
	if days <= 0 {
		days = config.DefaultSecurityLogDays
	}
	return d.Stores.SecurityLog.Add(ctx, store.SecurityEvent{
		ID: id, UserID: userID, At: now, Kind: kind, Details: details,
		ExpiresEpoch: now.Add(time.Duration(days) * 24 * time.Hour).Unix(),
	})
}
