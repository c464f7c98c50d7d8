// Package embedded is an in-memory implementation of the store interfaces,
// safe for concurrent use, for local runs and fast tests. It can persist its
// data to a JSON file so that `make dev` keeps state across restarts.
//
// It follows the same contract as the DynamoDB store (package storetest
// checks both), including listing order and cursors.
package embedded

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// DB holds all the data behind one mutex. Each store is a view on it.
type DB struct {
	mu   sync.RWMutex
	path string
	data data
}

// data is the persisted state.
type data struct {
	Users    map[string]store.User    `json:"users"`
	Keys     map[string]store.APIKey  `json:"keys"`
	Hashes   map[string]string        `json:"hashes"` // secret hash → key ID
	Sessions map[string]store.Session `json:"sessions"`
	Posts    map[string]store.Post    `json:"posts"`
	// Events is the security log; a data file written before it existed
	// has none, and starts an empty log.
	Events map[string]store.SecurityEvent `json:"events"`
}

// New returns an empty in-memory database.
func New() *DB {
	return &DB{data: data{
		Users:    map[string]store.User{},
		Keys:     map[string]store.APIKey{},
		Hashes:   map[string]string{},
		Sessions: map[string]store.Session{},
		Posts:    map[string]store.Post{},
		Events:   map[string]store.SecurityEvent{},
	}}
}

// Open returns a database persisted at path: loaded from it when the file
// exists, and written back (atomically, readable by the owner only) after
// every change.
func Open(path string) (*DB, error) {
	db := New()
	db.path = path
	raw, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		return db, nil
	case err != nil:
		return nil, fmt.Errorf("open embedded store: %w", err)
	}
	if err := json.Unmarshal(raw, &db.data); err != nil {
		return nil, fmt.Errorf("open embedded store %s: %w", path, err)
	}
	for _, m := range []bool{db.data.Users == nil, db.data.Keys == nil, db.data.Hashes == nil, db.data.Sessions == nil, db.data.Posts == nil} {
		if m {
			return nil, fmt.Errorf("open embedded store %s: missing sections", path)
		}
	}
	if db.data.Events == nil {
		db.data.Events = map[string]store.SecurityEvent{}
	}
	return db, nil
}

// Stores returns the stores backed by db.
func (db *DB) Stores() store.Stores {
	return store.Stores{
		Users:       (*Users)(db),
		Keys:        (*Keys)(db),
		Sessions:    (*Sessions)(db),
		Posts:       (*Posts)(db),
		SecurityLog: (*SecurityLog)(db),
	}
}

// save writes the data file; callers hold the write lock (see update).
func (db *DB) save() error {
	if db.path == "" {
		return nil
	}
	raw, err := json.Marshal(db.data)
	if err != nil {
		return fmt.Errorf("save embedded store: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(db.path), ".latchkey-*.json")
	if err != nil {
		return fmt.Errorf("save embedded store: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return fmt.Errorf("save embedded store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save embedded store: %w", err)
	}
	if err := os.Rename(tmp.Name(), db.path); err != nil {
		return fmt.Errorf("save embedded store: %w", err)
	}
	return nil
}

// page sorts items newest first by (sort key, ID) and cuts the page that
// follows the cursor, returning the next cursor when more remain.
func page[T any](items []T, key func(T) store.Position, p store.Page) ([]T, string, error) {
	slices.SortFunc(items, func(a, b T) int {
		ka, kb := key(a), key(b)
		return -cmp.Or(cmp.Compare(ka.Sort, kb.Sort), cmp.Compare(ka.ID, kb.ID))
	})
	if p.Cursor != "" {
		after, err := store.DecodeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		i := 0
		for i < len(items) {
			k := key(items[i])
			if cmp.Or(cmp.Compare(k.Sort, after.Sort), cmp.Compare(k.ID, after.ID)) < 0 {
				break
			}
			i++
		}
		items = items[i:]
	}
	n := p.Size()
	if len(items) <= n {
		return items, "", nil
	}
	items = items[:n]
	return items, store.EncodeCursor(key(items[n-1])), nil
}

// view runs f over the data under the read lock, once ctx is still live.
func (db *DB) view(ctx context.Context, f func(*data) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	return f(&db.data)
}

// update runs f over the data under the write lock, once ctx is still live,
// and, when f succeeds, saves the data file. f returns an error only before
// it has changed anything, so that a failed write leaves nothing to save.
func (db *DB) update(ctx context.Context, f func(*data) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if err := f(&db.data); err != nil {
		return err
	}
	return db.save()
}

// pageOf collects, under the read lock, what collect picks from the data,
// then sorts and pages it by key with the lock released.
func pageOf[T any](ctx context.Context, db *DB, collect func(*data) []T, key func(T) store.Position, p store.Page) ([]T, string, error) {
	var items []T
	if err := db.view(ctx, func(d *data) error {
		items = collect(d)
		return nil
	}); err != nil {
		return nil, "", err
	}
	return page(items, key, p)
}

func ptrTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
