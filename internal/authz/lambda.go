package authz

import (
	"context"
	"strings"

	"github.com/latchkey/latchkey/internal/httpx"
)

// Invoke is the Lambda entry point (it makes *Authorizer a lambda.Handler):
// it reads only what the decision needs from the raw event and writes the
// answer without reflection. Handle is the same decision on a decoded event.
func (a *Authorizer) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	in, err := DecodeInput(event)
	if err != nil {
		// Not an event API Gateway sends: a misconfiguration. Fail closed.
		a.log.Error("authorizer: unreadable event", "err", err.Error())
		return nil, errFailed
	}
	d := a.Decide(ctx, in)
	a.logDecision(in, d)
	switch d.Effect {
	case Allow, Deny:
		return appendPolicy(make([]byte, 0, 512), d, PolicyResource(in.MethodArn, in.Resource)), nil
	case Fail:
		return nil, errFailed
	}
	return nil, ErrUnauthorized
}

// appendPolicy writes the same JSON as Render's answer encoded with
// encoding/json.
func appendPolicy(b []byte, d Decision, resource string) []byte {
	principal, effect := policyHead(d)
	b = append(b, `{"principalId":`...)
	b = httpx.AppendJSONString(b, principal)
	b = append(b, `,"policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"`...)
	b = append(b, effect...)
	b = append(b, `","Resource":[`...)
	b = httpx.AppendJSONString(b, resource)
	b = append(b, `]}]}`...)
	if d.Effect == Allow {
		b = append(b, `,"context":{"authTime":`...)
		b = httpx.AppendJSONString(b, d.Principal.AuthTimeString())
		b = append(b, `,"keyId":`...)
		b = httpx.AppendJSONString(b, d.Principal.KeyID)
		b = append(b, `,"method":`...)
		b = httpx.AppendJSONString(b, d.Principal.Method)
		b = append(b, `,"permissions":`...)
		b = httpx.AppendJSONString(b, strings.Join(d.Principal.Permissions, ","))
		b = append(b, `,"sessionId":`...)
		b = httpx.AppendJSONString(b, d.Principal.SessionID)
		b = append(b, `,"userId":`...)
		b = httpx.AppendJSONString(b, d.Principal.UserID)
		b = append(b, '}')
	} else {
		g := d.denial()
		b = append(b, `,"context":{"`+httpx.DenialCode+`":`...)
		b = httpx.AppendJSONString(b, g.Code)
		b = append(b, `,"`+httpx.DenialMessage+`":`...)
		b = httpx.AppendJSONString(b, g.Message)
		b = append(b, '}')
	}
	return append(b, '}')
}
