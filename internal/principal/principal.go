// Package principal is who a request acts for: the authorizer writes it
// into API Gateway's authorizer context, and a function reads it back. It
// is a leaf package, so that handlers depend on this and not on the
// authorizer.
package principal

import (
	"errors"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Credential methods, as the authorizer context names them.
const (
	MethodAPIKey  = "apikey"
	MethodSession = "session"
)

// The permissions a credential may hold.
const (
	Read  = "read"
	Write = "write"
)

// Principal is who a request acts for.
type Principal struct {
	UserID      string
	KeyID       string // for an API key
	SessionID   string // for a browser session (its public ID)
	Method      string // MethodAPIKey or MethodSession
	Permissions []string
	// AuthTime is when a session's person signed in (Unix seconds): key
	// management asks for a recent sign-in.
	AuthTime int64
}

// ErrNone means a function got no usable authorizer context: it was reached
// without the authorizer, which only a misconfiguration allows. Handlers
// answer 401 (fail closed).
var ErrNone = errors.New("no principal in the authorizer context")

// Safe reports whether an HTTP method only reads: GET and HEAD, the one
// list both the permission a method needs (Permission) and the origin check
// on a cookie request (session.Unsafe) follow. Every other method — OPTIONS
// and TRACE included, which RFC 9110 calls safe — counts as a change of
// state: no route answers them and Latchkey allows no cross-origin access,
// so nothing needs them safe, and a method unknown here fails closed.
func Safe(method string) bool {
	return method == "GET" || method == "HEAD"
}

// Permission is the permission an HTTP method needs: read for a safe
// method (Safe), write for anything else.
func Permission(method string) string {
	if Safe(method) {
		return Read
	}
	return Write
}

// Can reports whether the principal holds a permission.
func (p Principal) Can(permission string) bool {
	for _, x := range p.Permissions {
		if x == permission {
			return true
		}
	}
	return false
}

// AuthTimeString is the context's authTime: the sign-in's Unix time for a
// session, empty for a key.
func (p Principal) AuthTimeString() string {
	if p.AuthTime == 0 {
		return ""
	}
	return strconv.FormatInt(p.AuthTime, 10)
}

// Context is the authorizer context that carries p (every value a string,
// as API Gateway passes them on).
func (p Principal) Context() map[string]any {
	return map[string]any{
		"userId":      p.UserID,
		"keyId":       p.KeyID,
		"method":      p.Method,
		"sessionId":   p.SessionID,
		"permissions": strings.Join(p.Permissions, ","),
		"authTime":    p.AuthTimeString(),
	}
}

// From reads the principal that the authorizer passed to a function in
// requestContext.authorizer.
func From(req events.APIGatewayProxyRequest) (Principal, error) {
	ctx := req.RequestContext.Authorizer
	str := func(k string) string {
		s, _ := ctx[k].(string)
		return s
	}
	p := Principal{UserID: str("userId"), KeyID: str("keyId"), SessionID: str("sessionId"), Method: str("method")}
	if perms := str("permissions"); perms != "" {
		p.Permissions = strings.Split(perms, ",")
	}
	if at, err := strconv.ParseInt(str("authTime"), 10, 64); err == nil {
		p.AuthTime = at
	}
	if p.UserID == "" || (p.Method != MethodAPIKey && p.Method != MethodSession) || (p.Method == MethodAPIKey && p.KeyID == "") ||
		(p.Method == MethodSession && p.SessionID == "") {
		return Principal{}, ErrNone
	}
	return p, nil
}
