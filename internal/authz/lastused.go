package authz

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// toucher records a session's last use at most once a minute per session
// and instance, within the invocation (now), because it drives the idle
// timeout and the item's time to live: lost, it would sign out a person who
// is active. A key's use is gathered and written by keyUses, in the
// background: a slow or failing write never delays or fails the request,
// and on Lambda a write still running when the answer is returned is
// frozen with the instance and may be lost. The two share the wait group.
type toucher struct {
	log *slog.Logger
	wg  sync.WaitGroup

	mu   sync.Mutex
	last map[string]time.Time
}

func newToucher(log *slog.Logger) *toucher {
	return &toucher{log: log, last: map[string]time.Time{}}
}

// lastSeen returns when this instance last recorded a use of id.
func (t *toucher) lastSeen(id string) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last[id]
}

// due reports whether id's use should be recorded at now, and marks it
// recorded: not when it was recorded less than a minute before (stored is
// the time the store holds).
func (t *toucher) due(id string, stored, now time.Time) bool {
	if now.Sub(stored) < touchEvery {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[id]; ok && now.Sub(last) < touchEvery {
		return false
	}
	if len(t.last) >= MaxCacheEntries {
		clear(t.last)
	}
	t.last[id] = now
	return true
}

// syncWriteTimeout bounds a last-seen write made within the invocation,
// well inside the authorizer's timeout.
const syncWriteTimeout = time.Second

// now records id's use before returning, when it is due, within
// syncWriteTimeout. A failed write is logged and forgotten, so that the
// next request tries again; the request itself goes on.
func (t *toucher) now(ctx context.Context, id string, stored, now time.Time, write func(ctx context.Context) error) {
	if !t.due(id, stored, now) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, syncWriteTimeout)
	defer cancel()
	if err := write(ctx); err != nil {
		t.log.Warn("authorizer: could not record last use", "id", id, "err", err.Error())
		t.mu.Lock()
		delete(t.last, id)
		t.mu.Unlock()
	}
}
