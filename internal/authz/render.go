package authz

import (
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/latchkey/latchkey/internal/httpx"
)

// MaxPolicyResource is API Gateway's limit on the resource ARN of an
// authorizer's policy statement: 512 characters ("Output from an API
// Gateway Lambda authorizer", API Gateway developer guide). A longer one is
// refused, and the caller gets a 5xx.
const MaxPolicyResource = 512

// PolicyResource is what an Allow or Deny names: the method ARN with the
// route's template in place of the request's path, each path parameter a
// `*` (".../GET/api/posts/*" for GET /api/posts/{id}). The method and the
// route stay exact, and since API Gateway's result cache is off (infra),
// the policy serves this one request; but its length no longer grows with
// the caller's path, which in a full method ARN could pass
// MaxPolicyResource. An ARN or a template it cannot read is named as is.
//
// It is built in one pass and one allocation (policyResourceSplit, in the
// tests, is the same by strings.Split, and FuzzPolicyResource holds them
// equal).
func PolicyResource(methodArn, resource string) string {
	// The ARN's sixth field, after its fifth colon: apiId/stage/METHOD/path.
	rest := 0
	for range 5 {
		c := strings.IndexByte(methodArn[rest:], ':')
		if c < 0 {
			return methodArn
		}
		rest += c + 1
	}
	if !strings.HasPrefix(resource, "/") {
		return methodArn
	}
	// Up to the third slash (or the end): apiId/stage/METHOD.
	end := rest
	for n := 0; n < 3; n++ {
		c := strings.IndexByte(methodArn[end:], '/')
		if c < 0 {
			if n < 2 {
				return methodArn // fewer than three fields
			}
			end = len(methodArn)
			break
		}
		if n < 2 {
			end += c + 1
		} else {
			end += c
		}
	}
	var b strings.Builder
	b.Grow(end + len(resource))
	b.WriteString(methodArn[:end])
	for seg := range strings.SplitSeq(resource[1:], "/") {
		b.WriteByte('/')
		if len(seg) >= 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
			seg = "*"
		}
		b.WriteString(seg)
	}
	return b.String()
}

// Render turns a decision into API Gateway's answer. Allow and Deny are IAM
// policies on resource (PolicyResource: this method on this route), so a
// policy can never be reused for another route; an Allow's context is the
// principal, a Deny's the code and message of its 403; Unauthorized is the error
// API Gateway maps to 401, and Fail an error it maps to a 5xx.
func Render(d Decision, resource string) (Response, error) {
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
					Resource: []string{resource},
				}},
			},
		}
		if d.Effect == Allow {
			resp.Context = d.Principal.Context()
		} else {
			// API Gateway writes the 403's body from these
			// (httpx.DenialTemplate); never who the principal is.
			g := d.denial()
			resp.Context = map[string]any{httpx.DenialCode: g.Code, httpx.DenialMessage: g.Message}
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
