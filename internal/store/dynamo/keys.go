package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/latchkey/latchkey/internal/store"
)

// Keys is the DynamoDB KeyStore.
//
// A key is a record item "key#<id>", the only authority on which secrets
// open it, and one pointer item "hash#<sha256>" per live secret, which only
// finds the record. A lookup by hash follows the pointer and then checks the
// hash against the record (store.HashValid), so a pointer left behind by a
// failed or half-finished write never authorizes anything. Every multi-item
// change writes pointers before the record and removes them after it.
type Keys DB

var _ store.KeyStore = (*Keys)(nil)

// Partition-key prefixes of the two item kinds in the keys table.
const (
	recordPrefix  = "key#"
	pointerPrefix = "hash#"
)

// keyRecord is a key's record item.
type keyRecord struct {
	PK            string   `dynamodbav:"pk"`
	ID            string   `dynamodbav:"id"`
	UserID        string   `dynamodbav:"userId"`
	Label         string   `dynamodbav:"label,omitempty"`
	Hint          string   `dynamodbav:"hint,omitempty"`
	Hash          string   `dynamodbav:"hash"`
	Permissions   []string `dynamodbav:"permissions,omitempty"`
	Environment   string   `dynamodbav:"environment,omitempty"`
	CreatedAt     string   `dynamodbav:"createdAt"`
	ExpiresAt     string   `dynamodbav:"expiresAt,omitempty"`
	LastUsedAt    string   `dynamodbav:"lastUsedAt,omitempty"`
	PreviousHash  string   `dynamodbav:"previousHash,omitempty"`
	PreviousUntil string   `dynamodbav:"previousUntil,omitempty"`
	AllowedCIDRs  []string `dynamodbav:"allowedCidrs,omitempty"`
	// Usage (day → requests) and Addresses (address → last seen) are maps
	// written with the record, empty, so that Touch can add to their
	// entries; a record written before they existed gets them at its
	// first Touch.
	Usage     map[string]int64  `dynamodbav:"usage"`
	Addresses map[string]string `dynamodbav:"addresses"`
	// The revocation (store.KeyRevocation), when the key was revoked;
	// revokedAt is its mark.
	RevokedAt     string `dynamodbav:"revokedAt,omitempty"`
	RevokedReason string `dynamodbav:"revokedReason,omitempty"`
	RevokedURL    string `dynamodbav:"revokedUrl,omitempty"`
	RevokedSource string `dynamodbav:"revokedSource,omitempty"`
}

// pointerRecord leads from a secret's hash to its key. It has no userId, so
// the byUser index never holds it.
type pointerRecord struct {
	PK    string `dynamodbav:"pk"`
	KeyID string `dynamodbav:"keyId"`
	// TTL lets DynamoDB sweep the pointer of a replaced secret a day after
	// its grace period; the record has already stopped it working by then.
	TTL int64 `dynamodbav:"ttl,omitempty"`
}

func recordKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": stringAV(recordPrefix + id)}
}

func pointerKey(hash string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": stringAV(pointerPrefix + hash)}
}

func newKeyRecord(k store.APIKey) keyRecord {
	r := keyRecord{
		PK: recordPrefix + k.ID, ID: k.ID, UserID: k.UserID, Label: k.Label, Hint: k.Hint, Hash: k.Hash,
		Permissions: k.Permissions, Environment: k.Environment, CreatedAt: store.SortTime(k.CreatedAt),
		ExpiresAt: formatOptTime(k.ExpiresAt), LastUsedAt: formatOptTime(k.LastUsedAt),
		PreviousHash: k.PreviousHash, PreviousUntil: formatOptTime(k.PreviousUntil),
		AllowedCIDRs: k.AllowedCIDRs, Usage: map[string]int64{}, Addresses: map[string]string{},
	}
	maps.Copy(r.Usage, k.Usage)
	for a, t := range k.Addresses {
		r.Addresses[a] = store.SortTime(t)
	}
	if k.Revoked != nil {
		r.RevokedAt, r.RevokedReason, r.RevokedURL, r.RevokedSource = store.SortTime(k.Revoked.At), k.Revoked.Reason, k.Revoked.URL, k.Revoked.Source
	}
	return r
}

