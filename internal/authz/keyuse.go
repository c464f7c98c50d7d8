package authz

import (
	"context"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// Recorder adds an event to a user's security log (seclog.Record).
type Recorder func(ctx context.Context, userID, kind string, details map[string]string) error

// keyUses is what an authorizer instance records of API keys' use without a
// write per request: for each key, the requests it allowed per UTC day and
// the addresses the key came from since its last write for that key. The
// first use of a key writes at once; after that a use writes, with all
// that gathered, when the last write is at least every old
// (store.KeyStore.Touch: last use, counts and addresses in one write), and
// what gathered after a write is written when the interval ends even if
// the key is not used again (a timer; on Lambda it runs when the instance
// next runs at all, for any request). So each instance writes a key at
// most once per every, and what an instance gathered is lost only if
// Lambda recycles it before it runs again: at most one interval of counts
// (usage is a guide, not billing).
//
// A use from an address that neither the key's record (as this instance
// last read it) nor this instance's own writes hold is new: it is written
// at once, without waiting for the interval (once a key per interval; more
// new addresses within it are written when it ends), and then told to the
// key's owner in the security log. Two instances that see the same new
// address at once may each tell it.
type keyUses struct {
	every  time.Duration
	log    *slog.Logger
	wg     *sync.WaitGroup
	write  func(ctx context.Context, id string, u store.KeyUse) error
	record Recorder

	// after schedules the write of what gathers during an interval
	// (time.AfterFunc; tests run it by hand), and now is the clock.
	after func(time.Duration, func()) interface{ Stop() bool }
	now   func() time.Time

	mu   sync.Mutex
	keys map[string]*keyUse
	// day is store.UsageDay of the last use, for the date dayOf: formatted
	// once a day rather than per request.
	day   string
	dayOf [3]int
}

// maxForcedWrites is how many writes a key's new addresses may start
// within one interval, before it ends: the first new address is told at
// once, and any others with the write at the interval's end.
const maxForcedWrites = 1

// keyUse is one key's pending use in this instance.
type keyUse struct {
	// wrote is when this instance last wrote the key (zero: never).
	wrote time.Time
	// requests are the allowed requests since, by UTC day.
	requests map[string]int64
	// addrs are the addresses seen since, with when last: at most
	// store.MaxKeyAddresses (more in one interval are not kept).
	addrs map[string]time.Time
	// fresh are the addresses of addrs that are new to the key.
	fresh map[string]bool
	// known are the addresses this instance wrote for the key, with the
	// times written: with the record as last read, what the store holds.
	known map[string]time.Time
	// flush is the timer that writes what gathers after a write; forced
	// counts the writes a new address made before the interval ended.
	flush  interface{ Stop() bool }
	forced int
	// pending is the key's record as it was when flush was set.
	pending store.APIKey
	// last and lastText are the address of the key's last use and its
	// text: a key is mostly used from one address, written once.
	last     netip.Addr
	lastText string
}

func newKeyUses(every time.Duration, log *slog.Logger, wg *sync.WaitGroup,
	write func(ctx context.Context, id string, u store.KeyUse) error, record Recorder) *keyUses {
	return &keyUses{every: every, log: log, wg: wg, write: write, record: record, keys: map[string]*keyUse{},
		after: func(d time.Duration, f func()) interface{ Stop() bool } { return time.AfterFunc(d, f) }, now: time.Now}
}

// stored is what the key's record holds of its addresses as far as this
// instance knows: the record as it last read it, and what it wrote since.
func (e *keyUse) stored(k store.APIKey) map[string]time.Time {
	if len(e.known) == 0 {
		return k.Addresses
	}
	out := maps.Clone(k.Addresses)
	if out == nil {
		out = map[string]time.Time{}
	}
	for s, at := range e.known {
		if at.After(out[s]) {
			out[s] = at
		}
	}
	return out
}

func (e *keyUse) reset() {
	e.requests, e.addrs, e.fresh = map[string]int64{}, map[string]time.Time{}, map[string]bool{}
}

// seen records a use of k at now from addr (when the address is known:
// ok), counting it as a request when allowed, and starts the key's write
// in the background when one is due.
func (u *keyUses) seen(k store.APIKey, addr netip.Addr, ok bool, now time.Time, allowed bool) {
	u.mu.Lock()
	e := u.keys[k.ID]
	if e == nil {
		if len(u.keys) >= MaxCacheEntries {
			// Bounded: an arbitrary other key's pending use is dropped
			// (Go's map order is random, so no caller can aim at one).
			for id := range u.keys {
				delete(u.keys, id)
				break
			}
		}
		e = &keyUse{known: map[string]time.Time{}}
		e.reset()
		u.keys[k.ID] = e
	}
	if allowed {
		e.requests[u.usageDay(now)]++
	}
	if ok {
		if addr != e.last || e.lastText == "" {
			e.last, e.lastText = addr, addr.String()
		}
		s := e.lastText
		if _, pending := e.addrs[s]; pending || len(e.addrs) < store.MaxKeyAddresses {
			e.addrs[s] = now
			if _, inRecord := k.Addresses[s]; !inRecord && e.known[s].IsZero() {
				e.fresh[s] = true
			}
		}
	}
	if !e.wrote.IsZero() && now.Sub(e.wrote) < u.every {
		if len(e.fresh) == 0 || e.forced >= maxForcedWrites {
			if e.flush == nil {
				e.pending = k
				e.flush = u.after(u.every-now.Sub(e.wrote), func() { u.flushPending(e.pending.ID) })
			}
			u.mu.Unlock()
			return
		}
		e.forced++ // an address new to the key is told at once
	} else {
		e.forced = 0
	}
	u.writeLocked(e, k, now)
}

// flushPending writes what gathered of k since its last write, when the
// interval after that write ends and nothing wrote it meanwhile.
func (u *keyUses) flushPending(id string) {
	u.mu.Lock()
	e := u.keys[id]
	if e == nil || e.flush == nil {
		u.mu.Unlock()
		return
	}
	k := e.pending
	e.flush = nil
	if len(e.requests) == 0 && len(e.addrs) == 0 {
		u.mu.Unlock()
		return
	}
	e.forced = 0
	u.writeLocked(e, k, u.now())
}

// flushAll writes now what every key gathered since its last write (a
// test calls it through Authorizer.Flush).
func (u *keyUses) flushAll() {
	u.mu.Lock()
	var ids []string
	for id, e := range u.keys {
		if e.flush != nil {
			ids = append(ids, id)
		}
	}
	u.mu.Unlock()
	for _, id := range ids {
		u.flushPending(id)
	}
}

// writeLocked takes e's pending use as one write and starts it in the
// background; u.mu is held, and released.
func (u *keyUses) writeLocked(e *keyUse, k store.APIKey, now time.Time) {
	if e.flush != nil {
		e.flush.Stop()
		e.flush = nil
	}
	batch := store.KeyUse{At: now, Requests: e.requests, Addresses: e.addrs,
		ForgetDays: staleDays(k.Usage, now, e.requests), ForgetAddresses: overflow(e.stored(k), e.addrs)}
	fresh := e.fresh
	e.reset()
	e.wrote = now
	if len(e.known) > 4*store.MaxKeyAddresses {
		clear(e.known)
	}
	for s := range batch.Addresses {
		e.known[s] = batch.Addresses[s]
	}
	for _, s := range batch.ForgetAddresses {
		delete(e.known, s)
	}
	u.mu.Unlock()

	// The goroutine's own copy of the record, made only here: were k
	// captured, it would be moved to the heap on every call, written or not.
	key := k
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := u.write(ctx, key.ID, batch); err != nil {
			u.log.Warn("authorizer: could not record key use", "keyId", key.ID, "err", err.Error())
			u.putBack(key.ID, batch, fresh)
			return
		}
		u.tell(ctx, key, fresh)
	}()
}

