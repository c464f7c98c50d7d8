package invoke

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/golden"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

const eventsDir = "../../events"

// TestFixturesMatchGoldens runs every fixture in events/<function>/ through
// its function over the seeded embedded store (with the fixture keys) and
// compares the answer with testdata/golden/<function>/<case>.json (make
// golden writes them: go test -update).
func TestFixturesMatchGoldens(t *testing.T) {
	dirs, err := os.ReadDir(eventsDir)
	if err != nil {
		t.Fatal(err)
	}
	// An identity provider that refuses connections at once: the fixtures
	// of the sign-in functions cover what needs no network (the login and
	// callback tests run real providers).
	cfg := depstest.Config(t, map[string]string{
		"LATCHKEY_OIDC_ISSUER": "http://127.0.0.1:1/idp", "LATCHKEY_OIDC_CLIENT_ID": "latchkey",
		"LATCHKEY_EDITORS":   seed.Editor.Email,
		"LATCHKEY_LOGIN_KEY": "Rml4dHVyZUxvZ2luS2V5Rm9yVGVzdHNPbmx5MDAwMDA=",
		// GitHub's pinned keys: a fixture replays the report GitHub
		// signed in its documentation.
		"LATCHKEY_SECRET_SCANNING_KEYS": "github",
	})
	for _, dir := range dirs {
		if !dir.IsDir() || strings.HasPrefix(dir.Name(), "_") {
			continue
		}
		fn := dir.Name()
		files, _ := filepath.Glob(filepath.Join(eventsDir, fn, "*.json"))
		for _, file := range files {
			name := strings.TrimSuffix(filepath.Base(file), ".json")
			t.Run(fn+"/"+name, func(t *testing.T) {
				ctx := context.Background()
				stores := embedded.New().Stores()
				if err := seed.Load(ctx, stores); err != nil {
					t.Fatal(err)
				}
				if err := seed.LoadFixtures(ctx, stores, cfg.Env); err != nil {
					t.Fatal(err)
				}
				// A fixed clock and a seeded generator, fresh per case, make
				// the secrets and IDs of create and regenerate reproducible.
				d := deps.Deps{Config: cfg, Stores: stores, Log: slog.New(slog.DiscardHandler),
					Now:  func() time.Time { return seed.Epoch.Add(30 * 24 * time.Hour) },
					Rand: rand.NewChaCha8([32]byte([]byte("latchkey golden fixtures, seeded"))),
				}
				event, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				got, err := Run(ctx, d, fn, event)
				if err != nil {
					t.Fatalf("Run(%s, %s) = %v", fn, file, err)
				}
				golden.Check(t, filepath.Join("testdata", "golden", fn, name+".json"), got)
			})
		}
	}
}

// TestDecodersAcceptRealSamples decodes the samples that `sam local
// generate-event` writes, unchanged, with the strict decoder.
func TestDecodersAcceptRealSamples(t *testing.T) {
	tests := []struct {
		file string
		into any
	}{
		{"apigateway-rest-api-aws-proxy.json", &events.APIGatewayProxyRequest{}},
		{"apigateway-rest-authorizer-request.json", &events.APIGatewayCustomAuthorizerRequestTypeRequest{}},
		{"apigateway-rest-authorizer-token.json", &events.APIGatewayCustomAuthorizerRequest{}},
		{"apigateway-http-api-proxy.json", &events.APIGatewayV2HTTPRequest{}},
		{"apigateway-http-api-proxy-lambda-authorizer.json", &events.APIGatewayV2HTTPRequest{}},
		{"apigateway-authorizer-v2-request.json", &events.APIGatewayV2CustomAuthorizerV2Request{}},
	}
	// The samples are copied into events/_samples; when the shared originals
	// are beside the checkout, they must be the same.
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(eventsDir, "_samples", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if shared, err := os.ReadFile(filepath.Join("../../../shared/fixtures/sam-events", tc.file)); err == nil && !bytes.Equal(shared, raw) {
				t.Fatalf("events/_samples/%s differs from ../shared/fixtures/sam-events/%s", tc.file, tc.file)
			}
			if err := Decode(raw, tc.into); err != nil {
				t.Fatalf("Decode(%s) = %v", tc.file, err)
			}
		})
	}
}

func TestRunRealRestSampleThroughAFunction(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(eventsDir, "_samples", "apigateway-rest-api-aws-proxy.json"))
	if err != nil {
		t.Fatal(err)
	}
	d := depstest.Local(config.Config{})
	out, err := Run(context.Background(), d, "not-found", raw)
	if err != nil || !bytes.Contains(out, []byte(`"statusCode": 404`)) {
		t.Fatalf("Run(not-found, SAM sample) = %s, %v; want a 404 answer", out, err)
	}
}

func TestRunUnknownFunction(t *testing.T) {
	_, err := Run(context.Background(), deps.Deps{}, "no-such-fn", []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "public-posts-list") {
		t.Fatalf("Run(no-such-fn) = %v; want an error listing the functions", err)
	}
}

func TestRunRejectsMisspeltEvent(t *testing.T) {
	_, err := Run(context.Background(), deps.Deps{}, "not-found", []byte(`{"httpMethdo": "GET"}`))
	if err == nil {
		t.Fatal("Run(misspelt field) = nil; want a decode error")
	}
}
