package authz

import (
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Render turns a decision into API Gateway's answer. Allow and Deny are IAM
// policies on exactly this method ARN, so a policy can never be reused for
// another route; Unauthorized is the error API Gateway maps to 401, and Fail
// an error it maps to a 5xx.
func Render(d Decision, methodArn string) (Response, error) {
	switch d.Effect {
	case Allow, Deny:
		principal, effect := policyHead(d)
		resp := Response{
			PrincipalID: principal,
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
				Version: "2012-10-17",
				Statement: []events.IAMPolicyStatement{{
					Action:   []string{"execute-api:Invoke"},
					Effect:   effect,
					Resource: []string{methodArn},
				}},
			},
		}
		if d.Effect == Allow {
			resp.Context = map[string]any{
				"userId":      d.Principal.UserID,
				"keyId":       d.Principal.KeyID,
				"method":      d.Principal.Method,
				"sessionId":   d.Principal.SessionID,
				"permissions": strings.Join(d.Principal.Permissions, ","),
				"authTime":    authTime(d.Principal),
			}
		}
		return resp, nil
	case Fail:
		return Response{}, errFailed
	}
	return Response{}, ErrUnauthorized
}

// policyHead is the principal id and IAM effect of an Allow or Deny answer,
// shared by Render and the Lambda path's appendPolicy.
func policyHead(d Decision) (principal, effect string) {
	principal, effect = d.Principal.UserID, "Deny"
	if principal == "" {
		principal = "anonymous"
	}
	if d.Effect == Allow {
		effect = "Allow"
	}
	return principal, effect
}

// authTime is the context's authTime: the sign-in's Unix time for a
// session, empty for a key.
func authTime(p Principal) string {
	if p.AuthTime == 0 {
		return ""
	}
	return strconv.FormatInt(p.AuthTime, 10)
}
