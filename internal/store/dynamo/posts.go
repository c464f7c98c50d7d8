package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/latchkey/latchkey/internal/store"
)

// Posts is the DynamoDB PostStore.
type Posts DB

var _ store.PostStore = (*Posts)(nil)

// postKind is the constant partition of the "all" index: every post in one
// partition, newest first. Fine for an example resource; a busy table would
// shard it.
const postKind = "post"

// postRecord is a post's item.
type postRecord struct {
	ID       string `dynamodbav:"id"`
	Kind     string `dynamodbav:"kind"`
	AuthorID string `dynamodbav:"authorId,omitempty"`
	Title    string `dynamodbav:"title,omitempty"`
	Body     string `dynamodbav:"body,omitempty"`
	// Excerpt and Truncated are written with the body (store.Excerpt), for
	// the listings: the indexes carry them, not the body.
	Excerpt   string `dynamodbav:"excerpt,omitempty"`
	Truncated bool   `dynamodbav:"truncated"`
	// Status and PublishedAt key the sparse "published" index; publishedAt
	// is written for published posts only.
	Status      string `dynamodbav:"status,omitempty"`
	Version     int    `dynamodbav:"version"`
	CreatedAt   string `dynamodbav:"createdAt"`
	UpdatedAt   string `dynamodbav:"updatedAt"`
	PublishedAt string `dynamodbav:"publishedAt,omitempty"`
}

func newPostRecord(p store.Post) postRecord {
	r := postRecord{
		ID: p.ID, Kind: postKind, AuthorID: p.AuthorID, Title: p.Title, Body: p.Body, Status: p.Status,
		Version: p.Version, CreatedAt: store.SortTime(p.CreatedAt), UpdatedAt: store.SortTime(p.UpdatedAt),
	}
	r.Excerpt, r.Truncated = store.Excerpt(p.Body)
	if p.Status == store.StatusPublished {
		r.PublishedAt = formatOptTime(p.PublishedAt)
	}
	return r
}

func (r postRecord) post() (store.Post, error) {
	var p timeParser
	x := store.Post{
		ID: r.ID, AuthorID: r.AuthorID, Title: r.Title, Body: r.Body, Excerpt: r.Excerpt, Truncated: r.Truncated,
		Status: r.Status, Version: r.Version,
		CreatedAt: p.time(r.CreatedAt), UpdatedAt: p.time(r.UpdatedAt), PublishedAt: p.optional(r.PublishedAt),
	}
	return x, p.err
}

// put writes p's item if cond holds.
func (s *Posts) put(ctx context.Context, p store.Post, cond expression.ConditionBuilder) error {
	db := (*DB)(s)
	item, err := attributevalue.MarshalMap(newPostRecord(p))
	if err != nil {
		return err
	}
	return db.putIf(ctx, store.PostsTable, item, cond)
}

// versionIs is the optimistic-locking condition; it fails on a missing post
// too, since a missing post has no version.
func versionIs(v int) expression.ConditionBuilder {
	return expression.Name("version").Equal(expression.Value(v))
}

// lost maps a failed version condition to ErrNotFound when the post is gone
// and ErrConflict when its version moved; other errors pass through.
func (s *Posts) lost(ctx context.Context, id string, err error) error {
	old, ok := conditionFailed(err)
	if !ok {
		return err
	}
	there, rerr := (*DB)(s).existed(ctx, store.PostsTable, idKey(id), old)
	switch {
	case rerr != nil:
		return fmt.Errorf("%w (reading it back: %w)", store.ErrConflict, rerr)
	case !there:
		return store.ErrNotFound
	}
	return store.ErrConflict
}

// Create implements store.PostStore.
func (s *Posts) Create(ctx context.Context, p store.Post) error {
	item, err := attributevalue.MarshalMap(newPostRecord(p))
	if err == nil {
		err = (*DB)(s).putNew(ctx, store.PostsTable, item, "id")
	}
	if _, ok := conditionFailed(err); ok {
		return fmt.Errorf("create post %s: %w", p.ID, store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create post %s: %w", p.ID, err)
	}
	return nil
}

// Get implements store.PostStore.
func (s *Posts) Get(ctx context.Context, id string) (store.Post, error) {
	return getByID(ctx, (*DB)(s), store.PostsTable, idKey, "post", id, postRecord.post)
}

// Update implements store.PostStore.
func (s *Posts) Update(ctx context.Context, p store.Post, expectedVersion int) error {
	if err := s.put(ctx, p, versionIs(expectedVersion)); err != nil {
		return fmt.Errorf("update post %s at version %d: %w", p.ID, expectedVersion, s.lost(ctx, p.ID, err))
	}
	return nil
}

// Delete implements store.PostStore.
func (s *Posts) Delete(ctx context.Context, id string, expectedVersion int) error {
	if _, err := (*DB)(s).deleteIf(ctx, store.PostsTable, idKey(id), versionIs(expectedVersion)); err != nil {
		return fmt.Errorf("delete post %s at version %d: %w", id, expectedVersion, s.lost(ctx, id, err))
	}
	return nil
}

// ListPublished implements store.PostStore.
func (s *Posts) ListPublished(ctx context.Context, p store.Page) ([]store.Post, string, error) {
	l := listing{table: store.PostsTable, index: store.IndexPublished, partition: "status", value: store.StatusPublished, sort: "publishedAt", key: idKey, attributes: store.PostListing}
	posts, next, err := s.list(ctx, l, p)
	if err != nil {
		return nil, "", fmt.Errorf("list published posts: %w", err)
	}
	return posts, next, nil
}

// byAuthor is the listing of authorID's posts, naming no attributes (a
// count's); a page of them names store.PostListing.
func (s *Posts) byAuthor(authorID string) listing {
	return listing{table: store.PostsTable, index: store.IndexByAuthor, partition: "authorId", value: authorID, sort: "createdAt", key: idKey}
}

// ListByAuthor implements store.PostStore.
func (s *Posts) ListByAuthor(ctx context.Context, authorID string, p store.Page) ([]store.Post, string, error) {
	l := s.byAuthor(authorID)
	l.attributes = store.PostListing
	posts, next, err := s.list(ctx, l, p)
	if err != nil {
		return nil, "", fmt.Errorf("list posts by %s: %w", authorID, err)
	}
	return posts, next, nil
}

// CountByAuthor implements store.PostStore: a Query of the byAuthor index
// with Select COUNT, paged through LastEvaluatedKey (count), so that no
// post's attributes come back.
func (s *Posts) CountByAuthor(ctx context.Context, authorID string) (int, error) {
	n, err := count(ctx, (*DB)(s), s.byAuthor(authorID))
	if err != nil {
		return 0, fmt.Errorf("count posts by %s: %w", authorID, err)
	}
	return n, nil
}

// ListAll implements store.PostStore.
func (s *Posts) ListAll(ctx context.Context, p store.Page) ([]store.Post, string, error) {
	l := listing{table: store.PostsTable, index: store.IndexAll, partition: "kind", value: postKind, sort: "createdAt", key: idKey, attributes: store.PostListing}
	posts, next, err := s.list(ctx, l, p)
	if err != nil {
		return nil, "", fmt.Errorf("list all posts: %w", err)
	}
	return posts, next, nil
}

func (s *Posts) list(ctx context.Context, l listing, p store.Page) ([]store.Post, string, error) {
	return list(ctx, (*DB)(s), l, p, postRecord.post)
}
