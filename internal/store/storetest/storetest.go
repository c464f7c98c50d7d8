// Package storetest is the behaviour contract of the store interfaces,
// written once and run against every implementation (embedded and DynamoDB).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// Factory returns fresh, empty stores for one test.
type Factory func(t *testing.T) store.Stores

// base is an arbitrary fixed instant; tests never read the wall clock.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

// Run runs the whole contract against the stores that newStores makes.
func Run(t *testing.T, newStores Factory) {
	for _, c := range []struct {
		name string
		test func(*testing.T, Factory)
	}{
		{"Users", testUsers},
		{"Posts", testPosts},
		{"PostListings", testPostListings},
		{"PostExcerpts", testPostExcerpts},
		{"PostCount", testPostCount},
		{"Keys", testKeys},
		{"KeyRotation", testKeyRotation},
		{"KeySettings", testKeySettings},
		{"KeyUse", testKeyUse},
		{"KeyRevocation", testKeyRevocation},
		{"Sessions", testSessions},
		{"Cursors", testCursors},
		{"SecurityLog", testSecurityLog},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, newStores) })
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v; want %v", what, err, want)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testUsers(t *testing.T, newStores Factory) {
	ctx := context.Background()
	users := newStores(t).Users

	_, err := users.Get(ctx, "usr_missing")
	wantErr(t, "Get(missing)", err, store.ErrNotFound)

	u := store.User{
		ID: store.UserID("https://idp.example", "alice"), Issuer: "https://idp.example", Subject: "alice",
		Email: "alice@example.com", Name: "Alice", Roles: []string{"editor"}, RoleGrants: []string{"editor:email", "editor:group:eds"},
		CreatedAt: base, UpdatedAt: base,
	}
	got, err := users.Upsert(ctx, u)
	must(t, "Upsert(new)", err)
	assertUser(t, "Upsert(new)", got, u)

	again := u
	again.Email, again.Name, again.Roles, again.RoleGrants = "alice@new.example", "Alice B.", nil, nil
	again.CreatedAt, again.UpdatedAt = base.Add(time.Hour), base.Add(time.Hour)
	got, err = users.Upsert(ctx, again)
	must(t, "Upsert(existing)", err)
	want := again
	want.CreatedAt = base // the first sign-in's time stays
	assertUser(t, "Upsert(existing)", got, want)

	got, err = users.Get(ctx, u.ID)
	must(t, "Get", err)
	assertUser(t, "Get", got, want)
}

func assertUser(t *testing.T, what string, got, want store.User) {
	t.Helper()
	if got.ID != want.ID || got.Issuer != want.Issuer || got.Subject != want.Subject || got.Email != want.Email ||
		got.Name != want.Name || !slices.Equal(got.Roles, want.Roles) || !slices.Equal(got.RoleGrants, want.RoleGrants) ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Fatalf("%s = %+v; want %+v", what, got, want)
	}
}

func newPost(author, status string, created time.Time) store.Post {
	p := store.Post{
		ID: store.NewID("post"), AuthorID: author, Title: "Title " + created.Format(time.Kitchen),
		Body: "Body", Status: status, Version: 1, CreatedAt: created, UpdatedAt: created,
	}
	if status == store.StatusPublished {
		pub := created.Add(time.Minute)
		p.PublishedAt = &pub
	}
	return p
}

// read is p as a store returns it from Get: with its excerpt.
func read(p store.Post) store.Post {
	p.Excerpt, p.Truncated = store.Excerpt(p.Body)
	return p
}

// listed is p as a listing returns it: its excerpt, and no body.
func listed(p store.Post) store.Post {
	p = read(p)
	p.Body = ""
	return p
}

func assertPost(t *testing.T, what string, got, want store.Post) {
	t.Helper()
	samePub := (got.PublishedAt == nil) == (want.PublishedAt == nil) &&
		(got.PublishedAt == nil || got.PublishedAt.Equal(*want.PublishedAt))
	if got.ID != want.ID || got.AuthorID != want.AuthorID || got.Title != want.Title || got.Body != want.Body ||
		got.Excerpt != want.Excerpt || got.Truncated != want.Truncated || got.Status != want.Status || got.Version != want.Version || !got.CreatedAt.Equal(want.CreatedAt) ||
		!got.UpdatedAt.Equal(want.UpdatedAt) || !samePub {
		t.Fatalf("%s = %+v; want %+v", what, got, want)
	}
}

func testPosts(t *testing.T, newStores Factory) {
	ctx := context.Background()
	posts := newStores(t).Posts

	p := newPost("usr_a", store.StatusDraft, base)
	p.Body = "Ünïcode body, \"quotes\" and <tags>"
	must(t, "Create", posts.Create(ctx, p))
	wantErr(t, "Create(same id)", posts.Create(ctx, p), store.ErrExists)

	got, err := posts.Get(ctx, p.ID)
	must(t, "Get", err)
	assertPost(t, "Get", got, read(p))
	_, err = posts.Get(ctx, "post_missing")
	wantErr(t, "Get(missing)", err, store.ErrNotFound)

	edited := p
	edited.Title, edited.Version, edited.UpdatedAt = "Edited", 2, base.Add(time.Hour)
	pub := base.Add(2 * time.Hour)
	edited.Status, edited.PublishedAt = store.StatusPublished, &pub
	must(t, "Update(version 1)", posts.Update(ctx, edited, 1))
	wantErr(t, "Update(stale version 1)", posts.Update(ctx, edited, 1), store.ErrConflict)
	got, err = posts.Get(ctx, p.ID)
	must(t, "Get after Update", err)
	assertPost(t, "Get after Update", got, read(edited))

	ghost := newPost("usr_a", store.StatusDraft, base)
	wantErr(t, "Update(missing)", posts.Update(ctx, ghost, 1), store.ErrNotFound)

	wantErr(t, "Delete(stale)", posts.Delete(ctx, p.ID, 1), store.ErrConflict)
	must(t, "Delete(current)", posts.Delete(ctx, p.ID, 2))
	_, err = posts.Get(ctx, p.ID)
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
	wantErr(t, "Delete(gone)", posts.Delete(ctx, p.ID, 2), store.ErrNotFound)
}

