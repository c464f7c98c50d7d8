package authz

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/store"
)

// toldLog captures what an authorizer tells the security log.
type toldLog struct {
	mu  sync.Mutex
	all []map[string]string
}

func (e *toldLog) record(_ context.Context, userID, kind string, d map[string]string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	d = maps.Clone(d)
	d["userId"], d["kind"] = userID, kind
	e.all = append(e.all, d)
	return nil
}

// authorizerTelling is f.authorizer(ttl) recording the security-log
// events of key use into told.
func (f *fixture) authorizerTelling(told *toldLog, ttl time.Duration) *Authorizer {
	a := f.authorizer(ttl)
	a.uses.record = told.record
	return a
}

func (e *toldLog) addresses() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, d := range e.all {
		out = append(out, d["address"])
	}
	return out
}

func (f *fixture) stored(t *testing.T, k store.APIKey) store.APIKey {
	t.Helper()
	got, err := f.keys.Get(context.Background(), k.UserID, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestUsageIsCountedWithoutAWritePerRequest: the first use writes at once;
// later ones are gathered and written with the last use at most once a
// minute, each UTC day counted apart; denied requests are not counted.
func TestUsageIsCountedWithoutAWritePerRequest(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	f.now = time.Date(2026, 6, 1, 23, 59, 0, 0, time.UTC)
	key, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	a := f.authorizer(time.Minute)
	use := func(n int, method, resource string) {
		for range n {
			_ = a.Decide(ctx, fromAddress(key, "192.0.2.1", "").with(method, resource))
		}
		a.Wait()
	}
	use(1, "GET", "/r")
	if got := f.stored(t, k); got.Usage["2026-06-01"] != 1 || f.keys.touches.Load() != 1 {
		t.Fatalf("after the first use: usage %v, %d writes; want 1 request written at once", got.Usage, f.keys.touches.Load())
	}
	f.now = f.now.Add(30 * time.Second) // 23:59:30
	use(4, "GET", "/r")
	use(2, "POST", "/w") // denied: a read key
	if got := f.stored(t, k); got.Usage["2026-06-01"] != 1 || f.keys.touches.Load() != 1 {
		t.Fatalf("within the minute: usage %v, %d writes; want nothing more written", got.Usage, f.keys.touches.Load())
	}
	f.now = f.now.Add(31 * time.Second) // 00:00:01 the next day
	use(3, "GET", "/r")                 // the first writes, with what was gathered; the other two wait
	got := f.stored(t, k)
	want := map[string]int64{"2026-06-01": 5, "2026-06-02": 1}
	if !maps.Equal(got.Usage, want) || f.keys.touches.Load() != 2 {
		t.Fatalf("a minute later: usage %v, %d writes; want %v in 2 writes (denied requests not counted)", got.Usage, f.keys.touches.Load(), want)
	}
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(f.now) {
		t.Fatalf("lastUsedAt = %v; want %v, in the same write", got.LastUsedAt, f.now)
	}
	f.now = f.now.Add(time.Minute)
	use(1, "GET", "/r")
	want = map[string]int64{"2026-06-01": 5, "2026-06-02": 4}
	if got := f.stored(t, k); !maps.Equal(got.Usage, want) || f.keys.touches.Load() != 3 {
		t.Fatalf("another minute later: usage %v, %d writes; want %v in 3 writes", got.Usage, f.keys.touches.Load(), want)
	}
}

func (i Input) with(method, resource string) Input {
	i.HTTPMethod, i.Resource = method, resource
	i.MethodArn = "arn:aws:execute-api:us-east-1:1:api/prod/" + method + resource
	return i
}

// TestInstancesCountTogether: two authorizer instances writing the same
// key lose neither's counts.
func TestInstancesCountTogether(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	key, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	one, two := f.authorizer(0), f.authorizer(0)
	for range 10 {
		for _, a := range []*Authorizer{one, two} {
			_ = a.Decide(ctx, fromAddress(key, "192.0.2.1", ""))
		}
		f.now = f.now.Add(7 * time.Second)
	}
	f.now = f.now.Add(time.Minute)
	_ = one.Decide(ctx, fromAddress(key, "192.0.2.1", ""))
	_ = two.Decide(ctx, fromAddress(key, "192.0.2.1", ""))
	one.Wait()
	two.Wait()
	var total int64
	for _, n := range f.stored(t, k).Usage {
		total += n
	}
	if total != 22 {
		t.Fatalf("two instances counted %d requests; want all 22", total)
	}
}

// TestANewAddressIsToldOnce: the owner is told of each address new to the
// key once, after it is written, by whichever instance sees it; an address
// the key's record holds is not new.
func TestANewAddressIsToldOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	key, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	var told toldLog
	newInstance := func() *Authorizer {
		return f.authorizerTelling(&told, time.Minute)
	}
	a := newInstance()
	steps := []struct {
		name string
		a    *Authorizer
		addr string
		wait time.Duration
		want []string
	}{
		{"the first use is from a new address", a, "192.0.2.1", 0, []string{"192.0.2.1"}},
		{"the same address again", a, "192.0.2.1", 0, []string{"192.0.2.1"}},
		{"a second address within the interval is written and told at once", a, "2001:db8::1", 10 * time.Second, []string{"192.0.2.1", "2001:db8::1"}},
		{"the second address again, after the interval", a, "2001:db8::1", time.Minute, []string{"192.0.2.1", "2001:db8::1"}},
		{"a known address, as IPv4-mapped IPv6", a, "::ffff:192.0.2.1", time.Minute, []string{"192.0.2.1", "2001:db8::1"}},
		{"another instance knows them from the record", newInstance(), "192.0.2.1", time.Minute, []string{"192.0.2.1", "2001:db8::1"}},
	}
	for _, st := range steps {
		f.now = f.now.Add(st.wait)
		_ = st.a.Decide(ctx, fromAddress(key, st.addr, ""))
		st.a.Wait()
		if got := told.addresses(); fmt.Sprint(got) != fmt.Sprint(st.want) {
			t.Fatalf("%s: told of %v; want %v", st.name, got, st.want)
		}
	}
	for _, d := range told.all {
		if d["userId"] != k.UserID || d["kind"] != store.EventKeyNewAddress || d["keyId"] != k.ID || d["label"] != k.Label || d["hint"] != k.Hint {
			t.Fatalf("event %v; want key-new-address for the key's owner naming its id, label and hint", d)
		}
		for _, v := range d {
			if v == key || v == k.Hash {
				t.Fatal("an event holds the key's secret or hash")
			}
		}
	}
	if got := f.stored(t, k).Addresses; len(got) != 2 {
		t.Fatalf("stored addresses %v; want the two", got)
	}
}

// TestAddressesStayBounded: a key used from many addresses keeps the
// store.MaxKeyAddresses most recent.
func TestAddressesStayBounded(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	key, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	var told toldLog
	a := f.authorizerTelling(&told, 0)
	const n = store.MaxKeyAddresses + 5
	for i := range n {
		_ = a.Decide(ctx, fromAddress(key, fmt.Sprintf("198.51.100.%d", i), ""))
		a.Wait()
		f.now = f.now.Add(time.Minute)
	}
	got := f.stored(t, k).Addresses
	if len(got) != store.MaxKeyAddresses {
		t.Fatalf("%d stored addresses; want %d", len(got), store.MaxKeyAddresses)
	}
	for i := n - store.MaxKeyAddresses; i < n; i++ {
		if _, ok := got[fmt.Sprintf("198.51.100.%d", i)]; !ok {
			t.Fatalf("stored %v; want the %d most recent", got, store.MaxKeyAddresses)
		}
	}
	if len(told.all) != n {
		t.Fatalf("told of %d addresses; want each of the %d once", len(told.all), n)
	}

	t.Run("many addresses within one interval", func(t *testing.T) {
		for i := range 50 {
			_ = a.Decide(ctx, fromAddress(key, fmt.Sprintf("203.0.113.%d", i), ""))
		}
		// The first new address's write ends long before the interval
		// does (a write times out after 2 s): as it would, it is done
		// before the next.
		a.Wait()
		f.now = f.now.Add(time.Minute)
		_ = a.Decide(ctx, fromAddress(key, "203.0.113.200", ""))
		a.Wait()
		if got := f.stored(t, k).Addresses; len(got) > store.MaxKeyAddresses+1 {
			t.Fatalf("%d stored addresses after 51 in a minute; want about %d", len(got), store.MaxKeyAddresses)
		}
	})
}

// TestOldDaysAreForgotten: a write drops the days before the kept window.
func TestOldDaysAreForgotten(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	key, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	old := store.UsageDay(f.now.AddDate(0, 0, -store.UsageDays-1))
	kept := store.UsageDay(f.now.AddDate(0, 0, -store.UsageDays))
	if err := f.keys.Touch(ctx, k.ID, store.KeyUse{At: f.now.Add(-time.Hour), Requests: map[string]int64{old: 4, kept: 2}}); err != nil {
		t.Fatal(err)
	}
	a := f.authorizer(0)
	_ = a.Decide(ctx, fromAddress(key, "192.0.2.1", ""))
	a.Wait()
	want := map[string]int64{kept: 2, store.UsageDay(f.now): 1}
	if got := f.stored(t, k).Usage; !maps.Equal(got, want) {
		t.Fatalf("usage %v; want %v", got, want)
	}
}

// TestAFailedWriteKeepsItsCounts: counts a failed write held go with the
// next one; the request itself was never held up.
func TestAFailedWriteKeepsItsCounts(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	key, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	var told toldLog
	a := f.authorizerTelling(&told, 0)
	f.keys.failTouch.Store(true)
	for range 3 {
		if d := a.Decide(ctx, fromAddress(key, "192.0.2.1", "")); d.Effect != Allow {
			t.Fatalf("Decide with the write failing = %v; want Allow", d.Effect)
		}
	}
	a.Wait()
	if len(told.all) != 0 {
		t.Fatalf("told of %v before the address was written; want nothing yet", told.addresses())
	}
	f.keys.failTouch.Store(false)
	f.now = f.now.Add(time.Minute)
	_ = a.Decide(ctx, fromAddress(key, "192.0.2.1", ""))
	a.Wait()
	if got := f.stored(t, k).Usage[store.UsageDay(f.now)]; got != 4 {
		t.Fatalf("usage %d; want all 4 requests once the store takes the write", got)
	}
	if len(told.all) != 1 {
		t.Fatalf("told of %v; want the address once, after it was written", told.addresses())
	}
}

// manualTimers stands in for time.AfterFunc: the test runs what is due.
type manualTimers struct {
	mu  sync.Mutex
	fns []func()
}

type manualTimer struct{ stopped *bool }

func (t manualTimer) Stop() bool { *t.stopped = true; return true }

func (m *manualTimers) after(_ time.Duration, f func()) interface{ Stop() bool } {
	m.mu.Lock()
	defer m.mu.Unlock()
	stopped := new(bool)
	m.fns = append(m.fns, func() {
		if !*stopped {
			f()
		}
	})
	return manualTimer{stopped}
}

func (m *manualTimers) fire() {
	m.mu.Lock()
	fns := m.fns
	m.fns = nil
	m.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// TestABurstIsWrittenWhenItsIntervalEnds: requests that come within the
// interval after a write are written when the interval ends, though the
// key is not used again (a cron job's burst); an attacker's new address
// within the interval is written and told at once, not at the key's next
// use.
func TestABurstIsWrittenWhenItsIntervalEnds(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	f.now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	key, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	var told toldLog
	var timers manualTimers
	a := f.authorizerTelling(&told, time.Minute)
	a.uses.after = timers.after
	for range 500 {
		_ = a.Decide(ctx, fromAddress(key, "192.0.2.1", ""))
		f.now = f.now.Add(50 * time.Millisecond)
	}
	a.Wait()
	if got := f.stored(t, k).Usage[store.UsageDay(f.now)]; got != 1 {
		t.Fatalf("before the interval ends: %d requests written; want the first alone", got)
	}
	f.now = f.now.Add(time.Hour) // then silence
	timers.fire()
	a.Wait()
	if got := f.stored(t, k).Usage[store.UsageDay(f.now)]; got != 500 {
		t.Fatalf("after the interval: %d requests written; want all 500", got)
	}

	_ = a.Decide(ctx, fromAddress(key, "192.0.2.1", ""))
	f.now = f.now.Add(10 * time.Second)
	_ = a.Decide(ctx, fromAddress(key, "203.0.113.66", ""))
	a.Wait()
	if got := told.addresses(); fmt.Sprint(got) != "[192.0.2.1 203.0.113.66]" {
		t.Fatalf("told of %v; want the new address at once", got)
	}
	if _, ok := f.stored(t, k).Addresses["203.0.113.66"]; !ok {
		t.Fatal("the new address is not in the key's record")
	}
}
