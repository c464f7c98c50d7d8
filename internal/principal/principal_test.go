package principal

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestPermission: only GET and HEAD need no more than read; OPTIONS, TRACE,
// an unknown method and a lower-case spelling need write (fail closed).
func TestPermission(t *testing.T) {
	for m, want := range map[string]string{
		"GET": Read, "HEAD": Read,
		"POST": Write, "PUT": Write, "PATCH": Write, "DELETE": Write,
		"OPTIONS": Write, "TRACE": Write, "CONNECT": Write, "PROPFIND": Write, "get": Write, "": Write,
	} {
		if got := Permission(m); got != want {
			t.Errorf("Permission(%s) = %q; want %q", m, got, want)
		}
	}
}

// TestFromReadsWhatContextWrites: a principal survives the trip through
// the authorizer context, and a context that names no valid principal is
// ErrNone (a function reached without the authorizer fails closed).
func TestFromReadsWhatContextWrites(t *testing.T) {
	for _, p := range []Principal{
		{UserID: "usr_1", KeyID: "key_1", Method: MethodAPIKey, Permissions: []string{Read}},
		{UserID: "usr_1", SessionID: "ses_1", Method: MethodSession, Permissions: []string{Read, Write}, AuthTime: 1700000000},
	} {
		var req events.APIGatewayProxyRequest
		req.RequestContext.Authorizer = p.Context()
		got, err := From(req)
		if err != nil || got.UserID != p.UserID || got.KeyID != p.KeyID || got.SessionID != p.SessionID ||
			got.Method != p.Method || got.AuthTime != p.AuthTime || len(got.Permissions) != len(p.Permissions) {
			t.Errorf("From(Context(%+v)) = %+v, %v", p, got, err)
		}
	}
	for _, ctx := range []map[string]any{
		nil,
		{"userId": "usr_1", "method": "apikey"},  // a key without its id
		{"userId": "usr_1", "method": "session"}, // a session without its id
		{"userId": "usr_1", "method": "root", "keyId": "k"}, // no such method
		{"method": "apikey", "keyId": "key_1"},              // no user
	} {
		var req events.APIGatewayProxyRequest
		req.RequestContext.Authorizer = ctx
		if _, err := From(req); err != ErrNone {
			t.Errorf("From(%v) = %v; want ErrNone", ctx, err)
		}
	}
}
