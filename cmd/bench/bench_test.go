package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/secrets"
)

// TestSecretsStandInServesTheSDKClient: the cold-start bench's Secrets
// Manager stand-in answers the SDK client internal/secrets uses, found
// through AWS_ENDPOINT_URL_SECRETS_MANAGER as a bootstrap finds it, and
// refuses a secret it does not hold as Secrets Manager does.
func TestSecretsStandInServesTheSDKClient(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:latchkey-bench-origin"
	origin := strings.Repeat("o", 48)
	sm := newSecretsStandIn(map[string]string{arn: `{"current":"` + origin + `"}`}, 0)
	defer sm.Close()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.URL(), "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
	} {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := secrets.NewClient(ctx)
	if err != nil {
		t.Fatal(err)
	}

	cfg := config.Config{OriginSecretARN: arn}
	if err := secrets.Resolve(ctx, client, &cfg); err != nil {
		t.Fatalf("Resolve through the stand-in: %v", err)
	}
	if len(cfg.OriginSecrets) != 1 || cfg.OriginSecrets[0] != origin {
		t.Errorf("origin secrets %d values; want the one the stand-in holds", len(cfg.OriginSecrets))
	}

	missing := config.Config{LoginKeyARN: arn + "-missing"}
	err = secrets.Resolve(ctx, client, &missing)
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("an unknown secret: err = %v; want ResourceNotFoundException", err)
	}
	if sm.calls.Load() < 2 {
		t.Errorf("%d calls reached the stand-in; want both reads", sm.calls.Load())
	}
}

func TestAnswerStatus(t *testing.T) {
	for _, tc := range []struct {
		name       string
		code       int
		body       string
		authorizer bool
		want       string // "" for an error
	}{
		{"a function's proxy answer", 200, `{"statusCode":404,"headers":{},"body":"{}"}`, false, "404"},
		{"the authorizer's policy", 200, `{"principalId":"usr_1","policyDocument":{}}`, true, "policy"},
		{"the authorizer's 401", 200, `{"errorMessage":"Unauthorized","errorType":"errorString"}`, true, "Unauthorized"},
		{"a failed init is no answer", 200, `{"errorMessage":"exit status 1","errorType":"Runtime.ExitError"}`, false, ""},
		{"a function's error is no answer", 200, `{"errorMessage":"boom","errorType":"errorString"}`, false, ""},
		{"the authorizer failing is no answer", 200, `{"errorMessage":"authorizer failed","errorType":"errorString"}`, true, ""},
		{"a proxy answer from the authorizer is not its own", 200, `{"statusCode":200}`, true, ""},
		{"the emulator's own error", 500, `{"errorType":"Runtime.Unknown"}`, false, ""},
		{"not JSON", 200, `Internal Server Error`, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := answerStatus(tc.code, []byte(tc.body), tc.authorizer)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("answerStatus = %q; want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("answerStatus = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestWithHeaderAddsToBothMaps(t *testing.T) {
	for _, ev := range []string{
		`{"httpMethod":"GET","headers":{"Accept":"*/*"},"multiValueHeaders":{"Accept":["*/*"]}}`,
		`{"httpMethod":"GET","headers":null,"multiValueHeaders":null}`,
	} {
		out, err := withHeader([]byte(ev), "X-Latchkey-Origin", "v")
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Headers           map[string]string
			MultiValueHeaders map[string][]string
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if got.Headers["X-Latchkey-Origin"] != "v" || len(got.MultiValueHeaders["X-Latchkey-Origin"]) != 1 {
			t.Errorf("withHeader(%s) = %s; want the header in both maps", ev, out)
		}
		if strings.Contains(ev, "Accept") && got.Headers["Accept"] != "*/*" {
			t.Errorf("withHeader dropped the event's headers: %s", out)
		}
	}
	if _, err := withHeader([]byte("not json"), "X", "v"); err == nil {
		t.Error("withHeader accepted an event that is not JSON")
	}
}

func TestCappedKeepsTheFirstBytes(t *testing.T) {
	c := &capped{max: 5}
	for _, s := range []string{"abc", "def", "ghi"} {
		if n, err := c.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write = %d, %v; want every byte taken", n, err)
		}
	}
	if c.String() != "abcde" {
		t.Errorf("kept %q; want the first 5 bytes", c.String())
	}
}

// TestCeilingBindsLoopbackIPsOnly: the ceiling server refuses an address
// that is not a loopback IP, a name included (it would be resolved),
// before it listens.
func TestCeilingBindsLoopbackIPsOnly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a server the check lets through stops at once, and the test fails
	for _, addr := range []string{"localhost:0", "0.0.0.0:0", "192.0.2.1:0", ":0", "[::]:0", "nonsense"} {
		if err := serveCeiling(ctx, []string{"-addr", addr}); !errors.Is(err, errUsage) {
			t.Errorf("serveCeiling -addr %s = %v; want a usage error", addr, err)
		}
	}
}