// collect pages through a listing with a small page size and returns the IDs
// in order, failing on a repeated ID.
func collect[T any](t *testing.T, what string, id func(T) string, list func(store.Page) ([]T, string, error)) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 50 {
		items, next, err := list(store.Page{Limit: 2, Cursor: cursor})
		must(t, what, err)
		if len(items) > 2 {
			t.Fatalf("%s: page of %d items; want at most 2", what, len(items))
		}
		for _, it := range items {
			if slices.Contains(ids, id(it)) {
				t.Fatalf("%s: %s listed twice", what, id(it))
			}
			ids = append(ids, id(it))
		}
		if next == "" {
			return ids
		}
		cursor = next
	}
	t.Fatalf("%s: more than 50 pages", what)
	return nil
}

func postID(p store.Post) string { return p.ID }

func collectIDs(ps []store.Post) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func testPostListings(t *testing.T, newStores Factory) {
	ctx := context.Background()
	posts := newStores(t).Posts

	// Five posts by two authors, created a minute apart; published ones get
	// publishedAt in the reverse order of creation to show the published
	// listing sorts by publication, not creation.
	var all []store.Post
	specs := []struct {
		author, status string
	}{
		{"usr_a", store.StatusPublished}, {"usr_a", store.StatusDraft}, {"usr_b", store.StatusPublished},
		{"usr_b", store.StatusDraft}, {"usr_a", store.StatusPublished},
	}
	for i, s := range specs {
		p := newPost(s.author, s.status, base.Add(time.Duration(i)*time.Minute))
		if p.PublishedAt != nil {
			pub := base.Add(time.Hour - time.Duration(i)*time.Minute)
			p.PublishedAt = &pub
		}
		must(t, "Create", posts.Create(ctx, p))
		all = append(all, p)
	}

	tests := []struct {
		name string
		list func(store.Page) ([]store.Post, string, error)
		want []string
	}{
		{"published, latest publication first", func(p store.Page) ([]store.Post, string, error) { return posts.ListPublished(ctx, p) },
			[]string{all[0].ID, all[2].ID, all[4].ID}},
		{"by author, newest first, drafts included", func(p store.Page) ([]store.Post, string, error) { return posts.ListByAuthor(ctx, "usr_a", p) },
			[]string{all[4].ID, all[1].ID, all[0].ID}},
		{"by author with no posts", func(p store.Page) ([]store.Post, string, error) { return posts.ListByAuthor(ctx, "usr_none", p) },
			nil},
		{"all, newest first", func(p store.Page) ([]store.Post, string, error) { return posts.ListAll(ctx, p) },
			[]string{all[4].ID, all[3].ID, all[2].ID, all[1].ID, all[0].ID}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := collect(t, tc.name, postID, tc.list)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("listing = %v; want %v", got, tc.want)
			}
		})
	}

	// A page may end at any post of a listing by creation: the cursor made
	// from a post's position (store.CursorAfter) resumes right after it.
	for _, tc := range tests[1:] {
		if len(tc.want) == 0 {
			continue
		}
		t.Run(tc.name+", resumed after each post", func(t *testing.T) {
			for i, id := range tc.want {
				p, err := posts.Get(ctx, id)
				must(t, "Get", err)
				rest, _, err := tc.list(store.Page{Limit: store.MaxLimit, Cursor: store.CursorAfter(p)})
				must(t, "list after "+id, err)
				if got := collectIDs(rest); !slices.Equal(got, tc.want[i+1:]) {
					t.Fatalf("after %s: %v; want %v", id, got, tc.want[i+1:])
				}
			}
		})
	}

	// A listing returns every field of a post but its body, and the
	// body's excerpt instead.
	first, _, err := posts.ListPublished(ctx, store.Page{Limit: 1})
	must(t, "ListPublished(limit 1)", err)
	if len(first) != 1 {
		t.Fatalf("ListPublished(limit 1) = %d posts; want 1", len(first))
	}
	assertPost(t, "ListPublished[0]", first[0], listed(all[0]))
}

func testPostCount(t *testing.T, newStores Factory) {
	ctx := context.Background()
	posts := newStores(t).Posts
	// usr_a has two drafts and a published post; usr_b one draft.
	var mine []store.Post
	for i, status := range []string{store.StatusDraft, store.StatusPublished, store.StatusDraft} {
		p := newPost("usr_a", status, base.Add(time.Duration(i)*time.Minute))
		must(t, "Create", posts.Create(ctx, p))
		mine = append(mine, p)
	}
	must(t, "Create(usr_b)", posts.Create(ctx, newPost("usr_b", store.StatusDraft, base)))

	// Each step changes the store, then checks the counts.
	tests := []struct {
		name   string
		change func(t *testing.T)
		author string
		want   int
	}{
		{"drafts and published posts count", nil, "usr_a", 3},
		{"another author's posts do not", nil, "usr_b", 1},
		{"an author with no posts", nil, "usr_none", 0},
		{"publishing a draft changes nothing", func(t *testing.T) {
			p := mine[0]
			pub := base.Add(time.Hour)
			p.Status, p.PublishedAt, p.Version = store.StatusPublished, &pub, 2
			must(t, "Update", posts.Update(ctx, p, 1))
		}, "usr_a", 3},
		{"a deleted post no longer counts", func(t *testing.T) {
			must(t, "Delete", posts.Delete(ctx, mine[1].ID, 1))
		}, "usr_a", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.change != nil {
				tc.change(t)
			}
			n, err := posts.CountByAuthor(ctx, tc.author)
			must(t, "CountByAuthor", err)
			if n != tc.want {
				t.Fatalf("CountByAuthor(%s) = %d; want %d", tc.author, n, tc.want)
			}
		})
	}
}

