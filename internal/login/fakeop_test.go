package login

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// fakeOP is an OpenID provider under the test's control: discovery, a JWKS
// and a token endpoint that answers with whatever ID token the test mints.
// It checks the client's secret and the PKCE verifier as a real one does,
// and each code works once.
type fakeOP struct {
	// fault makes the token endpoint fail: "500", or "hang" until the
	// request is cancelled.
	fault atomic.Value
	// jwksFault makes the JWKS endpoint fail: "500", "slow500" (after
	// 200 ms), "hang", or "garbage" (200 with no key set); jwksHits counts
	// its requests.
	jwksFault atomic.Value
	jwksHits  atomic.Int32
	jwksDone  atomic.Int32
	// rotated publishes other (as "k2") beside key, as a rotation does.
	rotated atomic.Bool
	// discovery replaces members of the discovery document (set before the
	// first sign-in).
	discovery map[string]string
	t         *testing.T
	srv       *httptest.Server
	key       *rsa.PrivateKey
	other     *rsa.PrivateKey // a key not in the JWKS
	mu        sync.Mutex
	codes     map[string]fakeCode
	secret    string
}

type fakeCode struct {
	challenge string
	idToken   string
}

func newFakeOP(t *testing.T) *fakeOP {
	t.Helper()
	k1, _ := rsa.GenerateKey(rand.Reader, 2048)
	k2, _ := rsa.GenerateKey(rand.Reader, 2048)
	op := &fakeOP{t: t, key: k1, other: k2, codes: map[string]fakeCode{}, secret: "client-secret"}
	op.fault.Store("")
	op.jwksFault.Store("")
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		doc := map[string]any{
			"issuer": op.srv.URL, "authorization_endpoint": op.srv.URL + "/authorize",
			"token_endpoint": op.srv.URL + "/token", "jwks_uri": op.srv.URL + "/jwks",
			"userinfo_endpoint": op.srv.URL + "/userinfo", "end_session_endpoint": op.srv.URL + "/logout",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		}
		for k, v := range op.discovery {
			doc[k] = v
		}
		_ = json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		op.jwksHits.Add(1)
		defer op.jwksDone.Add(1)
		fault := op.jwksFault.Load()
		if failed(fault, w, r) {
			return
		}
		switch fault {
		case "slow500":
			time.Sleep(200 * time.Millisecond)
			http.Error(w, "down", http.StatusInternalServerError)
			return
		case "garbage":
			_, _ = w.Write([]byte("<html>maintenance</html>"))
			return
		}
		keys := []jose.JSONWebKey{{Key: &k1.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}
		if op.rotated.Load() {
			keys = append(keys, jose.JSONWebKey{Key: &k2.PublicKey, KeyID: "k2", Algorithm: "RS256", Use: "sig"})
		}
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: keys})
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if failed(op.fault.Load(), w, r) {
			return
		}
		_ = r.ParseForm()
		id, secret, _ := r.BasicAuth()
		if id == "" {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		op.mu.Lock()
		c, ok := op.codes[r.PostForm.Get("code")]
		delete(op.codes, r.PostForm.Get("code"))
		op.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || id != "latchkey" || secret != op.secret || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 60, "id_token": c.idToken})
	})
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	return op
}

// failed answers the faults every endpoint can play, and reports whether
// it did: "500", or "hang" until the request is cancelled — long past any
// deadline of the code under test, but bounded, so that the test server
// can close.
func failed(fault any, w http.ResponseWriter, r *http.Request) bool {
	switch fault {
	case "500":
		http.Error(w, "down", http.StatusInternalServerError)
	case "hang":
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	default:
		return false
	}
	return true
}

// issue registers a code for a PKCE challenge that will yield idToken.
func (op *fakeOP) issue(code, challenge, idToken string) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.codes[code] = fakeCode{challenge: challenge, idToken: idToken}
}

// claims are the standard claims of a good ID token for nonce at now.
func (op *fakeOP) claims(nonce string, now time.Time) map[string]any {
	return map[string]any{
		"iss": op.srv.URL, "sub": "alice", "aud": "latchkey", "nonce": nonce,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"email": "alice@example.com", "email_verified": true, "name": "Alice",
	}
}

// sign signs claims with key under kid and alg.
func (op *fakeOP) sign(claims map[string]any, key *rsa.PrivateKey, kid string, alg jose.SignatureAlgorithm) string {
	op.t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		op.t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		op.t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		op.t.Fatal(err)
	}
	return out
}

// unsigned builds a token with "alg": "none".
func unsigned(claims map[string]any) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	p, _ := json.Marshal(claims)
	return h + "." + base64.RawURLEncoding.EncodeToString(p) + "."
}
