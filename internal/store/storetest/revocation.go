package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// testKeyRevocation: RevokeByHash finds a key by either live secret,
// revokes it whole (no secret opens it, the record stays with the
// revocation for its owner), never finds it again, refuses to regenerate
// it, and leaves it to its owner to delete; a hash that opens nothing is
// ErrNotFound and changes nothing.
func testKeyRevocation(t *testing.T, newStores Factory) {
	ctx := context.Background()
	at := base.Add(time.Hour)
	rev := store.KeyRevocation{At: at, Reason: "found in public", URL: "https://github.com/o/r/blob/1/x.env", Source: "content"}

	tests := []struct {
		name string
		// rotate regenerates the key with this grace before the report
		// (negative: not at all).
		rotate time.Duration
		// reported is the secret reported: 0 the first, 1 the second.
		reported int
	}{
		{"its only secret", -1, 0},
		{"its new secret during a rotation's grace", 10 * time.Minute, 1},
		{"its old secret during a rotation's grace", 10 * time.Minute, 0},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys := newStores(t).Keys
			k := newKey("usr_a", base)
			secrets := []string{keyHash(200 + 10*i), keyHash(201 + 10*i)}
			k.Hash = secrets[0]
			must(t, "Create", keys.Create(ctx, k))
			other := newKey("usr_a", base.Add(time.Second))
			other.Hash = keyHash(209 + 10*i)
			must(t, "Create(another key)", keys.Create(ctx, other))
			if tc.rotate >= 0 {
				_, err := keys.Rotate(ctx, "usr_a", k.ID, store.KeyRotation{NewHash: secrets[1], NewHint: "lk_test_…wxyz", Grace: tc.rotate, At: at.Add(-time.Minute)})
				must(t, "Rotate", err)
			}

			got, err := keys.RevokeByHash(ctx, secrets[tc.reported], rev)
			must(t, "RevokeByHash", err)
			if got.ID != k.ID || got.UserID != "usr_a" || got.Revoked == nil || !got.Revoked.At.Equal(at) ||
				got.Revoked.Reason != rev.Reason || got.Revoked.URL != rev.URL || got.Revoked.Source != rev.Source {
				t.Fatalf("RevokeByHash = %+v (revoked %+v); want key %s revoked as %+v", got, got.Revoked, k.ID, rev)
			}
			for n, h := range secrets {
				_, err := keys.ByHash(ctx, h, at)
				wantErr(t, fmt.Sprintf("ByHash(secret %d after revocation)", n), err, store.ErrNotFound)
			}
			stored, err := keys.Get(ctx, "usr_a", k.ID)
			must(t, "Get(revoked key)", err)
			if stored.Revoked == nil || stored.Revoked.URL != rev.URL || !stored.Revoked.At.Equal(at) {
				t.Fatalf("Get(revoked key).Revoked = %+v; want %+v", stored.Revoked, rev)
			}
			listed, _, err := keys.List(ctx, "usr_a", store.Page{Limit: 10})
			must(t, "List", err)
			if len(listed) != 2 || listed[1].ID != k.ID || listed[1].Revoked == nil || listed[0].Revoked != nil {
				t.Fatalf("List = %+v; want the revoked key listed as revoked beside the other, untouched", listed)
			}
			if _, err := keys.ByHash(ctx, other.Hash, at); err != nil {
				t.Fatalf("ByHash(another key of the same owner) = %v; want it untouched", err)
			}

			// Reported again (a replayed or repeated report): nothing to find.
			for _, h := range secrets {
				_, err := keys.RevokeByHash(ctx, h, rev)
				wantErr(t, "RevokeByHash(again)", err, store.ErrNotFound)
			}
			_, err = keys.Rotate(ctx, "usr_a", k.ID, store.KeyRotation{NewHash: keyHash(299 + 10*i), At: at})
			wantErr(t, "Rotate(revoked key)", err, store.ErrRevoked)
			if _, err := keys.ByHash(ctx, keyHash(299+10*i), at); err == nil {
				t.Fatal("a refused regeneration left a working secret")
			}
			// A use the authorizer allowed from its cache after the
			// revocation is recorded (the owner should see it) and opens
			// nothing; the owner's settings are kept as they were.
			before, err := keys.Get(ctx, "usr_a", k.ID)
			must(t, "Get(before Touch)", err)
			must(t, "Touch(revoked key)", keys.Touch(ctx, k.ID, store.KeyUse{At: at.Add(time.Second),
				Requests: map[string]int64{store.UsageDay(at): 3}, Addresses: map[string]time.Time{"192.0.2.9": at.Add(time.Second)}}))
			label := "renamed"
			_, err = keys.UpdateSettings(ctx, "usr_a", k.ID, store.KeySettings{Label: &label, AllowedCIDRs: &[]string{}})
			wantErr(t, "UpdateSettings(revoked key)", err, store.ErrRevoked)
			after, err := keys.Get(ctx, "usr_a", k.ID)
			must(t, "Get(after Touch and UpdateSettings)", err)
			if after.Label != before.Label || after.Revoked == nil || after.Usage[store.UsageDay(at)] != before.Usage[store.UsageDay(at)]+3 {
				t.Fatalf("a revoked key after a use and a refused change: %+v; was %+v", after, before)
			}
			for n, h := range secrets {
				if _, err := keys.ByHash(ctx, h, at.Add(2*time.Second)); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("ByHash(secret %d) after a recorded use = %v; want ErrNotFound", n, err)
				}
			}
			_, err = keys.UpdateSettings(ctx, "usr_b", k.ID, store.KeySettings{Label: &label})
			wantErr(t, "UpdateSettings(another user's revoked key)", err, store.ErrNotFound)
			must(t, "Delete(revoked key)", keys.Delete(ctx, "usr_a", k.ID))
			_, err = keys.Get(ctx, "usr_a", k.ID)
			wantErr(t, "Get after Delete", err, store.ErrNotFound)
		})
	}

	t.Run("a hash that opens nothing", func(t *testing.T) {
		keys := newStores(t).Keys
		k := newKey("usr_a", base)
		k.Hash = keyHash(250)
		must(t, "Create", keys.Create(ctx, k))
		_, err := keys.Rotate(ctx, "usr_a", k.ID, store.KeyRotation{NewHash: keyHash(251), Grace: time.Minute, At: base})
		must(t, "Rotate", err)
		for _, tc := range []struct {
			what string
			hash string
			at   time.Time
		}{
			{"unknown", keyHash(252), at},
			{"an old secret after its grace", keyHash(250), base.Add(time.Minute)},
		} {
			_, err := keys.RevokeByHash(ctx, tc.hash, store.KeyRevocation{At: tc.at, Reason: "found in public"})
			wantErr(t, "RevokeByHash("+tc.what+")", err, store.ErrNotFound)
		}
		got, err := keys.Get(ctx, "usr_a", k.ID)
		must(t, "Get", err)
		if got.Revoked != nil {
			t.Fatalf("a refused revocation marked the key: %+v", got.Revoked)
		}
		if _, err := keys.ByHash(ctx, keyHash(251), at); err != nil {
			t.Fatalf("ByHash(current secret) after refused revocations = %v; want the key", err)
		}
	})
}
