package posts

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

// listAs lists GET /api/posts with query q as user u (a session).
func listAs(t testing.TB, h httpx.Handler, u store.User, q map[string]string) (int, Page) {
	t.Helper()
	req := httpx.Request{HTTPMethod: "GET", Path: "/api/posts", QueryStringParameters: q}
	req.RequestContext.Authorizer = map[string]any{"userId": u.ID, "method": "session", "sessionId": "ses_x", "permissions": "read,write"}
	resp, err := httpx.Adapt(slog.New(slog.DiscardHandler), h)(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var l Page
	if resp.StatusCode == 200 {
		if err := json.Unmarshal([]byte(resp.Body), &l); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, l
}

func ids(l Page) []string {
	out := []string{}
	for _, p := range l.Posts {
		out = append(out, p.ID)
	}
	return out
}

func TestListFilters(t *testing.T) {
	d := depstest.Local(config.Config{Editors: []string{seed.Editor.Email}})
	if err := seed.Load(context.Background(), d.Stores); err != nil {
		t.Fatal(err)
	}
	h := depstest.Build(t, List, d)
	allPosts := []string{seed.Draft2ID, seed.DraftID, seed.CedarID, seed.KeysID, seed.WelcomeID}
	tests := []struct {
		name       string
		who        store.User
		query      map[string]string
		wantStatus int
		want       []string
	}{
		{"an editor sees every post", seed.Editor, nil, 200, allPosts},
		{"an editor's own posts", seed.Editor, map[string]string{"author": "me"}, 200, []string{seed.Draft2ID}},
		{"an editor's review queue: every draft", seed.Editor, map[string]string{"status": "draft"}, 200, []string{seed.Draft2ID, seed.DraftID}},
		{"published only", seed.Editor, map[string]string{"status": "published"}, 200, []string{seed.CedarID, seed.KeysID, seed.WelcomeID}},
		{"an author sees their own posts only", seed.Author, nil, 200, []string{seed.DraftID, seed.CedarID, seed.KeysID, seed.WelcomeID}},
		{"an author's drafts", seed.Author, map[string]string{"status": "draft"}, 200, []string{seed.DraftID}},
		{"an author asking for their own", seed.Author, map[string]string{"author": "me"}, 200, []string{seed.DraftID, seed.CedarID, seed.KeysID, seed.WelcomeID}},
		{"a reader with no posts", seed.Reader, map[string]string{"status": "draft"}, 200, []string{}},
		{"author is only ever me", seed.Editor, map[string]string{"author": seed.Author.ID}, 400, nil},
		{"an unknown status", seed.Editor, map[string]string{"status": "deleted"}, 400, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, l := listAs(t, h, tc.who, tc.query)
			if status != tc.wantStatus {
				t.Fatalf("status = %d; want %d", status, tc.wantStatus)
			}
			if tc.want != nil && !slices.Equal(ids(l), tc.want) {
				t.Fatalf("posts = %v; want %v", ids(l), tc.want)
			}
		})
	}
}

// TestFilteredListingPages checks that a filtered listing pages through
// every match exactly once, in order, even when the filter drops long runs
// of posts and a page must stop before its limit.
func TestFilteredListingPages(t *testing.T) {
	d := depstest.Local(config.Config{Editors: []string{seed.Editor.Email}})
	if err := seed.Load(context.Background(), d.Stores); err != nil {
		t.Fatal(err)
	}
	// 60 posts by the author, every seventh a draft, after the seed.
	var wantDrafts []string
	for i := range 60 {
		p := store.Post{ID: fmt.Sprintf("post_%026d", i), AuthorID: seed.Author.ID, Title: "t", Status: store.StatusPublished,
			Version: 1, CreatedAt: seed.Epoch.Add(time.Duration(10+i) * 24 * time.Hour)}
		if i%7 == 0 {
			p.Status = store.StatusDraft
			wantDrafts = append([]string{p.ID}, wantDrafts...)
		} else {
			at := p.CreatedAt
			p.PublishedAt = &at
		}
		if err := d.Stores.Posts.Create(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	wantDrafts = append(wantDrafts, seed.Draft2ID, seed.DraftID)
	h := depstest.Build(t, List, d)
	for _, limit := range []int{1, 2, 3, 100} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			var got []string
			q := map[string]string{"status": "draft", "limit": fmt.Sprint(limit)}
			for range 100 {
				status, l := listAs(t, h, seed.Editor, q)
				if status != 200 || len(l.Posts) > limit {
					t.Fatalf("page = %d with %d posts; want 200 with at most %d", status, len(l.Posts), limit)
				}
				got = append(got, ids(l)...)
				if l.Next == "" {
					break
				}
				q["cursor"] = l.Next
			}
			if !slices.Equal(got, wantDrafts) {
				t.Fatalf("drafts paged = %v; want %v", got, wantDrafts)
			}
		})
	}
}

