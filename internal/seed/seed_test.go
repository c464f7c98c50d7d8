package seed

import (
	"context"
	"testing"

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
