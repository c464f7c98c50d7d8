package scansig

import "sync"

// githubKeys are GitHub's secret-scanning keys pinned in the code, for
// LATCHKEY_SECRET_SCANNING_KEYS=github.
//
// Provenance: GitHub's own documentation signs its sample report
// (`[{"source":"commit","token":"some_token","type":"some_type","url":"https://example.com/base-repo-url/"}]`,
// signature MEQCIQDaMKqr…VQV4xg==) with the key of identifier
// bcb53661c06b4728…deb7518c ("Implement signature verification in your
// secret alert service",
// https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program),
// and the key below verifies that signature (TestGitHubsDocumentedSampleVerifies):
// only the holder of GitHub's private key could have made it. The same key,
// marked is_current, is the answer of
// https://api.github.com/meta/public_keys/secret_scanning recorded in the
// test fixtures of octokit.net (MetaPublicKeysTests) and of Sentry (the
// test of sentry.utils.github.verify_signature). The older key they list
// beside it, not current (90a42116…), is left out: nothing here proves it.
//
// GitHub may add or rotate keys; LATCHKEY_SECRET_SCANNING_FETCH_URL keeps
// the set current, and docs/API-KEYS.md says how to pin another set.
var githubKeys = []wireKey{{
	KeyIdentifier: "bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c",
	Key: "-----BEGIN PUBLIC KEY-----\n" +
		"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYAGMWO8XgCamYKMJS6jc/qgvSlAd\n" +
		"AjPuDPRcXU22YxgBrz+zoN19MzuRyW87qEt9/AmtoNP5GrobzUvQSyJFVw==\n" +
		"-----END PUBLIC KEY-----\n",
	IsCurrent: true,
}}

// GitHubKeys returns the pinned GitHub keys.
var GitHubKeys = sync.OnceValue(func() []Key {
	keys, errs := parseKeys(githubKeys)
	if len(errs) > 0 {
		panic("scansig: a pinned GitHub key does not parse")
	}
	return keys
})
