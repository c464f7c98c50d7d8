package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/latchkey/latchkey/internal/store"
)

// revokeAttempts bounds the optimistic retries of a revocation that loses
// to a concurrent rotation of the same key.
const revokeAttempts = 4

// RevokeByHash implements store.KeyStore, in three steps that are each safe
// to retry and never leave a secret of a revoked key working:
//
//  1. follow the pointer from hash to the record, and check that the record
//     accepts hash at rev.At (store.HashValid);
//  2. mark the record revoked, on condition that it is not yet and that its
//     owner and secrets are those just read — from here on no secret opens
//     the key, whatever happens to the pointers, since HashValid refuses a
//     revoked record;
//  3. delete the pointers of its secrets, so that a lookup finds nothing.
//
// A retry after step 2 landed (its answer lost, or step 3 failed) finds the
// record already revoked: it finishes step 3 and answers ErrNotFound, as for
// any revoked key.
func (s *Keys) RevokeByHash(ctx context.Context, hash string, rev store.KeyRevocation) (store.APIKey, error) {
	id, err := s.pointedKey(ctx, hash)
	if err != nil {
		return store.APIKey{}, fmt.Errorf("revoke key by hash: %w", err)
	}
	for range revokeAttempts {
		k, err := s.record(ctx, id)
		if err != nil {
			return store.APIKey{}, fmt.Errorf("revoke key %s: %w", id, err)
		}
		if k.Revoked != nil && (k.Hash == hash || k.PreviousHash == hash) {
			// An earlier attempt marked the record: finish its clean-up.
			s.dropPointers(ctx, k)
			return store.APIKey{}, fmt.Errorf("revoke key %s: already revoked: %w", id, store.ErrNotFound)
		}
		if !store.HashValid(k, hash, rev.At) {
			// A pointer the record does not back (a failed create, a
			// rotation that ended this secret): it opens nothing.
			return store.APIKey{}, fmt.Errorf("revoke key by hash: %w", store.ErrNotFound)
		}
		revoked, err := s.markRevoked(ctx, k, rev)
		if _, lost := conditionFailed(err); lost {
			continue // rotated or revoked meanwhile: read again
		}
		if err != nil {
			// The mark may have landed or not; a retry tells.
			return store.APIKey{}, fmt.Errorf("revoke key %s: %w", id, err)
		}
		s.dropPointers(ctx, revoked)
		return revoked, nil
	}
	return store.APIKey{}, fmt.Errorf("revoke key %s: rotated concurrently: %w", id, store.ErrConflict)
}

// markRevoked writes rev into k's record if it still has k's owner and
// secrets and is not revoked, and returns the record as written.
func (s *Keys) markRevoked(ctx context.Context, k store.APIKey, rev store.KeyRevocation) (store.APIKey, error) {
	db := (*DB)(s)
	update := expression.Set(expression.Name("revokedAt"), expression.Value(store.SortTime(rev.At))).
		Set(expression.Name("revokedReason"), expression.Value(rev.Reason))
	update = setOrRemove(update, "revokedUrl", rev.URL)
	update = setOrRemove(update, "revokedSource", rev.Source)
	previous := expression.AttributeNotExists(expression.Name("previousHash"))
	if k.PreviousHash != "" {
		previous = expression.Name("previousHash").Equal(expression.Value(k.PreviousHash))
	}
	cond := expression.AttributeNotExists(expression.Name("revokedAt")).
		And(expression.Name("userId").Equal(expression.Value(k.UserID))).
		And(expression.Name("hash").Equal(expression.Value(k.Hash))).
		And(previous)
	return (*Keys)(db).updateRecord(ctx, k.ID, update, cond)
}

// dropPointers deletes the pointers of every secret k's record holds.
func (s *Keys) dropPointers(ctx context.Context, k store.APIKey) {
	for _, h := range []string{k.Hash, k.PreviousHash} {
		if h != "" {
			s.dropPointer(ctx, k.ID, h)
		}
	}
}