func (r keyRecord) apiKey() (store.APIKey, error) {
	var p timeParser
	k := store.APIKey{
		ID: r.ID, UserID: r.UserID, Label: r.Label, Hint: r.Hint, Hash: r.Hash, Permissions: r.Permissions,
		Environment: r.Environment, CreatedAt: p.time(r.CreatedAt), ExpiresAt: p.optional(r.ExpiresAt),
		LastUsedAt: p.optional(r.LastUsedAt), PreviousHash: r.PreviousHash, PreviousUntil: p.optional(r.PreviousUntil),
		AllowedCIDRs: r.AllowedCIDRs,
	}
	if len(r.Usage) > 0 {
		k.Usage = r.Usage
	}
	for a, t := range r.Addresses {
		if k.Addresses == nil {
			k.Addresses = map[string]time.Time{}
		}
		k.Addresses[a] = p.time(t)
	}
	if r.RevokedAt != "" {
		k.Revoked = &store.KeyRevocation{At: p.time(r.RevokedAt), Reason: r.RevokedReason, URL: r.RevokedURL, Source: r.RevokedSource}
	}
	return k, p.err
}

func (s *Keys) byUser(userID string) listing {
	return listing{table: store.KeysTable, index: store.IndexByUser, partition: "userId", value: userID, sort: "createdAt", key: recordKey}
}

// Create implements store.KeyStore. The pointer goes first: until the record
// exists it leads nowhere, and if the record cannot be written it is removed.
func (s *Keys) Create(ctx context.Context, k store.APIKey) error {
	created, err := s.putPointer(ctx, k.Hash, k.ID)
	if err != nil {
		return fmt.Errorf("create key %s: hash: %w", k.ID, err)
	}
	item, err := attributevalue.MarshalMap(newKeyRecord(k))
	if err == nil {
		err = (*DB)(s).putNew(ctx, store.KeysTable, item, "pk")
	}
	if _, ok := conditionFailed(err); ok {
		// Refused: another key has this id. The pointer leads to it no more.
		if created {
			s.dropPointer(ctx, k.ID, k.Hash)
		}
		return fmt.Errorf("create key %s: %w", k.ID, store.ErrExists)
	}
	if err != nil {
		// The write may have landed with only its answer lost: look before
		// taking the pointer away, or a stored key would never work.
		got, rerr := s.record(ctx, k.ID)
		switch {
		case rerr == nil && got.Hash == k.Hash:
			return nil
		case errors.Is(rerr, store.ErrNotFound) && created:
			s.dropPointer(ctx, k.ID, k.Hash)
		}
		// Unknown: the pointer stays, and opens nothing without the record.
		return fmt.Errorf("create key %s: %w", k.ID, err)
	}
	return nil
}

// Get implements store.KeyStore.
func (s *Keys) Get(ctx context.Context, userID, id string) (store.APIKey, error) {
	k, err := s.record(ctx, id)
	if err == nil && k.UserID != userID {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("get key %s: %w", id, err)
	}
	return k, nil
}

// record reads key id's record, whoever owns it.
func (s *Keys) record(ctx context.Context, id string) (store.APIKey, error) {
	return getAs(ctx, (*DB)(s), store.KeysTable, recordKey(id), keyRecord.apiKey)
}

// ByHash implements store.KeyStore. Both reads are strongly consistent, so a
// delete or rotation stops the secret from the moment its write returns.
func (s *Keys) ByHash(ctx context.Context, hash string, now time.Time) (store.APIKey, error) {
	id, err := s.pointedKey(ctx, hash)
	if err != nil {
		return store.APIKey{}, fmt.Errorf("key by hash: %w", err)
	}
	k, err := s.record(ctx, id)
	if err != nil {
		return store.APIKey{}, fmt.Errorf("key by hash: key %s: %w", id, err)
	}
	// The record decides, not the pointer: it may be left from a failed
	// create, a rotation that ended the secret, or a delete.
	if !store.HashValid(k, hash, now) {
		return store.APIKey{}, fmt.Errorf("key by hash: %w", store.ErrNotFound)
	}
	return k, nil
}

