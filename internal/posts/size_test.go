package posts

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

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

// TestExcerptLimitIsDocumented: the excerpt's maxLength in the OpenAPI
// document is store.ExcerptLength.
func TestExcerptLimitIsDocumented(t *testing.T) {
	want := fmt.Sprintf("maxLength=%d", store.ExcerptLength)
	for _, v := range []any{Summary{}, PublicSummary{}} {
		f, _ := reflect.TypeOf(v).FieldByName("Excerpt")
		if got := f.Tag.Get("schema"); got != want {
			t.Errorf("%T.Excerpt schema tag = %q; want %q", v, got, want)
		}
	}
}
