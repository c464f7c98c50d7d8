package secretscan

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"mime"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/scansig"
	"github.com/latchkey/latchkey/internal/seclog"
	"github.com/latchkey/latchkey/internal/store"
)

// Reason is the revocation reason of a key reported found in public.
const Reason = "found in public"

// workers is how many store calls one report makes at once: a report of n
// distinct candidate tokens takes about n/workers round trips to revoke,
// and one of n distinct kept matches about n/workers to keep.
const workers = 8

// The outcomes of a reported token.
const (
	// OutcomeRevoked: it opened a live key of this deployment, which is
	// now revoked.
	OutcomeRevoked = "revoked"
	// OutcomeUnknown: a well-formed key of this deployment's environment,
	// checksum and all, that opens no live key: deleted, revoked by an
	// earlier report, another deployment's, or made up.
	OutcomeUnknown = "unknown"
	// OutcomeOtherEnvironment: a well-formed key of the other environment
	// (lk_test_ on a live deployment): never this deployment's.
	OutcomeOtherEnvironment = "other-environment"
	// OutcomeNotAKey: not a Latchkey key (the shape or the checksum fails).
	OutcomeNotAKey = "not-a-key"
)

// FeedbackItem is GitHub's false-positive feedback for one token, in the
// form its partner program documents, with the token's SHA-256 rather than
// the token ("Provide feedback for false positives").
type FeedbackItem struct {
	TokenHash string `json:"token_hash"`
	TokenType string `json:"token_type"`
	Label     string `json:"label" schema:"enum=true_positive|false_positive"`
}

// Feedback is the answer to a verified report: the feedback on each
// reported token whose label is known (Label).
type Feedback []FeedbackItem

// Label is GitHub's feedback label of an outcome: a live key is a true
// positive, a string that is no Latchkey key a false one; a well-formed key
// that opens nothing here (OutcomeUnknown, OutcomeOtherEnvironment) could
// be either, and has none ("").
func Label(outcome string) string {
	switch outcome {
	case OutcomeRevoked:
		return "true_positive"
	case OutcomeNotAKey:
		return "false_positive"
	}
	return ""
}

// handler serves the route over its dependencies and keyring.
type handler struct {
	d    deps.Deps
	keys *scansig.Keyring
}

