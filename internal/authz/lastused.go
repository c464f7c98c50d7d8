package authz

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// toucher records a credential's last use at most once a minute per
// credential and instance, in the background: a slow or failing write never delays or
// fails the request. On Lambda a write still running when the answer is
// returned is frozen with the instance and finishes on its next invocation
// (or is lost with it: lastUsedAt is a hint, not an audit log).
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

// maybe runs write in the background unless id's use was recorded less
// than a minute before now (stored is the time the store holds).
func (t *toucher) maybe(id string, stored time.Time, now time.Time, write func(ctx context.Context) error) {
	if now.Sub(stored) < touchEvery {
		return
	}
	t.mu.Lock()
	if last, ok := t.last[id]; ok && now.Sub(last) < touchEvery {
		t.mu.Unlock()
		return
	}
	if len(t.last) >= MaxCacheEntries {
		clear(t.last)
	}
	t.last[id] = now
	t.mu.Unlock()

	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := write(ctx); err != nil {
			t.log.Warn("authorizer: could not record last use", "id", id, "err", err.Error())
		}
	}()
}
