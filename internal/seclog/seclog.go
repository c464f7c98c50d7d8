// Package seclog writes a user's security log (store.SecurityEvent): the
// sign-ins, sign-outs, key changes and refusals that a person may want to
// check on their own account. Handlers, the authorizer and the
// secret-scanning endpoint call Record; GET /api/security-log reads it.
package seclog

import (
	"context"
	"time"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
)

// Record adds an event of kind to userID's security log, dated d.Now() and
// kept for d.Config.SecurityLogDays. details must hold no secret. A failed
// write is logged (without the details) and returned: the caller decides
// whether the action it records may stand without its entry.
func Record(ctx context.Context, d deps.Deps, userID, kind string, details map[string]string) error {
	now := d.Now().UTC()
	id, err := store.NewIDFrom(d.Rand, "evt")
	if err != nil {
		return err
	}
	days := d.Config.SecurityLogDays
	if days <= 0 {
		days = 90
	}
	e := store.SecurityEvent{
		ID: id, UserID: userID, At: now, Kind: kind, Details: details,
		ExpiresEpoch: now.Add(time.Duration(days) * 24 * time.Hour).Unix(),
	}
	if err := d.Stores.SecurityLog.Add(ctx, e); err != nil {
		httpx.Logger(ctx).Error("security log write failed", "kind", kind, "userId", userID, "error", err.Error())
		return err
	}
	return nil
}