func testPostExcerpts(t *testing.T, newStores Factory) {
	ctx := context.Background()
	posts := newStores(t).Posts
	long := newPost("usr_a", store.StatusPublished, base)
	long.Body = strings.Repeat("<é😀", store.ExcerptLength)
	short := newPost("usr_a", store.StatusPublished, base.Add(time.Minute))
	short.Body = "<short>"
	// What a caller puts in the derived fields is not kept.
	short.Excerpt, short.Truncated = "stale", true
	for _, p := range []store.Post{long, short} {
		must(t, "Create", posts.Create(ctx, p))
	}
	short.Excerpt, short.Truncated = "", false
	tests := []struct {
		name string
		list func() ([]store.Post, string, error)
	}{
		{"published", func() ([]store.Post, string, error) { return posts.ListPublished(ctx, store.Page{}) }},
		{"by author", func() ([]store.Post, string, error) { return posts.ListByAuthor(ctx, "usr_a", store.Page{}) }},
		{"all", func() ([]store.Post, string, error) { return posts.ListAll(ctx, store.Page{}) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := tc.list()
			must(t, tc.name, err)
			if len(got) != 2 {
				t.Fatalf("%s = %d posts; want 2", tc.name, len(got))
			}
			assertPost(t, tc.name+"[0]", got[0], listed(short))
			assertPost(t, tc.name+"[1]", got[1], listed(long))
		})
	}
	got, err := posts.Get(ctx, long.ID)
	must(t, "Get", err)
	assertPost(t, "Get", got, read(long))
}

func testCursors(t *testing.T, newStores Factory) {
	ctx := context.Background()
	s := newStores(t)
	bad := []string{"!!!", "e30", store.EncodeCursor(store.Position{}), string(make([]byte, 2000))}
	for _, c := range bad {
		_, _, err := s.Posts.ListPublished(ctx, store.Page{Cursor: c})
		wantErr(t, fmt.Sprintf("ListPublished(cursor %.20q)", c), err, store.ErrBadCursor)
		_, _, err = s.Keys.List(ctx, "usr_a", store.Page{Cursor: c})
		wantErr(t, fmt.Sprintf("Keys.List(cursor %.20q)", c), err, store.ErrBadCursor)
	}
}

func newKey(user string, created time.Time) store.APIKey {
	exp := created.Add(30 * 24 * time.Hour)
	id := store.NewID("key")
	return store.APIKey{
		ID: id, UserID: user, Label: "ci " + id[len(id)-4:], Hint: "lk_test_…abcd", Hash: fmt.Sprintf("%064x", created.UnixNano()),
		Permissions: []string{"read", "write"}, Environment: "test", CreatedAt: created, ExpiresAt: &exp,
	}
}

func keyHash(n int) string { return fmt.Sprintf("%064x", n) }

// createKey creates a key of usr_a made at base, whose secret's hash is
// keyHash(n).
func createKey(ctx context.Context, t *testing.T, keys store.KeyStore, n int) store.APIKey {
	t.Helper()
	k := newKey("usr_a", base)
	k.Hash = keyHash(n)
	must(t, "Create", keys.Create(ctx, k))
	return k
}

func testKeys(t *testing.T, newStores Factory) {
	ctx := context.Background()
	keys := newStores(t).Keys

	k := createKey(ctx, t, keys, 1)
	wantErr(t, "Create(same id)", keys.Create(ctx, k), store.ErrExists)
	dupHash := newKey("usr_a", base)
	dupHash.Hash = k.Hash
	wantErr(t, "Create(same hash)", keys.Create(ctx, dupHash), store.ErrExists)

	got, err := keys.Get(ctx, "usr_a", k.ID)
	must(t, "Get", err)
	assertKey(t, "Get", got, k)
	_, err = keys.Get(ctx, "usr_b", k.ID)
	wantErr(t, "Get(another user's key)", err, store.ErrNotFound)

	got, err = keys.ByHash(ctx, k.Hash, base)
	must(t, "ByHash", err)
	assertKey(t, "ByHash", got, k)
	_, err = keys.ByHash(ctx, keyHash(999), base)
	wantErr(t, "ByHash(unknown)", err, store.ErrNotFound)

	for i := 2; i <= 4; i++ {
		o := newKey("usr_a", base.Add(time.Duration(i)*time.Second))
		o.Hash = keyHash(i)
		must(t, "Create", keys.Create(ctx, o))
	}
	other := newKey("usr_b", base)
	other.Hash = keyHash(10)
	must(t, "Create(usr_b)", keys.Create(ctx, other))

	n, err := keys.Count(ctx, "usr_a")
	must(t, "Count", err)
	if n != 4 {
		t.Fatalf("Count(usr_a) = %d; want 4", n)
	}
	ids := collect(t, "List", func(k store.APIKey) string { return k.ID }, func(p store.Page) ([]store.APIKey, string, error) {
		return keys.List(ctx, "usr_a", p)
	})
	if len(ids) != 4 || ids[3] != k.ID {
		t.Fatalf("List(usr_a) = %v; want 4 keys, oldest (%s) last", ids, k.ID)
	}

	used := base.Add(time.Hour)
	must(t, "Touch", keys.Touch(ctx, k.ID, store.KeyUse{At: used}))
	got, err = keys.Get(ctx, "usr_a", k.ID)
	must(t, "Get after Touch", err)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
		t.Fatalf("LastUsedAt = %v; want %v", got.LastUsedAt, used)
	}
	// Recording a use never creates a key (DynamoDB's UpdateItem would).
	wantErr(t, "Touch(missing)", keys.Touch(ctx, "key_missingmissingmissingmiss", store.KeyUse{At: used, Requests: map[string]int64{"2026-03-14": 1}}), store.ErrNotFound)
	if _, err := keys.ByHash(ctx, keyHash(999), used); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ByHash after Touch(missing) = %v; want not found", err)
	}

	wantErr(t, "Delete(another user's key)", keys.Delete(ctx, "usr_b", k.ID), store.ErrNotFound)
	must(t, "Delete", keys.Delete(ctx, "usr_a", k.ID))
	_, err = keys.ByHash(ctx, k.Hash, base)
	wantErr(t, "ByHash after Delete", err, store.ErrNotFound)
	_, err = keys.Get(ctx, "usr_a", k.ID)
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
	wantErr(t, "Delete(gone)", keys.Delete(ctx, "usr_a", k.ID), store.ErrNotFound)
}

