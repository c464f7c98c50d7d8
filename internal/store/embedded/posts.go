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
	return (*DB)(s).update(ctx, func(d *data) error {
		if _, ok := d.Posts[p.ID]; ok {
			return fmt.Errorf("create post %s: %w", p.ID, store.ErrExists)
		}
		d.Posts[p.ID] = stored(p)
		return nil
	})
}

// Get implements store.PostStore.
func (s *Posts) Get(ctx context.Context, id string) (p store.Post, err error) {
	err = (*DB)(s).view(ctx, func(d *data) error {
		found, err := d.post("get", id)
		if err != nil {
			return err
		}
		p = withExcerpt(found)
		return nil
	})
	return p, err
}

// Update implements store.PostStore.
func (s *Posts) Update(ctx context.Context, p store.Post, expectedVersion int) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		if err := d.postAt("update", p.ID, expectedVersion); err != nil {
			return err
		}
		d.Posts[p.ID] = stored(p)
		return nil
	})
}

// Delete implements store.PostStore.
func (s *Posts) Delete(ctx context.Context, id string, expectedVersion int) error {
	return (*DB)(s).update(ctx, func(d *data) error {
		if err := d.postAt("delete", id, expectedVersion); err != nil {
			return err
		}
		delete(d.Posts, id)
		return nil
	})
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
	return pageOf(ctx, (*DB)(s), func(d *data) []store.Post {
		var all []store.Post
		for _, x := range d.Posts {
			if keep(x) {
				// What the DynamoDB indexes carry: no body.
				x = withExcerpt(x)
				x.Body = ""
				all = append(all, x)
			}
		}
		return all
	}, key, p)
}

// post returns post id, or an ErrNotFound error named after op.
func (d *data) post(op, id string) (store.Post, error) {
	p, ok := d.Posts[id]
	if !ok {
		return store.Post{}, fmt.Errorf("%s post %s: %w", op, id, store.ErrNotFound)
	}
	return p, nil
}

// postAt checks, before op writes post id, that it exists at version.
func (d *data) postAt(op, id string, version int) error {
	p, err := d.post(op, id)
	if err != nil {
		return err
	}
	if p.Version != version {
		return fmt.Errorf("%s post %s at version %d: %w", op, id, version, store.ErrConflict)
	}
	return nil
}

// stored is p as this store keeps it: the excerpt is derived on reading.
func stored(p store.Post) store.Post {
	p = clonePost(p)
	p.Excerpt, p.Truncated = "", false
	return p
}

// withExcerpt is a copy of stored post p as readers get it, its excerpt derived.
func withExcerpt(p store.Post) store.Post {
	p = clonePost(p)
	p.Excerpt, p.Truncated = store.Excerpt(p.Body)
	return p
}

func clonePost(p store.Post) store.Post {
	p.PublishedAt = ptrTime(p.PublishedAt)
	return p
}
