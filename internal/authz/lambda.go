package authz

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

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
	b = appendJSONString(b, principal)
	b = append(b, `,"policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"`...)
	b = append(b, effect...)
	b = append(b, `","Resource":[`...)
	b = appendJSONString(b, resource)
	b = append(b, `]}]}`...)
	if d.Effect == Allow {
		b = append(b, `,"context":{"authTime":`...)
		b = appendJSONString(b, d.Principal.AuthTimeString())
		b = append(b, `,"keyId":`...)
		b = appendJSONString(b, d.Principal.KeyID)
		b = append(b, `,"method":`...)
		b = appendJSONString(b, d.Principal.Method)
		b = append(b, `,"permissions":`...)
		b = appendJSONString(b, strings.Join(d.Principal.Permissions, ","))
		b = append(b, `,"sessionId":`...)
		b = appendJSONString(b, d.Principal.SessionID)
		b = append(b, `,"userId":`...)
		b = appendJSONString(b, d.Principal.UserID)
		b = append(b, '}')
	} else {
		g := d.denial()
		b = append(b, `,"context":{"`+httpx.DenialCode+`":`...)
		b = appendJSONString(b, g.Code)
		b = append(b, `,"`+httpx.DenialMessage+`":`...)
		b = appendJSONString(b, g.Message)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced, and <, >, & escaped as
// encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				switch c {
				case '\n':
					b = append(b, '\\', 'n')
				case '\r':
					b = append(b, '\\', 'r')
				case '\t':
					b = append(b, '\\', 't')
				case '\b':
					b = append(b, '\\', 'b')
				case '\f':
					b = append(b, '\\', 'f')
				default:
					b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
				}
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = strconv.AppendInt(b, int64(r&0xf), 16)
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
