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
	github := scansigtest.New(t, "github-test-key")
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
	return e.post(body, e.github.Headers([]byte(body)))
}

// events lists owner's security log, every page of it.
func (e *env) events(owner string) []store.SecurityEvent {
	e.t.Helper()
	var all []store.SecurityEvent
	page := store.Page{Limit: store.MaxLimit}
	for {
		evs, next, err := e.d.Stores.SecurityLog.List(context.Background(), owner, e.d.Now(), page)
		if err != nil {
			e.t.Fatal(err)
		}
		all = append(all, evs...)
		if next == "" {
			return all
		}
		page.Cursor = next
	}
}

// kept reads the kept matches.
func (e *env) kept() []secretscan.Kept {
	e.t.Helper()
	var out []secretscan.Kept
	for _, ev := range e.events(secretscan.OutcomeOwner) {
		out = append(out, secretscan.KeptFrom(ev.Details))
	}
	return out
}

func report(ms ...secretscan.Match) string {
	b, _ := json.Marshal(ms)
	return string(b)
}

// list is a report of raw JSON items, for what a Match cannot hold.
func list(items ...string) string { return "[" + strings.Join(items, ",") + "]" }

// item is m as one raw item of a list.
func item(m secretscan.Match) string {
	b, _ := json.Marshal(m)
	return string(b)
}

