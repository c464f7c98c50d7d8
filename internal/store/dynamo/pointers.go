package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/latchkey/latchkey/internal/store"
)

// putPointer writes the pointer from hash to key id. It reports whether this
// call created it: a pointer to the same key, left by an earlier attempt of
// the same create or rotation, is reused rather than refused, so that those
// are safe to retry. A pointer to another key is ErrExists.
func (s *Keys) putPointer(ctx context.Context, hash, id string) (created bool, err error) {
	item, err := attributevalue.MarshalMap(pointerRecord{PK: pointerPrefix + hash, KeyID: id})
	if err != nil {
		return false, err
	}
	// The pointer in the way can vanish before it is read (its key deleted
	// meanwhile); then the write is worth another try.
	for range 3 {
		err := (*DB)(s).putNew(ctx, store.KeysTable, item, "pk")
		old, failed := conditionFailed(err)
		if !failed {
			return err == nil, err
		}
		ptr, there, err := s.existingPointer(ctx, hash, old)
		switch {
		case err != nil:
			return false, err
		case !there:
			continue
		case ptr.KeyID != id:
			return false, store.ErrExists
		}
		return false, nil
	}
	return false, store.ErrConflict
}

// pointedKey returns the id of the key the pointer from hash leads to;
// store.ErrNotFound when there is no pointer. The record decides whether
// the key really has that secret.
func (s *Keys) pointedKey(ctx context.Context, hash string) (string, error) {
	var ptr pointerRecord
	ok, err := (*DB)(s).get(ctx, store.KeysTable, pointerKey(hash), &ptr)
	if err == nil && (!ok || ptr.KeyID == "") {
		err = store.ErrNotFound
	}
	return ptr.KeyID, err
}

// existingPointer returns the pointer that a conditional write ran into: the
// item DynamoDB returned with the failure, or else what a consistent read
// finds now.
func (s *Keys) existingPointer(ctx context.Context, hash string, old map[string]types.AttributeValue) (pointerRecord, bool, error) {
	var ptr pointerRecord
	if len(old) > 0 {
		return ptr, true, attributevalue.UnmarshalMap(old, &ptr)
	}
	ok, err := (*DB)(s).get(ctx, store.KeysTable, pointerKey(hash), &ptr)
	return ptr, ok, err
}

// dropPointer deletes the pointer from hash if it leads to key id. It is
// clean-up after the record has stopped the secret, so a failure is logged,
// not returned: the pointer leads nowhere a lookup would accept. The log
// names the key, never the hash.
func (s *Keys) dropPointer(ctx context.Context, id, hash string) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	db := (*DB)(s)
	_, err := db.deleteIf(ctx, store.KeysTable, pointerKey(hash), leadsTo(id))
	if _, gone := conditionFailed(err); err != nil && !gone {
		db.logger().WarnContext(ctx, "api key pointer clean-up failed", "key", id, "step", "delete", "err", err)
	}
}

// expirePointer sets the TTL of the pointer from hash, if it leads to key id,
// so that DynamoDB may sweep it after epoch. Failures are logged as in
// dropPointer.
func (s *Keys) expirePointer(ctx context.Context, id, hash string, epoch int64) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	db := (*DB)(s)
	e, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("ttl"), expression.Value(epoch))).
		WithCondition(leadsTo(id)).
		Build()
	if err == nil {
		_, err = db.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 db.table(store.KeysTable),
			Key:                       pointerKey(hash),
			UpdateExpression:          e.Update(),
			ConditionExpression:       e.Condition(),
			ExpressionAttributeNames:  e.Names(),
			ExpressionAttributeValues: e.Values(),
		})
	}
	if _, gone := conditionFailed(err); err != nil && !gone {
		db.logger().WarnContext(ctx, "api key pointer clean-up failed", "key", id, "step", "expire", "err", err)
	}
}

// leadsTo holds for a pointer to key id, and fails on a missing pointer or
// another key's, which clean-up must leave alone.
func leadsTo(id string) expression.ConditionBuilder {
	return expression.Name("keyId").Equal(expression.Value(id))
}