func assertKey(t *testing.T, what string, got, want store.APIKey) {
	t.Helper()
	eqp := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	if got.ID != want.ID || got.UserID != want.UserID || got.Label != want.Label || got.Hint != want.Hint ||
		got.Hash != want.Hash || !slices.Equal(got.Permissions, want.Permissions) || got.Environment != want.Environment ||
		!got.CreatedAt.Equal(want.CreatedAt) || !eqp(got.ExpiresAt, want.ExpiresAt) || !eqp(got.LastUsedAt, want.LastUsedAt) {
		t.Fatalf("%s = %+v; want %+v", what, got, want)
	}
}

func testKeyRotation(t *testing.T, newStores Factory) {
	ctx := context.Background()
	keys := newStores(t).Keys
	at := base.Add(time.Hour)

	tests := []struct {
		name  string
		grace time.Duration
		// whether the old secret works just before and just after the grace
		oldBefore, oldAfter bool
	}{
		{"no grace ends the old secret at once", 0, false, false},
		{"grace keeps the old secret until it ends", 10 * time.Minute, true, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := createKey(ctx, t, keys, 100+10*i)

			_, err := keys.Rotate(ctx, "usr_b", k.ID, store.KeyRotation{NewHash: keyHash(101 + 10*i), At: at})
			wantErr(t, "Rotate(another user's key)", err, store.ErrNotFound)

			r := store.KeyRotation{NewHash: keyHash(101 + 10*i), NewHint: "lk_test_…wxyz", Grace: tc.grace, At: at}
			got, err := keys.Rotate(ctx, "usr_a", k.ID, r)
			must(t, "Rotate", err)
			if got.ID != k.ID || got.Label != k.Label || !slices.Equal(got.Permissions, k.Permissions) ||
				got.ExpiresAt == nil || !got.ExpiresAt.Equal(*k.ExpiresAt) || got.Hint != r.NewHint || got.Hash != r.NewHash {
				t.Fatalf("Rotate = %+v; want same id, label, permissions and expiry, new hash and hint", got)
			}
			if _, err := keys.ByHash(ctx, r.NewHash, at); err != nil {
				t.Fatalf("ByHash(new secret) = %v; want the key", err)
			}
			before := at.Add(tc.grace - time.Second)
			after := at.Add(tc.grace)
			if _, err := keys.ByHash(ctx, k.Hash, before); (err == nil) != tc.oldBefore {
				t.Fatalf("ByHash(old secret, before grace ends) err = %v; want working = %v", err, tc.oldBefore)
			}
			if _, err := keys.ByHash(ctx, k.Hash, after); (err == nil) != tc.oldAfter {
				t.Fatalf("ByHash(old secret, after grace) err = %v; want working = %v", err, tc.oldAfter)
			}

			// A second rotation ends the first one's grace: only the newest
			// two secrets can ever be live.
			r2 := store.KeyRotation{NewHash: keyHash(102 + 10*i), NewHint: "lk_test_…2222", Grace: time.Hour, At: at}
			_, err = keys.Rotate(ctx, "usr_a", k.ID, r2)
			must(t, "Rotate again", err)
			_, err = keys.ByHash(ctx, k.Hash, at)
			wantErr(t, "ByHash(first secret after two rotations)", err, store.ErrNotFound)
			if _, err := keys.ByHash(ctx, r.NewHash, at); err != nil {
				t.Fatalf("ByHash(second secret within grace) = %v; want the key", err)
			}

			must(t, "Delete", keys.Delete(ctx, "usr_a", k.ID))
			for _, h := range []string{r.NewHash, r2.NewHash} {
				_, err = keys.ByHash(ctx, h, at)
				wantErr(t, "ByHash after Delete", err, store.ErrNotFound)
			}
		})
	}
}

