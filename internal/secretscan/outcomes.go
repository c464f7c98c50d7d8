package secretscan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/seclog"
	"github.com/latchkey/latchkey/internal/store"
)

// What a report held is kept as security-log events of a reserved owner,
// one per distinct match a day, for the deployer's feedback to GitHub
// (cmd/secret-scanning-feedback). They hold the token's SHA-256, never the
// token: for a key, its stored hash, of a key revoked by then.
const (
	// OutcomeOwner is the security log's owner of the kept outcomes. No
	// user can have it (a user's id is "usr_" and 26 base32 characters), so
	// no one's security log shows them.
	OutcomeOwner = "secret-scanning"
	// EventReported is their kind.
	EventReported = "secret-scanning-match"
)

// The details of an EventReported event. DetailTruncated and DetailDropped,
// present only when some field was, name the fields (FieldType, …) that
// were cut to their bound or left out (Entry), comma-separated.
const (
	DetailTokenHash = "tokenHash"
	DetailTokenType = "tokenType"
	DetailURL       = "url"
	DetailSource    = "source"
	DetailOutcome   = "outcome"
	DetailKeyID     = "keyId"
	DetailTruncated = "truncated"
	DetailDropped   = "dropped"
)

// TokenHash is the hex SHA-256 of a reported token, as GitHub's feedback
// takes it (token_hash) and as apikey.Hash stores a key.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// KeptID is the id of the kept event of a token (by its hash) reported at
// url (as kept) on day (UTC, 2006-01-02). It is derived, not random, so a
// match reported again the same day — in the same report, or by a replay
// of it, such as GitHub's documented sample, signed by the pinned key —
// finds its event kept already (store.ErrExists) and adds nothing: a replay
// adds at most one event per distinct match and day, for the retention.
func KeptID(tokenHash, url, day string) string {
	return store.DerivedID("evt", "latchkey secret-scanning match", tokenHash, url, day)
}

// keep records one event per distinct match (KeptID), unless one is kept
// already. A failed write is logged by seclog.RecordOnce and does not fail
// the report: the revocations it made stand, and the owners' keys say why.
func (h handler) keep(ctx context.Context, es []Entry, outcomes map[string]outcome) {
	day := h.d.Now().UTC().Format(time.DateOnly)
	type item struct {
		id      string
		details map[string]string
	}
	var items []item
	seen := map[string]bool{}
	for _, e := range es {
		hash := TokenHash(e.Token)
		id := KeptID(hash, e.URL, day)
		if seen[id] {
			continue
		}
		seen[id] = true
		o := outcomes[e.Token]
		details := map[string]string{
			DetailTokenHash: hash, DetailTokenType: e.Type, DetailURL: e.URL,
			DetailSource: e.Source, DetailOutcome: o.kind,
		}
		if o.keyID != "" {
			details[DetailKeyID] = o.keyID
		}
		if len(e.Truncated) > 0 {
			details[DetailTruncated] = strings.Join(e.Truncated, ",")
		}
		if len(e.Dropped) > 0 {
			details[DetailDropped] = strings.Join(e.Dropped, ",")
		}
		items = append(items, item{id: id, details: details})
	}
	_ = each(items, func(it item) error {
		// store.ErrExists: kept already, by an earlier report of the day.
		_ = seclog.RecordOnce(ctx, h.d, it.id, OutcomeOwner, EventReported, it.details)
		return nil
	})
}

// Kept is one kept match, as the security log holds it.
type Kept struct {
	TokenHash, TokenType, URL, Source, Outcome, KeyID string
	// Truncated and Dropped are DetailTruncated and DetailDropped: the
	// fields cut or left out, comma-separated ("" for none).
	Truncated, Dropped string
}

// KeptFrom reads a kept match from an event's details.
func KeptFrom(details map[string]string) Kept {
	return Kept{
		TokenHash: details[DetailTokenHash], TokenType: details[DetailTokenType], URL: details[DetailURL],
		Source: details[DetailSource], Outcome: details[DetailOutcome], KeyID: details[DetailKeyID],
		Truncated: details[DetailTruncated], Dropped: details[DetailDropped],
	}
}

// FeedbackOf is the feedback on kept matches, one item per token hash and
// sorted by it: true_positive when any report of the token revoked a key
// (a later report of the same token finds it revoked, OutcomeUnknown),
// false_positive when it is no Latchkey key, and nothing when neither is
// known.
func FeedbackOf(kept []Kept) Feedback {
	type seen struct {
		typ   string
		label string
	}
	by := map[string]*seen{}
	for _, k := range kept {
		s := by[k.TokenHash]
		if s == nil {
			s = &seen{typ: k.TokenType}
			by[k.TokenHash] = s
		}
		if l := Label(k.Outcome); l == "true_positive" || s.label == "" {
			s.label = l
		}
	}
	out := Feedback{}
	for h, s := range by {
		if s.label != "" {
			out = append(out, FeedbackItem{TokenHash: h, TokenType: s.typ, Label: s.label})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TokenHash < out[j].TokenHash })
	return out
}
