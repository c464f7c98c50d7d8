package dynamo_test

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/latchkey/latchkey/internal/store"
)

// TestTouchGivesAnOldRecordItsUsageMaps: a key record written before usage
// was kept has no usage or addresses map, so its entries are no valid
// document path; the first Touch makes the maps and still counts, also
// when authorizer instances write to it at once.
func TestTouchGivesAnOldRecordItsUsageMaps(t *testing.T) {
	ctx := context.Background()
	prefix, keys, k := oneKey(t)
	// The record as a deployment before usage wrote it.
	_, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(prefix + string(store.KeysTable)),
		Key:                      map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "key#" + k.ID}},
		UpdateExpression:         aws.String("REMOVE #u, #a"),
		ExpressionAttributeNames: map[string]string{"#u": "usage", "#a": "addresses"},
	})
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	at := k.CreatedAt.Add(time.Hour)
	day := store.UsageDay(at)
	const writers = 6
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			errs <- keys.Touch(ctx, k.ID, store.KeyUse{At: at, Requests: map[string]int64{day: 2}, Addresses: map[string]time.Time{"198.51.100.7": at}})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Touch(old record): %v", err)
		}
	}
	got, err := keys.Get(ctx, "usr_a", k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{day: 2 * writers}; !maps.Equal(got.Usage, want) {
		t.Fatalf("usage = %v; want %v", got.Usage, want)
	}
	if len(got.Addresses) != 1 || !got.Addresses["198.51.100.7"].Equal(at) {
		t.Fatalf("addresses = %v; want 198.51.100.7 at %v", got.Addresses, at)
	}
}