// Report builds the handler of POST /api/public/secret-scanning. A keys
// setting that does not parse stops the cold start (config.Load refuses it
// first).
func Report(d deps.Deps) (httpx.Handler, error) {
	pinned, err := scansig.ParseSetting(d.Config.SecretScanningKeys)
	if err != nil {
		return nil, fmt.Errorf("LATCHKEY_SECRET_SCANNING_KEYS: %w", err)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	// The tokens of a report are handled concurrently, and each event's id
	// reads d.Rand, which need not be safe for concurrent use (a seeded
	// generator in tests).
	d.Rand = &lockedReader{r: d.Rand}
	h := handler{d: d, keys: scansig.NewKeyring(pinned, d.Config.SecretScanningFetchURL, d.Now, d.Log)}
	return h.serve, nil
}

// serve answers a report: 404 when the deployment trusts no key, 413 for a
// body over MaxBody, 401 invalid_signature unless GitHub signed these very
// bytes, 415 and 400 for a signed body that is not a JSON list of objects;
// and otherwise 200 with the feedback, once every reported live key is
// revoked, whatever the other matches hold. Nothing changes before the
// signature is verified, and nothing of a refused report is logged but the
// refusal and a well-formed key identifier.
func (h handler) serve(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	if !h.keys.Configured() {
		return httpx.Response{}, httpx.Errorf(404, httpx.CodeNotFound,
			"secret scanning is not configured on this deployment (LATCHKEY_SECRET_SCANNING_KEYS)")
	}
	// The bytes GitHub signed: API Gateway hands a text payload to a Lambda
	// proxy integration as the body string, unchanged, and one of a binary
	// media type base64-encoded, which httpx.Body decodes ("Binary media
	// types for REST APIs in API Gateway",
	// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html);
	// CloudFront passes the body and every header but Host
	// (ALL_VIEWER_EXCEPT_HOST_HEADER, infra/web.go).
	body, err := httpx.Body(req, MaxBody)
	if err != nil {
		return httpx.Response{}, err
	}
	ids := httpx.HeaderValues(req, scansig.HeaderIdentifier)
	if err := scansig.Verify(ctx, h.keys, body, ids, httpx.HeaderValues(req, scansig.HeaderSignature)); err != nil {
		keyID := ""
		if len(ids) == 1 && scansig.ValidIdentifier(ids[0]) {
			keyID = ids[0]
		}
		httpx.Logger(ctx).Warn("secret scanning report refused", "reason", err.Error(), "keyIdentifier", keyID)
		return httpx.Response{}, httpx.Errorf(401, httpx.CodeInvalidSignature, "%s", err.Error())
	}
	ct, _ := httpx.Header(req, "Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return httpx.Response{}, httpx.Errorf(415, httpx.CodeUnsupportedMedia, "the report must be application/json")
	}
	entries, err := Parse(body)
	if err != nil {
		return httpx.Response{}, err
	}
	outcomes, err := h.handle(ctx, entries)
	if err != nil {
		return httpx.Response{}, err
	}
	h.keep(ctx, entries, outcomes)
	return httpx.JSON(200, feedback(entries, outcomes)), nil
}

// outcome is what became of one distinct token.
type outcome struct {
	kind  string
	keyID string
}

// handle classifies each distinct token of the report and revokes the live
// keys, workers at a time: however many matches the report holds (MaxBody
// bounds them), only a candidate token (Entry.Candidate) of the right shape
// reaches the store, once. It returns the outcome of each token, or the
// first store error (a retry then finishes: what is revoked stays revoked).
func (h handler) handle(ctx context.Context, es []Entry) (map[string]outcome, error) {
	out := map[string]outcome{}
	first := map[string]Entry{} // each token's first match names the revocation
	var order []string
	for _, e := range es {
		_, decided := out[e.Token]
		_, pending := first[e.Token]
		switch {
		case decided || pending:
		case !e.Candidate:
			out[e.Token] = outcome{kind: OutcomeNotAKey}
		default:
			first[e.Token] = e
			order = append(order, e.Token)
		}
	}
	var mu sync.Mutex
	err := each(order, func(token string) error {
		o, err := h.one(ctx, first[token])
		mu.Lock()
		defer mu.Unlock()
		out[token] = o
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// each calls fn on every item, workers at a time, and returns the first
// error; after one, it calls fn no more.
func each[T any](items []T, fn func(T) error) error {
	var (
		mu     sync.Mutex
		failed error
		wg     sync.WaitGroup
		next   = make(chan T)
	)
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed != nil
	}
	for range min(workers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for item := range next {
				if stopped() {
					continue
				}
				if err := fn(item); err != nil {
					mu.Lock()
					if failed == nil {
						failed = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, item := range items {
		if stopped() {
			break
		}
		next <- item
	}
	close(next)
	wg.Wait()
	return failed
}

// one handles one candidate token: a key of this environment is revoked if
// it is live, and its owner told in their security log.
func (h handler) one(ctx context.Context, e Entry) (outcome, error) {
	env := h.d.Config.Env
	switch err := apikey.Check(e.Token, env); {
	case errors.Is(err, apikey.ErrWrongEnvironment):
		if apikey.Check(e.Token, apikey.Environment(e.Token)) == nil {
			return outcome{kind: OutcomeOtherEnvironment}, nil
		}
		return outcome{kind: OutcomeNotAKey}, nil
	case err != nil:
		return outcome{kind: OutcomeNotAKey}, nil
	}
	rev := store.KeyRevocation{At: h.d.Now().UTC(), Reason: Reason, URL: e.URL, Source: e.Source}
	k, err := h.d.Stores.Keys.RevokeByHash(ctx, apikey.Hash(e.Token), rev)
	if errors.Is(err, store.ErrNotFound) {
		return outcome{kind: OutcomeUnknown}, nil
	}
	if err != nil {
		return outcome{}, err
	}
	httpx.Logger(ctx).Warn("api key revoked: found in public", "userId", k.UserID, "keyId", k.ID, "source", e.Source)
	// The record already says why; a failed entry is logged by Record and
	// does not undo or fail the revocation.
	_ = seclog.Record(ctx, h.d, k.UserID, store.EventKeyAutoRevoked, map[string]string{
		"keyId": k.ID, "label": k.Label, "hint": k.Hint, "reason": Reason, "url": e.URL, "source": e.Source,
	})
	return outcome{kind: OutcomeRevoked, keyID: k.ID}, nil
}

// feedback is the answer: one item per distinct token with a label, the
// true positives first, each kind in the report's order, for the first
// MaxFeedback such tokens (the kept matches hold them all).
func feedback(es []Entry, outcomes map[string]outcome) Feedback {
	out := Feedback{}
	seen := map[string]bool{}
	for _, want := range []string{"true_positive", "false_positive"} {
		for _, e := range es {
			if len(out) == MaxFeedback {
				return out
			}
			if seen[e.Token] || Label(outcomes[e.Token].kind) != want {
				continue
			}
			seen[e.Token] = true
			out = append(out, FeedbackItem{TokenHash: TokenHash(e.Token), TokenType: e.Type, Label: want})
		}
	}
	return out
}

// lockedReader serializes reads of r.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}
