package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dynamo"
	"github.com/latchkey/latchkey/internal/store/dynamo/dynalitetest"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

// TestRevokeUserCutsOneUserOff runs the command, built as an operator runs
// it, against a DynamoDB-compatible server: every key and session of the
// user is gone (no secret of theirs opens anything), another user's are
// untouched, and running it twice is harmless.
func TestRevokeUserCutsOneUserOff(t *testing.T) {
	server := dynalitetest.ForTest(t)
	ctx := context.Background()
	const prefix = "revoke-"
	if err := dynamo.CreateTables(ctx, server.Client(), prefix); err != nil {
		t.Fatal(err)
	}
	s := dynamo.New(server.Client(), prefix).Stores()
	target, other := store.UserID("https://idp.example", "mallory"), store.UserID("https://idp.example", "alice")
	now := time.Now()
	n := 0
	hashes, sessionIDs := map[string][]string{}, map[string][]string{}
	for _, u := range []string{target, target, target, other} {
		n++
		h := fmt.Sprintf("%064x", n)
		if err := s.Keys.Create(ctx, store.APIKey{ID: store.NewID("key"), UserID: u, Hash: h, Permissions: []string{"read"}, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		hashes[u] = append(hashes[u], h)
		x := store.Session{ID: store.NewID("ses"), UserID: u, Hash: h, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.Sessions.Create(ctx, x); err != nil {
			t.Fatal(err)
		}
		sessionIDs[u] = append(sessionIDs[u], x.ID)
	}
	bin := filepath.Join(t.TempDir(), "revoke-user")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "LATCHKEY_DYNAMODB_ENDPOINT="+server.Endpoint, "LATCHKEY_TABLE_PREFIX="+prefix)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	for _, want := range []string{"3 sessions ended, 3 API keys deleted", "0 sessions ended, 0 API keys deleted"} {
		out, err := run("--user", target)
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("revoke-user = %v, %q; want %q", err, out, want)
		}
	}
	count := func(u string) (keys, sessions int) {
		ks, _, err := s.Keys.List(ctx, u, store.Page{Limit: store.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		ss, _, err := s.Sessions.List(ctx, u, store.Page{Limit: store.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		return len(ks), len(ss)
	}
	if k, ss := count(target); k != 0 || ss != 0 {
		t.Errorf("the user keeps %d keys and %d sessions; want none", k, ss)
	}
	for _, id := range sessionIDs[target] {
		if _, err := s.Sessions.Get(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session %s of the revoked user = %v; want it gone", id, err)
		}
	}
	for _, h := range hashes[target] {
		if _, err := s.Keys.ByHash(ctx, h, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a revoked secret still opens a key: %v", err)
		}
	}
	if k, ss := count(other); k != 1 || ss != 1 {
		t.Errorf("another user has %d keys and %d sessions; want 1 and 1", k, ss)
	}
	for _, bad := range []string{"", "alice", "usr_x", target + " "} {
		if out, err := run("--user", bad); err == nil || !strings.Contains(out, "usage") {
			t.Errorf("revoke-user --user %q = %v, %q; want a usage error", bad, err, out)
		}
	}
}

// keyMakingSessions is a session store whose DeleteAll first lets a live
// session of the user make a key, as a request in flight could.
type keyMakingSessions struct {
	store.SessionStore
	keys store.KeyStore
	made *store.APIKey
}

func (k keyMakingSessions) DeleteAll(ctx context.Context, user string) (int, error) {
	key := store.APIKey{ID: store.NewID("key"), UserID: user, Hash: fmt.Sprintf("%064x", 999), Permissions: []string{"read"}, CreatedAt: time.Now()}
	if err := k.keys.Create(ctx, key); err != nil {
		return 0, err
	}
	*k.made = key
	return k.SessionStore.DeleteAll(ctx, user)
}

// TestRevokeUserLeavesNoKeyMadeMeanwhile: a session still alive while the
// command runs can make a key; the command ends the sessions before it
// lists the keys, so that key is deleted with the others.
func TestRevokeUserLeavesNoKeyMadeMeanwhile(t *testing.T) {
	ctx := context.Background()
	s := embedded.New().Stores()
	user := store.UserID("https://idp.example", "mallory")
	now := time.Now()
	if err := s.Sessions.Create(ctx, store.Session{ID: store.NewID("ses"), UserID: user, Hash: fmt.Sprintf("%064x", 1), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var made store.APIKey
	s.Sessions = keyMakingSessions{SessionStore: s.Sessions, keys: s.Keys, made: &made}
	if err := revoke(ctx, s, user, io.Discard); err != nil {
		t.Fatal(err)
	}
	if made.ID == "" {
		t.Fatal("no key was made during the run")
	}
	if _, err := s.Keys.ByHash(ctx, made.Hash, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the key made while the command ran still opens the API: %v", err)
	}
}