// List implements store.KeyStore.
func (s *Keys) List(ctx context.Context, userID string, p store.Page) ([]store.APIKey, string, error) {
	keys, next, err := list(ctx, (*DB)(s), s.byUser(userID), p, keyRecord.apiKey)
	if err != nil {
		return nil, "", fmt.Errorf("list keys of %s: %w", userID, err)
	}
	return keys, next, nil
}

// Count implements store.KeyStore.
func (s *Keys) Count(ctx context.Context, userID string) (int, error) {
	n, err := count(ctx, (*DB)(s), s.byUser(userID))
	if err != nil {
		return 0, fmt.Errorf("count keys of %s: %w", userID, err)
	}
	return n, nil
}

// Delete implements store.KeyStore. The record goes first, which ends every
// secret of the key at once; its pointers then lead nowhere and are removed.
func (s *Keys) Delete(ctx context.Context, userID, id string) error {
	item, err := (*DB)(s).deleteOwned(ctx, store.KeysTable, recordKey(id), userID)
	if err != nil {
		return fmt.Errorf("delete key %s: %w", id, err)
	}
	var old keyRecord
	if err := attributevalue.UnmarshalMap(item, &old); err != nil {
		return fmt.Errorf("delete key %s: deleted, but: %w", id, err)
	}
	for _, h := range []string{old.Hash, old.PreviousHash} {
		if h != "" {
			s.dropPointer(ctx, id, h)
		}
	}
	return nil
}

