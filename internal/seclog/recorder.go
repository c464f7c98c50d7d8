package seclog

import (
	"context"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
)

// Recorder is how a handler records the events of the actions it takes.
// Build it with For from the handler's Deps.
//
// A handler records an event after its action has taken effect: the key is
// created (and its secret, shown once, is in the answer), the session has
// ended. If the log's write then fails, the request still succeeds: failing
// it would not undo the action, and would hide a secret that can never be
// shown again, or tell the person that a sign-out failed that did not.
// Record has logged the failure at error level, with the kind and the user
// (never the details), for the operators' alarms; the person's log lacks
// that one entry. docs/SECURITY.md, "Security log", says so.
type Recorder struct{ d deps.Deps }

// For returns the Recorder that writes through d.
func For(d deps.Deps) Recorder { return Recorder{d: d} }

// Record adds an event of kind to userID's log, with details that hold no
// secret; a failed write is logged and does not fail the caller.
func (r Recorder) Record(ctx context.Context, userID, kind string, details map[string]string) {
	_ = Record(ctx, r.d, userID, kind, details) // logged at error level by Record
}

// RecordOnce adds the event under id (store.DerivedID of what it records),
// or nothing when an event holds that id already; a failed write is logged
// and does not fail the caller.
func (r Recorder) RecordOnce(ctx context.Context, id, userID, kind string, details map[string]string) {
	_ = RecordOnce(ctx, r.d, id, userID, kind, details) // logged at error level unless the id was taken
}

// Address is the caller's address (httpx.CallerAddress): CloudFront's
// viewer address when the deployment has CloudFront in front (origin
// secrets configured), else API Gateway's source address.
func (r Recorder) Address(req httpx.Request) string {
	return httpx.CallerAddress(req, len(r.d.Config.OriginSecrets) > 0)
}
