package secrets_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/secrets"
)

// fakeSecretsManager serves GetSecretValue of Secrets Manager's JSON API
// (awsJson1_1) from a map of ARN to secret string, on loopback.
type fakeSecretsManager struct {
	mu      sync.Mutex
	secrets map[string]string
	calls   []string
}

func (f *fakeSecretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" ||
		!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		http.Error(w, "unexpected request", http.StatusBadRequest)
		return
	}
	var in struct{ SecretId string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, in.SecretId)
	v, ok := f.secrets[in.SecretId]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretId, "Name": "n", "SecretString": v, "VersionId": "v1"})
}

func newClient(t *testing.T, secrets map[string]string) (*secretsmanager.Client, *fakeSecretsManager) {
	t.Helper()
	fake := &fakeSecretsManager{secrets: secrets}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return secretsmanager.New(secretsmanager.Options{
		BaseEndpoint: aws.String(srv.URL),
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "test", ""),
	}), fake
}

const (
	arnClient = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:client-AAAAAA"
	arnLogin  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:login-BBBBBB"
	arnOrigin = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:origin-CCCCCC"
	loginKey  = "Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789aBcDeFg" // 43 characters, as generated
	current   = "cur0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	next      = "nxt0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	previous  = "pre0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
)

func TestResolve(t *testing.T) {
	client, fake := newClient(t, map[string]string{
		arnClient: "client-secret-value\n",
		arnLogin:  loginKey,
		arnOrigin: `{"current":"` + current + `","next":"` + next + `","previous":"` + previous + `"}`,
	})
	cfg := config.Config{OIDCClientSecretARN: arnClient, LoginKeyARN: arnLogin, OriginSecretARN: arnOrigin}
	if !secrets.Needed(cfg) {
		t.Fatal("Needed() = false with three ARNs")
	}
	if err := secrets.Resolve(context.Background(), client, &cfg); err != nil {
		t.Fatalf("Resolve() = %v", err)
	}
	if cfg.OIDCClientSecret != "client-secret-value" {
		t.Errorf("OIDCClientSecret = %q; want the secret, trimmed", cfg.OIDCClientSecret)
	}
	if len(cfg.LoginKey) != 32 {
		t.Errorf("LoginKey is %d bytes; want 32", len(cfg.LoginKey))
	}
	if len(cfg.OriginSecrets) != 3 || cfg.OriginSecrets[0] != current || cfg.OriginSecrets[1] != next || cfg.OriginSecrets[2] != previous {
		t.Errorf("OriginSecrets = %q; want current, next and previous", cfg.OriginSecrets)
	}
	if len(fake.calls) != 3 {
		t.Errorf("Secrets Manager was called %d times; want once a secret", len(fake.calls))
	}
}

func TestResolveNothingNamed(t *testing.T) {
	client, fake := newClient(t, nil)
	cfg := config.Config{OIDCClientSecret: "from the environment (local runs)"}
	if secrets.Needed(cfg) {
		t.Fatal("Needed() = true without an ARN")
	}
	if err := secrets.Resolve(context.Background(), client, &cfg); err != nil || len(fake.calls) != 0 {
		t.Fatalf("Resolve() = %v after %d calls; want nil and no call", err, len(fake.calls))
	}
	if cfg.OIDCClientSecret != "from the environment (local runs)" || cfg.OriginSecrets != nil {
		t.Fatalf("Resolve() changed the configuration: %+v", cfg)
	}
}

func TestResolveReportsEveryProblemWithoutValues(t *testing.T) {
	const badLogin, badOrigin = "short-login-key-value", `{"current":"` + current + `","previuos":"` + previous + `"}`
	tests := []struct {
		name    string
		secrets map[string]string
		cfg     config.Config
		want    []string
	}{
		{
			name:    "missing secret and bad values",
			secrets: map[string]string{arnLogin: badLogin, arnOrigin: badOrigin},
			cfg:     config.Config{GitHubClientSecretARN: arnClient, LoginKeyARN: arnLogin, OriginSecretARN: arnOrigin},
			want:    []string{"LATCHKEY_GITHUB_CLIENT_SECRET_ARN", "ResourceNotFoundException", "LATCHKEY_LOGIN_KEY_ARN", "LATCHKEY_ORIGIN_SECRET_ARN"},
		},
		{
			name:    "origin secret too short",
			secrets: map[string]string{arnOrigin: `{"current":"short"}`},
			cfg:     config.Config{OriginSecretARN: arnOrigin},
			want:    []string{"LATCHKEY_ORIGIN_SECRET_ARN", "current: want at least 32"},
		},
		{
			name:    "origin next too short",
			secrets: map[string]string{arnOrigin: `{"current":"` + current + `","next":"short"}`},
			cfg:     config.Config{OriginSecretARN: arnOrigin},
			want:    []string{"LATCHKEY_ORIGIN_SECRET_ARN", "next: want at least 32"},
		},
		{
			name:    "origin secret not JSON",
			secrets: map[string]string{arnOrigin: current},
			cfg:     config.Config{OriginSecretARN: arnOrigin},
			want:    []string{"LATCHKEY_ORIGIN_SECRET_ARN", "want JSON"},
		},
		{
			name:    "empty secret",
			secrets: map[string]string{arnClient: "  \n"},
			cfg:     config.Config{OIDCClientSecretARN: arnClient},
			want:    []string{"LATCHKEY_OIDC_CLIENT_SECRET_ARN", "empty"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client, _ := newClient(t, tc.secrets)
			cfg := tc.cfg
			err := secrets.Resolve(context.Background(), client, &cfg)
			if err == nil {
				t.Fatal("Resolve() = nil; want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Resolve() error does not say %q:\n%v", w, err)
				}
			}
			for _, v := range []string{badLogin, current, next, previous, "short"} {
				if strings.Contains(err.Error(), v) {
					t.Errorf("Resolve() error contains a secret value %q:\n%v", v, err)
				}
			}
		})
	}
}
