package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dynamo"
	"github.com/latchkey/latchkey/internal/store/dynamo/dynalitetest"
)

// multiWrite is a store operation made of several DynamoDB calls.
type multiWrite struct {
	name  string
	setup func(t *testing.T, s store.Stores)
	run   func(ctx context.Context, s store.Stores) error
	// partial checks what a failed run left: one of the states the
	// operation allows between its steps, never a half-written one.
	partial func(t *testing.T, s store.Stores)
	// retry is what the caller does once the store is back; done checks
	// the outcome, which a run that reported success must already have.
	retry func(ctx context.Context, s store.Stores) error
	done  func(t *testing.T, s store.Stores)
}

// TestEveryStepOfAMultiWriteCanFail stops the store before each call of
// every operation that makes several writes, then again with the call
// landing but its answer lost (the store down after it, or still up), and
// checks what is left with a working client: the operation happened or did not, and a secret works exactly
// when the key's record says so. Once the store is back, the caller's
// retry finishes the operation.
func TestEveryStepOfAMultiWriteCanFail(t *testing.T) {
	const user, id = "usr_a", "key_faults"
	at := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	key := store.APIKey{ID: id, UserID: user, Hash: hash(1), Permissions: []string{"read"}, CreatedAt: at}
	withGrace := store.KeyRotation{NewHash: hash(2), Grace: 10 * time.Minute, At: at}
	noGrace := store.KeyRotation{NewHash: hash(2), At: at}
	leaked := store.KeyRevocation{At: at, Reason: "found in public", URL: "https://github.com/o/r/blob/1/.env", Source: "content"}
	// works reports whether secret n opens the key at time t.
	works := func(t *testing.T, s store.Stores, n int, when time.Time) bool {
		t.Helper()
		k, err := s.Keys.ByHash(context.Background(), hash(n), when)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("ByHash(%d): %v", n, err)
		}
		return err == nil && k.ID == id
	}
	record := func(t *testing.T, s store.Stores) (store.APIKey, bool) {
		t.Helper()
		k, err := s.Keys.Get(context.Background(), user, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get: %v", err)
		}
		return k, err == nil
	}
	create := func(t *testing.T, s store.Stores) {
		t.Helper()
		if err := s.Keys.Create(context.Background(), key); err != nil {
			t.Fatal(err)
		}
	}
	rotation := func(name string, r store.KeyRotation) multiWrite {
		rotated := func(t *testing.T, s store.Stores) {
			t.Helper()
			if !works(t, s, 2, at) {
				t.Error("the new secret does not work after the rotation")
			}
			if got := works(t, s, 1, at); got != (r.Grace > 0) {
				t.Errorf("the old secret works = %v; want %v (grace %v)", got, r.Grace > 0, r.Grace)
			}
			if works(t, s, 1, at.Add(r.Grace+time.Second)) {
				t.Error("the old secret works after its grace")
			}
		}
		return multiWrite{
			name: name, setup: create,
			run: func(ctx context.Context, s store.Stores) error { _, err := s.Keys.Rotate(ctx, user, id, r); return err },
			partial: func(t *testing.T, s store.Stores) {
				k, ok := record(t, s)
				switch {
				case !ok:
					t.Fatal("the key is gone")
				case k.Hash == hash(1):
					if !works(t, s, 1, at) || works(t, s, 2, at) {
						t.Error("the rotation did not land, yet the secrets are not the old one alone")
					}
				case k.Hash == hash(2):
					rotated(t, s)
				default:
					t.Fatalf("record holds hash %s", k.Hash)
				}
			},
			retry: func(ctx context.Context, s store.Stores) error { _, err := s.Keys.Rotate(ctx, user, id, r); return err },
			done:  rotated,
		}
	}
	sessionsOf := func(t *testing.T, s store.Stores, u string) int {
		t.Helper()
		ss, _, err := s.Sessions.List(context.Background(), u, store.Page{Limit: store.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ss {
			if _, err := s.Sessions.Get(context.Background(), x.ID); err != nil {
				t.Errorf("session %s is listed but cannot be read: %v", x.ID, err)
			}
		}
		return len(ss)
	}
	const sessions = 30 // two BatchWriteItem calls
	ops := []multiWrite{
		{
			name: "create a key",
			run:  func(ctx context.Context, s store.Stores) error { return s.Keys.Create(ctx, key) },
			partial: func(t *testing.T, s store.Stores) {
				if _, ok := record(t, s); ok != works(t, s, 1, at) {
					t.Errorf("the record exists = %v, but the secret works = %v", ok, !ok)
				}
			},
			retry: func(ctx context.Context, s store.Stores) error {
				if err := s.Keys.Create(ctx, key); !errors.Is(err, store.ErrExists) {
					return err
				}
				return nil // the first attempt landed
			},
			done: func(t *testing.T, s store.Stores) {
				if _, ok := record(t, s); !ok || !works(t, s, 1, at) {
					t.Error("the key was not created whole")
				}
			},
		},
		rotation("regenerate a key with a grace period", withGrace),
		rotation("regenerate a key without grace", noGrace),
		{
			name: "revoke a key that has two live secrets",
			setup: func(t *testing.T, s store.Stores) {
				create(t, s)
				if _, err := s.Keys.Rotate(context.Background(), user, id, withGrace); err != nil {
					t.Fatal(err)
				}
			},
			run: func(ctx context.Context, s store.Stores) error { return s.Keys.Delete(ctx, user, id) },
			partial: func(t *testing.T, s store.Stores) {
				_, ok := record(t, s)
				if works(t, s, 1, at) != ok || works(t, s, 2, at) != ok {
					t.Errorf("the record exists = %v, but its secrets do not follow", ok)
				}
			},
			retry: func(ctx context.Context, s store.Stores) error {
				if err := s.Keys.Delete(ctx, user, id); !errors.Is(err, store.ErrNotFound) {
					return err
				}
				return nil
			},
			done: func(t *testing.T, s store.Stores) {
				if _, ok := record(t, s); ok || works(t, s, 1, at) || works(t, s, 2, at) {
					t.Error("the key or one of its secrets outlived the revocation")
				}
			},
		},
		{
			name: "revoke a leaked key by its old secret in a rotation's grace",
			setup: func(t *testing.T, s store.Stores) {
				create(t, s)
				if _, err := s.Keys.Rotate(context.Background(), user, id, withGrace); err != nil {
					t.Fatal(err)
				}
			},
			run: func(ctx context.Context, s store.Stores) error {
				_, err := s.Keys.RevokeByHash(ctx, hash(1), leaked)
				return err
			},
			partial: func(t *testing.T, s store.Stores) {
				k, ok := record(t, s)
				if !ok {
					t.Fatal("the key's record is gone; a revocation keeps it")
				}
				live := k.Revoked == nil
				if works(t, s, 1, at) != live || works(t, s, 2, at) != live {
					t.Errorf("revoked = %v, but its secrets do not follow the record", !live)
				}
			},
			retry: func(ctx context.Context, s store.Stores) error {
				if _, err := s.Keys.RevokeByHash(ctx, hash(1), leaked); !errors.Is(err, store.ErrNotFound) {
					return err
				}
				return nil // the first attempt landed
			},
			done: func(t *testing.T, s store.Stores) {
				k, ok := record(t, s)
				if !ok || k.Revoked == nil || k.Revoked.URL != leaked.URL {
					t.Errorf("record = %+v (found %v); want it kept, revoked as reported", k, ok)
				}
				if works(t, s, 1, at) || works(t, s, 2, at) {
					t.Error("a secret of the revoked key still works")
				}
			},
		},
		{
			name: fmt.Sprintf("end every session of a user (%d)", sessions),
			setup: func(t *testing.T, s store.Stores) {
				for i := range sessions + 1 {
					u := user
					if i == sessions {
						u = "usr_other"
					}
					x := store.Session{ID: fmt.Sprintf("ses_%02d", i), UserID: u, Hash: hash(100 + i), CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(time.Hour)}
					if err := s.Sessions.Create(context.Background(), x); err != nil {
						t.Fatal(err)
					}
				}
			},
			run: func(ctx context.Context, s store.Stores) error { _, err := s.Sessions.DeleteAll(ctx, user); return err },
			partial: func(t *testing.T, s store.Stores) {
				// Sessions end one by one; what is left is whole, and
				// another user's session is untouched.
				_ = sessionsOf(t, s, user)
				if n := sessionsOf(t, s, "usr_other"); n != 1 {
					t.Errorf("another user's sessions = %d; want 1", n)
				}
			},
			retry: func(ctx context.Context, s store.Stores) error { _, err := s.Sessions.DeleteAll(ctx, user); return err },
			done: func(t *testing.T, s store.Stores) {
				if n := sessionsOf(t, s, user); n != 0 {
					t.Errorf("sessions left = %d; want 0", n)
				}
				if n := sessionsOf(t, s, "usr_other"); n != 1 {
					t.Errorf("another user's sessions = %d; want 1", n)
				}
			},
		},
	}
	ctx := context.Background()
	var outage dynalitetest.Outage
	faulty := outage.Wrap(client)
	for _, op := range ops {
		// A clean run counts the calls the operation makes.
		prefix := newTables(t)
		healthy := dynamo.New(client, prefix).Stores()
		if op.setup != nil {
			op.setup(t, healthy)
		}
		outage.Set(0, dynalitetest.Down)
		if err := op.run(ctx, dynamo.New(faulty, prefix).Stores()); err != nil {
			t.Fatalf("%s without an outage: %v", op.name, err)
		}
		steps := outage.Calls()
		op.done(t, healthy)
		for step := 1; step <= steps; step++ {
			for _, mode := range dynalitetest.Modes {
				t.Run(fmt.Sprintf("%s/%s %d of %d", op.name, mode, step, steps), func(t *testing.T) {
					prefix := newTables(t)
					healthy := dynamo.New(client, prefix).Stores()
					if op.setup != nil {
						op.setup(t, healthy)
					}
					outage.Set(step, mode)
					err := op.run(ctx, dynamo.New(faulty, prefix).Stores())
					outage.Set(0, dynalitetest.Down)
					if err == nil {
						// Only clean-up failed: the operation is whole.
						op.done(t, healthy)
					} else {
						op.partial(t, healthy)
					}
					if err := op.retry(ctx, healthy); err != nil {
						t.Fatalf("retry once the store is back: %v", err)
					}
					op.done(t, healthy)
				})
			}
		}
	}
}
