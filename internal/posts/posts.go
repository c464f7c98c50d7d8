// Package posts serves the blog's routes, the example resource that Latchkey
// protects. This file holds the JSON shape of a post (docs/API.md, "Post").
package posts

import (
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// Post is a post as the API shows it.
type Post struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	AuthorID    string     `json:"authorId"`
	Status      string     `json:"status"`
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
}

// View converts a stored post to its API shape, times in UTC.
func View(p store.Post) Post {
	v := Post{
		ID: p.ID, Title: p.Title, Body: p.Body, AuthorID: p.AuthorID, Status: p.Status, Version: p.Version,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
	if p.PublishedAt != nil {
		t := p.PublishedAt.UTC()
		v.PublishedAt = &t
	}
	return v
}

// Summary is a post as a listing shows it: every field but the body, and
// the body's first characters instead (store.ExcerptLength; the schema tag
// repeats it for the OpenAPI document). Truncated says the body goes on:
// GET /api/posts/{id} has all of it.
type Summary struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Excerpt     string     `json:"excerpt" schema:"maxLength=300"`
	Truncated   bool       `json:"truncated"`
	AuthorID    string     `json:"authorId"`
	Status      string     `json:"status"`
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
}

// SummaryView converts a listed post to its API shape, times in UTC.
func SummaryView(p store.Post) Summary {
	v := View(p)
	return Summary{ID: v.ID, Title: v.Title, Excerpt: p.Excerpt, Truncated: p.Truncated, AuthorID: v.AuthorID,
		Status: v.Status, Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, PublishedAt: v.PublishedAt}
}

// Page is the answer of a listing: a page of summaries, and the cursor of
// the next.
type Page struct {
	Posts []Summary `json:"posts"`
	Next  string    `json:"next,omitempty"`
}

// PublicPost is a published post as anyone may see it: no author id. A
// user id is derived from the identity provider's subject without a key,
// and GitHub's subjects are sequential numbers, so a public id could be
// traced back to a GitHub account by trying them all.
type PublicPost struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	Status      string     `json:"status"`
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
}

// PublicView is View without what only signed-in people see.
func PublicView(p store.Post) PublicPost {
	v := View(p)
	return PublicPost{ID: v.ID, Title: v.Title, Body: v.Body, Status: v.Status, Version: v.Version,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, PublishedAt: v.PublishedAt}
}

// PublicSummary is Summary without the author id, as PublicPost is.
type PublicSummary struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Excerpt     string     `json:"excerpt" schema:"maxLength=300"`
	Truncated   bool       `json:"truncated"`
	Status      string     `json:"status"`
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
}

// PublicSummaryView is SummaryView without what only signed-in people see.
func PublicSummaryView(p store.Post) PublicSummary {
	v := SummaryView(p)
	return PublicSummary{ID: v.ID, Title: v.Title, Excerpt: v.Excerpt, Truncated: v.Truncated, Status: v.Status,
		Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, PublishedAt: v.PublishedAt}
}

// PublicPage is the answer of the public listing.
type PublicPage struct {
	Posts []PublicSummary `json:"posts"`
	Next  string          `json:"next,omitempty"`
}
