package authz

import (
	"context"
	"sync"
	"time"
)

// cache remembers credential lookups in a warm instance: a found credential
// for ttl, an unknown one for negTTL. Concurrent misses for the same hash
// share one load. A load that fails is never cached, so a store outage is
// not remembered past itself. Its size is bounded; when full, an arbitrary
// entry makes room (Go's map order is random, so no caller can aim at one).
type cache[V any] struct {
	ttl, negTTL time.Duration
	max         int

	mu      sync.Mutex
	entries map[string]cacheEntry[V]
	calls   map[string]*cacheCall[V]
}

type cacheEntry[V any] struct {
	val   V
	found bool
	until time.Time
}

type cacheCall[V any] struct {
	done  chan struct{}
	val   V
	found bool
	err   error
}

// loader loads one credential: found false means it does not exist. It may
// shorten the entry's life (until) below the cache's TTL, e.g. to the end of
// a rotated key's grace period.
type loader[V any] func(ctx context.Context) (val V, found bool, until time.Time, err error)

// newCache returns a cache that keeps found values for ttl and unknown ones
// for negTTL; a zero duration keeps nothing of that kind.
func newCache[V any](ttl, negTTL time.Duration, max int) *cache[V] {
	return &cache[V]{ttl: ttl, negTTL: negTTL, max: max, entries: map[string]cacheEntry[V]{}, calls: map[string]*cacheCall[V]{}}
}

// negativeTTL is how long an unknown credential is remembered: short, and
// never longer than the positive TTL.
func negativeTTL(ttl time.Duration) time.Duration {
	return min(ttl, 5*time.Second)
}

// get returns the cached answer for key, or loads it once for all
// concurrent callers. hit says the answer was remembered; a load, or a
// wait for another caller's load, is a miss.
func (c *cache[V]) get(ctx context.Context, key string, now time.Time, load loader[V]) (val V, found, hit bool, err error) {
	if c == nil || (c.ttl <= 0 && c.negTTL <= 0) {
		v, found, _, err := load(ctx)
		return v, found, false, err
	}
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		if now.Before(e.until) {
			c.mu.Unlock()
			return e.val, e.found, true, nil
		}
		delete(c.entries, key)
	}
	if call, ok := c.calls[key]; ok {
		c.mu.Unlock()
		select {
		case <-call.done:
			return call.val, call.found, false, call.err
		case <-ctx.Done():
			var zero V
			return zero, false, false, ctx.Err()
		}
	}
	call := &cacheCall[V]{done: make(chan struct{})}
	c.calls[key] = call
	c.mu.Unlock()

	var until time.Time
	call.val, call.found, until, call.err = load(ctx)

	c.mu.Lock()
	delete(c.calls, key)
	life := c.ttl
	if !call.found {
		life = c.negTTL
	}
	if call.err == nil && life > 0 {
		if u := now.Add(life); until.IsZero() || u.Before(until) {
			until = u
		}
		if len(c.entries) >= c.max {
			for k := range c.entries {
				delete(c.entries, k)
				break
			}
		}
		c.entries[key] = cacheEntry[V]{val: call.val, found: call.found, until: until}
	}
	c.mu.Unlock()
	close(call.done)
	return call.val, call.found, false, call.err
}