func testSessions(t *testing.T, newStores Factory) {
	ctx := context.Background()
	sessions := newStores(t).Sessions

	mk := func(user string, n int) store.Session {
		h := keyHash(n)
		created := base.Add(time.Duration(n) * time.Minute)
		return store.Session{
			ID: store.SessionID(h), UserID: user, Hash: h, CreatedAt: created, LastSeenAt: created,
			ExpiresAt: created.Add(12 * time.Hour), UserAgent: "test/1.0", ExpiresEpoch: created.Add(time.Hour).Unix(),
		}
	}
	a1, a2, b1 := mk("usr_a", 1), mk("usr_a", 2), mk("usr_b", 3)
	a1.AuthTime = base.Add(-time.Hour) // the provider's auth_time, before the session
	for _, s := range []store.Session{a1, a2, b1} {
		must(t, "Create", sessions.Create(ctx, s))
	}
	wantErr(t, "Create(same id)", sessions.Create(ctx, a1), store.ErrExists)

	got, err := sessions.Get(ctx, a1.ID)
	must(t, "Get", err)
	if got.ID != a1.ID || got.UserID != a1.UserID || got.Hash != a1.Hash || !got.CreatedAt.Equal(a1.CreatedAt) ||
		!got.ExpiresAt.Equal(a1.ExpiresAt) || got.UserAgent != a1.UserAgent || got.ExpiresEpoch != a1.ExpiresEpoch ||
		!got.AuthTime.Equal(a1.AuthTime) {
		t.Fatalf("Get = %+v; want %+v", got, a1)
	}

	seen := a1.LastSeenAt.Add(5 * time.Minute)
	must(t, "Touch", sessions.Touch(ctx, a1.ID, seen, seen.Add(time.Hour).Unix()))
	got, err = sessions.Get(ctx, a1.ID)
	must(t, "Get after Touch", err)
	if !got.LastSeenAt.Equal(seen) || got.ExpiresEpoch != seen.Add(time.Hour).Unix() {
		t.Fatalf("after Touch: lastSeen %v ttl %d; want %v %d", got.LastSeenAt, got.ExpiresEpoch, seen, seen.Add(time.Hour).Unix())
	}
	// Recording a use never creates a session.
	wantErr(t, "Touch(missing)", sessions.Touch(ctx, "ses_missingmissingmissingmiss", seen, 0), store.ErrNotFound)
	_, err = sessions.Get(ctx, "ses_missingmissingmissingmiss")
	wantErr(t, "Get after Touch(missing)", err, store.ErrNotFound)

	ids := collect(t, "List", func(s store.Session) string { return s.ID }, func(p store.Page) ([]store.Session, string, error) {
		return sessions.List(ctx, "usr_a", p)
	})
	if !slices.Equal(ids, []string{a2.ID, a1.ID}) {
		t.Fatalf("List(usr_a) = %v; want [%s %s]", ids, a2.ID, a1.ID)
	}

	wantErr(t, "Delete(another user's session)", sessions.Delete(ctx, "usr_b", a1.ID), store.ErrNotFound)
	must(t, "Delete", sessions.Delete(ctx, "usr_a", a1.ID))
	_, err = sessions.Get(ctx, a1.ID)
	wantErr(t, "Get after Delete", err, store.ErrNotFound)

	must(t, "Create", sessions.Create(ctx, mk("usr_a", 4)))
	n, err := sessions.DeleteAll(ctx, "usr_a")
	must(t, "DeleteAll", err)
	if n != 2 {
		t.Fatalf("DeleteAll(usr_a) = %d; want 2", n)
	}
	if _, err := sessions.Get(ctx, b1.ID); err != nil {
		t.Fatalf("Get(usr_b's session) after DeleteAll(usr_a) = %v; want it kept", err)
	}
	left, _, err := sessions.List(ctx, "usr_a", store.Page{})
	must(t, "List after DeleteAll", err)
	if len(left) != 0 {
		t.Fatalf("List(usr_a) after DeleteAll = %d sessions; want 0", len(left))
	}
}

// testKeySettings: a key's label and allowed addresses change in place,
// for its owner only, and everything else about it stays.
func testKeySettings(t *testing.T, newStores Factory) {
	ctx := context.Background()
	keys := newStores(t).Keys
	k := newKey("usr_a", base)
	k.Hash = keyHash(200)
	k.AllowedCIDRs = []string{"192.0.2.0/24"}
	must(t, "Create", keys.Create(ctx, k))
	got, err := keys.Get(ctx, "usr_a", k.ID)
	must(t, "Get", err)
	if !slices.Equal(got.AllowedCIDRs, k.AllowedCIDRs) {
		t.Fatalf("created with AllowedCIDRs %v; want %v", got.AllowedCIDRs, k.AllowedCIDRs)
	}

	label := "renamed"
	cidrs := []string{"10.0.0.0/8", "2001:db8::/32"}
	none := []string{}
	tests := []struct {
		name      string
		user      string
		set       store.KeySettings
		wantErr   error
		wantLabel string
		wantCIDRs []string
	}{
		{"another user's key is not found", "usr_b", store.KeySettings{Label: &label, AllowedCIDRs: &cidrs}, store.ErrNotFound, k.Label, k.AllowedCIDRs},
		{"nothing to change changes nothing", "usr_a", store.KeySettings{}, nil, k.Label, k.AllowedCIDRs},
		{"the list is replaced", "usr_a", store.KeySettings{AllowedCIDRs: &cidrs}, nil, k.Label, cidrs},
		{"the label alone keeps the list", "usr_a", store.KeySettings{Label: &label}, nil, label, cidrs},
		{"an empty list allows any address", "usr_a", store.KeySettings{AllowedCIDRs: &none}, nil, label, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			updated, err := keys.UpdateSettings(ctx, tc.user, k.ID, tc.set)
			if tc.wantErr != nil {
				wantErr(t, "UpdateSettings", err, tc.wantErr)
			} else {
				must(t, "UpdateSettings", err)
				if updated.Label != tc.wantLabel || !slices.Equal(updated.AllowedCIDRs, tc.wantCIDRs) {
					t.Fatalf("UpdateSettings = label %q cidrs %v; want %q %v", updated.Label, updated.AllowedCIDRs, tc.wantLabel, tc.wantCIDRs)
				}
			}
			got, err := keys.ByHash(ctx, k.Hash, base)
			must(t, "ByHash", err)
			if got.Label != tc.wantLabel || !slices.Equal(got.AllowedCIDRs, tc.wantCIDRs) {
				t.Fatalf("stored label %q cidrs %v; want %q %v", got.Label, got.AllowedCIDRs, tc.wantLabel, tc.wantCIDRs)
			}
			if got.ID != k.ID || got.UserID != k.UserID || got.Hash != k.Hash || !slices.Equal(got.Permissions, k.Permissions) ||
				got.ExpiresAt == nil || !got.ExpiresAt.Equal(*k.ExpiresAt) {
				t.Fatalf("stored %+v; want everything but the settings as created", got)
			}
		})
	}
	_, err = keys.UpdateSettings(ctx, "usr_a", "key_missingmissingmissingmiss", store.KeySettings{Label: &label})
	wantErr(t, "UpdateSettings(missing)", err, store.ErrNotFound)
	if _, err := keys.Get(ctx, "usr_a", "key_missingmissingmissingmiss"); err == nil {
		t.Fatal("UpdateSettings(missing) created a key")
	}

	// A rotation keeps the settings.
	_, err = keys.Rotate(ctx, "usr_a", k.ID, store.KeyRotation{NewHash: keyHash(201), At: base})
	must(t, "Rotate", err)
	must(t, "UpdateSettings", func() error {
		_, err := keys.UpdateSettings(ctx, "usr_a", k.ID, store.KeySettings{AllowedCIDRs: &cidrs})
		return err
	}())
	_, err = keys.Rotate(ctx, "usr_a", k.ID, store.KeyRotation{NewHash: keyHash(202), At: base})
	must(t, "Rotate", err)
	got, err = keys.Get(ctx, "usr_a", k.ID)
	must(t, "Get after Rotate", err)
	if !slices.Equal(got.AllowedCIDRs, cidrs) || got.Label != label {
		t.Fatalf("after Rotate: label %q cidrs %v; want %q %v", got.Label, got.AllowedCIDRs, label, cidrs)
	}
}

