package scansig

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newKey(t *testing.T, id string) (Key, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return Key{ID: id, Key: &k.PublicKey}, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// endpoint is a stand-in for https://api.github.com/meta/public_keys/secret_scanning:
// it answers what answer says and counts the requests.
type endpoint struct {
	srv      *httptest.Server
	requests atomic.Int32
	answer   atomic.Value // func(w http.ResponseWriter, r *http.Request)
	agent    atomic.Value // the last User-Agent
}

func newEndpoint(t *testing.T) *endpoint {
	e := &endpoint{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		e.agent.Store(r.Header.Get("User-Agent"))
		e.answer.Load().(func(http.ResponseWriter, *http.Request))(w, r)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *endpoint) publish(keys map[string]string, etag string) {
	var list []map[string]any
	for id, p := range keys {
		list = append(list, map[string]any{"key_identifier": id, "key": p, "is_current": true})
	}
	body, _ := json.Marshal(map[string]any{"public_keys": list})
	e.answer.Store(func(w http.ResponseWriter, r *http.Request) {
		if etag != "" && r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if etag != "" {
			w.Header().Set("ETag", etag)
		}
		_, _ = w.Write(body)
	})
}

func (e *endpoint) fail(status int) {
	e.answer.Store(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) })
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func has(r *Keyring, id string) bool {
	_, ok := r.Lookup(context.Background(), id)
	return ok
}

// TestKeyringFetchesGitHubsKeysAndFallsBackToThePinnedOnes: before any
// fetch succeeds the pinned keys verify; a successful fetch replaces them;
// a failed one keeps what was there; fetches happen at most every
// RefreshInterval, and an unknown identifier fetches again at most every
// UnknownRefetchInterval.
func TestKeyringFetchesGitHubsKeysAndFallsBackToThePinnedOnes(t *testing.T) {
	pinned, _ := newKey(t, "pinned")
	_, published := newKey(t, "published")
	_, added := newKey(t, "added")
	e := newEndpoint(t)
	c := &clock{t: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)}
	r := NewKeyring([]Key{pinned}, e.srv.URL, c.now, slog.New(slog.DiscardHandler))

	e.fail(http.StatusServiceUnavailable)
	if !has(r, "pinned") || has(r, "published") {
		t.Fatal("with the endpoint down, want the pinned key alone")
	}
	if n := e.requests.Load(); n != 1 {
		t.Fatalf("%d fetches for a known key; want 1 (the first lookup)", n)
	}

	e.publish(map[string]string{"published": published}, `"v1"`)
	c.t = c.t.Add(RefreshInterval)
	if !has(r, "published") || has(r, "pinned") {
		t.Fatal("after a successful fetch, want the published keys instead of the pinned ones")
	}
	if got := e.agent.Load(); got != UserAgent {
		t.Fatalf("User-Agent = %v; want %s (GitHub's API refuses requests without one)", got, UserAgent)
	}

	// An unknown identifier: one fetch, then none for a minute however many come.
	before := e.requests.Load()
	c.t = c.t.Add(UnknownRefetchInterval)
	for range 50 {
		has(r, "forged")
	}
	if n := e.requests.Load() - before; n != 1 {
		t.Fatalf("%d fetches for 50 unknown identifiers in a minute; want 1", n)
	}

	// GitHub adds a key: found on the first report that names it, a minute on.
	e.publish(map[string]string{"published": published, "added": added}, `"v2"`)
	c.t = c.t.Add(UnknownRefetchInterval)
	if !has(r, "added") {
		t.Fatal("a key GitHub added is not found")
	}

	// The endpoint fails later: the keys fetched before stay.
	e.fail(http.StatusForbidden) // e.g. its rate limit
	c.t = c.t.Add(RefreshInterval)
	if !has(r, "added") || has(r, "pinned") {
		t.Fatal("after a failed refresh, want the keys fetched before")
	}

	// Not modified: the keys stay, and the request was conditional.
	e.publish(map[string]string{"published": published, "added": added}, `"v2"`)
	var conditional atomic.Bool
	inner := e.answer.Load().(func(http.ResponseWriter, *http.Request))
	e.answer.Store(func(w http.ResponseWriter, req *http.Request) {
		conditional.Store(req.Header.Get("If-None-Match") == `"v2"`)
		inner(w, req)
	})
	c.t = c.t.Add(RefreshInterval)
	if !has(r, "added") || !conditional.Load() {
		t.Fatalf("after 304 Not Modified, want the same keys (conditional request: %v)", conditional.Load())
	}
}

// TestKeyringRefusesWhatIsNotAKeySet: an answer that is a redirect, too
// large, slow, not JSON, or holds no P-256 key changes nothing.
func TestKeyringRefusesWhatIsNotAKeySet(t *testing.T) {
	pinned, _ := newKey(t, "pinned")
	_, good := newKey(t, "good")
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request)
	}{
		{"a redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}},
		{"over the size limit", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"public_keys":[{"key_identifier":"good","key":`+jsonString(good)+`}],"pad":"`+strings.Repeat("x", MaxKeySetBytes)+`"}`)
		}},
		{"slower than the timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
			_, _ = io.WriteString(w, `{"public_keys":[{"key_identifier":"good","key":`+jsonString(good)+`}]}`)
		}},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "<html>") }},
		{"no usable key", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"public_keys":[{"key_identifier":"good","key":"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}]}`)
		}},
		{"304 to an unconditional request", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotModified) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEndpoint(t)
			e.answer.Store(tc.answer)
			c := &clock{t: time.Now()}
			r := NewKeyring([]Key{pinned}, e.srv.URL, c.now, slog.New(slog.DiscardHandler))
			r.timeout = 200 * time.Millisecond
			if has(r, "good") || !has(r, "pinned") {
				t.Fatal("want the pinned key alone")
			}
		})
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestKeyringWithoutAFetchURLNeverFetches: pinned keys alone make no request.
func TestKeyringWithoutAFetchURLNeverFetches(t *testing.T) {
	pinned, _ := newKey(t, "pinned")
	r := NewKeyring([]Key{pinned}, "", time.Now, slog.New(slog.DiscardHandler))
	if !r.Configured() || !has(r, "pinned") || has(r, "other") {
		t.Fatal("want the pinned key alone")
	}
	if NewKeyring(nil, "", time.Now, slog.New(slog.DiscardHandler)).Configured() {
		t.Fatal("a keyring with no key and no URL says it is configured")
	}
}
