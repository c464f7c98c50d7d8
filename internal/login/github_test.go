package login

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// fakeGitHub is a local stand-in for GitHub's OAuth endpoints and the two
// user API endpoints Latchkey reads.
type fakeGitHub struct {
	srv    *httptest.Server
	mu     sync.Mutex
	codes  map[string]string // code → PKCE challenge
	emails []map[string]any
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	g := &fakeGitHub{codes: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		g.mu.Lock()
		challenge, ok := g.codes[r.PostForm.Get("code")]
		delete(g.codes, r.PostForm.Get("code"))
		g.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		w.Header().Set("Content-Type", "application/json")
		if !ok || r.PostForm.Get("client_id") != "gh-client" || r.PostForm.Get("client_secret") != "gh-secret" ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
			_, _ = w.Write([]byte(`{"error":"bad_verification_code"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"gho_test","token_type":"bearer","scope":"read:user,user:email"}`))
	})
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer gho_test" {
				w.WriteHeader(401)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /api/user", auth(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"id": 583231, "login": "octocat", "name": "The Octocat"})
	}))
	mux.HandleFunc("GET /api/user/emails", auth(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(g.emails)
	}))
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

func TestGitHub(t *testing.T) {
	tests := []struct {
		name      string
		emails    []map[string]any
		wantEmail string
		wantErr   bool
	}{
		{"verified primary email", []map[string]any{
			{"email": "other@example.com", "primary": false, "verified": true},
			{"email": "octocat@example.com", "primary": true, "verified": true},
		}, "octocat@example.com", false},
		{"unverified primary email is refused", []map[string]any{
			{"email": "octocat@example.com", "primary": true, "verified": false},
			{"email": "other@example.com", "primary": false, "verified": true},
		}, "", true},
		{"no email", nil, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGitHub(t)
			g.emails = tc.emails
			p := &GitHub{ClientID: "gh-client", ClientSecret: "gh-secret", RedirectURL: "https://app.example.com/api/auth/callback",
				WebURL: g.srv.URL, APIURL: g.srv.URL + "/api"}
			authURL, err := p.AuthCodeURL(context.Background(), "state-1", "unused", "verifier-verifier-verifier-verifier-verifier", false)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(authURL)
			q := u.Query()
			if u.Path != "/login/oauth/authorize" || q.Get("state") != "state-1" || q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "gh-client" {
				t.Fatalf("authorize URL %s lacks state, PKCE or client", authURL)
			}
			g.codes["code-1"] = q.Get("code_challenge")
			id, err := p.Identify(context.Background(), "code-1", "verifier-verifier-verifier-verifier-verifier", "")
			if tc.wantErr {
				if !errors.Is(err, ErrVerify) {
					t.Fatalf("Identify = %+v, %v; want a verification error", id, err)
				}
				return
			}
			if err != nil || id.Subject != "583231" || id.Issuer != g.srv.URL || id.Email != tc.wantEmail || !id.EmailVerified || id.Name != "The Octocat" {
				t.Fatalf("Identify = %+v, %v", id, err)
			}
		})
	}
}

func TestGitHubRefusesAWrongVerifier(t *testing.T) {
	g := newFakeGitHub(t)
	p := &GitHub{ClientID: "gh-client", ClientSecret: "gh-secret", WebURL: g.srv.URL, APIURL: g.srv.URL + "/api"}
	g.codes["code-1"] = "challenge-of-another-verifier"
	if _, err := p.Identify(context.Background(), "code-1", "verifier", ""); err == nil {
		t.Fatal("Identify with a wrong verifier = nil error")
	}
}

// TestGitHubOutageIsNotAVerificationFailure: GitHub answering 5xx is the
// provider being down (the callback's 503), not a refused sign-in (400).
func TestGitHubOutageIsNotAVerificationFailure(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unicorn", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	p := &GitHub{ClientID: "gh-client", ClientSecret: "gh-secret", RedirectURL: "https://app.example.com/api/auth/callback",
		WebURL: down.URL, APIURL: down.URL + "/api"}
	_, err := p.Identify(context.Background(), "code-1", "verifier-verifier-verifier-verifier-verifier", "")
	if err == nil || errors.Is(err, ErrVerify) {
		t.Fatalf("Identify against a GitHub answering 503 = %v; want an outage, not a verification failure", err)
	}
}
