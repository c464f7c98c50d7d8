package posts

import (
	"context"
	"errors"
	"fmt"

	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/store"
)

// List answers GET /api/posts: the posts the caller may edit, drafts
// included (an editor's listing starts from all posts, anyone else's from
// their own; the policy has the last word on each). Two filters narrow it:
// ?author=me keeps the caller's own posts (an editor's "My posts"), and
// ?status=draft or ?status=published keeps posts in that state (an
// editor's review queue). Each post comes as a Summary: its excerpt, not
// its body.
func (a API) List(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	who, err := a.principal(ctx, req)
	if err != nil {
		return httpx.Response{}, err
	}
	page, err := httpx.PageOf(req)
	if err != nil {
		return httpx.Response{}, err
	}
	f, err := filterOf(req)
	if err != nil {
		return httpx.Response{}, err
	}
	list := a.Posts.ListAll
	if f.mine || !hasRole(who, "editor") {
		list = func(ctx context.Context, p store.Page) ([]store.Post, string, error) {
			return a.Posts.ListByAuthor(ctx, who.UserID, p)
		}
	}
	keep := func(p store.Post) bool {
		return (f.status == "" || p.Status == f.status) && a.Policy.Decide(who, policy.Update, p).Allowed
	}
	ps, next, err := filtered(ctx, list, keep, page)
	if err != nil {
		return httpx.Response{}, httpx.ListError(err)
	}
	out := Page{Posts: make([]Summary, 0, len(ps)), Next: next}
	for _, p := range ps {
		out.Posts = append(out.Posts, SummaryView(p))
	}
	return httpx.JSON(200, out), nil
}

// filter is what ?author= and ?status= ask of a listing.
type filter struct {
	mine   bool
	status string
}

func filterOf(req httpx.Request) (filter, error) {
	var f filter
	author, ok, err := httpx.Query(req, "author")
	if err != nil {
		return f, err
	}
	if ok && author != "me" {
		return f, httpx.BadRequest(`author may only be "me"`)
	}
	f.mine = ok
	status, ok, err := httpx.Query(req, "status")
	if err != nil {
		return f, err
	}
	if ok && status != store.StatusDraft && status != store.StatusPublished {
		return f, httpx.BadRequest(`status must be "draft" or "published"`)
	}
	f.status = status
	return f, nil
}

// maxScanned bounds how many posts one filtered listing reads, so that a
// long run of posts the filter drops cannot make a request read without
// end: the answer is then shorter than the limit, and its next cursor goes
// on from where the scan stopped.
const maxScanned = 200

// filtered reads list from page.Cursor, a store page at a time, and keeps
// the posts keep accepts, until page.Size() are kept, the listing ends, or
// maxScanned posts were read. The next cursor resumes right after the last
// post kept, or the last one read (store.CursorAfter).
func filtered(ctx context.Context, list func(context.Context, store.Page) ([]store.Post, string, error),
	keep func(store.Post) bool, page store.Page) ([]store.Post, string, error) {
	want := page.Size()
	var out []store.Post
	cursor := page.Cursor
	for scanned := 0; scanned < maxScanned; {
		ps, next, err := list(ctx, store.Page{Limit: min(want, maxScanned-scanned), Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		scanned += len(ps)
		for i, p := range ps {
			if !keep(p) {
				continue
			}
			out = append(out, p)
			if len(out) == want {
				if i == len(ps)-1 && next == "" {
					return out, "", nil
				}
				return out, store.CursorAfter(p), nil
			}
		}
		if next == "" || len(ps) == 0 {
			return out, "", nil
		}
		cursor = next
	}
	return out, cursor, nil
}

func hasRole(p policy.Principal, role string) bool {
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Create answers POST /api/posts: a new draft whose author is the caller,
// unless they have MaxPostsPerUser posts already (400).
func (a API) Create(ctx context.Context, req httpx.Request) (httpx.Response, error) {
	who, err := a.principal(ctx, req)
	if err != nil {
		return httpx.Response{}, err
	}
	var b NewPost
	if err := httpx.DecodeJSON(req, requestLimit, &b); err != nil {
		return httpx.Response{}, err
	}
	c := content{Title: b.Title, Body: b.Body}
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
	n, err := a.Posts.CountByAuthor(ctx, who.UserID)
	if err != nil {
		return httpx.Response{}, fmt.Errorf("count posts: %w", err)
	}
	if n >= MaxPostsPerUser {
		return httpx.Response{}, httpx.BadRequest("you have %d posts, the most allowed; delete one first", MaxPostsPerUser)
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
	var b PostEdit
	if err := httpx.DecodeJSON(req, requestLimit, &b); err != nil {
		return httpx.Response{}, err
	}
	c := content(b)
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
