package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dynamo"
)

// TestStalePointerDoesNotAuthorize writes the pointer items that failed or
// interrupted writes can leave behind and checks that none of them opens a
// key: only the record decides.
func TestStalePointerDoesNotAuthorize(t *testing.T) {
	ctx := context.Background()
	prefix, keys, k := oneKey(t)
	now := k.CreatedAt
	tests := []struct {
		name  string
		hash  string
		keyID string
	}{
		{"pointer to a key that was never written", hash(2), store.NewID("key")},
		{"pointer to a key that holds another secret", hash(3), k.ID},
		{"pointer without a key ID", hash(4), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			putPointer(t, prefix, tc.hash, tc.keyID)
			_, err := keys.ByHash(ctx, tc.hash, now)
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("ByHash(stale pointer) err = %v; want %v", err, store.ErrNotFound)
			}
		})
	}
	if _, err := keys.ByHash(ctx, k.Hash, now); err != nil {
		t.Fatalf("ByHash(live secret) = %v; want the key", err)
	}
}

// TestCreateKeyIsRetrySafe checks that a create interrupted after its pointer
// can be retried, while a pointer held by another key still refuses.
func TestCreateKeyIsRetrySafe(t *testing.T) {
	ctx := context.Background()
	prefix := newTables(t)
	keys := dynamo.New(client, prefix).Stores().Keys
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

	k := store.APIKey{ID: store.NewID("key"), UserID: "usr_a", Hash: hash(1), CreatedAt: now}
	putPointer(t, prefix, k.Hash, k.ID) // the first attempt got this far
	if err := keys.Create(ctx, k); err != nil {
		t.Fatalf("Create(after own pointer) = %v; want it to finish", err)
	}
	if _, err := keys.ByHash(ctx, k.Hash, now); err != nil {
		t.Fatalf("ByHash after retried Create = %v; want the key", err)
	}

	other := store.APIKey{ID: store.NewID("key"), UserID: "usr_b", Hash: hash(2), CreatedAt: now}
	putPointer(t, prefix, other.Hash, store.NewID("key"))
	if err := keys.Create(ctx, other); !errors.Is(err, store.ErrExists) {
		t.Fatalf("Create(hash pointed at another key) = %v; want %v", err, store.ErrExists)
	}
	if _, err := keys.Get(ctx, "usr_b", other.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(refused key) = %v; want %v", err, store.ErrNotFound)
	}
}

// TestKeyWritesCleanUpPointers follows the pointer items through a key's
// life: rotations drop the pointers of secrets the record no longer holds and
// give a secret in its grace a TTL, a retried rotation changes nothing, and
// a delete leaves no pointer.
func TestKeyWritesCleanUpPointers(t *testing.T) {
	ctx := context.Background()
	prefix, keys, k := oneKey(t)
	at := k.CreatedAt

	withGrace := store.KeyRotation{NewHash: hash(2), Grace: 10 * time.Minute, At: at}
	if _, err := keys.Rotate(ctx, "usr_a", k.ID, withGrace); err != nil {
		t.Fatalf("Rotate(grace): %v", err)
	}
	wantTTL := at.Add(10*time.Minute + 24*time.Hour).Unix()
	if item := pointer(t, prefix, hash(1)); item == nil || number(item["ttl"]) != fmt.Sprint(wantTTL) {
		t.Fatalf("old pointer after Rotate(grace) = %v; want ttl %d", item, wantTTL)
	}

	noGrace := store.KeyRotation{NewHash: hash(3), At: at}
	if _, err := keys.Rotate(ctx, "usr_a", k.ID, noGrace); err != nil {
		t.Fatalf("Rotate(no grace): %v", err)
	}
	got, err := keys.Rotate(ctx, "usr_a", k.ID, noGrace)
	if err != nil || got.Hash != hash(3) || got.PreviousHash != "" {
		t.Fatalf("Rotate(retried) = %+v, %v; want the key as rotated, no error", got, err)
	}
	for _, h := range []int{1, 2} {
		if item := pointer(t, prefix, hash(h)); item != nil {
			t.Errorf("pointer of secret %d after Rotate(no grace) = %v; want none", h, item)
		}
	}

	if err := keys.Delete(ctx, "usr_a", k.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if item := pointer(t, prefix, hash(3)); item != nil {
		t.Errorf("pointer after Delete = %v; want none", item)
	}
}

func hash(n int) string { return fmt.Sprintf("%064x", n) }

// pointer reads the raw pointer item of a hash; nil when there is none.
func pointer(t *testing.T, prefix, hash string) map[string]types.AttributeValue {
	t.Helper()
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      aws.String(prefix + string(store.KeysTable)),
		Key:            map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "hash#" + hash}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem(pointer): %v", err)
	}
	return out.Item
}

func number(av types.AttributeValue) string {
	if n, ok := av.(*types.AttributeValueMemberN); ok {
		return n.Value
	}
	return ""
}

// putPointer writes a raw pointer item, as an interrupted write would leave.
func putPointer(t *testing.T, prefix, hash, keyID string) {
	t.Helper()
	item := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "hash#" + hash}}
	if keyID != "" {
		item["keyId"] = &types.AttributeValueMemberS{Value: keyID}
	}
	_, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(prefix + string(store.KeysTable)),
		Item:      item,
	})
	if err != nil {
		t.Fatalf("PutItem(pointer): %v", err)
	}
}

// oneKey makes fresh tables holding one key of usr_a, created at a fixed
// time with the secret hash(1), and returns the tables' prefix, the key
// store and the key.
func oneKey(t *testing.T) (string, store.KeyStore, store.APIKey) {
	t.Helper()
	prefix := newTables(t)
	keys := dynamo.New(client, prefix).Stores().Keys
	k := store.APIKey{ID: store.NewID("key"), UserID: "usr_a", Hash: hash(1), CreatedAt: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)}
	if err := keys.Create(context.Background(), k); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return prefix, keys, k
}
