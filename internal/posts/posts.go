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

// List is the answer of a listing.
type List struct {
	Posts []Post `json:"posts"`
	Next  string `json:"next,omitempty"`
}
