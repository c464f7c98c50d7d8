package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dynamo"
	"github.com/latchkey/latchkey/internal/store/dynamo/dynalitetest"
)

// TestRevokeUserCutsOneUserOff runs the command, built as an operator runs
// it, against a DynamoDB-compatible server: every key and session of the
// user is gone (no secret of theirs opens anything), another user's are
// untouched, and running it twice is harmless.
func TestRevokeUserCutsOneUserOff(t *testing.T) {
	if testing.Short() {
		t.Skip("starts dynalite")
	}
	server, err := dynalitetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })
	ctx := context.Background()
	const prefix = "revoke-"
	if err := dynamo.CreateTables(ctx, server.Client(), prefix); err != nil {
		t.Fatal(err)
	}
	s := dynamo.New(server.Client(), prefix).Stores()
	target, other := store.UserID("https://idp.example", "mallory"), store.UserID("https://idp.example", "alice")
	now := time.Now()
	n := 0
	hashes := map[string][]string{}
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
	for _, want := range []string{"3 API keys deleted, 3 sessions ended", "0 API keys deleted, 0 sessions ended"} {
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