func feedbackOf(t *testing.T, resp httpx.Response) map[string]string {
	t.Helper()
	var fb secretscan.Feedback
	if err := json.Unmarshal([]byte(resp.Body), &fb); err != nil {
		t.Fatalf("the answer %.200s is not feedback: %v", resp.Body, err)
	}
	labels := map[string]string{}
	for _, f := range fb {
		labels[f.TokenHash] = f.Label
	}
	return labels
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
		if n := len(e.kept()); n != 8 {
			t.Fatalf("%d kept matches after a replay the same day; want the first report's 8", n)
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
	forger := scansigtest.New(t, e.github.ID)
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
// something that is not a JSON list of objects is refused with what is
// wrong, before any key is touched. What the objects hold never refuses a
// report (TestOneOddMatchDoesNotStopTheReport).
func TestAVerifiedReportThatIsNotAReportChangesNothing(t *testing.T) {
	e := newEnv(t)
	_, secret := e.key("usr_ada", config.EnvLive, "deploy bot")
	valid := report(match(secret, ""))
	tests := []struct {
		name, body, contentType string
		status                  int
	}{
		{"not JSON", "token=" + secret, "application/json", 400},
		{"null", "null", "application/json", 400},
		{"an object, not a list", `{"token":"` + secret + `"}`, "application/json", 400},
		{"a list of strings", `["` + secret + `"]`, "application/json", 400},
		{"a list with a number", list(item(match(secret, "")), "1"), "application/json", 400},
		{"a list with a null", list(item(match(secret, "")), "null"), "application/json", 400},
		{"data after the list", valid + "[]", "application/json", 400},
		{"invalid UTF-8", `[{"token":"` + secret + "\xff" + `"}]`, "application/json", 400},
		{"another content type", valid, "text/plain", 415},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := e.github.Headers([]byte(tc.body))
			h["Content-Type"] = tc.contentType
			resp := e.post(tc.body, h)
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

// TestOneOddMatchDoesNotStopTheReport: beside a live key's match, a signed
// report holds one match that is odd — a field over its bound, a control
// or format character, a token that cannot be a key, a field that is not
// a string. The report answers 200, the live key is revoked and labelled a
// true positive, and the odd match is kept as what can be kept: its
// token's hash, a field cut at its bound (at a character's boundary) or
// left out, and which, so nothing undisplayable is kept.
func TestOneOddMatchDoesNotStopTheReport(t *testing.T) {
	longURL := "https://github.com/o/r/blob/x/" + strings.Repeat("a", 2100)
	longToken := "lk_live_" + strings.Repeat("x", secretscan.MaxTokenLen)
	longType := strings.Repeat("é", secretscan.MaxTypeLen) // 2 bytes each: cut at 64 characters
	const url = "https://github.com/o/r"
	tests := []struct {
		name string
		odd  string
		want secretscan.Kept // the outcome is not-a-key; the token hash, by default, not-a-key's
	}{
		{"a url over 2,048 bytes", item(secretscan.Match{Token: "not-a-key", URL: longURL, Source: "content"}),
			secretscan.Kept{URL: longURL[:secretscan.MaxURLLen], Source: "content", Truncated: "url"}},
		{"a tab in the url", item(secretscan.Match{Token: "not-a-key", URL: "https://gist.github.com/x\t", Source: "gist"}),
			secretscan.Kept{Source: "gist", Dropped: "url"}},
		{"a bidirectional override in the url", item(secretscan.Match{Token: "not-a-key", URL: "https://github.com/\u202egnp.exe", Source: "content"}),
			secretscan.Kept{Source: "content", Dropped: "url"}},
		{"a control character in the source", item(secretscan.Match{Token: "not-a-key", URL: url, Source: "con\u0007tent"}),
			secretscan.Kept{URL: url, Dropped: "source"}},
		{"a source over 64 bytes", item(secretscan.Match{Token: "not-a-key", URL: url, Source: strings.Repeat("s", 65)}),
			secretscan.Kept{URL: url, Source: strings.Repeat("s", 64), Truncated: "source"}},
		{"a type over 128 bytes of two-byte characters", `{"token":"not-a-key","type":"` + longType + `"}`,
			secretscan.Kept{TokenType: strings.Repeat("é", secretscan.MaxTypeLen/2), Truncated: "type"}},
		{"a token over 256 bytes", item(secretscan.Match{Token: longToken, URL: url, Source: "content"}),
			secretscan.Kept{TokenHash: secretscan.TokenHash(longToken), URL: url, Source: "content"}},
		{"a control character in the token", item(secretscan.Match{Token: "not\na-key", URL: url}),
			secretscan.Kept{TokenHash: secretscan.TokenHash("not\na-key"), URL: url}},
		{"an empty token", `{"token":"","url":"` + url + `"}`,
			secretscan.Kept{TokenHash: secretscan.TokenHash(""), URL: url}},
		{"no token", `{"url":"` + url + `","source":"content"}`,
			secretscan.Kept{TokenHash: secretscan.TokenHash(""), URL: url, Source: "content"}},
		{"a token that is not a string", `{"token":12345,"url":"` + url + `"}`,
			secretscan.Kept{TokenHash: secretscan.TokenHash(""), URL: url, Dropped: "token"}},
		{"a type that is not a string", `{"token":"not-a-key","type":7,"url":"` + url + `"}`,
			secretscan.Kept{URL: url, Dropped: "type"}},
		{"a url and a source that are not strings", `{"token":"not-a-key","type":"latchkey_api_key","url":{"href":"x"},"source":["content"]}`,
			secretscan.Kept{TokenType: "latchkey_api_key", Dropped: "url,source"}},
		{"unknown fields", `{"token":"not-a-key","type":"latchkey_api_key","url":"` + url + `","secret_type":"x","found_at":[1]}`,
			secretscan.Kept{TokenType: "latchkey_api_key", URL: url}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			_, secret := e.key("usr_a", apikey.EnvLive, "leaked")
			resp := e.signed(list(item(match(secret, "https://github.com/o/r/blob/x/.env")), tc.odd))
			if resp.StatusCode != 200 {
				t.Fatalf("POST = %d %s; want 200", resp.StatusCode, resp.Body)
			}
			if e.opens(secret) {
				t.Fatal("the live key reported beside the odd match still opens")
			}
			if got := feedbackOf(t, resp)[secretscan.TokenHash(secret)]; got != "true_positive" {
				t.Fatalf("the live key's feedback = %q; want true_positive (answer %s)", got, resp.Body)
			}
			want := tc.want
			if want.TokenHash == "" {
				want.TokenHash = secretscan.TokenHash("not-a-key")
			}
			want.Outcome = secretscan.OutcomeNotAKey
			var odd []secretscan.Kept
			for _, k := range e.kept() {
				if k.Outcome != secretscan.OutcomeRevoked {
					odd = append(odd, k)
				}
			}
			if len(odd) != 1 || odd[0] != want {
				t.Fatalf("the odd match is kept as %+v; want [%+v]", odd, want)
			}
		})
	}
}

// TestAReportOfMoreThanAThousandMatchesIsHandledWhole: a report of 1,001
// matches (well under 1 MB) whose live key comes last revokes it, keeps
// every match, and answers the feedback on at most MaxFeedback tokens,
// the true positives first.
func TestAReportOfMoreThanAThousandMatchesIsHandledWhole(t *testing.T) {
	e := newEnv(t)
	_, secret := e.key("usr_a", apikey.EnvLive, "leaked")
	ms := make([]secretscan.Match, 0, 1001)
	for i := range 1000 {
		ms = append(ms, match(fmt.Sprintf("not-a-key-%d", i), "https://github.com/o/r"))
	}
	ms = append(ms, match(secret, "https://github.com/o/r/blob/x/.env"))
	body := report(ms...)
	if len(body) >= secretscan.MaxBody {
		t.Fatalf("the report is %d bytes; want it under %d", len(body), secretscan.MaxBody)
	}
	resp := e.signed(body)
	if resp.StatusCode != 200 {
		t.Fatalf("POST = %d %.300s; want 200", resp.StatusCode, resp.Body)
	}
	if e.opens(secret) {
		t.Fatal("the live key, the report's 1,001st match, still opens")
	}
	var fb secretscan.Feedback
	if err := json.Unmarshal([]byte(resp.Body), &fb); err != nil {
		t.Fatal(err)
	}
	if len(fb) != secretscan.MaxFeedback || fb[0].TokenHash != secretscan.TokenHash(secret) || fb[0].Label != "true_positive" {
		t.Fatalf("feedback of %d items, the first %+v; want %d, the live key's true_positive first", len(fb), fb[0], secretscan.MaxFeedback)
	}
	if n := len(e.kept()); n != 1001 {
		t.Fatalf("%d kept matches; want all 1,001", n)
	}
}

// TestTheLargestFeedbackStaysFarWithinLambdasAnswer: a report of more
// tokens than MaxFeedback, each with the longest type of the character
// that escapes most (`<`, seven bytes in Lambda's answer), answers the
// first MaxFeedback, in about 1 MB as Lambda sends it (API.md, "Answer
// sizes"), where the 6 MB limit would answer 502.
func TestTheLargestFeedbackStaysFarWithinLambdasAnswer(t *testing.T) {
	e := newEnv(t)
	typ := strings.Repeat("<", secretscan.MaxTypeLen)
	ms := make([]secretscan.Match, 0, secretscan.MaxFeedback+100)
	for i := range secretscan.MaxFeedback + 100 { // under 1 MB, each < written \u003c
		ms = append(ms, secretscan.Match{Token: fmt.Sprintf("t%d", i), Type: typ})
	}
	resp := e.signed(report(ms...))
	if resp.StatusCode != 200 {
		t.Fatalf("POST = %d %.300s; want 200", resp.StatusCode, resp.Body)
	}
	if n := len(feedbackOf(t, resp)); n != secretscan.MaxFeedback {
		t.Fatalf("%d feedback items; want %d", n, secretscan.MaxFeedback)
	}
	if n := httpx.EncodedSize(resp); n > 1100*1000 {
		t.Fatalf("the answer takes %d bytes as Lambda sends it; want about 1 MB at most (the limit: %d)", n, httpx.MaxResponse)
	}
}

// TestAReplayTheSameDayKeepsNothingMore: a kept match's id comes from its
// token's hash, its place and the day (UTC), so a report sent again the
// same day — GitHub's retry, or anyone's replay of GitHub's documented
// sample, which the pinned key verifies — keeps no second outcome, and a
// match repeated within a report is kept once; the next day, one more.
func TestAReplayTheSameDayKeepsNothingMore(t *testing.T) {
	t.Run("GitHub's documented sample, replayed", func(t *testing.T) {
		e := newEnv(t)
		e.d.Config.SecretScanningKeys = scansig.Builtin
		e.build()
		const (
			id   = "bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c"
			sig  = "MEQCIQDaMKqrGnE27S0kgMrEK0eYBmyG0LeZismAEz/BgZyt7AIfXt9fErtRS4XaeSt/AO1RtBY66YcAdjxji410VQV4xg=="
			body = `[{"source":"commit","token":"some_token","type":"some_type","url":"https://example.com/base-repo-url/"}]`
		)
		send := func() {
			t.Helper()
			if resp := e.post(body, map[string]string{scansig.HeaderIdentifier: id, scansig.HeaderSignature: sig}); resp.StatusCode != 200 {
				t.Fatalf("the sample = %d %s; want 200", resp.StatusCode, resp.Body)
			}
		}
		for range 3 {
			send()
		}
		if k := e.kept(); len(k) != 1 || k[0].TokenHash != secretscan.TokenHash("some_token") || k[0].Outcome != secretscan.OutcomeNotAKey {
			t.Fatalf("kept after three sends the same day: %+v; want the one match", k)
		}
		e.d.Now = func() time.Time { return at.Add(12 * time.Hour) } // the next day, UTC
		e.build()
		send()
		send()
		if n := len(e.kept()); n != 2 {
			t.Fatalf("%d kept matches after the next day's sends; want 2 (one a day)", n)
		}
	})
	t.Run("a report with a live key, sent again", func(t *testing.T) {
		e := newEnv(t)
		_, secret := e.key("usr_a", apikey.EnvLive, "leaked")
		const url = "https://github.com/o/r/blob/x/.env"
		body := report(match(secret, url), match("not-a-key", url), match("not-a-key", url), match("not-a-key", "https://gist.github.com/x"))
		for range 2 {
			if resp := e.signed(body); resp.StatusCode != 200 {
				t.Fatalf("POST = %d %s; want 200", resp.StatusCode, resp.Body)
			}
		}
		// Reordered, the same matches are the same kept ones.
		if resp := e.signed(report(match("not-a-key", "https://gist.github.com/x"), match(secret, url))); resp.StatusCode != 200 {
			t.Fatalf("POST = %d %s; want 200", resp.StatusCode, resp.Body)
		}
		outcomes := map[string]int{}
		for _, k := range e.kept() {
			outcomes[k.Outcome]++
		}
		if want := map[string]int{secretscan.OutcomeRevoked: 1, secretscan.OutcomeNotAKey: 2}; fmt.Sprint(outcomes) != fmt.Sprint(want) {
			t.Fatalf("kept outcomes = %v; want %v: the revocation once, each distinct place of the other token once", outcomes, want)
		}
	})
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
