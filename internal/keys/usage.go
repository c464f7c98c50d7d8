package keys

import (
	"context"
	"errors"
	"time"

	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
)

// UsageWindow is how many UTC days GET /api/keys/{id}/usage answers, today
// included. It is no more than the days the authorizer keeps
// (store.UsageDays before today, and today), so no day it answers can have
// been dropped (TestUsageWindowIsKept).
const UsageWindow = store.UsageDays

// KeyUsage is the answer of GET /api/keys/{id}/usage: the key's requests on
// each of the last UsageWindow UTC days, oldest first, days without any
// included as 0.
type KeyUsage struct {
	Days  []DayCount `json:"days"`
	Total int64      `json:"total"`
}

// DayCount is one UTC day's requests.
type DayCount struct {
	// Date is the UTC day, as 2006-01-02.
	Date     string `json:"date"`
	Requests int64  `json:"requests"`
}

// UsageOf returns k's usage over the UsageWindow UTC days up to the day of
// now.
func UsageOf(k store.APIKey, now time.Time) KeyUsage {
	out := KeyUsage{Days: make([]DayCount, 0, UsageWindow)}
	today := now.UTC()
	for i := UsageWindow - 1; i >= 0; i-- {
		day := store.UsageDay(today.AddDate(0, 0, -i))
		n := max(k.Usage[day], 0)
		out.Days = append(out.Days, DayCount{Date: day, Requests: n})
		out.Total += n
	}
	return out
}

// Usage answers GET /api/keys/{id}/usage: 200 with the key's requests per
// UTC day, or 404 unless the key is the caller's. The authorizer writes
// the counts at most once a minute per key and instance, so the last
// minute's requests may not be in yet.
func (h Handlers) Usage(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, id, err := keyRequest(req)
	if err != nil {
		return httpx.Response{}, err
	}
	k, err := h.Manager.Keys.Get(ctx, p.UserID, id)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.Response{}, httpx.NotFound("key")
	}
	if err != nil {
		return httpx.Response{}, err
	}
	return httpx.JSON(200, UsageOf(k, h.Manager.Now())), nil
}
