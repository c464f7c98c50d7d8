package dynamo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// TestRevokeDropsPointersAndARetryFinishesTheJob: a revocation leaves the
// record and no pointer; a pointer left behind by a revocation whose
// clean-up failed opens nothing, and reporting the secret again removes it.
func TestRevokeDropsPointersAndARetryFinishesTheJob(t *testing.T) {
	ctx := context.Background()
	prefix, keys, k := oneKey(t)
	at := k.CreatedAt.Add(time.Minute)
	if _, err := keys.Rotate(ctx, "usr_a", k.ID, store.KeyRotation{NewHash: hash(2), Grace: time.Hour, At: at}); err != nil {
		t.Fatal(err)
	}
	rev := store.KeyRevocation{At: at, Reason: "found in public", URL: "https://gist.github.com/x/1", Source: "gist_content"}
	if _, err := keys.RevokeByHash(ctx, hash(2), rev); err != nil {
		t.Fatalf("RevokeByHash: %v", err)
	}
	for _, h := range []int{1, 2} {
		if item := pointer(t, prefix, hash(h)); item != nil {
			t.Errorf("pointer of secret %d after the revocation = %v; want none", h, item)
		}
	}

	putPointer(t, prefix, hash(1), k.ID) // as a failed clean-up leaves it
	if _, err := keys.ByHash(ctx, hash(1), at); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ByHash(left pointer of a revoked key) = %v; want not found", err)
	}
	if _, err := keys.RevokeByHash(ctx, hash(1), rev); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("RevokeByHash(again) = %v; want not found", err)
	}
	if item := pointer(t, prefix, hash(1)); item != nil {
		t.Errorf("pointer after the repeated report = %v; want it removed", item)
	}
	got, err := keys.Get(ctx, "usr_a", k.ID)
	if err != nil || got.Revoked == nil || got.Revoked.Source != rev.Source || !got.Revoked.At.Equal(at) {
		t.Fatalf("Get = %+v, %v; want the record kept with its revocation", got, err)
	}
}
