package login

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/internal/httpx"
)

// signInWith runs one sign-in whose ID token is mint's, and returns the
// callback's status.
func (r *rig) signInWith(t *testing.T, mint func(nonce string) string) int {
	t.Helper()
	q, cookie := r.start(t, "/")
	code := "code-" + q.Get("state")
	r.op.issue(code, q.Get("code_challenge"), mint(q.Get("nonce")))
	resp := r.callback(map[string]string{"state": q.Get("state"), "code": code}, cookie)
	if resp.StatusCode == 503 && resp.Headers["Retry-After"] == "" {
		t.Error("503 without Retry-After")
	}
	return resp.StatusCode
}

// waitJWKS waits until every request the JWKS endpoint took has ended, so
// that a fetch left running by a deadline cannot answer the next step.
func (r *rig) waitJWKS(t *testing.T) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); r.op.jwksDone.Load() != r.op.jwksHits.Load(); {
		if time.Now().After(end) {
			t.Fatal("the JWKS endpoint is still answering")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestKeySetOutageAnswers503: a JWKS endpoint that fails, hangs or answers
// something that is not a key set is the provider being down: the callback
// answers 503 with Retry-After within the provider deadline and makes no
// session, instead of refusing the person's (good) token with 400. Once the
// endpoint recovers and the refetch interval has passed, sign-in works.
func TestKeySetOutageAnswers503(t *testing.T) {
	for _, fault := range []string{"500", "hang", "garbage"} {
		t.Run(fault, func(t *testing.T) {
			r := newRig(t)
			r.h.S.ProviderTimeout = 300 * time.Millisecond
			r.op.jwksFault.Store(fault)
			good := r.idToken
			start := time.Now()
			if got := r.signInWith(t, good); got != 503 {
				t.Fatalf("sign-in with the JWKS endpoint failing (%s) = %d; want 503", fault, got)
			}
			if took := time.Since(start); took > 1500*time.Millisecond {
				t.Fatalf("the callback took %v; want it bounded by the provider deadline", took)
			}
			if n := r.sessionCount(t); n != 0 {
				t.Fatalf("sessions = %d; want none", n)
			}
			r.waitJWKS(t)
			r.op.jwksFault.Store("")
			hits := r.op.jwksHits.Load()
			if got := r.signInWith(t, good); got != 503 {
				t.Fatalf("sign-in moments after a failed fetch = %d; want 503 (no new fetch yet)", got)
			}
			if r.op.jwksHits.Load() != hits {
				t.Fatal("the keys were fetched again inside the refetch interval")
			}
			r.now = r.now.Add(DefaultKeyRefetchInterval + time.Second)
			if got := r.signInWith(t, good); got != 303 {
				t.Fatalf("sign-in after the provider recovered = %d; want 303", got)
			}
		})
	}
}

// TestUnknownKeyRefetchIsRateLimited: tokens naming a key the provider
// never published are refused with 400, and a stream of them costs at most
// one JWKS fetch per interval; a key the provider really rotated in is
// fetched and accepted once the interval has passed.
func TestUnknownKeyRefetchIsRateLimited(t *testing.T) {
	r := newRig(t)
	good := r.idToken
	if got := r.signInWith(t, good); got != 303 {
		t.Fatalf("first sign-in = %d; want 303", got)
	}
	if hits := r.op.jwksHits.Load(); hits != 1 {
		t.Fatalf("JWKS fetches after the first sign-in = %d; want 1", hits)
	}
	forged := func(kid string) func(string) string {
		return func(n string) string { return r.op.sign(r.op.claims(n, r.now), r.op.other, kid, jose.RS256) }
	}
	for i := range 20 {
		if got := r.signInWith(t, forged("k9")); got != 400 {
			t.Fatalf("forged token %d = %d; want 400", i, got)
		}
	}
	if hits := r.op.jwksHits.Load(); hits != 1 {
		t.Fatalf("JWKS fetches after 20 unknown kids inside the interval = %d; want still 1", hits)
	}
	r.now = r.now.Add(DefaultKeyRefetchInterval + time.Second)
	for range 5 {
		if got := r.signInWith(t, forged("k9")); got != 400 {
			t.Fatalf("forged token after the interval = %d; want 400", got)
		}
	}
	if hits := r.op.jwksHits.Load(); hits != 2 {
		t.Fatalf("JWKS fetches after the interval = %d; want 2 (one refetch)", hits)
	}
	// The provider rotates in a new key: once the interval has passed the
	// first token signed with it brings the keys again.
	r.op.rotated.Store(true)
	r.now = r.now.Add(DefaultKeyRefetchInterval + time.Second)
	if got := r.signInWith(t, forged("k2")); got != 303 {
		t.Fatalf("token under the rotated-in key = %d; want 303", got)
	}
	if n := r.sessionCount(t); n != 2 {
		t.Fatalf("sessions = %d; want the 2 good sign-ins", n)
	}
}

// TestConcurrentSignInsDuringAKeyOutage: two sign-ins that wait on the same
// failing JWKS fetch (go-oidc shares one) both answer 503, not only the one
// whose call began it.
func TestConcurrentSignInsDuringAKeyOutage(t *testing.T) {
	r := newRig(t)
	r.op.jwksFault.Store("slow500")
	type flow struct{ state, code, cookie string }
	var flows []flow
	for i := range 2 {
		q, cookie := r.start(t, "/")
		code := fmt.Sprintf("code-%d", i)
		r.op.issue(code, q.Get("code_challenge"), r.idToken(q.Get("nonce")))
		flows = append(flows, flow{q.Get("state"), code, cookie})
	}
	got := make([]int, len(flows))
	var wg sync.WaitGroup
	for i, f := range flows {
		wg.Go(func() {
			req := httpx.Request{HTTPMethod: "GET", QueryStringParameters: map[string]string{"state": f.state, "code": f.code},
				Headers: map[string]string{"Cookie": f.cookie}}
			resp, err := r.h.Callback(context.Background(), req)
			if err != nil {
				return
			}
			got[i] = resp.StatusCode
		})
	}
	wg.Wait()
	if got[0] != 503 || got[1] != 503 {
		t.Fatalf("concurrent sign-ins during a JWKS outage = %v; want 503 for both", got)
	}
	if hits := r.op.jwksHits.Load(); hits != 1 {
		t.Errorf("JWKS fetches = %d; want the one they shared", hits)
	}
}
