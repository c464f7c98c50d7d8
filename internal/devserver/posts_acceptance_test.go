package devserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/browsertest"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/openapi/openapitest"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// signedIn starts a session for user straight in the store (the sign-in
// flow has its own tests) and returns a browser holding its cookie.
func signedIn(t *testing.T, d deps.Deps, base string, user store.User) *browsertest.Browser {
	t.Helper()
	tok, err := session.NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s := store.Session{ID: session.ID(tok), UserID: user.ID, Hash: session.Hash(tok), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := d.Stores.Sessions.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t, base)
	b.Cookies[session.CookieName] = tok
	return b
}

// TestPostsPolicyThroughTheLocalServer is issue 5's acceptance: the seeded
// users against the seeded posts, through the real authorizer, the post
// functions and the Cedar policies.
func TestPostsPolicyThroughTheLocalServer(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	cfg := depstest.Config(t, map[string]string{"LATCHKEY_CACHE_TTL": "0", "LATCHKEY_EDITORS": seed.Editor.Email})
	h, d := localHandler(t, cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	srv := httptest.NewServer(openapitest.Middleware(t, h))
	defer srv.Close()
	cfgOrigin := map[string]string{"Origin": cfg.PublicURL}

	author := signedIn(t, d, srv.URL, seed.Author)
	editor := signedIn(t, d, srv.URL, seed.Editor)
	reader := signedIn(t, d, srv.URL, seed.Reader)
	anonymous := browsertest.New(t, srv.URL)
	readKey, err := apikey.Generate(rand.Reader, apikey.EnvTest)
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Stores.Keys.Create(ctx, store.APIKey{ID: store.NewID("key"), UserID: seed.Author.ID, Label: "read", Hint: apikey.Hint(readKey),
		Hash: apikey.Hash(readKey), Permissions: []string{"read"}, Environment: apikey.EnvTest, CreatedAt: time.Now()})
	keyHeaders := map[string]string{"Authorization": "Bearer " + readKey}

	draft, published := "/api/posts/"+seed.DraftID, "/api/posts/"+seed.WelcomeID
	edit := func(version int) string {
		return fmt.Sprintf(`{"title":"Edited","body":"New body","version":%d}`, version)
	}
	steps := []struct {
		name    string
		b       *browsertest.Browser
		method  string
		path    string
		headers map[string]string
		body    string
		want    int
	}{
		{"the reader cannot read a draft", reader, "GET", draft, nil, "", 404},
		{"the reader reads a published post", reader, "GET", published, nil, "", 200},
		{"the reader cannot edit a published post", reader, "PUT", published, cfgOrigin, edit(2), 403},
		{"the reader cannot publish", reader, "POST", draft + "/publish", cfgOrigin, "", 404},
		{"anonymous cannot read a draft", anonymous, "GET", "/api/public/posts/" + seed.DraftID, nil, "", 404},
		{"a read key reads the author's draft", author, "GET", draft, keyHeaders, "", 200},
		{"a read key cannot write (refused at the authorizer)", anonymous, "PUT", draft, keyHeaders, edit(1), 403},
		{"the editor edits the author's draft", editor, "PUT", draft, cfgOrigin, edit(1), 200},
		{"a stale version is a conflict", author, "PUT", draft, cfgOrigin, edit(1), 409},
		{"the author cannot publish", author, "POST", draft + "/publish", cfgOrigin, "", 403},
		{"the editor publishes it", editor, "POST", draft + "/publish", cfgOrigin, "", 200},
		{"the editor cannot delete it", editor, "DELETE", draft, cfgOrigin, "", 403},
		{"the reader cannot delete it", reader, "DELETE", draft, cfgOrigin, "", 403},
		{"the author deletes it", author, "DELETE", draft, cfgOrigin, "", 204},
		{"it is gone", author, "GET", draft, nil, "", 404},
		{"the reader creates a draft of their own", reader, "POST", "/api/posts", cfgOrigin, `{"title":"Mine","body":"x"}`, 201},
		{"a title over 200 characters", reader, "POST", "/api/posts", cfgOrigin, `{"title":"` + strings.Repeat("a", 201) + `","body":"x"}`, 400},
		{"a body over 100 KB", reader, "POST", "/api/posts", cfgOrigin, `{"title":"t","body":"` + strings.Repeat("a", 100<<10+1) + `"}`, 413},
	}
	for _, s := range steps {
		resp, body := s.b.Do(s.method, s.path, s.headers, s.body)
		if resp.StatusCode != s.want {
			t.Fatalf("%s: %s %s = %d %s; want %d", s.name, s.method, s.path, resp.StatusCode, body, s.want)
		}
	}
	// An editor taken off LATCHKEY_EDITORS loses the role at once, even
	// through a credential that never signs in again.
	demoted := d
	demoted.Config.Editors = nil
	h2, err := New(ctx, demoted, os.DirFS("../../web"))
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(openapitest.Middleware(t, h2))
	defer srv2.Close()
	exEditor := browsertest.New(t, srv2.URL)
	exEditor.Cookies = editor.Cookies
	if resp, body := exEditor.Do("GET", "/api/posts/"+seed.Draft2ID, nil, ""); resp.StatusCode != 200 {
		t.Fatalf("the ex-editor reading their own draft = %d %s", resp.StatusCode, body)
	}
	if resp, _ := exEditor.Do("PUT", published, map[string]string{"Origin": cfg.PublicURL}, edit(2)); resp.StatusCode != 403 {
		t.Fatalf("the ex-editor editing another's post = %d; want 403", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), `"policies":["editors-never-delete-others-posts"]`) {
		t.Error("the editor's refused delete did not log the deciding policy")
	}

	// The editor's listing has every post; the reader's only their own.
	_, body := editor.Do("GET", "/api/posts", nil, "")
	var mine struct {
		Posts []struct{ ID, AuthorID string }
	}
	_ = json.Unmarshal([]byte(body), &mine)
	if len(mine.Posts) < 4 {
		t.Fatalf("the editor's GET /api/posts = %s; want every post", body)
	}
	_, body = reader.Do("GET", "/api/posts", nil, "")
	_ = json.Unmarshal([]byte(body), &mine)
	if len(mine.Posts) != 1 || mine.Posts[0].AuthorID != seed.Reader.ID {
		t.Fatalf("the reader's GET /api/posts = %s; want only their draft", body)
	}

	// The public listing: published posts only, page by page.
	var ids []string
	cursor := ""
	for range 10 {
		path := "/api/public/posts?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		_, body := anonymous.Do("GET", path, nil, "")
		var page struct {
			Posts []struct{ ID, Status string }
			Next  string
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Posts {
			if p.Status != store.StatusPublished {
				t.Fatalf("the public listing shows a %s post", p.Status)
			}
			ids = append(ids, p.ID)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if len(ids) != 3 {
		t.Fatalf("public listing = %v; want the 3 published posts (the published draft was deleted)", ids)
	}
}
