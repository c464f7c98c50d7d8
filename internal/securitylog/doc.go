// Package securitylog serves GET /api/security-log: a person's own
// security log — sign-ins, sign-outs, sessions ended, key changes and
// refusals on their resources — which internal/seclog writes where each
// happens.
package securitylog
