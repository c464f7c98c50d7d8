package embedded_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/embedded"
	"github.com/latchkey/latchkey/internal/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Stores { return embedded.New().Stores() })
}

func TestContractPersisted(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Stores {
		db, err := embedded.Open(filepath.Join(t.TempDir(), "data.json"))
		if err != nil {
			t.Fatal(err)
		}
		return db.Stores()
	})
}

func TestOpenReloadsWhatWasSaved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	db, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	p := store.Post{ID: store.NewID("post"), AuthorID: "usr_a", Title: "kept", Status: store.StatusDraft, Version: 1}
	if err := db.Stores().Posts.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	again, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Stores().Posts.Get(context.Background(), p.ID)
	if err != nil || got.Title != "kept" {
		t.Fatalf("Get after reopen = %+v, %v; want the saved post", got, err)
	}
}
