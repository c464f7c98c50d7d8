package seed

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

func TestSeedIDsAreValidIDs(t *testing.T) {
	for _, p := range Posts {
		if !store.ValidID("post", p.ID) {
			t.Errorf("seed post ID %q is not a valid post ID", p.ID)
		}
	}
}

func TestLoadTwiceChangesNothing(t *testing.T) {
	ctx := context.Background()
	s := embedded.New().Stores()
	for i := range 2 {
		if err := Load(ctx, s); err != nil {
			t.Fatalf("Load #%d = %v", i+1, err)
		}
	}
	all, _, err := s.Posts.ListAll(ctx, store.Page{Limit: 100})
	if err != nil || len(all) != len(Posts) {
		t.Fatalf("ListAll after two loads = %d posts, %v; want %d", len(all), err, len(Posts))
	}
}

func TestFixtureKeysAreRecognisableTestKeys(t *testing.T) {
	tests := []struct {
		name, key, wantText string
	}{
		{"read-write", FixtureKey, "FixtureKeyForTestsOnlyItIsNotASecret0000001"},
		{"read-only", FixtureReadKey, "FixtureReadOnlyKeyForTestsNotASecret0000002"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := apikey.Check(tc.key, apikey.EnvTest); err != nil {
				t.Fatalf("apikey.Check(%s) = %v; want nil", tc.key, err)
			}
			if !strings.HasPrefix(tc.key, apikey.PrefixTest+tc.wantText) {
				t.Fatalf("fixture key = %s; want %s%s and a checksum", tc.key, apikey.PrefixTest, tc.wantText)
			}
		})
	}
}

func TestLoadFixtureKeys(t *testing.T) {
	ctx := context.Background()
	t.Run("refused outside a test deployment", func(t *testing.T) {
		s := embedded.New().Stores()
		if err := LoadFixtureKeys(ctx, s, apikey.EnvLive); err == nil {
			t.Fatal("LoadFixtureKeys(live) = nil; want a refusal")
		}
		if n, _ := s.Keys.Count(ctx, Author.ID); n != 0 {
			t.Fatalf("after a refused load the author has %d keys; want 0", n)
		}
	})
	t.Run("twice changes nothing and the secrets open the keys", func(t *testing.T) {
		s := embedded.New().Stores()
		for i := range 2 {
			if err := LoadFixtureKeys(ctx, s, apikey.EnvTest); err != nil {
				t.Fatalf("LoadFixtureKeys #%d = %v", i+1, err)
			}
		}
		for key, id := range map[string]string{FixtureKey: FixtureKeyID, FixtureReadKey: FixtureReadKeyID} {
			k, err := s.Keys.ByHash(ctx, apikey.Hash(key), Epoch.Add(30*24*time.Hour))
			if err != nil || k.ID != id || k.UserID != Author.ID || !store.ValidID("key", k.ID) {
				t.Errorf("ByHash(fixture key %s) = %s %s, %v; want %s of the author", id, k.ID, k.UserID, err, id)
			}
		}
	})
}
