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
// caller's. The change is recorded in the owner's security log. It needs
// no recent sign-in, unlike making or regenerating a key: it mints no
// secret, and a list only narrows where a secret the caller already has
// works.
func (h Handlers) Update(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, id, err := keyRequest(req)
	if err != nil {
		return httpx.Response{}, err
	}
	set, err := decodeUpdate(req)
	if err != nil {
		return httpx.Response{}, err
	}
	k, err := h.Manager.Keys.UpdateSettings(ctx, p.UserID, id, set)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.Response{}, httpx.NotFound("key")
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
