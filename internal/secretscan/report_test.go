package secretscan_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	mathrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/scansig"
	"github.com/latchkey/latchkey/internal/scansig/scansigtest"
	"github.com/latchkey/latchkey/internal/secretscan"
	"github.com/latchkey/latchkey/internal/store"
)

var at = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// env is a live deployment trusting one GitHub test key, over the
// in-memory store, with its log captured.
type env struct {
	t      *testing.T
	d      deps.Deps
	github scansigtest.Signer
	h      func(context.Context, httpx.Request) (httpx.Response, error)
	logs   *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	github, err := scansigtest.New("github-test-key")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, github: github, logs: &bytes.Buffer{}}
	e.d = depstest.Local(config.Config{Env: config.EnvLive, SecretScanningKeys: github.Setting()})
	e.d.Now = func() time.Time { return at }
	e.d.Rand = mathrand.NewChaCha8([32]byte([]byte("latchkey secret scanning tests!!")))
	e.d.Log = httpx.NewLogger(e.logs)
	e.build()
	return e
}

func (e *env) build() {
	e.h = httpx.Adapt(e.d.Log, depstest.Build(e.t, secretscan.Report, e.d))
}

// key stores a key of user for a fresh secret of env and returns both.
func (e *env) key(user, env, label string) (store.APIKey, string) {
	e.t.Helper()
	secret, err := apikey.Generate(rand.Reader, env)
	if err != nil {
		e.t.Fatal(err)
	}
	k := store.APIKey{ID: store.NewID("key"), UserID: user, Label: label, Hint: apikey.Hint(secret), Hash: apikey.Hash(secret),
		Permissions: []string{"read"}, Environment: env, CreatedAt: at.Add(-time.Hour)}
	if err := e.d.Stores.Keys.Create(context.Background(), k); err != nil {
		e.t.Fatal(err)
	}
	return k, secret
}

func (e *env) opens(secret string) bool {
	_, err := e.d.Stores.Keys.ByHash(context.Background(), apikey.Hash(secret), at)
	return err == nil
}

