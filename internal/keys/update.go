package keys

import (
	"context"
	"errors"
	"strings"

	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
)

// Update answers PATCH /api/keys/{id}: 200 with the key as changed (its
// label, its allowed addresses or both), or 404 unless the key is the
// caller's, or 409 key_revoked for a revoked key (kept to be read, not
// changed). The change is recorded in the owner's security log. Changing
// the allowed addresses needs a recent sign-in, as making or regenerating
// a key does: an empty or wider list lets a key work from more places, and
// a session left open (or stolen) must not be able to do that. A label
// alone needs none.
func (h Handlers) Update(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, id, err := keyRequest(req)
	if err != nil {
		return httpx.Response{}, err
	}
	set, err := decodeUpdate(req)
	if err != nil {
		return httpx.Response{}, err
	}
	if set.AllowedCIDRs != nil {
		if err := h.recentSignIn(p); err != nil {
			return httpx.Response{}, err
		}
	}
	k, err := h.Manager.Keys.UpdateSettings(ctx, p.UserID, id, set)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.Response{}, httpx.NotFound("key")
	}
	if errors.Is(err, store.ErrRevoked) {
		return httpx.Response{}, httpx.Errorf(409, httpx.CodeKeyRevoked, "this key was revoked and cannot be changed: delete it and create a new one")
	}
	if err != nil {
		return httpx.Response{}, err
	}
	httpx.Logger(ctx).Info("api key updated", "userId", p.UserID, "keyId", id,
		"labelChanged", set.Label != nil, "allowedCidrsChanged", set.AllowedCIDRs != nil, "allowedCidrs", len(k.AllowedCIDRs))
	allowed := strings.Join(k.AllowedCIDRs, " ")
	if allowed == "" {
		allowed = "any address"
	}
	// The change stands whether or not its entry is written: seclog logs
	// a failed write, and the key's new state is what the owner sees.
	details := h.keyDetails(req, k)
	details["allowedCidrs"] = allowed
	h.Events.Record(ctx, p.UserID, store.EventKeyUpdated, details)
	return httpx.JSON(200, View(k)), nil
}
