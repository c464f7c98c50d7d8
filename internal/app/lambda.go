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
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store/dynamo"
)

// FromEnv builds a Lambda function's dependencies from its environment: the
// configuration, and the DynamoDB stores (at LATCHKEY_DYNAMODB_ENDPOINT when
// set). A function on Lambda never falls back to an embedded store.
func FromEnv(ctx context.Context, log *slog.Logger) (Deps, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return Deps{}, err
	}
	client, err := dynamo.NewClient(ctx, cfg.DynamoDBEndpoint)
	if err != nil {
		return Deps{}, fmt.Errorf("dynamodb client: %w", err)
	}
	return Deps{
		Config: cfg,
		Stores: dynamo.New(client, cfg.TablePrefix).WithLogger(log).Stores(),
		Log:    log,
		Now:    time.Now,
		Rand:   rand.Reader,
	}, nil
}

// Start runs a route's handler as a Lambda function. It is the whole body
// of a function's main. A configuration error stops the cold start with a
// logged message, so a misconfigured deployment fails at once and visibly.
func Start(build HandlerFunc) {
	log := httpx.NewLogger(os.Stderr)
	d, err := FromEnv(context.Background(), log)
	if err != nil {
		log.Error("cold start failed", "err", err.Error())
		os.Exit(1)
	}
	lambda.Start(httpx.Adapt(log, build(d)))
}

// StartAuthorizer runs the authorizer as a Lambda function.
func StartAuthorizer(build AuthorizerFunc) {
	log := httpx.NewLogger(os.Stderr)
	d, err := FromEnv(context.Background(), log)
	if err != nil {
		log.Error("cold start failed", "err", err.Error())
		os.Exit(1)
	}
	lambda.Start(build(d))
}
