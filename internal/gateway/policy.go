package gateway

import (
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// policyAllows evaluates an authorizer's policy for one method ARN as IAM
// does: an explicit Deny that matches wins, otherwise a matching Allow is
// needed, otherwise the request is denied.
func policyAllows(statements []events.IAMPolicyStatement, methodArn string) bool {
	allowed := false
	for _, s := range statements {
		if !matchesAny(s.Action, "execute-api:Invoke") || !matchesAny(s.Resource, methodArn) {
			continue
		}
		switch s.Effect {
		case "Deny":
			return false
		case "Allow":
			allowed = true
		}
	}
	return allowed
}

func matchesAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if glob(p, s) {
			return true
		}
	}
	return false
}

// glob matches IAM's wildcards: * any run of characters, ? one character.
func glob(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == s
	}
	// Iterative matcher with backtracking to the last star: linear in
	// practice, no recursion on attacker-shaped input.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
