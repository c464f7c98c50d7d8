package posts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

// postAs calls handler h as user u (a session with write) with the path's
// id and a JSON body, and returns the answer.
func postAs(t *testing.T, h httpx.Handler, u store.User, method, id, body string) httpx.Response {
	t.Helper()
	req := httpx.Request{HTTPMethod: method, Path: "/api/posts", Body: body, Headers: map[string]string{"Content-Type": "application/json"}}
	if id != "" {
		req.Path, req.PathParameters = "/api/posts/"+id, map[string]string{"id": id}
	}
	req.RequestContext.Authorizer = map[string]any{"userId": u.ID, "method": "session", "sessionId": "ses_x", "permissions": "read,write"}
	resp, err := httpx.Adapt(slog.New(slog.DiscardHandler), h)(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// storedPosts counts userID's posts by listing them all from the store.
func storedPosts(t *testing.T, posts store.PostStore, userID string) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		ps, next, err := posts.ListByAuthor(context.Background(), userID, store.Page{Limit: store.MaxLimit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		n += len(ps)
		if next == "" {
			return n
		}
		cursor = next
	}
}

// fill gives userID posts, written straight to the store, until they have
// want.
func fill(t *testing.T, posts store.PostStore, userID string, want int) {
	t.Helper()
	for i := storedPosts(t, posts, userID); i < want; i++ {
		at := seed.Epoch.Add(time.Duration(i) * time.Minute)
		p := store.Post{ID: store.NewID("post"), AuthorID: userID, Title: fmt.Sprint("bulk ", i), Body: "x",
			Status: store.StatusDraft, Version: 1, CreatedAt: at, UpdatedAt: at}
		if err := posts.Create(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCreateStopsAtThePostLimit: a user with MaxPostsPerUser-1 posts may
// create one more; at the limit the create is 400 with a message naming it,
// and nothing is stored; another user is not limited by it; deleting a post
// makes room again. Each step runs on what the steps before it left.
func TestCreateStopsAtThePostLimit(t *testing.T) {
	d := depstest.Local(config.Config{})
	ctx := context.Background()
	if err := seed.Load(ctx, d.Stores); err != nil {
		t.Fatal(err)
	}
	posts := d.Stores.Posts
	fill(t, posts, seed.Author.ID, MaxPostsPerUser-1) // the seed's posts among them
	create, del := depstest.Build(t, Create, d), depstest.Build(t, Delete, d)
	body := `{"title": "One more", "body": "text"}`
	full := fmt.Sprintf("you have %d posts, the most allowed; delete one first", MaxPostsPerUser)

	steps := []struct {
		name        string
		before      func(t *testing.T)
		who         store.User
		wantStatus  int
		wantMessage string // for an error
		wantStored  int    // who's posts afterwards
	}{
		{"one below the limit, a user may create one more", nil, seed.Author, 201, "", MaxPostsPerUser},
		{"at the limit the create is refused and nothing is stored", nil, seed.Author, 400, full, MaxPostsPerUser},
		{"another user is not limited by it", nil, seed.Reader, 201, "", 1},
		{"deleting one makes room", func(t *testing.T) {
			if resp := postAs(t, del, seed.Author, "DELETE", seed.DraftID, ""); resp.StatusCode != 204 {
				t.Fatalf("DELETE = %d %s", resp.StatusCode, resp.Body)
			}
		}, seed.Author, 201, "", MaxPostsPerUser},
		{"and the limit holds again after it", nil, seed.Author, 400, full, MaxPostsPerUser},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.before != nil {
				st.before(t)
			}
			resp := postAs(t, create, st.who, "POST", "", body)
			if resp.StatusCode != st.wantStatus {
				t.Fatalf("POST = %d %s; want %d", resp.StatusCode, resp.Body, st.wantStatus)
			}
			if st.wantMessage != "" {
				var e httpx.ErrorBody
				if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || e.Error != httpx.CodeBadRequest || e.Message != st.wantMessage {
					t.Fatalf("error = %s; want %s %q", resp.Body, httpx.CodeBadRequest, st.wantMessage)
				}
			}
			if n := storedPosts(t, posts, st.who.ID); n != st.wantStored {
				t.Fatalf("%s has %d posts stored; want %d", st.who.Name, n, st.wantStored)
			}
		})
	}
}

// uncountable is a post store whose count fails with err.
type uncountable struct {
	store.PostStore
	err error
}

func (u uncountable) CountByAuthor(context.Context, string) (int, error) { return 0, u.err }

// TestCreateFailsClosedWithoutACount: when the store cannot count the
// caller's posts, the create stores nothing; a throttled store answers 503
// with Retry-After, any other fault 500.
func TestCreateFailsClosedWithoutACount(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"DynamoDB throttling", coded("ProvisionedThroughputExceededException"), 503},
		{"another store fault", errors.New("unmarshal: bad attribute"), 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := depstest.Local(config.Config{})
			if err := seed.Load(context.Background(), d.Stores); err != nil {
				t.Fatal(err)
			}
			before := storedPosts(t, d.Stores.Posts, seed.Author.ID)
			broken := d
			broken.Stores.Posts = uncountable{PostStore: d.Stores.Posts, err: tc.err}
			resp := postAs(t, depstest.Build(t, Create, broken), seed.Author, "POST", "", `{"title": "t", "body": "b"}`)
			if resp.StatusCode != tc.want || (resp.Headers["Retry-After"] != "") != (tc.want == 503) {
				t.Fatalf("POST = %d %s, Retry-After %q; want %d, with Retry-After exactly on 503", resp.StatusCode, resp.Body, resp.Headers["Retry-After"], tc.want)
			}
			if n := storedPosts(t, d.Stores.Posts, seed.Author.ID); n != before {
				t.Fatalf("the author has %d posts; want %d: nothing stored", n, before)
			}
		})
	}
}
