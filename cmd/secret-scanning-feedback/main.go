// Command secret-scanning-feedback prints the false-positive feedback
// GitHub's secret scanning partner program takes
// (https://docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/secret-scanning-partner-program,
// "Provide feedback for false positives"), from the reports the deployment
// received and kept:
//
//	go run ./cmd/secret-scanning-feedback --since 720h > feedback.json
//
// It prints a JSON list of {token_hash, token_type, label}, one per
// reported token: true_positive when a report of it revoked a live key,
// false_positive when it is no Latchkey key, and nothing for a well-formed
// key that opened no key here (deleted, another deployment's, made up),
// which cannot be told either way. No token is kept, so none is printed:
// token_hash is its SHA-256, which GitHub accepts in place of token_raw.
// A summary goes to standard error.
//
// It reads the security log's table (LATCHKEY_TABLE_PREFIX, with the usual
// AWS credentials and region, or LATCHKEY_DYNAMODB_ENDPOINT), where the
// reports are kept under the owner "secret-scanning" for
// LATCHKEY_SECURITY_LOG_DAYS; or, with --data, a local server's data file
// (make dev DATA=…).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/secretscan"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dynamo"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

// maxPages bounds the reading: the log holds at most a retention period of
// reports, and a store that answers cursors forever must not hold the
// command forever.
const maxPages = 10000

func main() {
	fs := flag.NewFlagSet("secret-scanning-feedback", flag.ExitOnError)
	since := fs.Duration("since", 30*24*time.Hour, "the reports of this last while (a Go duration: 720h is 30 days)")
	data := fs.String("data", "", "a local server's data file (make dev DATA=…) instead of DynamoDB")
	_ = fs.Parse(os.Args[1:])
	if *since <= 0 {
		fmt.Fprintln(os.Stderr, "usage: secret-scanning-feedback [--since 720h] [--data file.json]")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	stores, err := open(ctx, *data)
	if err == nil {
		err = run(ctx, stores.SecurityLog, time.Now(), *since, os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "secret-scanning-feedback:", err)
		os.Exit(1)
	}
}

func open(ctx context.Context, data string) (store.Stores, error) {
	if data != "" {
		db, err := embedded.Open(data)
		if err != nil {
			return store.Stores{}, err
		}
		return db.Stores(), nil
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return store.Stores{}, err
	}
	client, err := dynamo.NewClient(ctx, cfg.DynamoDBEndpoint)
	if err != nil {
		return store.Stores{}, err
	}
	return dynamo.New(client, cfg.TablePrefix).Stores(), nil
}

// run writes the feedback on the matches kept in the last since, and a
// summary to summary.
func run(ctx context.Context, log store.SecurityLogStore, now time.Time, since time.Duration, out, summary io.Writer) error {
	if log == nil {
		return errors.New("this store has no security log")
	}
	from := now.Add(-since)
	var kept []secretscan.Kept
	outcomes := map[string]int{}
	page := store.Page{Limit: store.MaxLimit}
	for range maxPages {
		evs, next, err := log.List(ctx, secretscan.OutcomeOwner, now, page)
		if err != nil {
			return fmt.Errorf("read the kept reports: %w", err)
		}
		for _, e := range evs {
			if e.At.Before(from) {
				next = "" // newest first: the rest is older still
				break
			}
			if e.Kind != secretscan.EventReported {
				continue
			}
			k := secretscan.KeptFrom(e.Details)
			kept = append(kept, k)
			outcomes[k.Outcome]++
		}
		if next == "" {
			fb := secretscan.FeedbackOf(kept)
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			if err := enc.Encode(fb); err != nil {
				return err
			}
			fmt.Fprintf(summary, "%d matches since %s: %d revoked a key, %d opened no key, %d of the other environment, %d not a key; %d tokens labelled\n",
				len(kept), from.UTC().Format(time.RFC3339), outcomes[secretscan.OutcomeRevoked], outcomes[secretscan.OutcomeUnknown],
				outcomes[secretscan.OutcomeOtherEnvironment], outcomes[secretscan.OutcomeNotAKey], len(fb))
			return nil
		}
		page.Cursor = next
	}
	return fmt.Errorf("read the kept reports: still more after %d pages", maxPages)
}
