package devidp_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/latchkey/latchkey/internal/devidp"
)

func TestDiscovery(t *testing.T) {
	e := newEnv(t, testUsers)
	resp := e.get(t, e.issuer+"/.well-known/openid-configuration")
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery = %d, %v", resp.StatusCode, err)
	}
	if d["issuer"] != e.issuer {
		t.Errorf("issuer = %v; want %s", d["issuer"], e.issuer)
	}
	for _, k := range []string{"authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint", "end_session_endpoint"} {
		s, _ := d[k].(string)
		if !strings.HasPrefix(s, e.issuer+"/") {
			t.Errorf("%s = %q; want it under %s", k, s, e.issuer)
			continue
		}
		if k == "jwks_uri" {
			if r := e.get(t, s); r.StatusCode != http.StatusOK {
				t.Errorf("GET %s = %d; want 200", s, r.StatusCode)
			}
		}
	}
	if m, _ := json.Marshal(d["code_challenge_methods_supported"]); string(m) != `["S256"]` {
		t.Errorf("code_challenge_methods_supported = %s; want [\"S256\"]", m)
	}
	if _, err := oidc.NewProvider(e.ctx(), e.issuer); err != nil {
		t.Errorf("go-oidc NewProvider: %v", err)
	}
	if r := e.get(t, e.srv.URL+"/"); r.StatusCode != http.StatusTeapot {
		t.Errorf("GET / = %d; want the app beside the provider", r.StatusCode)
	}
}

// TestSignIn runs the whole flow as the relying party does: PKCE, the
// picker, the exchange with client_secret_basic, ID token verification
// with go-oidc, and userinfo.
func TestSignIn(t *testing.T) {
	e := newEnv(t, testUsers)
	f := newFlow()
	code := e.signIn(t, f, "eve")

	tok, err := e.oauth.Exchange(e.ctx(), code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	provider, err := oidc.NewProvider(e.ctx(), e.issuer)
	if err != nil {
		t.Fatalf("NewProvider: %v", err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: e.oauth.ClientID}).Verify(e.ctx(), raw)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	var claims struct {
		Email         string   `json:"email"`
		EmailVerified bool     `json:"email_verified"`
		Name          string   `json:"name"`
		Groups        []string `json:"groups"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if idt.Subject != "eve" || idt.Nonce != f.nonce || idt.Issuer != e.issuer || !slices.Equal(idt.Audience, []string{"latchkey-dev"}) ||
		claims.Email != "eve@example.com" || !claims.EmailVerified || claims.Name != "Eve Editor" || !slices.Equal(claims.Groups, []string{"editors"}) {
		t.Errorf("ID token = %+v, claims %+v; want eve's, with the nonce", idt, claims)
	}
	if idt.IssuedAt.IsZero() || !idt.Expiry.After(idt.IssuedAt) {
		t.Errorf("iat = %v, exp = %v", idt.IssuedAt, idt.Expiry)
	}
	info, err := provider.UserInfo(e.ctx(), oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != "eve" || info.Email != "eve@example.com" {
		t.Errorf("UserInfo = %+v, %v; want eve's", info, err)
	}

	// The reader has no groups: no groups claim.
	f2 := newFlow()
	tok, err = e.oauth.Exchange(e.ctx(), e.signIn(t, f2, "rex"), oauth2.VerifierOption(f2.verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	idt, err = provider.Verifier(&oidc.Config{ClientID: e.oauth.ClientID}).Verify(e.ctx(), tok.Extra("id_token").(string))
	var all map[string]any
	if err != nil || idt.Claims(&all) != nil || all["sub"] != "rex" || all["groups"] != nil {
		t.Errorf("rex's ID token claims = %v, %v; want no groups", all, err)
	}
}

func TestAuthorizeRefused(t *testing.T) {
	e := newEnv(t, testUsers)
	f := newFlow()
	good, _ := url.Parse(e.authURL(f))
	tests := []struct {
		name   string
		change func(q url.Values)
		// wantError is the error sent back to the registered redirect URI;
		// empty means a 400 here, with no redirect at all.
		wantError string
	}{
		{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request"},
		{"PKCE plain", func(q url.Values) { q.Set("code_challenge", f.verifier); q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"PKCE without method", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		{"no openid scope", func(q url.Values) { q.Set("scope", "email") }, "invalid_scope"},
		{"unregistered redirect URI", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }, ""},
		{"redirect URI with extra path", func(q url.Values) { q.Set("redirect_uri", e.callback+"/../x") }, ""},
		{"unknown client", func(q url.Values) { q.Set("client_id", "someone-else") }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := good.Query()
			tc.change(q)
			u := *good
			u.RawQuery = q.Encode()
			resp := e.get(t, u.String())
			if tc.wantError == "" {
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
					t.Fatalf("authorize = %d to %q; want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
				}
				return
			}
			got := e.redirected(t, resp)
			if got.Get("error") != tc.wantError || got.Get("code") != "" || got.Get("state") != f.state {
				t.Errorf("redirect query = %v; want error=%s and the state, no code", got, tc.wantError)
			}
		})
	}
}

func TestExchangeRefused(t *testing.T) {
	e := newEnv(t, testUsers)
	tests := []struct {
		name     string
		exchange func(code string, f flow) error
		wantOK   bool
	}{
		{"wrong verifier", func(code string, _ flow) error {
			_, err := e.oauth.Exchange(e.ctx(), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
			return err
		}, false},
		{"no verifier", func(code string, _ flow) error {
			_, err := e.oauth.Exchange(e.ctx(), code)
			return err
		}, false},
		{"wrong client secret", func(code string, f flow) error {
			c := e.oauth
			c.ClientSecret = "guess"
			_, err := c.Exchange(e.ctx(), code, oauth2.VerifierOption(f.verifier))
			return err
		}, false},
		{"code used twice", func(code string, f flow) error {
			if _, err := e.oauth.Exchange(e.ctx(), code, oauth2.VerifierOption(f.verifier)); err != nil {
				t.Fatalf("first Exchange: %v", err)
			}
			_, err := e.oauth.Exchange(e.ctx(), code, oauth2.VerifierOption(f.verifier))
			return err
		}, false},
		{"right verifier after a wrong one", func(code string, f flow) error {
			if _, err := e.oauth.Exchange(e.ctx(), code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
				t.Fatal("Exchange with a wrong verifier succeeded")
			}
			_, err := e.oauth.Exchange(e.ctx(), code, oauth2.VerifierOption(f.verifier))
			return err
		}, false},
		{"code expired", func(code string, f flow) error {
			e.clock.add(devidp.CodeTTL + 1)
			_, err := e.oauth.Exchange(e.ctx(), code, oauth2.VerifierOption(f.verifier))
			return err
		}, false},
		{"client_secret_post is accepted too", func(code string, f flow) error {
			c := e.oauth
			c.Endpoint.AuthStyle = oauth2.AuthStyleInParams
			_, err := c.Exchange(e.ctx(), code, oauth2.VerifierOption(f.verifier))
			return err
		}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlow()
			err := tc.exchange(e.signIn(t, f, "ada"), f)
			if tc.wantOK {
				if err != nil {
					t.Fatalf("Exchange: %v", err)
				}
				return
			}
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || (re.ErrorCode != "invalid_grant" && re.ErrorCode != "invalid_request" && re.ErrorCode != "invalid_client") {
				t.Fatalf("Exchange error = %v; want invalid_grant, invalid_request or invalid_client", err)
			}
		})
	}
}
