package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/httpx"
)

// TestFromEnvResolvesSecrets runs a cold start's configuration against a
// loopback fake of Secrets Manager's JSON API, reached the way the SDK is
// pointed anywhere: AWS_ENDPOINT_URL_SECRETS_MANAGER.
func TestFromEnvResolvesSecrets(t *testing.T) {
	const (
		arnLogin  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:login-AAAAAA"
		arnOrigin = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:origin-BBBBBB"
		arnClient = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:client-CCCCCC"
		origin    = "origin0123456789abcdefghijklmnopqrstuvwxyzABCD"
	)
	values := map[string]string{
		arnLogin:  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		arnOrigin: `{"current":"` + origin + `"}`,
		arnClient: "the-client-secret",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ SecretId string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]string{"ARN": in.SecretId, "SecretString": values[in.SecretId]})
	}))
	defer srv.Close()

	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": srv.URL,
		"AWS_REGION":                       "eu-west-1",
		"AWS_ACCESS_KEY_ID":                "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":            "test",
		"AWS_CONFIG_FILE":                  filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":      filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":        "true",
		"LATCHKEY_PUBLIC_URL":              "https://app.example.com",
		"LATCHKEY_OIDC_ISSUER":             "https://idp.example.com",
		"LATCHKEY_OIDC_CLIENT_ID":          "latchkey",
		"LATCHKEY_OIDC_CLIENT_SECRET_ARN":  arnClient,
		"LATCHKEY_LOGIN_KEY_ARN":           arnLogin,
		"LATCHKEY_ORIGIN_SECRET_ARN":       arnOrigin,
		"LATCHKEY_SECRETS_GENERATION":      "7",
	} {
		t.Setenv(k, v)
	}
	var logs bytes.Buffer
	d, err := app.FromEnv(context.Background(), httpx.NewLogger(&logs))
	if err != nil {
		t.Fatalf("FromEnv() = %v", err)
	}
	if d.Config.OIDCClientSecret != "the-client-secret" || len(d.Config.LoginKey) != 32 ||
		len(d.Config.OriginSecrets) != 1 || d.Config.OriginSecrets[0] != origin {
		t.Fatalf("FromEnv() config secrets = %q, %d-byte key, %q; want the three secrets",
			d.Config.OIDCClientSecret, len(d.Config.LoginKey), d.Config.OriginSecrets)
	}
	if !strings.Contains(logs.String(), `"generation":"7"`) {
		t.Errorf("cold start log does not name the secrets generation:\n%s", logs.String())
	}
	for _, v := range values {
		if strings.Contains(logs.String(), v) {
			t.Errorf("cold start log contains a secret value:\n%s", logs.String())
		}
	}

	// A function started with this configuration refuses a request that did
	// not come through CloudFront, and serves one that did.
	h := app.Wrap(d, func(context.Context, httpx.Request) (httpx.Response, error) { return httpx.NoContent(), nil })
	resp, _ := h(context.Background(), httpx.Request{Headers: map[string]string{"Host": "abc.execute-api.eu-west-1.amazonaws.com"}})
	if resp.StatusCode != 403 || !strings.Contains(resp.Body, `"error":"forbidden"`) {
		t.Errorf("direct request = %d %s; want 403 forbidden", resp.StatusCode, resp.Body)
	}
	resp, _ = h(context.Background(), httpx.Request{Headers: map[string]string{frontdoor.Header: origin}})
	if resp.StatusCode != 204 {
		t.Errorf("request through CloudFront = %d %s; want the handler's 204", resp.StatusCode, resp.Body)
	}
}

func TestWrapWithoutOriginSecretServesEverything(t *testing.T) {
	d := deps.Deps{Log: httpx.NewLogger(&bytes.Buffer{})}
	h := app.Wrap(d, func(context.Context, httpx.Request) (httpx.Response, error) { return httpx.NoContent(), nil })
	if resp, _ := h(context.Background(), httpx.Request{}); resp.StatusCode != 204 {
		t.Fatalf("local request = %d; want 204 (no CloudFront in front of local runs)", resp.StatusCode)
	}
}
