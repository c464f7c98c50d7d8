package embedded

import (
	"context"
	"fmt"

	"github.com/latchkey/latchkey/internal/store"
)

// Posts is the embedded PostStore.
type Posts DB

var _ store.PostStore = (*Posts)(nil)

// Create implements store.PostStore.
func (s *Posts) Create(ctx context.Context, p store.Post) error {
	if err := isCanceled(ctx); err != nil {
		return err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, ok := db.data.Posts[p.ID]; ok {
		return fmt.Errorf("create post %s: %w", p.ID, store.ErrExists)
	}
	db.data.Posts[p.ID] = stored(p)
	return db.save()
}

// Get implements store.PostStore.
func (s *Posts) Get(ctx context.Context, id string) (store.Post, error) {
	if err := isCanceled(ctx); err != nil {
		return store.Post{}, err
	}
	db := (*DB)(s)
	db.mu.RLock()
	defer db.mu.RUnlock()
	p, ok := db.data.Posts[id]
	if !ok {
		return store.Post{}, fmt.Errorf("get post %s: %w", id, store.ErrNotFound)
	}
	p = clonePost(p)
	p.Excerpt, p.Truncated = store.Excerpt(p.Body)
	return p, nil
}

// Update implements store.PostStore.
func (s *Posts) Update(ctx context.Context, p store.Post, expectedVersion int) error {
	if err := isCanceled(ctx); err != nil {
		return err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	old, ok := db.data.Posts[p.ID]
	if !ok {
		return fmt.Errorf("update post %s: %w", p.ID, store.ErrNotFound)
	}
	if old.Version != expectedVersion {
		return fmt.Errorf("update post %s at version %d: %w", p.ID, expectedVersion, store.ErrConflict)
	}
	db.data.Posts[p.ID] = stored(p)
	return db.save()
}

// Delete implements store.PostStore.
func (s *Posts) Delete(ctx context.Context, id string, expectedVersion int) error {
	if err := isCanceled(ctx); err != nil {
		return err
	}
	db := (*DB)(s)
	db.mu.Lock()
	defer db.mu.Unlock()
	old, ok := db.data.Posts[id]
	if !ok {
		return fmt.Errorf("delete post %s: %w", id, store.ErrNotFound)
	}
	if old.Version != expectedVersion {
		return fmt.Errorf("delete post %s at version %d: %w", id, expectedVersion, store.ErrConflict)
	}
	delete(db.data.Posts, id)
	return db.save()
}

// ListPublished implements store.PostStore.
func (s *Posts) ListPublished(ctx context.Context, p store.Page) ([]store.Post, string, error) {
	return s.list(ctx, p, func(x store.Post) bool { return x.Status == store.StatusPublished && x.PublishedAt != nil }, byPublished)
}

// ListByAuthor implements store.PostStore.
func (s *Posts) ListByAuthor(ctx context.Context, authorID string, p store.Page) ([]store.Post, string, error) {
	return s.list(ctx, p, func(x store.Post) bool { return x.AuthorID == authorID }, byCreated)
}

// ListAll implements store.PostStore.
func (s *Posts) ListAll(ctx context.Context, p store.Page) ([]store.Post, string, error) {
	return s.list(ctx, p, func(store.Post) bool { return true }, byCreated)
}

func byCreated(p store.Post) store.Position {
	return store.Position{Sort: store.SortTime(p.CreatedAt), ID: p.ID}
}

func byPublished(p store.Post) store.Position {
	return store.Position{Sort: store.SortTime(*p.PublishedAt), ID: p.ID}
}

func (s *Posts) list(ctx context.Context, p store.Page, keep func(store.Post) bool, key func(store.Post) store.Position) ([]store.Post, string, error) {
	if err := isCanceled(ctx); err != nil {
		return nil, "", err
	}
	db := (*DB)(s)
	db.mu.RLock()
	var all []store.Post
	for _, x := range db.data.Posts {
		if keep(x) {
			// What the DynamoDB indexes carry: no body.
			x = clonePost(x)
			x.Excerpt, x.Truncated = store.Excerpt(x.Body)
			x.Body = ""
			all = append(all, x)
		}
	}
	db.mu.RUnlock()
	return page(all, key, p)
}

// stored is p as this store keeps it: the excerpt is derived on reading.
func stored(p store.Post) store.Post {
	p = clonePost(p)
	p.Excerpt, p.Truncated = "", false
	return p
}

func clonePost(p store.Post) store.Post {
	p.PublishedAt = ptrTime(p.PublishedAt)
	return p
}