// UpdateSettings implements store.KeyStore: one conditional UpdateItem on
// the record, whose condition is the owner (so also that it exists).
func (s *Keys) UpdateSettings(ctx context.Context, userID, id string, set store.KeySettings) (store.APIKey, error) {
	var update expression.UpdateBuilder
	changes := false
	if set.Label != nil {
		update, changes = update.Set(expression.Name("label"), expression.Value(*set.Label)), true
	}
	if set.AllowedCIDRs != nil {
		if len(*set.AllowedCIDRs) == 0 {
			update = update.Remove(expression.Name("allowedCidrs"))
		} else {
			update = update.Set(expression.Name("allowedCidrs"), expression.Value(*set.AllowedCIDRs))
		}
		changes = true
	}
	if !changes {
		return s.Get(ctx, userID, id)
	}
	k, err := s.updateRecord(ctx, id, update, expression.Name("userId").Equal(expression.Value(userID)).
		And(expression.AttributeNotExists(expression.Name("revokedAt"))))
	if _, ok := conditionFailed(err); ok {
		// Not theirs, gone, or revoked: a revoked key keeps its settings.
		k, gerr := s.Get(ctx, userID, id)
		if gerr == nil && k.Revoked != nil {
			return store.APIKey{}, fmt.Errorf("update key %s: %w", id, store.ErrRevoked)
		}
		return store.APIKey{}, fmt.Errorf("update key %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.APIKey{}, fmt.Errorf("update key %s: %w", id, err)
	}
	return k, nil
}

// Touch implements store.KeyStore: one UpdateItem that sets lastUsedAt,
// ADDs each day's requests to its entry of the usage map (DynamoDB's ADD
// is atomic, so two authorizer instances writing at once both count, with
// no read before the write: "Using update expressions in DynamoDB",
// DynamoDB developer guide), sets each address's time in the addresses map
// and removes the forgotten entries, only if the record exists. Entries
// are document paths under the two maps; a record written before the maps
// existed has neither, which DynamoDB refuses as an invalid document
// path: the maps are then made (if_not_exists, so that a concurrent
// write's entries stay) and the write tried once more.
func (s *Keys) Touch(ctx context.Context, id string, u store.KeyUse) error {
	err := s.touch(ctx, id, u)
	if isValidation(err) && (len(u.Requests) > 0 || len(u.Addresses) > 0) {
		if err = s.makeUseMaps(ctx, id); err == nil {
			err = s.touch(ctx, id, u)
		}
	}
	if err != nil {
		return fmt.Errorf("touch key %s: %w", id, err)
	}
	return nil
}

func (s *Keys) touch(ctx context.Context, id string, u store.KeyUse) error {
	entry := func(m, k string) expression.NameBuilder {
		// An address holds dots, which Name would read as a path.
		return expression.Name(m).AppendName(expression.NameNoDotSplit(k))
	}
	update := expression.Set(expression.Name("lastUsedAt"), expression.Value(store.SortTime(u.At)))
	for day, n := range u.Requests {
		update = update.Add(entry("usage", day), expression.Value(n))
	}
	for addr, seen := range u.Addresses {
		update = update.Set(entry("addresses", addr), expression.Value(store.SortTime(seen)))
	}
	for _, day := range u.ForgetDays {
		update = update.Remove(entry("usage", day))
	}
	for _, addr := range u.ForgetAddresses {
		update = update.Remove(entry("addresses", addr))
	}
	// A revoked key's record takes the uses an authorizer still allowed
	// from its cache (within LATCHKEY_CACHE_TTL): they happened, and its
	// owner should see them. The condition names no attribute beyond the
	// key: the authorizer's grant lets its updates name only the
	// attributes it writes (routes.AuthorizerTables).
	return (*DB)(s).updateExisting(ctx, store.KeysTable, recordKey(id), "pk", update)
}

// makeUseMaps gives a record the usage and addresses maps it lacks.
func (s *Keys) makeUseMaps(ctx context.Context, id string) error {
	empty := expression.Value(map[string]any{})
	update := expression.Set(expression.Name("usage"), expression.IfNotExists(expression.Name("usage"), empty)).
		Set(expression.Name("addresses"), expression.IfNotExists(expression.Name("addresses"), empty))
	return (*DB)(s).updateExisting(ctx, store.KeysTable, recordKey(id), "pk", update)
}

// isValidation reports DynamoDB's ValidationException, which an update
// expression naming an entry of a missing map gets.
func isValidation(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ValidationException"
}

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
		if old.Revoked != nil {
			if created {
				s.dropPointer(ctx, id, r.NewHash)
			}
			return store.APIKey{}, fmt.Errorf("rotate key %s: %w", id, store.ErrRevoked)
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
// secret and is not revoked, and returns the record as written.
func (s *Keys) swap(ctx context.Context, old, next store.APIKey) (store.APIKey, error) {
	update := expression.Set(expression.Name("hash"), expression.Value(next.Hash))
	update = setOrRemove(update, "hint", next.Hint)
	update = setOrRemove(update, "previousHash", next.PreviousHash)
	update = setOrRemove(update, "previousUntil", formatOptTime(next.PreviousUntil))
	cond := expression.Name("userId").Equal(expression.Value(old.UserID)).
		And(expression.Name("hash").Equal(expression.Value(old.Hash))).
		And(expression.AttributeNotExists(expression.Name("revokedAt")))
	return s.updateRecord(ctx, old.ID, update, cond)
}

// updateRecord updates key id's record if cond holds, and returns the
// record as written. A failed condition is returned as DynamoDB's error
// (conditionFailed tells it).
func (s *Keys) updateRecord(ctx context.Context, id string, update expression.UpdateBuilder, cond expression.ConditionBuilder) (store.APIKey, error) {
	db := (*DB)(s)
	e, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return store.APIKey{}, err
	}
	out, err := db.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 db.table(store.KeysTable),
		Key:                       recordKey(id),
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
		return store.APIKey{}, fmt.Errorf("written, but the answer did not decode: %w", err)
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
