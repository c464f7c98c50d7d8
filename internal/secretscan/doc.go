// Package secretscan serves POST /api/public/secret-scanning, where GitHub's
// secret scanning partner program reports Latchkey keys it found in public
// (https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program):
// a JSON list of {token, type, url, source}, signed by GitHub (package
// scansig verifies it). Every reported token that opens a live key of this
// deployment revokes that key within the request, whatever the report's
// other matches hold (Parse refuses only a body that is not a JSON list of
// objects); the owner sees it on the key and in their security log. What
// each report held is kept, without any token, once per match a day
// (KeptID), for the deployer's false-positive feedback to GitHub
// (cmd/secret-scanning-feedback).
package secretscan
