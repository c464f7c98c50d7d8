package dynamo_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dynamo"
	"github.com/latchkey/latchkey/internal/store/dynamo/dynalitetest"
	"github.com/latchkey/latchkey/internal/store/storetest"
)

// The server the package's tests use, and a client for it: the dynalite
// that TestMain starts, or, with LATCHKEY_TEST_DYNAMODB_ENDPOINT set,
// another DynamoDB-compatible server at that URL, or AWS's DynamoDB itself
// with the value "aws" (credentials and region from the usual AWS
// settings). Every run uses table names of its own (runPrefix) and deletes
// its tables at the end, so it passes twice in a row against one server.
var (
	endpoint  string
	client    *dynamodb.Client
	runPrefix string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	runPrefix = fmt.Sprintf("lktest-%x-", b)
	if ep := os.Getenv("LATCHKEY_TEST_DYNAMODB_ENDPOINT"); ep != "" {
		if ep != "aws" {
			endpoint = ep
		}
		c, err := dynamo.NewClient(context.Background(), endpoint)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		client = c
		defer deleteTables()
		return m.Run()
	}
	server, err := dynalitetest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := server.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	endpoint, client = server.Endpoint, server.Client()
	return m.Run()
}

var (
	tableSets atomic.Int64
	createdMu sync.Mutex
	created   []string // the prefixes of the table sets this run made
)

// newTables creates a fresh set of tables under a prefix of its own, so that
// every test starts empty, and returns the prefix.
func newTables(t *testing.T) string {
	t.Helper()
	prefix := fmt.Sprintf("%st%d-", runPrefix, tableSets.Add(1))
	createdMu.Lock()
	created = append(created, prefix)
	createdMu.Unlock()
	if err := dynamo.CreateTables(context.Background(), client, prefix); err != nil {
		t.Fatalf("CreateTables(%q): %v", prefix, err)
	}
	return prefix
}

// deleteTables deletes every table this run made.
func deleteTables() {
	ctx := context.Background()
	for _, prefix := range created {
		for _, tb := range store.Tables {
			_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(prefix + string(tb.Name))})
			var gone *types.ResourceNotFoundException
			if err != nil && !errors.As(err, &gone) {
				fmt.Fprintf(os.Stderr, "delete table %s%s: %v\n", prefix, tb.Name, err)
			}
		}
	}
}

func newStores(t *testing.T) store.Stores {
	return dynamo.New(client, newTables(t)).Stores()
}

func TestContract(t *testing.T) {
	storetest.Run(t, newStores)
}

// TestWritesReachDynalite checks that the stores really write to the server:
// the tables exist there and a created post is an item in its table.
func TestWritesReachDynalite(t *testing.T) {
	ctx := context.Background()
	prefix := newTables(t)
	p := store.Post{ID: store.NewID("post"), AuthorID: "usr_a", Title: "hello", Status: store.StatusDraft, Version: 1}
	if err := dynamo.New(client, prefix).Stores().Posts.Create(ctx, p); err != nil {
		t.Fatalf("Create: %v", err)
	}

	tables, err := client.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	for _, tab := range store.Tables {
		if !slices.Contains(tables.TableNames, prefix+string(tab.Name)) {
			t.Errorf("ListTables = %v; want %s%s", tables.TableNames, prefix, tab.Name)
		}
	}
	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(prefix + string(store.PostsTable)),
		Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: p.ID}},
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	if title, ok := out.Item["title"].(*types.AttributeValueMemberS); !ok || title.Value != "hello" {
		t.Fatalf("GetItem(post).title = %v; want \"hello\"", out.Item["title"])
	}
}

// TestNewClientNeedsNoAWSConfiguration checks the client that `make dev`
// builds for LATCHKEY_DYNAMODB_ENDPOINT: it reaches the local server with no
// AWS region, credentials or files configured.
func TestNewClientNeedsNoAWSConfiguration(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	ctx := context.Background()
	c, err := dynamo.NewClient(ctx, endpoint)
	if err != nil {
		t.Fatalf("NewClient(%q): %v", endpoint, err)
	}
	if _, err := c.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables through NewClient(%q): %v", endpoint, err)
	}
}

