package secretscan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"github.com/latchkey/latchkey/internal/seclog"
)

// What a report held is kept as security-log events of a reserved owner,
// one per match, for the deployer's feedback to GitHub
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

// The details of an EventReported event.
const (
	DetailTokenHash = "tokenHash"
	DetailTokenType = "tokenType"
	DetailURL       = "url"
	DetailSource    = "source"
	DetailOutcome   = "outcome"
	DetailKeyID     = "keyId"
)

// TokenHash is the hex SHA-256 of a reported token, as GitHub's feedback
// takes it (token_hash) and as apikey.Hash stores a key.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// keep records one event per match. A failed write is logged by
// seclog.Record and does not fail the report: the revocations it made
// stand, and the owners' keys say why.
func (h handler) keep(ctx context.Context, ms Matches, outcomes map[string]outcome) {
	_ = each(ms, func(m Match) error {
		o := outcomes[m.Token]
		details := map[string]string{
			DetailTokenHash: TokenHash(m.Token), DetailTokenType: m.Type, DetailURL: m.URL,
			DetailSource: m.Source, DetailOutcome: o.kind,
		}
		if o.keyID != "" {
			details[DetailKeyID] = o.keyID
		}
		_ = seclog.Record(ctx, h.d, OutcomeOwner, EventReported, details)
		return nil
	})
}

// Kept is one kept match, as the security log holds it.
type Kept struct {
	TokenHash, TokenType, URL, Source, Outcome, KeyID string
}

// KeptFrom reads a kept match from an event's details.
func KeptFrom(details map[string]string) Kept {
	return Kept{
		TokenHash: details[DetailTokenHash], TokenType: details[DetailTokenType], URL: details[DetailURL],
		Source: details[DetailSource], Outcome: details[DetailOutcome], KeyID: details[DetailKeyID],
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
