package posts

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/store"
)

// List answers GET /api/posts: the posts the caller may edit, drafts
// included (an editor's listing starts from all posts, anyone else's from
// their own; the policy has the last word on each).
func (a API) List(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	who, err := a.principal(ctx, req)
	if err != nil {
		return httpx.Response{}, err
	}
	page, err := pageOf(req)
	if err != nil {
		return httpx.Response{}, err
	}
	var ps []store.Post
	var next string
	if hasRole(who, "editor") {
		ps, next, err = a.Posts.ListAll(ctx, page)
	} else {
		ps, next, err = a.Posts.ListByAuthor(ctx, who.UserID, page)
	}
	if err != nil {
		return httpx.Response{}, listErr(err)
	}
	out := List{Posts: []Post{}, Next: next}
	for _, p := range ps {
		if a.Policy.Decide(who, policy.Update, p).Allowed {
			out.Posts = append(out.Posts, View(p))
		}
	}
	return httpx.JSON(200, out), nil
}

func hasRole(p policy.Principal, role string) bool {
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Create answers POST /api/posts: a new draft whose author is the caller.
func (a API) Create(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	who, err := a.principal(ctx, req)
	if err != nil {
		return httpx.Response{}, err
	}
	var c content
	if err := httpx.DecodeJSON(req, requestLimit, &c); err != nil {
		return httpx.Response{}, err
	}
	if err := c.check(false); err != nil {
		return httpx.Response{}, err
	}
	id, err := store.NewIDFrom(a.Rand, "post")
	if err != nil {
		return httpx.Response{}, err
	}
	now := a.Now().UTC()
	p := store.Post{ID: id, AuthorID: who.UserID, Title: *c.Title, Body: *c.Body, Status: store.StatusDraft,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	if !a.allowed(ctx, who, policy.Create, p) {
		return httpx.Response{}, forbidden(policy.Create)
	}
	if err := a.Posts.Create(ctx, p); err != nil {
		return httpx.Response{}, err
	}
	return httpx.JSON(201, View(p)), nil
}

// Get answers GET /api/posts/{id}.
func (a API) Get(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := a.loadFor(ctx, req, policy.Read)
	if err != nil {
		return httpx.Response{}, err
	}
	return httpx.JSON(200, View(p)), nil
}

// Update answers PUT /api/posts/{id}: new title and body, if the stored
// version is still the one the caller read (409 otherwise).
func (a API) Update(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := a.loadFor(ctx, req, policy.Update)
	if err != nil {
		return httpx.Response{}, err
	}
	var c content
	if err := httpx.DecodeJSON(req, requestLimit, &c); err != nil {
		return httpx.Response{}, err
	}
	if err := c.check(true); err != nil {
		return httpx.Response{}, err
	}
	if *c.Version != p.Version {
		return httpx.Response{}, conflict()
	}
	p.Title, p.Body, p.Version, p.UpdatedAt = *c.Title, *c.Body, p.Version+1, a.Now().UTC()
	if err := a.Posts.Update(ctx, p, *c.Version); err != nil {
		return httpx.Response{}, storeErr(err)
	}
	return httpx.JSON(200, View(p)), nil
}

// Delete answers DELETE /api/posts/{id}.
func (a API) Delete(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := a.loadFor(ctx, req, policy.Delete)
	if err != nil {
		return httpx.Response{}, err
	}
	if err := a.Posts.Delete(ctx, p.ID, p.Version); err != nil {
		return httpx.Response{}, storeErr(err)
	}
	return httpx.NoContent(), nil
}

// Publish answers POST /api/posts/{id}/publish. Publishing a published
// post changes nothing and answers it as it is.
func (a API) Publish(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := a.loadFor(ctx, req, policy.Publish)
	if err != nil {
		return httpx.Response{}, err
	}
	if p.Status == store.StatusPublished {
		return httpx.JSON(200, View(p)), nil
	}
	old := p.Version
	now := a.Now().UTC()
	p.Status, p.PublishedAt, p.UpdatedAt, p.Version = store.StatusPublished, &now, now, p.Version+1
	if err := a.Posts.Update(ctx, p, old); err != nil {
		return httpx.Response{}, storeErr(err)
	}
	return httpx.JSON(200, View(p)), nil
}

func conflict() error {
	return httpx.Errorf(409, httpx.CodeConflict, "the post changed since you read it; read it again and retry")
}

// storeErr maps a lost conditional write to 409 and a vanished post to 404.
func storeErr(err error) error {
	switch {
	case errors.Is(err, store.ErrConflict):
		return conflict()
	case errors.Is(err, store.ErrNotFound):
		return httpx.NotFound("post")
	}
	return err
}
