// Package workflowcheck holds the tests that keep the GitHub workflows in
// .github/workflows/ hardened: every action pinned to a full commit with
// its version beside it, token permissions given and read-only but for an
// environment's OIDC token, no trigger that runs a fork's code with the
// repository's rights, CI on every push and pull request, and a deploy
// that runs the CI first. actionlint (make lint) checks the rest.
package workflowcheck
