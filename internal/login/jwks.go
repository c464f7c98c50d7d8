package login

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// DefaultKeyRefetchInterval is the least time between two fetches of a
// provider's JWKS. go-oidc fetches the keys again whenever a token's key
// is not among those it holds (OpenID Connect Core §10.1.1); without a
// limit, every forged token with a new kid is a request to the provider.
// A real key rotation publishes the new key before signing with it, so a
// short wait costs nothing (aws-jwt-verify's "penalty box" waits 10 s).
const DefaultKeyRefetchInterval = 10 * time.Second

// maxJWKSBytes bounds the key set read from the provider.
const maxJWKSBytes = 1 << 20

// errKeysUnavailable is the provider's key set failing to arrive: the
// provider is down, not the person's token wrong (503, not 400).
var errKeysUnavailable = errors.New("the identity provider's signing keys could not be fetched")

// errRefetchLimited stops a fetch inside the refetch interval; the token
// is then judged against the keys already held.
var errRefetchLimited = errors.New("the signing keys were fetched moments ago")

// keySet is the provider's key set as go-oidc's RemoteKeySet keeps it, with
// two things added: fetches are at most one per interval, and a fetch that
// fails is told apart from a token that does not verify.
type keySet struct {
	remote   *oidc.RemoteKeySet
	interval time.Duration
	now      func() time.Time

	mu       sync.Mutex
	last     time.Time // when the last network fetch began (zero: none yet)
	finished int       // network fetches ended
	lastErr  error     // how the last one ended: nil, or why there are no keys from it
}

func newKeySet(jwksURL string, client *http.Client, interval time.Duration, now func() time.Time) *keySet {
	if interval <= 0 {
		interval = DefaultKeyRefetchInterval
	}
	if now == nil {
		now = time.Now
	}
	base := http.DefaultTransport
	timeout := time.Duration(0)
	if client != nil {
		timeout = client.Timeout
		if client.Transport != nil {
			base = client.Transport
		}
	}
	k := &keySet{interval: interval, now: now}
	c := &http.Client{Timeout: timeout, Transport: roundTripper(func(req *http.Request) (*http.Response, error) {
		return k.fetch(base, req)
	})}
	k.remote = oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), c), jwksURL)
	return k
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// fetch is the transport under RemoteKeySet: it refuses a fetch inside the
// interval, and records whether this one brought a usable key set.
func (k *keySet) fetch(base http.RoundTripper, req *http.Request) (*http.Response, error) {
	k.mu.Lock()
	if !k.last.IsZero() && k.now().Sub(k.last) < k.interval {
		k.mu.Unlock()
		return nil, errRefetchLimited
	}
	k.last = k.now()
	k.mu.Unlock()

	resp, err := base.RoundTrip(req)
	var bad error
	switch {
	case err != nil:
		bad = err
	case resp.StatusCode != http.StatusOK:
		bad = fmt.Errorf("the JWKS endpoint answered %s", resp.Status)
	default:
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
		_ = resp.Body.Close()
		var set struct {
			Keys []json.RawMessage `json:"keys"`
		}
		switch {
		case rerr != nil:
			bad, err = rerr, rerr
		case len(body) > maxJWKSBytes:
			bad = fmt.Errorf("the key set is over %d bytes", maxJWKSBytes)
			err = bad
		case json.Unmarshal(body, &set) != nil || len(set.Keys) == 0:
			bad = errors.New("the JWKS endpoint answered no key set")
		}
		if err == nil {
			resp.Body = io.NopCloser(bytes.NewReader(body))
		} else {
			resp = nil
		}
	}
	k.mu.Lock()
	k.lastErr = bad
	k.finished++
	k.mu.Unlock()
	return resp, err
}

// VerifySignature implements oidc.KeySet. When the token does not verify
// because the keys could not be had, it says so through the context (see
// withKeyErr): go-oidc's verifier does not keep the error's type.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	// A fetch that ends during this call is this call's, whether it began
	// here or another caller's was under way (RemoteKeySet shares one).
	k.mu.Lock()
	before := k.finished
	k.mu.Unlock()
	payload, err := k.remote.VerifySignature(ctx, jwt)
	if err == nil {
		return payload, nil
	}
	k.mu.Lock()
	fetched, lastErr := k.finished != before, k.lastErr
	k.mu.Unlock()
	var cause error
	switch {
	case ctx.Err() != nil:
		cause = ctx.Err() // waiting for the keys outlasted the deadline
	case fetched && lastErr != nil:
		cause = lastErr
	case errors.Is(err, errRefetchLimited) && lastErr != nil:
		cause = lastErr // the last fetch failed moments ago
	}
	if cause != nil {
		if p, ok := ctx.Value(keyErrKey{}).(*error); ok {
			*p = fmt.Errorf("%w: %v", errKeysUnavailable, cause)
		}
	}
	return nil, err
}

type keyErrKey struct{}

// withKeyErr returns a context in which keySet reports a key-set outage
// into *p.
func withKeyErr(ctx context.Context, p *error) context.Context {
	return context.WithValue(ctx, keyErrKey{}, p)
}
