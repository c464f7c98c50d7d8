package authz

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

// ErrNoPrincipal means a function got no usable authorizer context: it was
// reached without the authorizer, which only a misconfiguration allows.
// Handlers answer 401 (fail closed).
var ErrNoPrincipal = errors.New("no principal in the authorizer context")

// PrincipalFrom reads the principal that the authorizer passed to a
// function in requestContext.authorizer.
func PrincipalFrom(req events.APIGatewayProxyRequest) (Principal, error) {
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
		return Principal{}, ErrNoPrincipal
	}
	return p, nil
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
