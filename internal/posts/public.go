package posts

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/store"
)

// Public serves the anonymous read routes under /api/public/posts: published
// posts only, to anyone.
type Public struct {
	Posts  store.PostStore
	Policy *policy.Engine
}

// List answers GET /api/public/posts: published posts, newest first, with
// ?limit= (1–100, default 20) and ?cursor=; each post's excerpt, not its
// body.
func (h Public) List(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	page, err := httpx.PageOf(req)
	if err != nil {
		return httpx.Response{}, err
	}
	ps, next, err := h.Posts.ListPublished(ctx, page)
	if err != nil {
		return httpx.Response{}, httpx.ListError(err)
	}
	out := PublicPage{Posts: make([]PublicSummary, 0, len(ps)), Next: next}
	for _, p := range ps {
		if h.Policy.Decide(policy.Anonymous, policy.Read, p).Allowed {
			out.Posts = append(out.Posts, PublicSummaryView(p))
		}
	}
	return httpx.JSON(200, out), nil
}

// Get answers GET /api/public/posts/{id}: the post if it is published, 404
// otherwise, so a draft's existence does not leak.
func (h Public) Get(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	p, err := getPost(ctx, h.Posts, req)
	if err != nil {
		return httpx.Response{}, err
	}
	if !h.Policy.Decide(policy.Anonymous, policy.Read, p).Allowed {
		return httpx.Response{}, httpx.NotFound("post")
	}
	return httpx.JSON(200, PublicView(p)), nil
}

// getPost reads the post of the path's {id}, whoever may see it: 404 for
// an id that cannot be a post's, or that names none.
func getPost(ctx context.Context, posts store.PostStore, req httpx.Request) (store.Post, error) {
	id := req.PathParameters["id"]
	if !store.ValidID("post", id) {
		return store.Post{}, httpx.NotFound("post")
	}
	p, err := posts.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Post{}, httpx.NotFound("post")
	}
	return p, err
}

func buildPublic(d deps.Deps, h func(Public) httpx.Handler) (httpx.Handler, error) {
	e, err := policy.Default()
	if err != nil {
		return nil, err
	}
	return h(Public{Posts: d.Stores.Posts, Policy: e}), nil
}

// PublicList builds the handler of GET /api/public/posts.
func PublicList(d deps.Deps) (httpx.Handler, error) {
	return buildPublic(d, func(p Public) httpx.Handler { return p.List })
}

// PublicGet builds the handler of GET /api/public/posts/{id}.
func PublicGet(d deps.Deps) (httpx.Handler, error) {
	return buildPublic(d, func(p Public) httpx.Handler { return p.Get })
}
