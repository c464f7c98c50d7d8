package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/latchkey/latchkey/internal/store"
)

// Sessions is the DynamoDB SessionStore.
type Sessions DB

var _ store.SessionStore = (*Sessions)(nil)

// sessionRecord is a session's item.
type sessionRecord struct {
	ID         string `dynamodbav:"id"`
	UserID     string `dynamodbav:"userId"`
	Hash       string `dynamodbav:"hash"`
	CreatedAt  string `dynamodbav:"createdAt"`
	LastSeenAt string `dynamodbav:"lastSeenAt"`
	ExpiresAt  string `dynamodbav:"expiresAt"`
	UserAgent  string `dynamodbav:"userAgent,omitempty"`
	AuthTime   string `dynamodbav:"authTime,omitempty"`
	// TTL is Session.ExpiresEpoch; omitted when zero, which DynamoDB would
	// read as 1970 and sweep at once.
	TTL int64 `dynamodbav:"ttl,omitempty"`
}

func (r sessionRecord) session() (store.Session, error) {
	var p timeParser
	x := store.Session{
		ID: r.ID, UserID: r.UserID, Hash: r.Hash, UserAgent: r.UserAgent, ExpiresEpoch: r.TTL,
		CreatedAt: p.time(r.CreatedAt), LastSeenAt: p.time(r.LastSeenAt), ExpiresAt: p.time(r.ExpiresAt),
	}
	if r.AuthTime != "" {
		x.AuthTime = p.time(r.AuthTime)
	}
	return x, p.err
}

func (s *Sessions) byUser(userID string) listing {
	return listing{table: store.SessionsTable, index: store.IndexByUser, partition: "userId", value: userID, sort: "createdAt", key: idKey}
}

// Create implements store.SessionStore.
func (s *Sessions) Create(ctx context.Context, x store.Session) error {
	db := (*DB)(s)
	rec := sessionRecord{
		ID: x.ID, UserID: x.UserID, Hash: x.Hash, UserAgent: x.UserAgent, TTL: x.ExpiresEpoch,
		CreatedAt: store.SortTime(x.CreatedAt), LastSeenAt: store.SortTime(x.LastSeenAt), ExpiresAt: store.SortTime(x.ExpiresAt),
	}
	if !x.AuthTime.IsZero() {
		rec.AuthTime = store.SortTime(x.AuthTime)
	}
	item, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	err = db.putNew(ctx, store.SessionsTable, item, "id")
	if _, ok := conditionFailed(err); ok {
		return fmt.Errorf("create session: %w", store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Get implements store.SessionStore.
func (s *Sessions) Get(ctx context.Context, id string) (store.Session, error) {
	return getByID(ctx, (*DB)(s), store.SessionsTable, idKey, "session", id, sessionRecord.session)
}

// List implements store.SessionStore.
func (s *Sessions) List(ctx context.Context, userID string, p store.Page) ([]store.Session, string, error) {
	out, next, err := list(ctx, (*DB)(s), s.byUser(userID), p, sessionRecord.session)
	if err != nil {
		return nil, "", fmt.Errorf("list sessions of %s: %w", userID, err)
	}
	return out, next, nil
}

// Touch implements store.SessionStore.
func (s *Sessions) Touch(ctx context.Context, id string, lastSeen time.Time, expiresEpoch int64) error {
	db := (*DB)(s)
	update := expression.Set(expression.Name("lastSeenAt"), expression.Value(store.SortTime(lastSeen)))
	if expiresEpoch != 0 {
		update = update.Set(expression.Name("ttl"), expression.Value(expiresEpoch))
	} else {
		update = update.Remove(expression.Name("ttl"))
	}
	if err := db.updateExisting(ctx, store.SessionsTable, idKey(id), "id", update); err != nil {
		return fmt.Errorf("touch session %s: %w", id, err)
	}
	return nil
}

// Delete implements store.SessionStore.
func (s *Sessions) Delete(ctx context.Context, userID, id string) error {
	_, err := (*DB)(s).deleteOwned(ctx, store.SessionsTable, idKey(id), userID)
	if err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	return nil
}

// DeleteAll implements store.SessionStore. The index it reads is eventually
// consistent, as every DynamoDB index is: a session created in the same
// instant may be missed.
func (s *Sessions) DeleteAll(ctx context.Context, userID string) (int, error) {
	db := (*DB)(s)
	in, err := s.byUser(userID).input(db)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of %s: %w", userID, err)
	}
	var ids []string
	for {
		out, err := db.client.Query(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("delete sessions of %s: %w", userID, err)
		}
		for _, it := range out.Items {
			ids = append(ids, avString(it["id"]))
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	for start := 0; start < len(ids); start += batchSize {
		chunk := ids[start:min(start+batchSize, len(ids))]
		if err := db.deleteBatch(ctx, store.SessionsTable, chunk, idKey); err != nil {
			return start, fmt.Errorf("delete sessions of %s: %w", userID, err)
		}
	}
	return len(ids), nil
}

// batchSize is BatchWriteItem's limit on requests per call.
const batchSize = 25

// deleteBatch deletes up to batchSize items, retrying those DynamoDB leaves
// unprocessed (under throttling) with a growing pause.
func (db *DB) deleteBatch(ctx context.Context, t store.TableName, ids []string, key func(string) map[string]types.AttributeValue) error {
	reqs := make([]types.WriteRequest, len(ids))
	for i, id := range ids {
		reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(id)}}
	}
	pending := map[string][]types.WriteRequest{*db.table(t): reqs}
	pause := 50 * time.Millisecond
	for range 8 {
		out, err := db.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return err
		}
		if len(out.UnprocessedItems) == 0 {
			return nil
		}
		pending = out.UnprocessedItems
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause *= 2
	}
	return fmt.Errorf("batch delete: items still unprocessed after retries")
}
