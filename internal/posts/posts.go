// Package posts serves the blog's routes, the example resource that Latchkey
// protects. This file holds the JSON shape of a post (docs/API.md, "Post").
package posts

import (
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// Meta is what every shape of a post shows: neither its text nor its
// author. The shapes below add to it, so a field added here reaches all
// four, and one that must stay private cannot reach a public shape by
// being added to the wrong list.
type Meta struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Status      string     `json:"status"`
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
}

// meta converts a stored post's common fields, times in UTC.
func meta(p store.Post) Meta {
	m := Meta{ID: p.ID, Title: p.Title, Status: p.Status, Version: p.Version, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	if p.PublishedAt != nil {
		t := p.PublishedAt.UTC()
		m.PublishedAt = &t
	}
	return m
}

// PublicPost is a published post as anyone may see it: no author id. A
// user id is derived from the identity provider's subject without a key,
// and GitHub's subjects are sequential numbers, so a public id could be
// traced back to a GitHub account by trying them all.
type PublicPost struct {
	Meta
	Body string `json:"body"`
}

// Post is a post as the API shows it to those who may edit it.
type Post struct {
	PublicPost
	AuthorID string `json:"authorId"`
}

// PublicView converts a stored post to what anyone may see of it.
func PublicView(p store.Post) PublicPost { return PublicPost{Meta: meta(p), Body: p.Body} }

// View converts a stored post to its API shape.
func View(p store.Post) Post { return Post{PublicPost: PublicView(p), AuthorID: p.AuthorID} }

// PublicSummary is a published post as a listing shows it: the body's first
// characters instead of the body (store.ExcerptLength; the schema tag
// repeats it for the OpenAPI document, and internal/openapi's
// TestSchemaTagsAreTheConstants holds the two equal). Truncated says the
// body goes on: the post's own route has all of it.
type PublicSummary struct {
	Meta
	Excerpt   string `json:"excerpt" schema:"maxLength=300"`
	Truncated bool   `json:"truncated"`
}

// Summary is PublicSummary with the author id, as Post is PublicPost with it.
type Summary struct {
	PublicSummary
	AuthorID string `json:"authorId"`
}

// PublicSummaryView converts a listed post to what anyone may see of it.
func PublicSummaryView(p store.Post) PublicSummary {
	return PublicSummary{Meta: meta(p), Excerpt: p.Excerpt, Truncated: p.Truncated}
}

// SummaryView converts a listed post to its API shape.
func SummaryView(p store.Post) Summary {
	return Summary{PublicSummary: PublicSummaryView(p), AuthorID: p.AuthorID}
}

// Page is the answer of a listing: a page of summaries, and the cursor of
// the next.
type Page struct {
	Posts []Summary `json:"posts"`
	Next  string    `json:"next,omitempty"`
}

// PublicPage is the answer of the public listing.
type PublicPage struct {
	Posts []PublicSummary `json:"posts"`
	Next  string          `json:"next,omitempty"`
}