// BenchmarkList compares the editor's whole listing with the review queue
// (?status=draft), which reads store pages until it has a page of drafts:
// over 700 posts of which one in seven is a draft, a page of 20 drafts
// reads 140 posts.
func BenchmarkList(b *testing.B) {
	d := depstest.Local(config.Config{Editors: []string{seed.Editor.Email}})
	if err := seed.Load(context.Background(), d.Stores); err != nil {
		b.Fatal(err)
	}
	for i := range 700 {
		p := store.Post{ID: fmt.Sprintf("post_%026d", i), AuthorID: seed.Author.ID, Title: "t", Body: "b", Status: store.StatusPublished,
			Version: 1, CreatedAt: seed.Epoch.Add(time.Duration(10+i) * time.Hour)}
		if i%7 == 0 {
			p.Status = store.StatusDraft
		} else {
			at := p.CreatedAt
			p.PublishedAt = &at
		}
		if err := d.Stores.Posts.Create(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
	h := depstest.Build(b, List, d)
	for _, q := range []map[string]string{nil, {"status": "draft"}} {
		b.Run(fmt.Sprint(q), func(b *testing.B) {
			for b.Loop() {
				if status, l := listAs(b, h, seed.Editor, q); status != 200 || len(l.Posts) != 20 {
					b.Fatalf("= %d with %d posts", status, len(l.Posts))
				}
			}
		})
	}
}

// TestPublicAnswersNameNoUser: the public routes never carry a user id,
// which could be traced back to an identity provider's account.
func TestPublicAnswersNameNoUser(t *testing.T) {
	d := depstest.Local(config.Config{})
	if err := seed.Load(context.Background(), d.Stores); err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]httpx.Handler{"list": depstest.Build(t, PublicList, d), "get": depstest.Build(t, PublicGet, d)} {
		req := httpx.Request{HTTPMethod: "GET", PathParameters: map[string]string{"id": seed.WelcomeID}}
		resp, err := httpx.Adapt(slog.New(slog.DiscardHandler), h)(context.Background(), req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s = %d, %v", name, resp.StatusCode, err)
		}
		if strings.Contains(resp.Body, "authorId") || strings.Contains(resp.Body, seed.Author.ID) {
			t.Errorf("public %s names a user: %s", name, resp.Body)
		}
	}
}

// TestFullPagesOfTheLargestPostsFitLambda: a page of 100 posts with the
// longest title and body, written in the characters that take the most
// bytes in a Lambda answer (seven each), and a single such post, are all
// answers Lambda delivers (httpx.MaxResponse).
func TestFullPagesOfTheLargestPostsFitLambda(t *testing.T) {
	for _, c := range []string{"<", "&", "\u2028", "\x01"} {
		t.Run(fmt.Sprintf("%q", c), func(t *testing.T) {
			d := depstest.Local(config.Config{Editors: []string{seed.Editor.Email}})
			ctx := context.Background()
			if err := seed.Load(ctx, d.Stores); err != nil {
				t.Fatal(err)
			}
			var id string
			for i := range store.MaxLimit {
				at := seed.Epoch.Add(10*24*time.Hour + time.Duration(i)*time.Hour) // after the seed
				id = store.NewID("post")
				p := store.Post{ID: id, AuthorID: seed.Author.ID, Title: strings.Repeat(c, MaxTitle),
					Body: strings.Repeat(c, MaxBody/len(c)), Status: store.StatusPublished, Version: 1, CreatedAt: at, UpdatedAt: at, PublishedAt: &at}
				if err := d.Stores.Posts.Create(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			principal := map[string]any{"userId": seed.Editor.ID, "method": "session", "sessionId": "ses_x", "permissions": "read,write"}
			tests := []struct {
				name string
				h    httpx.Handler
				req  httpx.Request
			}{
				{"GET /api/posts?limit=100", depstest.Build(t, List, d), httpx.Request{HTTPMethod: "GET", QueryStringParameters: map[string]string{"limit": "100"}}},
				{"GET /api/public/posts?limit=100", depstest.Build(t, PublicList, d), httpx.Request{HTTPMethod: "GET", QueryStringParameters: map[string]string{"limit": "100"}}},
				{"GET /api/posts/{id}", depstest.Build(t, Get, d), httpx.Request{HTTPMethod: "GET", PathParameters: map[string]string{"id": id}}},
			}
			for _, tc := range tests {
				tc.req.RequestContext.Authorizer = principal
				resp, err := httpx.Adapt(slog.New(slog.DiscardHandler), tc.h)(ctx, tc.req)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("%s = %d, %v", tc.name, resp.StatusCode, err)
				}
				n := httpx.EncodedSize(resp)
				t.Logf("%s: %d bytes as Lambda sends it (%d posts)", tc.name, n, strings.Count(resp.Body, `"id":`))
				if n > httpx.MaxResponse {
					t.Errorf("%s takes %d bytes; Lambda delivers at most %d", tc.name, n, httpx.MaxResponse)
				}
			}
		})
	}
}
