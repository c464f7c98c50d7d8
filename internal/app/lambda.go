package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/secrets"
	"github.com/latchkey/latchkey/internal/store/dynamo"
)

// secretsTimeout bounds the cold start's Secrets Manager reads, well inside
// Lambda's 10-second initialisation limit, so that an unreachable Secrets
// Manager fails the start with a message instead of a timeout.
const secretsTimeout = 5 * time.Second

// FromEnv builds a Lambda function's dependencies from its environment: the
// configuration, its secrets from Secrets Manager (each LATCHKEY_*_ARN), and
// the DynamoDB stores (at LATCHKEY_DYNAMODB_ENDPOINT when set). A function
// on Lambda never falls back to an embedded store.
func FromEnv(ctx context.Context, log *slog.Logger) (deps.Deps, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return deps.Deps{}, err
	}
	if secrets.Needed(cfg) {
		sctx, cancel := context.WithTimeout(ctx, secretsTimeout)
		defer cancel()
		client, err := secrets.NewClient(sctx)
		if err != nil {
			return deps.Deps{}, fmt.Errorf("secrets manager client: %w", err)
		}
		if err := secrets.Resolve(sctx, client, &cfg); err != nil {
			return deps.Deps{}, err
		}
		log.Info("secrets loaded", "generation", cfg.SecretsGeneration, "originCheck", len(cfg.OriginSecrets) > 0)
	}
	client, err := dynamo.NewClient(ctx, cfg.DynamoDBEndpoint)
	if err != nil {
		return deps.Deps{}, fmt.Errorf("dynamodb client: %w", err)
	}
	return deps.Deps{
		Config: cfg,
		Stores: dynamo.New(client, cfg.TablePrefix).WithLogger(log).Stores(),
		Log:    log,
		Now:    time.Now,
		Rand:   rand.Reader,
	}, nil
}

// Start runs a route's handler as a Lambda function. It is the whole body
// of a function's main. A configuration error, or a constructor that fails
// (a policy that does not parse), stops the cold start with one logged line
// that says why, so a misconfigured deployment fails at once and visibly.
// When the deployment configures an origin secret, a request that did not
// come through CloudFront is answered 403 before the handler sees it.
func Start(build deps.Constructor) {
	d := coldStart()
	h, err := build(d)
	if err != nil {
		fail(d.Log, err)
	}
	lambda.Start(Wrap(d, h))
}

// coldStart builds the dependencies from the environment, or logs why it
// cannot and exits.
func coldStart() deps.Deps {
	log := httpx.NewLogger(os.Stderr)
	d, err := FromEnv(context.Background(), log)
	if err != nil {
		fail(log, err)
	}
	return d
}

// fail ends a cold start: one line that says why, and a non-zero exit,
// which Lambda reports as an initialisation error.
func fail(log *slog.Logger, err error) {
	log.Error("cold start failed", "err", err.Error())
	os.Exit(1)
}

// Wrap is what Start runs for a handler: the front-door check, then the
// handler, adapted to Lambda (errors to answers, panics recovered).
func Wrap(d deps.Deps, h httpx.Handler) func(context.Context, httpx.Request) (httpx.Response, error) {
	return httpx.Adapt(d.Log, frontdoor.Require(d.Config.OriginSecrets, h))
}

// StartAuthorizer runs the authorizer as a Lambda function; build is
// authz.Build. It takes the authorizer as any lambda.Handler so that this
// package, which every route's function links, does not link the
// authorizer's (TestAFunctionLinksItsHandlerAndTheWiringOnly).
func StartAuthorizer[A lambda.Handler](build func(deps.Deps) (A, error)) {
	d := coldStart()
	a, err := build(d)
	if err != nil {
		fail(d.Log, err)
	}
	lambda.Start(a)
}
