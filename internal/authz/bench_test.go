package authz

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/session"
)

// benchEvent is a realistic REQUEST authorizer event for GET /api/me: the
// headers CloudFront and a browser or script send (taken from the SAM
// sample), in both the single- and multi-value maps, with the credential.
func benchEvent(b *testing.B, authorization string) []byte {
	return benchEventWith(b, "Authorization", authorization)
}

// benchEventWith is benchEvent with the credential in any header.
func benchEventWith(b *testing.B, header, value string) []byte {
	b.Helper()
	raw, err := os.ReadFile("../../events/_samples/apigateway-rest-api-aws-proxy.json")
	if err != nil {
		b.Fatal(err)
	}
	var sample events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &sample); err != nil {
		b.Fatal(err)
	}
	sample.Headers[header] = value
	sample.MultiValueHeaders[header] = []string{value}
	req := Request{
		Type: "REQUEST", MethodArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/api/me",
		Resource: "/api/me", Path: "/api/me", HTTPMethod: "GET",
		Headers: sample.Headers, MultiValueHeaders: sample.MultiValueHeaders,
		QueryStringParameters: map[string]string{}, MultiValueQueryStringParameters: map[string][]string{},
		PathParameters: map[string]string{}, StageVariables: map[string]string{},
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path: "/prod/api/me", AccountID: "123456789012", ResourceID: "05c7jb", Stage: "prod",
			RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", ResourcePath: "/api/me", HTTPMethod: "GET", APIID: "abcdef123",
			Identity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: "203.0.113.7"},
		},
	}
	out, err := json.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkAuthorizer is a full authorizer invocation as Lambda makes it:
// raw event in (decode), decision, raw answer out (encode).
func BenchmarkAuthorizer(b *testing.B) {
	ctx := context.Background()
	f := newSessionFixture()
	var t testing.T
	key, _ := f.addKey(&t, apikey.EnvTest, []string{"read"}, nil)
	tok, _ := f.addSession(&t)
	malformed := key[:20] + string(key[20]^1) + key[21:]
	cases := []struct {
		name  string
		ttl   time.Duration
		event []byte
		want  error
		// logged writes the decision's line (with its metrics) through a
		// JSON handler, as every deployment does; the other cases discard
		// it before it is built.
		logged bool
	}{
		{"cache-hit", 30 * time.Second, benchEvent(b, "Bearer "+key), nil, false},
		{"cache-hit-logged", 30 * time.Second, benchEvent(b, "Bearer "+key), nil, true},
		{"cache-miss-embedded-store", 0, benchEvent(b, "Bearer "+key), nil, false},
		{"malformed-key", 30 * time.Second, benchEvent(b, "Bearer "+malformed), ErrUnauthorized, false},
		// Sessions are never cached as valid: every request reads the store.
		{"session-cookie-embedded-store", 30 * time.Second, benchEventWith(b, "Cookie", session.CookieName+"="+tok), nil, false},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			o := Options{Keys: f.keys, Sessions: f.sessions, Env: apikey.EnvTest, CacheTTL: bc.ttl, Routes: testRoutes,
				Lifetimes: session.Lifetimes{Absolute: 12 * time.Hour, Idle: time.Hour}, Now: func() time.Time { return t0 }}
			if bc.logged {
				o.Log = httpx.NewLogger(io.Discard)
			}
			a := New(o)
			if _, err := a.Invoke(ctx, bc.event); err != bc.want {
				b.Fatalf("Invoke = %v; want %v", err, bc.want)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.event)))
			for b.Loop() {
				_, _ = a.Invoke(ctx, bc.event)
			}
		})
	}
}

// BenchmarkFloor is what any Go authorizer pays before deciding anything:
// decode the event into aws-lambda-go's full type and encode an Allow policy
// with encoding/json.
func BenchmarkFloor(b *testing.B) {
	event := benchEvent(b, "Bearer lk_test_x")
	b.ReportAllocs()
	b.SetBytes(int64(len(event)))
	for b.Loop() {
		var req Request
		if err := json.Unmarshal(event, &req); err != nil {
			b.Fatal(err)
		}
		resp := Response{
			PrincipalID: "usr_1",
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{{
				Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{req.MethodArn},
			}}},
			Context: map[string]any{"userId": "usr_1", "keyId": "key_1", "method": "apikey", "permissions": "read"},
		}
		if _, err := json.Marshal(resp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJWTVerify is the core of a JWT-verifying authorizer: go-oidc
// verifying an RS256 ID token against a known key.
func BenchmarkJWTVerify(b *testing.B) {
	ctx := context.Background()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: "k1"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	token, err := jwt.Signed(signer).Claims(jwt.Claims{
		Issuer: "https://idp.example.com", Subject: "alice", Audience: jwt.Audience{"latchkey"},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour)),
	}).Serialize()
	if err != nil {
		b.Fatal(err)
	}
	v := oidc.NewVerifier("https://idp.example.com", &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&priv.PublicKey}},
		&oidc.Config{ClientID: "latchkey", Now: func() time.Time { return now }})
	if _, err := v.Verify(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecisionLine is the decision's log line alone, with its
// metrics, written through the JSON logger: a key request's allow that
// the cache answered.
func BenchmarkDecisionLine(b *testing.B) {
	a := New(Options{Env: apikey.EnvTest, Log: httpx.NewLogger(io.Discard)})
	in := Input{RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", SourceIP: "203.0.113.7", Resource: "/api/me", HTTPMethod: "GET"}
	d := Decision{Effect: Allow, Reason: "key has read", Class: metrics.ReasonValidKey, Cache: metrics.CacheHit,
		Principal: principal.Principal{UserID: "usr_owner", KeyID: "key_c6lujwxppahghwkhuxviooqeki", Method: principal.MethodAPIKey}}
	b.ReportAllocs()
	for b.Loop() {
		a.logDecision(in, d)
	}
}