// usageDay is store.UsageDay(now), formatted anew only when the date
// changes. u.mu is held.
func (u *keyUses) usageDay(now time.Time) string {
	y, m, d := now.UTC().Date()
	if date := [3]int{y, int(m), d}; date != u.dayOf || u.day == "" {
		u.day, u.dayOf = store.UsageDay(now), date
	}
	return u.day
}

// putBack returns a failed write's counts and addresses to the key's
// pending use, for its next write.
func (u *keyUses) putBack(id string, batch store.KeyUse, fresh map[string]bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	e := u.keys[id]
	if e == nil {
		return
	}
	for day, n := range batch.Requests {
		e.requests[day] += n
	}
	for s, at := range batch.Addresses {
		delete(e.known, s)
		if _, pending := e.addrs[s]; !pending && len(e.addrs) < store.MaxKeyAddresses {
			e.addrs[s] = at
		}
	}
	for s := range fresh {
		if _, pending := e.addrs[s]; pending {
			e.fresh[s] = true
		}
	}
}

// tell writes an event in the owner's security log for each address new to
// the key. A failed write is logged by the recorder and not retried: the
// address is in the key's record now.
func (u *keyUses) tell(ctx context.Context, k store.APIKey, fresh map[string]bool) {
	if u.record == nil {
		return
	}
	for _, s := range slices.Sorted(maps.Keys(fresh)) {
		_ = u.record(ctx, k.UserID, store.EventKeyNewAddress, map[string]string{
			"keyId": k.ID, "label": k.Label, "hint": k.Hint, "address": s,
		})
	}
}

// staleDays are the days of usage before the kept window (store.UsageDays
// before now's day) that the write does not add to.
func staleDays(usage map[string]int64, now time.Time, adding map[string]int64) []string {
	oldest := store.UsageDay(now.AddDate(0, 0, -store.UsageDays))
	var out []string
	for day := range usage {
		if _, ok := adding[day]; !ok && day < oldest {
			out = append(out, day)
		}
	}
	slices.Sort(out)
	return out
}

// overflow are the stored addresses to forget so that, with those being
// written, no more than store.MaxKeyAddresses stay: the least recently
// seen of those not being written.
func overflow(stored, writing map[string]time.Time) []string {
	var old []string
	for s := range stored {
		if _, ok := writing[s]; !ok {
			old = append(old, s)
		}
	}
	extra := len(old) + len(writing) - store.MaxKeyAddresses
	if extra <= 0 {
		return nil
	}
	slices.SortFunc(old, func(a, b string) int {
		if c := stored[a].Compare(stored[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return old[:min(extra, len(old))]
}