// TestListingFillsShortPages makes DynamoDB return short query pages (it
// stops at 1 MB) and checks that a listing still fills the page it was asked
// for and pages through everything once. The indexes carry titles, not
// bodies, so the titles are what is big (the store does not bound them).
func TestListingFillsShortPages(t *testing.T) {
	ctx := context.Background()
	posts := newStores(t).Posts
	base := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	title := strings.Repeat("x", 300_000) // four posts exceed 1 MB
	var want []string
	for i := range 7 {
		p := store.Post{ID: store.NewID("post"), AuthorID: "usr_a", Title: title, Body: "small", Status: store.StatusDraft,
			Version: 1, CreatedAt: base.Add(time.Duration(i) * time.Minute)}
		if err := posts.Create(ctx, p); err != nil {
			t.Fatalf("Create: %v", err)
		}
		want = append([]string{p.ID}, want...)
	}
	var got []string
	cursor := ""
	for range 10 {
		page, next, err := posts.ListAll(ctx, store.Page{Limit: 5, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListAll: %v", err)
		}
		if next != "" && len(page) != 5 {
			t.Fatalf("ListAll page = %d posts with a next cursor; want 5", len(page))
		}
		for _, p := range page {
			got = append(got, p.ID)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ListAll = %v; want %v", got, want)
	}
}

// TestPostIndexesHoldNoBodies: a post's items in the three post indexes
// carry what the listings read, its excerpt among them, and not its body;
// the table's item keeps the body.
func TestPostIndexesHoldNoBodies(t *testing.T) {
	ctx := context.Background()
	prefix := newTables(t)
	pub := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	p := store.Post{ID: store.NewID("post"), AuthorID: "usr_a", Title: "t", Body: strings.Repeat("<", 100<<10),
		Status: store.StatusPublished, Version: 1, CreatedAt: pub, UpdatedAt: pub, PublishedAt: &pub}
	if err := dynamo.New(client, prefix).Stores().Posts.Create(ctx, p); err != nil {
		t.Fatalf("Create: %v", err)
	}
	table := aws.String(prefix + string(store.PostsTable))
	item, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: p.ID}}})
	if err != nil || item.Item["body"] == nil {
		t.Fatalf("GetItem: %v; want the item with its body", err)
	}
	def, _ := store.TableByName(store.PostsTable)
	for _, ix := range def.Indexes {
		t.Run(ix.Name, func(t *testing.T) {
			out, err := client.Query(ctx, &dynamodb.QueryInput{
				TableName: table, IndexName: aws.String(ix.Name),
				KeyConditionExpression:    aws.String("#k = :v"),
				ExpressionAttributeNames:  map[string]string{"#k": ix.PartitionKey},
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": item.Item[ix.PartitionKey]},
			})
			if err != nil || len(out.Items) != 1 {
				t.Fatalf("Query(%s) = %d items, %v; want the post", ix.Name, len(out.Items), err)
			}
			var got []string
			for a := range out.Items[0] {
				got = append(got, a)
			}
			want := slices.Clone(store.PostListing)
			if !slices.Contains(want, ix.PartitionKey) {
				want = append(want, ix.PartitionKey) // "kind", of the all index
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("index item attributes = %v; want %v", got, want)
			}
		})
	}
}

// TestTablesMatchSchema checks the created tables against store.Tables, and
// that creating them again is harmless.
func TestTablesMatchSchema(t *testing.T) {
	ctx := context.Background()
	prefix := newTables(t)
	if err := dynamo.CreateTables(ctx, client, prefix); err != nil {
		t.Fatalf("CreateTables(again) = %v; want nil", err)
	}
	for _, want := range store.Tables {
		t.Run(string(want.Name), func(t *testing.T) {
			out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(prefix + string(want.Name))})
			if err != nil {
				t.Fatalf("DescribeTable: %v", err)
			}
			tab := out.Table
			if got := keySchema(tab.KeySchema); got != want.PartitionKey {
				t.Errorf("key schema = %s; want %s", got, want.PartitionKey)
			}
			if tab.BillingModeSummary == nil || tab.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
				t.Errorf("billing = %+v; want %s", tab.BillingModeSummary, types.BillingModePayPerRequest)
			}
			for _, a := range tab.AttributeDefinitions {
				if a.AttributeType != types.ScalarAttributeTypeS {
					t.Errorf("attribute %s has type %s; want S", aws.ToString(a.AttributeName), a.AttributeType)
				}
			}
			var got, wantIx []string
			for _, ix := range tab.GlobalSecondaryIndexes {
				attrs := slices.Sorted(slices.Values(ix.Projection.NonKeyAttributes))
				got = append(got, fmt.Sprintf("%s(%s) %s %v", aws.ToString(ix.IndexName), keySchema(ix.KeySchema), ix.Projection.ProjectionType, attrs))
			}
			for _, ix := range want.Indexes {
				projection, attrs := types.ProjectionTypeAll, []string(nil)
				if len(ix.Include) > 0 {
					projection, attrs = types.ProjectionTypeInclude, slices.Sorted(slices.Values(want.NonKeyAttributes(ix)))
				}
				wantIx = append(wantIx, fmt.Sprintf("%s(%s,%s) %s %v", ix.Name, ix.PartitionKey, ix.SortKey, projection, attrs))
			}
			slices.Sort(got)
			slices.Sort(wantIx)
			if !slices.Equal(got, wantIx) {
				t.Errorf("indexes = %v; want %v", got, wantIx)
			}
		})
	}
}

// keySchema renders a key schema as "partition" or "partition,sort".
func keySchema(ks []types.KeySchemaElement) string {
	var hash, rng string
	for _, k := range ks {
		switch k.KeyType {
		case types.KeyTypeHash:
			hash = aws.ToString(k.AttributeName)
		case types.KeyTypeRange:
			rng = "," + aws.ToString(k.AttributeName)
		}
	}
	return hash + rng
}

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
