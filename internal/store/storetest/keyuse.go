package storetest

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// testKeySettings: a key's label and allowed addresses change in place,
// for its owner only, and everything else about it stays.
func testKeySettings(t *testing.T, newStores Factory) {
	ctx := context.Background()
	keys := newStores(t).Keys
	k := newKey("usr_a", base)
	k.Hash = keyHash(200)
	k.AllowedCIDRs = []string{"192.0.2.0/24"}
	must(t, "Create", keys.Create(ctx, k))
	got, err := keys.Get(ctx, "usr_a", k.ID)
	must(t, "Get", err)
	if !slices.Equal(got.AllowedCIDRs, k.AllowedCIDRs) {
		t.Fatalf("created with AllowedCIDRs %v; want %v", got.AllowedCIDRs, k.AllowedCIDRs)
	}

	label := "renamed"
	cidrs := []string{"10.0.0.0/8", "2001:db8::/32"}
	none := []string{}
	tests := []struct {
		name      string
		user      string
		set       store.KeySettings
		wantErr   error
		wantLabel string
		wantCIDRs []string
	}{
		{"another user's key is not found", "usr_b", store.KeySettings{Label: &label, AllowedCIDRs: &cidrs}, store.ErrNotFound, k.Label, k.AllowedCIDRs},
		{"nothing to change changes nothing", "usr_a", store.KeySettings{}, nil, k.Label, k.AllowedCIDRs},
		{"the list is replaced", "usr_a", store.KeySettings{AllowedCIDRs: &cidrs}, nil, k.Label, cidrs},
		{"the label alone keeps the list", "usr_a", store.KeySettings{Label: &label}, nil, label, cidrs},
		{"an empty list allows any address", "usr_a", store.KeySettings{AllowedCIDRs: &none}, nil, label, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			updated, err := keys.UpdateSettings(ctx, tc.user, k.ID, tc.set)
			if tc.wantErr != nil {
				wantErr(t, "UpdateSettings", err, tc.wantErr)
			} else {
				must(t, "UpdateSettings", err)
				if updated.Label != tc.wantLabel || !slices.Equal(updated.AllowedCIDRs, tc.wantCIDRs) {
					t.Fatalf("UpdateSettings = label %q cidrs %v; want %q %v", updated.Label, updated.AllowedCIDRs, tc.wantLabel, tc.wantCIDRs)
				}
			}
			got, err := keys.ByHash(ctx, k.Hash, base)
			must(t, "ByHash", err)
			if got.Label != tc.wantLabel || !slices.Equal(got.AllowedCIDRs, tc.wantCIDRs) {
				t.Fatalf("stored label %q cidrs %v; want %q %v", got.Label, got.AllowedCIDRs, tc.wantLabel, tc.wantCIDRs)
			}
			if got.ID != k.ID || got.UserID != k.UserID || got.Hash != k.Hash || !slices.Equal(got.Permissions, k.Permissions) ||
				got.ExpiresAt == nil || !got.ExpiresAt.Equal(*k.ExpiresAt) {
				t.Fatalf("stored %+v; want everything but the settings as created", got)
			}
		})
	}
	_, err = keys.UpdateSettings(ctx, "usr_a", "key_missingmissingmissingmiss", store.KeySettings{Label: &label})
	wantErr(t, "UpdateSettings(missing)", err, store.ErrNotFound)
	if _, err := keys.Get(ctx, "usr_a", "key_missingmissingmissingmiss"); err == nil {
		t.Fatal("UpdateSettings(missing) created a key")
	}

	// A rotation keeps the settings.
	_, err = keys.Rotate(ctx, "usr_a", k.ID, store.KeyRotation{NewHash: keyHash(201), At: base})
	must(t, "Rotate", err)
	must(t, "UpdateSettings", func() error {
		_, err := keys.UpdateSettings(ctx, "usr_a", k.ID, store.KeySettings{AllowedCIDRs: &cidrs})
		return err
	}())
	_, err = keys.Rotate(ctx, "usr_a", k.ID, store.KeyRotation{NewHash: keyHash(202), At: base})
	must(t, "Rotate", err)
	got, err = keys.Get(ctx, "usr_a", k.ID)
	must(t, "Get after Rotate", err)
	if !slices.Equal(got.AllowedCIDRs, cidrs) || got.Label != label {
		t.Fatalf("after Rotate: label %q cidrs %v; want %q %v", got.Label, got.AllowedCIDRs, label, cidrs)
	}
}

