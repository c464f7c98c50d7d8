package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/latchkey/latchkey/internal/store"
)

// rotateAttempts bounds the optimistic retries of a rotation that loses to a
// concurrent one of the same key.
const rotateAttempts = 4

// pointerLinger is how long after a grace period ends the old secret's
// pointer is kept before DynamoDB may sweep it.
const pointerLinger = 24 * time.Hour

// Rotate implements store.KeyStore, in three steps that are each safe to
// retry and leave no secret working longer than the record says:
//
//  1. write the new secret's pointer — it leads nowhere the record accepts
//     until step 2;
//  2. swap the secret in the record, on condition that the owner and the
//     hash are still those just read — from here on the old secret works
//     only within its grace, whatever happens to the pointers;
//  3. remove the pointers of secrets the record no longer holds, and give
//     the old secret's pointer a TTL past its grace.
func (s *Keys) Rotate(ctx context.Context, userID, id string, r store.KeyRotation) (store.APIKey, error) {
	created := false // whether this call wrote the new secret's pointer
	for attempt := range rotateAttempts {
		old, err := s.record(ctx, id)
		if err == nil && old.UserID != userID {
			err = store.ErrNotFound
		}
		if err != nil {
			if created && errors.Is(err, store.ErrNotFound) {
				s.dropPointer(ctx, id, r.NewHash)
			}
			return store.APIKey{}, fmt.Errorf("rotate key %s: %w", id, err)
		}
		if old.Hash == r.NewHash {
			// An earlier attempt of this same rotation landed.
			return old, nil
		}
		if attempt == 0 {
			if created, err = s.putPointer(ctx, r.NewHash, id); err != nil {
				return store.APIKey{}, fmt.Errorf("rotate key %s: new hash: %w", id, err)
			}
		}
		rotated, err := s.swap(ctx, old, store.Rotated(old, r))
		if _, lost := conditionFailed(err); lost {
			continue // the next read tells a concurrent rotation from a delete
		}
		if err != nil {
			// The write may have landed or not; the pointer stays either
			// way, and works only if the record names it.
			return store.APIKey{}, fmt.Errorf("rotate key %s: %w", id, err)
		}
		s.retire(ctx, old, rotated)
		return rotated, nil
	}
	return store.APIKey{}, fmt.Errorf("rotate key %s: rotated concurrently: %w", id, store.ErrConflict)
}

// swap writes next's secrets into the record if it still has old's owner and
// secret, and returns the record as written.
func (s *Keys) swap(ctx context.Context, old, next store.APIKey) (store.APIKey, error) {
	db := (*DB)(s)
	update := expression.Set(expression.Name("hash"), expression.Value(next.Hash))
	update = setOrRemove(update, "hint", next.Hint)
	update = setOrRemove(update, "previousHash", next.PreviousHash)
	update = setOrRemove(update, "previousUntil", formatOptTime(next.PreviousUntil))
	cond := expression.Name("userId").Equal(expression.Value(old.UserID)).
		And(expression.Name("hash").Equal(expression.Value(old.Hash)))
	e, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return store.APIKey{}, err
	}
	out, err := db.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 db.table(store.KeysTable),
		Key:                       recordKey(old.ID),
		UpdateExpression:          e.Update(),
		ConditionExpression:       e.Condition(),
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return store.APIKey{}, err
	}
	var rec keyRecord
	if err := attributevalue.UnmarshalMap(out.Attributes, &rec); err != nil {
		return store.APIKey{}, err
	}
	return rec.apiKey()
}

// setOrRemove sets a string attribute, or removes it when empty, as the
// record's omitempty fields would be written.
func setOrRemove(u expression.UpdateBuilder, name, value string) expression.UpdateBuilder {
	if value == "" {
		return u.Remove(expression.Name(name))
	}
	return u.Set(expression.Name(name), expression.Value(value))
}

// retire removes the pointers of secrets that old held and rotated does not
// (the secret whose grace the rotation cut short, and with no grace the
// replaced one), and gives the pointer of a secret in its grace a TTL.
func (s *Keys) retire(ctx context.Context, old, rotated store.APIKey) {
	live := map[string]bool{rotated.Hash: true, rotated.PreviousHash: true}
	for _, h := range []string{old.Hash, old.PreviousHash} {
		if h != "" && !live[h] {
			s.dropPointer(ctx, old.ID, h)
		}
	}
	if rotated.PreviousHash != "" && rotated.PreviousUntil != nil {
		s.expirePointer(ctx, old.ID, rotated.PreviousHash, rotated.PreviousUntil.Add(pointerLinger).Unix())
	}
}
