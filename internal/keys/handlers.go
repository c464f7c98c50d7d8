package keys

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/seclog"
	"github.com/latchkey/latchkey/internal/store"
)

// Handlers serves the /api/keys routes: it translates events to Manager
// calls and errors to docs/API.md answers. Nothing here logs a secret, a hash or
// a body; the audit lines name the key and the user only.
type Handlers struct {
	Manager Manager
	// CacheTTL is the authorizer's cache time, which the listing reports.
	CacheTTL time.Duration
	// Events records creations, regenerations and revocations in the
	// owner's security log: the key's id, label and hint, never its secret.
	Events seclog.Recorder
}

// keyDetails are a key's details in the security log: what names it to a
// person, and the caller's address. The hint is the secret's prefix and
// last four characters, as the listing shows it; the secret and its hash
// are never in the log.
func (h Handlers) keyDetails(req httpx.Request, k store.APIKey) map[string]string {
	return map[string]string{"keyId": k.ID, "label": k.Label, "hint": k.Hint, "address": h.Events.Address(req)}
}

// List answers GET /api/keys: all the caller's keys, newest first.
func (h Handlers) List(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := httpx.SessionPrincipal(req, "managing keys")
	if err != nil {
		return httpx.Response{}, err
	}
	ks, err := h.Manager.List(ctx, p.UserID)
	if err != nil {
		return httpx.Response{}, err
	}
	out := Listing{Keys: make([]Key, 0, len(ks)), CacheTTLSeconds: int(math.Ceil(h.CacheTTL.Seconds()))}
	for _, k := range ks {
		out.Keys = append(out.Keys, View(k))
	}
	return httpx.JSON(200, out), nil
}

// MaxSignInAge is how recent a sign-in must be to make or regenerate a key:
// a session left open (or stolen) cannot mint credentials that outlive it.
const MaxSignInAge = 15 * time.Minute

// recentSignIn refuses with 403 reauth_required unless the session's
// sign-in is at most MaxSignInAge old.
func (h Handlers) recentSignIn(p principal.Principal) error {
	if p.AuthTime == 0 || h.Manager.Now().Sub(time.Unix(p.AuthTime, 0)) > MaxSignInAge {
		return httpx.Errorf(403, httpx.CodeReauthRequired, "sign in again to make or regenerate a key, or to change where one works: the last sign-in was over %d minutes ago", int(MaxSignInAge.Minutes()))
	}
	return nil
}

// Create answers POST /api/keys: 201 with the new key and its secret.
func (h Handlers) Create(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := httpx.SessionPrincipal(req, "managing keys")
	if err != nil {
		return httpx.Response{}, err
	}
	if err := h.recentSignIn(p); err != nil {
		return httpx.Response{}, err
	}
	nk, err := decodeCreate(req)
	if err != nil {
		return httpx.Response{}, err
	}
	k, secret, err := h.Manager.Issue(ctx, p.UserID, nk)
	if errors.Is(err, ErrTooManyKeys) {
		return httpx.Response{}, httpx.BadRequest("you have %d keys, the most allowed; delete one first", MaxKeysPerUser)
	}
	if err != nil {
		return httpx.Response{}, err
	}
	httpx.Logger(ctx).Info("api key created", "userId", p.UserID, "keyId", k.ID)
	details := h.keyDetails(req, k)
	details["permissions"] = strings.Join(k.Permissions, ",")
	if k.ExpiresAt != nil {
		details["expiresAt"] = k.ExpiresAt.UTC().Format(time.RFC3339)
	}
	h.Events.Record(ctx, p.UserID, store.EventKeyCreated, details)
	return httpx.JSON(201, WithSecret{Key: View(k), Secret: secret}), nil
}

// Delete answers DELETE /api/keys/{id}: 204, or 404 unless the key is the
// caller's.
func (h Handlers) Delete(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, id, err := keyRequest(req)
	if err != nil {
		return httpx.Response{}, err
	}
	// Read first, for the label and hint the log names it by: once
	// deleted, the key is gone.
	k, err := h.Manager.Keys.Get(ctx, p.UserID, id)
	if err == nil {
		err = h.Manager.Delete(ctx, p.UserID, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return httpx.Response{}, httpx.NotFound("key")
	}
	if err != nil {
		return httpx.Response{}, err
	}
	httpx.Logger(ctx).Info("api key deleted", "userId", p.UserID, "keyId", id)
	h.Events.Record(ctx, p.UserID, store.EventKeyRevoked, h.keyDetails(req, k))
	return httpx.NoContent(), nil
}

// Regenerate answers POST /api/keys/{id}/regenerate: 200 with the key and
// its new secret, 404 unless the key is the caller's, 409 key_revoked for
// a revoked key.
func (h Handlers) Regenerate(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, id, err := keyRequest(req)
	if err != nil {
		return httpx.Response{}, err
	}
	grace, err := decodeRegenerate(req)
	if err != nil {
		return httpx.Response{}, err
	}
	if err := h.recentSignIn(p); err != nil {
		return httpx.Response{}, err
	}
	k, secret, err := h.Manager.Regenerate(ctx, p.UserID, id, grace)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.Response{}, httpx.NotFound("key")
	}
	if errors.Is(err, store.ErrRevoked) {
		return httpx.Response{}, httpx.Errorf(409, httpx.CodeKeyRevoked,
			"this key was revoked and cannot be regenerated: delete it and create a new one")
	}
	if err != nil {
		return httpx.Response{}, err
	}
	httpx.Logger(ctx).Info("api key regenerated", "userId", p.UserID, "keyId", id, "graceSeconds", int(grace.Seconds()))
	details := h.keyDetails(req, k)
	details["graceSeconds"] = strconv.Itoa(int(grace.Seconds()))
	h.Events.Record(ctx, p.UserID, store.EventKeyRegenerated, details)
	return httpx.JSON(200, WithSecret{Key: View(k), Secret: secret}), nil
}

// keyID returns the {id} path parameter, or 404 before any store read
// when it cannot be a key ID.
func keyID(req httpx.Request) (string, error) {
	id := req.PathParameters["id"]
	if !store.ValidID("key", id) {
		return "", httpx.NotFound("key")
	}
	return id, nil
}

// keyRequest reads what every request about one key needs: a browser
// session's principal and the key's id from the path.
func keyRequest(req httpx.Request) (principal.Principal, string, error) {
	p, err := httpx.SessionPrincipal(req, "managing keys")
	if err != nil {
		return principal.Principal{}, "", err
	}
	id, err := keyID(req)
	return p, id, err
}
