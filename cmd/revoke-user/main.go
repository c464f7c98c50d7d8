// Command revoke-user cuts one user off at once: it ends every session of
// the user and deletes every API key, in a deployment's tables.
//
//	go run ./cmd/revoke-user --user usr_...
//
// It reads the tables named by LATCHKEY_TABLE_PREFIX (latchkey- by
// default) with the usual AWS credentials and region; with
// LATCHKEY_DYNAMODB_ENDPOINT it works on a local DynamoDB-compatible
// server instead. A deleted key stops at its next request, except in a
// warm authorizer that found it in the last LATCHKEY_CACHE_TTL (30 s by
// default). It does not stop the person from signing in again: remove them
// at the identity provider (or from LATCHKEY_EDITORS) first.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dynamo"
)

// userID is the shape of store.UserID.
var userID = regexp.MustCompile(`^usr_[a-z2-7]{26}$`)

func main() {
	fs := flag.NewFlagSet("revoke-user", flag.ExitOnError)
	user := fs.String("user", "", "the user's id (usr_…): the console's account page and every log line name it")
	_ = fs.Parse(os.Args[1:])
	if !userID.MatchString(*user) {
		fmt.Fprintln(os.Stderr, "usage: revoke-user --user usr_<26 letters and digits>")
		os.Exit(2)
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "revoke-user:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	client, err := dynamo.NewClient(ctx, cfg.DynamoDBEndpoint)
	if err != nil {
		fmt.Fprintln(os.Stderr, "revoke-user:", err)
		os.Exit(1)
	}
	if err := revoke(ctx, dynamo.New(client, cfg.TablePrefix).Stores(), *user, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "revoke-user:", err)
		fmt.Fprintln(os.Stderr, "revoke-user: run it again: what is done stays done")
		os.Exit(1)
	}
}

// revoke ends every session of user, then deletes every key, and says how
// many of each. Sessions go first: a key can be made only from a session,
// so once they are gone no new key can appear behind the listing; and the
// authorizer never keeps a session as valid, so they stop at once. If it
// fails half-way, running it again finishes the job.
func revoke(ctx context.Context, s store.Stores, user string, out io.Writer) error {
	ended, err := s.Sessions.DeleteAll(ctx, user)
	if err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	var ids []string
	cursor := ""
	for {
		keys, next, err := s.Keys.List(ctx, user, store.Page{Limit: store.MaxLimit, Cursor: cursor})
		if err != nil {
			return fmt.Errorf("%d sessions ended; keys: %w", ended, err)
		}
		for _, k := range keys {
			ids = append(ids, k.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	deleted := 0
	for _, id := range ids {
		err := s.Keys.Delete(ctx, user, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%d sessions ended; after %d of %d keys: %w", ended, deleted, len(ids), err)
		}
		deleted++
	}
	fmt.Fprintf(out, "%s: %d sessions ended, %d API keys deleted\n", user, ended, deleted)
	return nil
}
