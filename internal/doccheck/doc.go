// Package doccheck holds the tests that keep README.md and docs/ true to
// the repository: every link resolves, every route of the route table,
// every configuration variable and every error code is in the HTTP
// contract (docs/API.md).
package doccheck