// testKeyUse: Touch adds each day's requests to the stored counts (two
// writers at once both count), keeps the addresses with their times, and
// forgets what it is told to, in one write.
func testKeyUse(t *testing.T, newStores Factory) {
	ctx := context.Background()
	keys := newStores(t).Keys
	k := createKey(ctx, t, keys, 300)
	got, err := keys.Get(ctx, "usr_a", k.ID)
	must(t, "Get", err)
	if len(got.Usage) != 0 || len(got.Addresses) != 0 {
		t.Fatalf("a new key has usage %v and addresses %v; want none", got.Usage, got.Addresses)
	}

	d0, d1, d2 := "2026-03-12", "2026-03-13", "2026-03-14"
	t1, t2 := base.Add(time.Minute), base.Add(2*time.Minute)
	steps := []struct {
		name          string
		use           store.KeyUse
		wantUsage     map[string]int64
		wantAddresses map[string]time.Time
	}{
		{"the first write", store.KeyUse{At: t1, Requests: map[string]int64{d0: 3, d1: 2}, Addresses: map[string]time.Time{"192.0.2.1": t1}},
			map[string]int64{d0: 3, d1: 2}, map[string]time.Time{"192.0.2.1": t1}},
		{"counts add up; an IPv6 address and a new time", store.KeyUse{At: t2, Requests: map[string]int64{d1: 5, d2: 1},
			Addresses: map[string]time.Time{"2001:db8::1": t2, "192.0.2.1": t2}},
			map[string]int64{d0: 3, d1: 7, d2: 1}, map[string]time.Time{"192.0.2.1": t2, "2001:db8::1": t2}},
		{"forgetting a day and an address", store.KeyUse{At: t2, Requests: map[string]int64{d2: 1}, ForgetDays: []string{d0, "2026-01-01"},
			ForgetAddresses: []string{"192.0.2.1"}},
			map[string]int64{d1: 7, d2: 2}, map[string]time.Time{"2001:db8::1": t2}},
		{"last use alone", store.KeyUse{At: t2},
			map[string]int64{d1: 7, d2: 2}, map[string]time.Time{"2001:db8::1": t2}},
	}
	for _, st := range steps {
		must(t, "Touch: "+st.name, keys.Touch(ctx, k.ID, st.use))
		got, err := keys.ByHash(ctx, k.Hash, base)
		must(t, "ByHash", err)
		if !maps.Equal(got.Usage, st.wantUsage) {
			t.Fatalf("%s: usage %v; want %v", st.name, got.Usage, st.wantUsage)
		}
		if !maps.EqualFunc(got.Addresses, st.wantAddresses, time.Time.Equal) {
			t.Fatalf("%s: addresses %v; want %v", st.name, got.Addresses, st.wantAddresses)
		}
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(st.use.At) {
			t.Fatalf("%s: lastUsedAt %v; want %v", st.name, got.LastUsedAt, st.use.At)
		}
	}

	// Authorizer instances write at once: no count is lost.
	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for range writers {
		wg.Go(func() {
			for range each {
				errs <- keys.Touch(ctx, k.ID, store.KeyUse{At: t2, Requests: map[string]int64{d2: 1}})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, "concurrent Touch", err)
	}
	got, err = keys.Get(ctx, "usr_a", k.ID)
	must(t, "Get", err)
	if want := int64(2 + writers*each); got.Usage[d2] != want {
		t.Fatalf("after %d concurrent writes of 1: %d requests on %s; want %d", writers*each, got.Usage[d2], d2, want)
	}
}

// testKeyRevocation: RevokeByHash finds a key by either live secret,
// revokes it whole (no secret opens it, the record stays with the
// revocation for its owner), never finds it again, refuses to regenerate
// it, and leaves it to its owner to delete; a hash that opens nothing is
// ErrNotFound and changes nothing.
func testKeyRevocation(t *testing.T, newStores Factory) {
	ctx := context.Background()
	at := base.Add(time.Hour)
	rev := store.KeyRevocation{At: at, Reason: "found in public", URL: "https://github.com/o/r/blob/1/x.env", Source: "content"}

	tests := []struct {
		name string
		// rotate regenerates the key with this grace before the report
		// (negative: not at all).
		rotate time.Duration
		// reported is the secret reported: 0 the first, 1 the second.
		reported int
	}{
		{"its only secret", -1, 0},
		{"its new secret during a rotation's grace", 10 * time.Minute, 1},
		{"its old secret during a rotation's grace", 10 * time.Minute, 0},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys := newStores(t).Keys
			k := newKey("usr_a", base)
			secrets := []string{keyHash(200 + 10*i), keyHash(201 + 10*i)}
			k.Hash = secrets[0]
			must(t, "Create", keys.Create(ctx, k))
			other := newKey("usr_a", base.Add(time.Second))
			other.Hash = keyHash(209 + 10*i)
			must(t, "Create(another key)", keys.Create(ctx, other))
			if tc.rotate >= 0 {
				_, err := keys.Rotate(ctx, "usr_a", k.ID, store.KeyRotation{NewHash: secrets[1], NewHint: "lk_test_…wxyz", Grace: tc.rotate, At: at.Add(-time.Minute)})
				must(t, "Rotate", err)
			}

			got, err := keys.RevokeByHash(ctx, secrets[tc.reported], rev)
			must(t, "RevokeByHash", err)
			if got.ID != k.ID || got.UserID != "usr_a" || got.Revoked == nil || !got.Revoked.At.Equal(at) ||
				got.Revoked.Reason != rev.Reason || got.Revoked.URL != rev.URL || got.Revoked.Source != rev.Source {
				t.Fatalf("RevokeByHash = %+v (revoked %+v); want key %s revoked as %+v", got, got.Revoked, k.ID, rev)
			}
			for n, h := range secrets {
				_, err := keys.ByHash(ctx, h, at)
				wantErr(t, fmt.Sprintf("ByHash(secret %d after revocation)", n), err, store.ErrNotFound)
			}
			stored, err := keys.Get(ctx, "usr_a", k.ID)
			must(t, "Get(revoked key)", err)
			if stored.Revoked == nil || stored.Revoked.URL != rev.URL || !stored.Revoked.At.Equal(at) {
				t.Fatalf("Get(revoked key).Revoked = %+v; want %+v", stored.Revoked, rev)
			}
			listed, _, err := keys.List(ctx, "usr_a", store.Page{Limit: 10})
			must(t, "List", err)
			if len(listed) != 2 || listed[1].ID != k.ID || listed[1].Revoked == nil || listed[0].Revoked != nil {
				t.Fatalf("List = %+v; want the revoked key listed as revoked beside the other, untouched", listed)
			}
			if _, err := keys.ByHash(ctx, other.Hash, at); err != nil {
				t.Fatalf("ByHash(another key of the same owner) = %v; want it untouched", err)
			}

			// Reported again (a replayed or repeated report): nothing to find.
			for _, h := range secrets {
				_, err := keys.RevokeByHash(ctx, h, rev)
				wantErr(t, "RevokeByHash(again)", err, store.ErrNotFound)
			}
			_, err = keys.Rotate(ctx, "usr_a", k.ID, store.KeyRotation{NewHash: keyHash(299 + 10*i), At: at})
			wantErr(t, "Rotate(revoked key)", err, store.ErrRevoked)
			if _, err := keys.ByHash(ctx, keyHash(299+10*i), at); err == nil {
				t.Fatal("a refused regeneration left a working secret")
			}
			// A use the authorizer allowed from its cache after the
			// revocation is recorded (the owner should see it) and opens
			// nothing; the owner's settings are kept as they were.
			before, err := keys.Get(ctx, "usr_a", k.ID)
			must(t, "Get(before Touch)", err)
			must(t, "Touch(revoked key)", keys.Touch(ctx, k.ID, store.KeyUse{At: at.Add(time.Second),
				Requests: map[string]int64{store.UsageDay(at): 3}, Addresses: map[string]time.Time{"192.0.2.9": at.Add(time.Second)}}))
			label := "renamed"
			_, err = keys.UpdateSettings(ctx, "usr_a", k.ID, store.KeySettings{Label: &label, AllowedCIDRs: &[]string{}})
			wantErr(t, "UpdateSettings(revoked key)", err, store.ErrRevoked)
			after, err := keys.Get(ctx, "usr_a", k.ID)
			must(t, "Get(after Touch and UpdateSettings)", err)
			if after.Label != before.Label || after.Revoked == nil || after.Usage[store.UsageDay(at)] != before.Usage[store.UsageDay(at)]+3 {
				t.Fatalf("a revoked key after a use and a refused change: %+v; was %+v", after, before)
			}
			for n, h := range secrets {
				if _, err := keys.ByHash(ctx, h, at.Add(2*time.Second)); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("ByHash(secret %d) after a recorded use = %v; want ErrNotFound", n, err)
				}
			}
			_, err = keys.UpdateSettings(ctx, "usr_b", k.ID, store.KeySettings{Label: &label})
			wantErr(t, "UpdateSettings(another user's revoked key)", err, store.ErrNotFound)
			must(t, "Delete(revoked key)", keys.Delete(ctx, "usr_a", k.ID))
			_, err = keys.Get(ctx, "usr_a", k.ID)
			wantErr(t, "Get after Delete", err, store.ErrNotFound)
		})
	}

	t.Run("a hash that opens nothing", func(t *testing.T) {
		keys := newStores(t).Keys
		k := createKey(ctx, t, keys, 250)
		_, err := keys.Rotate(ctx, "usr_a", k.ID, store.KeyRotation{NewHash: keyHash(251), Grace: time.Minute, At: base})
		must(t, "Rotate", err)
		for _, tc := range []struct {
			what string
			hash string
			at   time.Time
		}{
			{"unknown", keyHash(252), at},
			{"an old secret after its grace", keyHash(250), base.Add(time.Minute)},
		} {
			_, err := keys.RevokeByHash(ctx, tc.hash, store.KeyRevocation{At: tc.at, Reason: "found in public"})
			wantErr(t, "RevokeByHash("+tc.what+")", err, store.ErrNotFound)
		}
		got, err := keys.Get(ctx, "usr_a", k.ID)
		must(t, "Get", err)
		if got.Revoked != nil {
			t.Fatalf("a refused revocation marked the key: %+v", got.Revoked)
		}
		if _, err := keys.ByHash(ctx, keyHash(251), at); err != nil {
			t.Fatalf("ByHash(current secret) after refused revocations = %v; want the key", err)
		}
	})
}

