package scansig

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// How the Keyring keeps GitHub's published keys.
const (
	// RefreshInterval is how old the keys may get before a request fetches
	// them again.
	RefreshInterval = 5 * time.Minute
	// UnknownRefetchInterval is how soon after the last fetch a request
	// naming an unknown key may fetch again (a key GitHub just added): at
	// most once a minute, however many such requests come.
	UnknownRefetchInterval = time.Minute
	// FetchTimeout bounds one fetch, inside the function's timeout.
	FetchTimeout = 3 * time.Second
	// UserAgent names Latchkey to GitHub's API, which refuses a request
	// without one ("User-Agent required",
	// https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent).
	UserAgent = "Latchkey-secret-scanning"
)

// Keyring is the KeySource of a deployment: the pinned keys of the setting,
// and, with a fetch URL, the keys GitHub publishes there, which replace the
// pinned ones once a fetch has succeeded. A fetch happens inside a lookup,
// at most every RefreshInterval (and every UnknownRefetchInterval for an
// unknown identifier); one that fails (unreachable, over FetchTimeout, not
// 200 or 304, over MaxKeySetBytes, no usable key) keeps what was there: the
// last keys fetched, or else the pinned set. Safe for concurrent use.
type Keyring struct {
	pinned Keys
	url    string
	client *http.Client
	now    func() time.Time
	log    *slog.Logger
	// timeout is FetchTimeout; tests shorten it.
	timeout time.Duration

	mu      sync.Mutex
	fetched Keys // nil until a fetch succeeds
	etag    string
	tried   time.Time // the last fetch, whatever came of it
}

// NewKeyring returns a keyring of pinned, refreshed from fetchURL when it is
// not empty. now is the clock; log gets a line for each failed fetch.
func NewKeyring(pinned []Key, fetchURL string, now func() time.Time, log *slog.Logger) *Keyring {
	return &Keyring{
		pinned: NewKeys(pinned),
		url:    fetchURL,
		// No redirects: the configured URL answers, or the fetch fails.
		client: &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		now:     now,
		log:     log,
		timeout: FetchTimeout,
	}
}

// Configured reports whether the keyring can verify anything at all.
func (r *Keyring) Configured() bool { return len(r.pinned) > 0 || r.url != "" }

// Lookup implements KeySource.
func (r *Keyring) Lookup(ctx context.Context, id string) (*ecdsa.PublicKey, bool) {
	if r.url == "" {
		return r.pinned.Lookup(ctx, id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if r.tried.IsZero() || now.Sub(r.tried) >= RefreshInterval {
		r.refresh(ctx, now)
	}
	k, ok := r.current().Lookup(ctx, id)
	if !ok && now.Sub(r.tried) >= UnknownRefetchInterval {
		r.refresh(ctx, now)
		k, ok = r.current().Lookup(ctx, id)
	}
	return k, ok
}

func (r *Keyring) current() Keys {
	if r.fetched != nil {
		return r.fetched
	}
	return r.pinned
}

// refresh fetches the keys once; r.mu is held.
func (r *Keyring) refresh(ctx context.Context, now time.Time) {
	r.tried = now
	keys, etag, err := r.fetch(ctx)
	if err != nil {
		kept := "the pinned keys"
		if r.fetched != nil {
			kept = "the keys fetched before"
		}
		r.log.WarnContext(ctx, "secret scanning: fetching GitHub's public keys failed; using "+kept, "error", err.Error())
		return
	}
	if keys != nil {
		r.fetched, r.etag = keys, etag
	}
}

// fetch GETs the key set, conditionally on the last one's ETag
// ("Use conditional requests if appropriate",
// https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate).
// It returns nil keys for 304 Not Modified. Keys that do not parse, or are
// not P-256, are left out (GitHub may publish other kinds one day); a set
// with none that parses is a failure.
func (r *Keyring) fetch(ctx context.Context) (Keys, string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("User-Agent", UserAgent)
	if r.etag != "" && r.fetched != nil {
		req.Header.Set("If-None-Match", r.etag)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, "", errors.New("the key endpoint did not answer")
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		if r.fetched == nil {
			return nil, "", errors.New("the key endpoint answered 304 to an unconditional request")
		}
		return nil, "", nil
	case http.StatusOK:
	default:
		return nil, "", fmt.Errorf("the key endpoint answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxKeySetBytes+1))
	if err != nil {
		return nil, "", errors.New("the key endpoint's answer was cut short")
	}
	if len(body) > MaxKeySetBytes {
		return nil, "", fmt.Errorf("the key endpoint's answer is over %d bytes", MaxKeySetBytes)
	}
	wire, err := decodeKeySet(body)
	if err != nil {
		return nil, "", fmt.Errorf("the key endpoint's answer: %w", err)
	}
	keys, _ := parseKeys(wire)
	if len(keys) == 0 {
		return nil, "", errors.New("the key endpoint's answer holds no ECDSA P-256 key")
	}
	return NewKeys(keys), resp.Header.Get("ETag"), nil
}