// testKeyUse: Touch adds each day's requests to the stored counts (two
// writers at once both count), keeps the addresses with their times, and
// forgets what it is told to, in one write.
func testKeyUse(t *testing.T, newStores Factory) {
	ctx := context.Background()
	keys := newStores(t).Keys
	k := newKey("usr_a", base)
	k.Hash = keyHash(300)
	must(t, "Create", keys.Create(ctx, k))
	got, err := keys.Get(ctx, "usr_a", k.ID)
	must(t, "Get", err)
	if len(got.Usage) != 0 || len(got.Addresses) != 0 {
		t.Fatalf("a new key has usage %v and addresses %v; want none", got.Usage, got.Addresses)
	}

	d0, d1, d2 := "2026-03-12", "2026-03-13", "2026-03-14"
	t1, t2 := base.Add(time.Minute), base.Add(2*time.Minute)
	steps := []struct {
		name          string
		use           store.KeyUse
		wantUsage     map[string]int64
		wantAddresses map[string]time.Time
	}{
		{"the first write", store.KeyUse{At: t1, Requests: map[string]int64{d0: 3, d1: 2}, Addresses: map[string]time.Time{"192.0.2.1": t1}},
			map[string]int64{d0: 3, d1: 2}, map[string]time.Time{"192.0.2.1": t1}},
		{"counts add up; an IPv6 address and a new time", store.KeyUse{At: t2, Requests: map[string]int64{d1: 5, d2: 1},
			Addresses: map[string]time.Time{"2001:db8::1": t2, "192.0.2.1": t2}},
			map[string]int64{d0: 3, d1: 7, d2: 1}, map[string]time.Time{"192.0.2.1": t2, "2001:db8::1": t2}},
		{"forgetting a day and an address", store.KeyUse{At: t2, Requests: map[string]int64{d2: 1}, ForgetDays: []string{d0, "2026-01-01"},
			ForgetAddresses: []string{"192.0.2.1"}},
			map[string]int64{d1: 7, d2: 2}, map[string]time.Time{"2001:db8::1": t2}},
		{"last use alone", store.KeyUse{At: t2},
			map[string]int64{d1: 7, d2: 2}, map[string]time.Time{"2001:db8::1": t2}},
	}
	for _, st := range steps {
		must(t, "Touch: "+st.name, keys.Touch(ctx, k.ID, st.use))
		got, err := keys.ByHash(ctx, k.Hash, base)
		must(t, "ByHash", err)
		if !maps.Equal(got.Usage, st.wantUsage) {
			t.Fatalf("%s: usage %v; want %v", st.name, got.Usage, st.wantUsage)
		}
		if !maps.EqualFunc(got.Addresses, st.wantAddresses, time.Time.Equal) {
			t.Fatalf("%s: addresses %v; want %v", st.name, got.Addresses, st.wantAddresses)
		}
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(st.use.At) {
			t.Fatalf("%s: lastUsedAt %v; want %v", st.name, got.LastUsedAt, st.use.At)
		}
	}

	// Authorizer instances write at once: no count is lost.
	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for range writers {
		wg.Go(func() {
			for range each {
				errs <- keys.Touch(ctx, k.ID, store.KeyUse{At: t2, Requests: map[string]int64{d2: 1}})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, "concurrent Touch", err)
	}
	got, err = keys.Get(ctx, "usr_a", k.ID)
	must(t, "Get", err)
	if want := int64(2 + writers*each); got.Usage[d2] != want {
		t.Fatalf("after %d concurrent writes of 1: %d requests on %s; want %d", writers*each, got.Usage[d2], d2, want)
	}
}