// post sends body with the given headers (nil: none) as API Gateway would.
func (e *env) post(body string, headers map[string]string) httpx.Response {
	e.t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range headers {
		h[k] = v
	}
	resp, err := e.h(context.Background(), httpx.Request{HTTPMethod: "POST", Path: "/api/public/secret-scanning", Headers: h, Body: body})
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// signed sends body signed by GitHub's test key.
func (e *env) signed(body string) httpx.Response {
	return e.post(body, map[string]string{scansig.HeaderIdentifier: e.github.ID, scansig.HeaderSignature: e.github.Sign([]byte(body))})
}

func (e *env) events(owner string) []store.SecurityEvent {
	e.t.Helper()
	evs, _, err := e.d.Stores.SecurityLog.List(context.Background(), owner, at, store.Page{Limit: store.MaxLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func report(ms ...secretscan.Match) string {
	b, _ := json.Marshal(ms)
	return string(b)
}

func match(token, url string) secretscan.Match {
	return secretscan.Match{Token: token, Type: "latchkey_api_key", URL: url, Source: "content"}
}

func errorCode(r httpx.Response) string {
	var b httpx.ErrorBody
	_ = json.Unmarshal([]byte(r.Body), &b)
	return b.Error
}

// TestAReportRevokesEveryReportedLiveKeyWithinTheRequest sends one report
// mixing a live key (twice, from two places), a key by its old secret in a
// rotation's grace, a key revoked by an earlier report, another
// environment's key, a well-formed key no one has, and strings that are no
// keys. When the answer comes, the live keys are revoked (the record says
// why, where and when), their owners' security logs say so without the
// token, another key of the same owner still works, the answer is GitHub's
// feedback, and what each match was is kept under the reserved owner
// without any token.
func TestAReportRevokesEveryReportedLiveKeyWithinTheRequest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	leaked, leakedSecret := e.key("usr_ada", config.EnvLive, "deploy bot")
	kept, keptSecret := e.key("usr_ada", config.EnvLive, "backup")
	rotating, oldSecret := e.key("usr_bob", config.EnvLive, "ci")
	newSecret, _ := apikey.Generate(rand.Reader, config.EnvLive)
	if _, err := e.d.Stores.Keys.Rotate(ctx, "usr_bob", rotating.ID, store.KeyRotation{
		NewHash: apikey.Hash(newSecret), NewHint: apikey.Hint(newSecret), Grace: time.Hour, At: at.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	_, earlierSecret := e.key("usr_cy", config.EnvLive, "old")
	if _, err := e.d.Stores.Keys.RevokeByHash(ctx, apikey.Hash(earlierSecret), store.KeyRevocation{At: at.Add(-time.Hour), Reason: secretscan.Reason}); err != nil {
		t.Fatal(err)
	}
	testKey, _ := apikey.Generate(rand.Reader, config.EnvTest)
	nobodys, _ := apikey.Generate(rand.Reader, config.EnvLive)
	badChecksum := leakedSecret[:apikey.Len-1] + "0"
	if badChecksum == leakedSecret {
		badChecksum = leakedSecret[:apikey.Len-1] + "1"
	}
	const url1, url2 = "https://github.com/ada/app/blob/9f1c/.env", "https://gist.github.com/ada/123"

	body := report(
		match(leakedSecret, url1),
		match(oldSecret, "https://github.com/bob/ci/commit/77aa"),
		match(earlierSecret, "https://github.com/cy/x"),
		match(testKey, "https://github.com/z/z"),
		match(nobodys, ""),
		match(badChecksum, "https://github.com/y/y"),
		match("some_token", "https://example.com/base-repo-url/"),
		secretscan.Match{Token: leakedSecret, Type: "latchkey_api_key", URL: url2, Source: "gist_content"},
	)
	resp := e.signed(body)
	if resp.StatusCode != 200 {
		t.Fatalf("POST signed report = %d %s; want 200", resp.StatusCode, resp.Body)
	}

	t.Run("the live keys are revoked when the answer comes", func(t *testing.T) {
		for _, s := range []string{leakedSecret, oldSecret, newSecret} {
			if e.opens(s) {
				t.Errorf("secret %s… still opens its key", s[:12])
			}
		}
		if !e.opens(keptSecret) {
			t.Error("another key of the same owner stopped working")
		}
		k, err := e.d.Stores.Keys.Get(ctx, "usr_ada", leaked.ID)
		if err != nil || k.Revoked == nil || k.Revoked.Reason != "found in public" || k.Revoked.URL != url1 ||
			k.Revoked.Source != "content" || !k.Revoked.At.Equal(at) {
			t.Fatalf("the leaked key = %+v, %v; want kept, revoked as found in public at %s (the first place reported)", k.Revoked, err, url1)
		}
		if k, _ := e.d.Stores.Keys.Get(ctx, "usr_ada", kept.ID); k.Revoked != nil {
			t.Fatal("the other key was marked revoked")
		}
	})

	t.Run("the owners are told in their security logs, without the token", func(t *testing.T) {
		for _, c := range []struct {
			user string
			key  store.APIKey
			url  string
		}{{"usr_ada", leaked, url1}, {"usr_bob", rotating, "https://github.com/bob/ci/commit/77aa"}} {
			evs := e.events(c.user)
			if len(evs) != 1 || evs[0].Kind != store.EventKeyAutoRevoked {
				t.Fatalf("%s's security log = %+v; want one %s event", c.user, evs, store.EventKeyAutoRevoked)
			}
			d := evs[0].Details
			now, _ := e.d.Stores.Keys.Get(ctx, c.user, c.key.ID) // a rotated key has the new secret's hint
			if d["keyId"] != c.key.ID || d["label"] != c.key.Label || d["hint"] != now.Hint || d["url"] != c.url || d["source"] != "content" {
				t.Errorf("%s's event details = %v; want key id, label, hint, url and source", c.user, d)
			}
		}
		if evs := e.events("usr_cy"); len(evs) != 0 {
			t.Errorf("the owner of the key revoked before got %d more events; want none", len(evs))
		}
	})

	t.Run("the answer is GitHub's feedback on each token it can label", func(t *testing.T) {
		var fb secretscan.Feedback
		if err := json.Unmarshal([]byte(resp.Body), &fb); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			secretscan.TokenHash(leakedSecret): "true_positive", secretscan.TokenHash(oldSecret): "true_positive",
			secretscan.TokenHash(badChecksum): "false_positive", secretscan.TokenHash("some_token"): "false_positive",
		}
		if len(fb) != len(want) {
			t.Fatalf("feedback = %+v; want %d items (one per labelled token)", fb, len(want))
		}
		for _, f := range fb {
			if want[f.TokenHash] != f.Label || f.TokenType != "latchkey_api_key" {
				t.Errorf("feedback item %+v; want label %q", f, want[f.TokenHash])
			}
		}
	})

	t.Run("each match is kept under the reserved owner, without its token", func(t *testing.T) {
		evs := e.events(secretscan.OutcomeOwner)
		if len(evs) != 8 {
			t.Fatalf("%d kept matches; want 8", len(evs))
		}
		outcomes := map[string]int{}
		for _, ev := range evs {
			k := secretscan.KeptFrom(ev.Details)
			if ev.Kind != secretscan.EventReported || len(k.TokenHash) != 64 || k.TokenType != "latchkey_api_key" {
				t.Errorf("kept %+v; want a %s event with the token's hash and type", ev, secretscan.EventReported)
			}
			outcomes[k.Outcome]++
			if k.Outcome == secretscan.OutcomeRevoked && k.KeyID == "" {
				t.Errorf("kept revocation %+v names no key", k)
			}
		}
		want := map[string]int{secretscan.OutcomeRevoked: 3, secretscan.OutcomeUnknown: 2, secretscan.OutcomeOtherEnvironment: 1, secretscan.OutcomeNotAKey: 2}
		if fmt.Sprint(outcomes) != fmt.Sprint(want) {
			t.Errorf("kept outcomes = %v; want %v", outcomes, want)
		}
	})

	t.Run("no token reaches a log or a kept event", func(t *testing.T) {
		stored, _ := json.Marshal([][]store.SecurityEvent{e.events("usr_ada"), e.events("usr_bob"), e.events(secretscan.OutcomeOwner)})
		for _, s := range []string{leakedSecret, oldSecret, earlierSecret, testKey, nobodys, "some_token"} {
			if strings.Contains(e.logs.String(), s) || strings.Contains(string(stored), s) {
				t.Errorf("token %.12s… is in the logs or the kept events", s)
			}
		}
	})

	t.Run("a replay of the same report revokes nothing more", func(t *testing.T) {
		before := len(e.events("usr_ada"))
		if resp := e.signed(body); resp.StatusCode != 200 {
			t.Fatalf("replay = %d %s; want 200", resp.StatusCode, resp.Body)
		}
		if !e.opens(keptSecret) || len(e.events("usr_ada")) != before {
			t.Fatal("a replayed report changed a key it did not name, or told the owner again")
		}
	})
}

// TestRefusedReportsChangeNothing: a report without GitHub's signature of
// its very bytes — no headers, a bad encoding, another key's signature, an
// unknown identifier, a body changed after signing, the signature of
// another body, a key on another curve — and one over the size limit, is
// refused; the key it names keeps working, and nothing is logged but the
// refusal.
func TestRefusedReportsChangeNothing(t *testing.T) {
	e := newEnv(t)
	_, secret := e.key("usr_ada", config.EnvLive, "deploy bot")
	body := report(match(secret, "https://github.com/ada/app/blob/1/.env"))
	forger, _ := scansigtest.New(e.github.ID)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	d384 := sha256.Sum256([]byte(body))
	sig384, _ := ecdsa.SignASN1(rand.Reader, p384, d384[:])
	headers := func(id, sig string) map[string]string {
		return map[string]string{scansig.HeaderIdentifier: id, scansig.HeaderSignature: sig}
	}
	good := e.github.Sign([]byte(body))
	big := report(match(secret, "https://github.com/"+strings.Repeat("a", secretscan.MaxBody)))
	tests := []struct {
		name    string
		body    string
		headers map[string]string
		status  int
		code    string
	}{
		{"no signature headers", body, nil, 401, httpx.CodeInvalidSignature},
		{"an identifier without a signature", body, map[string]string{scansig.HeaderIdentifier: e.github.ID}, 401, httpx.CodeInvalidSignature},
		{"a signature that is not base64", body, headers(e.github.ID, "%%%"), 401, httpx.CodeInvalidSignature},
		{"a signature by another key under GitHub's identifier", body, headers(e.github.ID, forger.Sign([]byte(body))), 401, httpx.CodeInvalidSignature},
		{"an identifier the deployment does not trust", body, headers("another-key", good), 401, httpx.CodeInvalidSignature},
		{"the body changed after signing", strings.Replace(body, "ada/app", "ada/app2", 1), headers(e.github.ID, good), 401, httpx.CodeInvalidSignature},
		{"the signature of another body", body, headers(e.github.ID, e.github.Sign([]byte("[]"))), 401, httpx.CodeInvalidSignature},
		{"a P-384 signature", body, headers(e.github.ID, base64.StdEncoding.EncodeToString(sig384)), 401, httpx.CodeInvalidSignature},
		{"a body over the limit, signed", big, headers(e.github.ID, e.github.Sign([]byte(big))), 413, httpx.CodeTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.logs.Reset()
			resp := e.post(tc.body, tc.headers)
			if resp.StatusCode != tc.status || errorCode(resp) != tc.code {
				t.Fatalf("POST = %d %s; want %d %s", resp.StatusCode, resp.Body, tc.status, tc.code)
			}
			if tc.status == 401 && resp.Headers["WWW-Authenticate"] == "" {
				t.Error("a 401 without WWW-Authenticate")
			}
			if !e.opens(secret) {
				t.Fatal("a refused report revoked the key")
			}
			if n := len(e.events("usr_ada")) + len(e.events(secretscan.OutcomeOwner)); n != 0 {
				t.Fatalf("a refused report wrote %d security-log events", n)
			}
			if strings.Contains(e.logs.String(), secret) || strings.Contains(e.logs.String(), "ada/app") {
				t.Fatalf("the log holds the report's content: %s", e.logs)
			}
		})
	}
}

// TestAVerifiedReportThatIsNotAReportChangesNothing: GitHub's signature of
// something that is not a list of matches within the limits is refused
// with what is wrong, before any key is touched.
func TestAVerifiedReportThatIsNotAReportChangesNothing(t *testing.T) {
	e := newEnv(t)
	_, secret := e.key("usr_ada", config.EnvLive, "deploy bot")
	many := make([]secretscan.Match, secretscan.MaxMatches+1)
	for i := range many {
		many[i] = match(secret, "")
	}
	valid := report(match(secret, ""))
	tests := []struct {
		name, body, contentType string
		status                  int
	}{
		{"not JSON", "token=" + secret, "application/json", 400},
		{"an object, not a list", `{"token":"` + secret + `"}`, "application/json", 400},
		{"a list of strings", `["` + secret + `"]`, "application/json", 400},
		{"a match without a token", `[{"type":"latchkey_api_key"},` + valid[1:], "application/json", 400},
		{"a token over the limit", report(match(strings.Repeat("x", secretscan.MaxTokenLen+1), "")), "application/json", 400},
		{"a url over the limit", report(match("x", "https://github.com/"+strings.Repeat("a", secretscan.MaxURLLen))), "application/json", 400},
		{"a control character in the url", report(match("x", "https://github.com/\u0007")), "application/json", 400},
		{"data after the list", valid + "[]", "application/json", 400},
		{"invalid UTF-8", `[{"token":"` + secret + "\xff" + `"}]`, "application/json", 400},
		{"too many matches", report(many...), "application/json", 413},
		{"another content type", valid, "text/plain", 415},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.post(tc.body, map[string]string{"Content-Type": tc.contentType,
				scansig.HeaderIdentifier: e.github.ID, scansig.HeaderSignature: e.github.Sign([]byte(tc.body))})
			if resp.StatusCode != tc.status {
				t.Fatalf("POST = %d %s; want %d", resp.StatusCode, resp.Body, tc.status)
			}
			if strings.Contains(resp.Body, secret) {
				t.Fatalf("the answer repeats the token: %s", resp.Body)
			}
			if !e.opens(secret) || len(e.events(secretscan.OutcomeOwner)) != 0 {
				t.Fatal("a refused report changed something")
			}
		})
	}
}

// TestWithoutKeysTheEndpointRefusesEverything: a deployment that trusts no
// key (the default) answers 404 to any report, even one signed.
func TestWithoutKeysTheEndpointRefusesEverything(t *testing.T) {
	e := newEnv(t)
	_, secret := e.key("usr_ada", config.EnvLive, "deploy bot")
	e.d.Config.SecretScanningKeys = ""
	e.build()
	resp := e.signed(report(match(secret, "")))
	if resp.StatusCode != 404 || errorCode(resp) != httpx.CodeNotFound || !strings.Contains(resp.Body, "not configured") {
		t.Fatalf("POST = %d %s; want 404 saying secret scanning is not configured", resp.StatusCode, resp.Body)
	}
	if !e.opens(secret) {
		t.Fatal("an unconfigured endpoint revoked a key")
	}
}

// throttled is a key store that refuses every revocation, as DynamoDB does
// when it throttles.
type throttled struct{ store.KeyStore }

type throttling struct{}

func (throttling) Error() string     { return "throttled" }
func (throttling) ErrorCode() string { return "ThrottlingException" }

func (throttled) RevokeByHash(context.Context, string, store.KeyRevocation) (store.APIKey, error) {
	return store.APIKey{}, throttling{}
}

// TestAStoreOutageFailsTheReportAndGitHubsRetryFinishesIt: when the store
// refuses, the report is a 503 (so GitHub may send it again), nothing is
// kept as if it were handled, and the report sent again revokes the key.
func TestAStoreOutageFailsTheReportAndGitHubsRetryFinishesIt(t *testing.T) {
	e := newEnv(t)
	_, secret := e.key("usr_ada", config.EnvLive, "deploy bot")
	body := report(match(secret, "https://github.com/ada/app"))
	healthy := e.d.Stores.Keys
	e.d.Stores.Keys = throttled{healthy}
	e.build()
	if resp := e.signed(body); resp.StatusCode != 503 || errorCode(resp) != httpx.CodeUnavailable {
		t.Fatalf("POST with the store throttling = %d %s; want 503 unavailable", resp.StatusCode, resp.Body)
	}
	if n := len(e.events(secretscan.OutcomeOwner)); n != 0 {
		t.Fatalf("a failed report kept %d matches", n)
	}
	e.d.Stores.Keys = healthy
	e.build()
	if resp := e.signed(body); resp.StatusCode != 200 || e.opens(secret) {
		t.Fatalf("the retry = %d %s, key still works = %v; want 200 and the key revoked", resp.StatusCode, resp.Body, e.opens(secret))
	}
}