// testSecurityLog is the contract of SecurityLogStore: a user's events come
// newest first, page by page, without another user's and without those
// past their retention; an id is written once; an event comes back as it
// was written.
func testSecurityLog(t *testing.T, newStores Factory) {
	ctx := context.Background()
	log := newStores(t).SecurityLog
	now := base.Add(24 * time.Hour)
	kept := now.Add(90 * 24 * time.Hour).Unix()

	mk := func(user string, minutes int, expires int64) store.SecurityEvent {
		return store.SecurityEvent{
			ID: store.NewID("evt"), UserID: user, At: base.Add(time.Duration(minutes) * time.Minute),
			Kind: store.EventKeyCreated, Details: map[string]string{"keyId": fmt.Sprintf("key_%d", minutes)}, ExpiresEpoch: expires,
		}
	}
	// Written out of order, so that the order comes from the store.
	a := []store.SecurityEvent{mk("usr_a", 3, kept), mk("usr_a", 1, kept), mk("usr_a", 4, 0), mk("usr_a", 2, now.Unix()), mk("usr_a", 5, kept)}
	expired := mk("usr_a", 6, now.Unix()-1) // the newest, and past its retention
	b := mk("usr_b", 7, kept)
	for _, e := range append(slices.Clone(a), expired, b) {
		must(t, "Add", log.Add(ctx, e))
	}

	dup := a[0]
	dup.UserID, dup.Kind = "usr_b", store.EventSignIn
	wantErr(t, "Add(same id)", log.Add(ctx, dup), store.ErrExists)

	listOf := func(user string) func(store.Page) ([]store.SecurityEvent, string, error) {
		return func(p store.Page) ([]store.SecurityEvent, string, error) { return log.List(ctx, user, now, p) }
	}
	eventID := func(e store.SecurityEvent) string { return e.ID }
	tests := []struct {
		name string
		user string
		want []string
	}{
		// a[2] never expires (no ExpiresEpoch) and a[3] expires this
		// second: both are listed; the expired event is not.
		{"newest first, in pages, without expired events", "usr_a", []string{a[4].ID, a[2].ID, a[0].ID, a[3].ID, a[1].ID}},
		{"another user's events only", "usr_b", []string{b.ID}},
		{"no events", "usr_none", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := collect(t, tc.name, eventID, listOf(tc.user)); !slices.Equal(got, tc.want) {
				t.Fatalf("List(%s) = %v; want %v", tc.user, got, tc.want)
			}
		})
	}

	t.Run("an event comes back as written", func(t *testing.T) {
		e := mk("usr_c", 8, kept)
		e.Kind = store.EventSignIn
		e.At = base.Add(8 * time.Minute).In(time.FixedZone("UTC+2", 7200))
		e.Details = map[string]string{
			"provider": "accounts.example.com", "address": "2001:db8::1", "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
			"label": "Ünïcode “quotes” <tags> & 😀", "empty": "",
		}
		bare := mk("usr_c", 9, kept)
		bare.Details = nil
		for _, x := range []store.SecurityEvent{e, bare} {
			must(t, "Add", log.Add(ctx, x))
		}
		got, next, err := log.List(ctx, "usr_c", now, store.Page{})
		must(t, "List(usr_c)", err)
		if len(got) != 2 || next != "" {
			t.Fatalf("List(usr_c) = %d events, next %q; want 2 and no next", len(got), next)
		}
		for i, want := range []store.SecurityEvent{bare, e} {
			g := got[i]
			if g.ID != want.ID || g.UserID != want.UserID || g.Kind != want.Kind || !g.At.Equal(want.At) ||
				g.ExpiresEpoch != want.ExpiresEpoch || !maps.Equal(g.Details, want.Details) {
				t.Errorf("List(usr_c)[%d] = %+v; want %+v", i, g, want)
			}
		}
		// What the caller holds is not the store's: changing it changes
		// nothing stored.
		got[1].Details["provider"] = "changed"
		again, _, err := log.List(ctx, "usr_c", now, store.Page{})
		must(t, "List(usr_c) again", err)
		if again[1].Details["provider"] != "accounts.example.com" {
			t.Errorf("a listed event's details are shared with the store")
		}
	})

	t.Run("a cursor is checked", func(t *testing.T) {
		for _, c := range []string{"!!!", "e30", store.EncodeCursor(store.Position{}), string(make([]byte, 2000))} {
			_, _, err := log.List(ctx, "usr_a", now, store.Page{Cursor: c})
			wantErr(t, fmt.Sprintf("List(cursor %.20q)", c), err, store.ErrBadCursor)
		}
	})
}
