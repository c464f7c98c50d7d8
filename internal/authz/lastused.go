package authz

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// toucher records a key's last use at most once a minute per key and
// instance, in the background: a slow or failing write never delays or
// fails the request. On Lambda a write still running when the answer is
// returned is frozen with the instance and finishes on its next invocation
// (or is lost with it: lastUsedAt is a hint, not an audit log).
type toucher struct {
	keys store.KeyStore
	log  *slog.Logger
	wg   sync.WaitGroup

	mu   sync.Mutex
	last map[string]time.Time
}

func newToucher(keys store.KeyStore, log *slog.Logger) *toucher {
	return &toucher{keys: keys, log: log, last: map[string]time.Time{}}
}

func (t *toucher) maybe(k store.APIKey, now time.Time) {
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < touchEvery {
		return
	}
	t.mu.Lock()
	if last, ok := t.last[k.ID]; ok && now.Sub(last) < touchEvery {
		t.mu.Unlock()
		return
	}
	if len(t.last) >= MaxCacheEntries {
		clear(t.last)
	}
	t.last[k.ID] = now
	t.mu.Unlock()

	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := t.keys.Touch(ctx, k.ID, now); err != nil {
			t.log.Warn("authorizer: could not record key use", "keyId", k.ID, "err", err.Error())
		}
	}()
}
