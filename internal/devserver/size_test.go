package devserver

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/openapi/openapitest"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/store"
)

// TestListingsOfTheLargestPostsFitLambda is issue 12's acceptance for
// answer sizes, through the local server: 100 posts with the longest title
// and body, all `<` (which Go's encoder writes as six bytes, and Lambda's
// runtime as seven), list at ?limit=100 in answers Lambda delivers, and
// paging through next reaches every post once.
func TestListingsOfTheLargestPostsFitLambda(t *testing.T) {
	cfg := depstest.Config(t, map[string]string{"LATCHKEY_EDITORS": seed.Editor.Email})
	h, d := localHandler(t, cfg, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(openapitest.Middleware(t, h))
	defer srv.Close()
	editor := signedIn(t, d, srv.URL, seed.Editor)
	origin := map[string]string{"Origin": cfg.PublicURL}

	title, body := strings.Repeat("<", 200), strings.Repeat("<", 100<<10)
	post, _ := json.Marshal(map[string]string{"title": title, "body": body}) // 600 KB of \u003c
	created := map[string]bool{}
	var last string
	for range 100 {
		resp, answer := editor.Do("POST", "/api/posts", origin, string(post))
		var p struct{ ID string }
		if resp.StatusCode != 201 || json.Unmarshal([]byte(answer), &p) != nil {
			t.Fatalf("POST /api/posts = %d %.200s", resp.StatusCode, answer)
		}
		if resp, answer := editor.Do("POST", "/api/posts/"+p.ID+"/publish", origin, ""); resp.StatusCode != 200 {
			t.Fatalf("publish = %d %.200s", resp.StatusCode, answer)
		}
		created[p.ID], last = true, p.ID
	}

	// get reads a whole answer (browsertest keeps 1 MB of it) as the editor.
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: session.CookieName, Value: editor.Cookies[session.CookieName]})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	// lambdaSize is the answer's size as Lambda's runtime would send it.
	lambdaSize := func(resp *http.Response, b []byte) int {
		headers := map[string]string{}
		for k := range resp.Header {
			headers[k] = resp.Header.Get(k)
		}
		return httpx.EncodedSize(httpx.Response{StatusCode: resp.StatusCode, Headers: headers, Body: string(b)})
	}

	tests := []struct {
		name, path string
		want       int // posts listed in all, the seeded ones included
	}{
		{"every post, for an editor", "/api/posts?limit=100", 100 + len(seed.Posts)},
		{"the editor's own", "/api/posts?author=me&limit=100", 100 + 1},
		{"published, to anyone", "/api/public/posts?limit=100", 100 + 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]bool{}
			path := tc.path
			for page := 0; ; page++ {
				resp, b := get(path)
				if resp.StatusCode != 200 {
					t.Fatalf("GET %s = %d %.200s", path, resp.StatusCode, b)
				}
				var l struct {
					Posts []struct {
						ID, Excerpt string
						Truncated   bool
					}
					Next string
				}
				if err := json.Unmarshal(b, &l); err != nil {
					t.Fatal(err)
				}
				n := lambdaSize(resp, b)
				if page == 0 {
					t.Logf("GET %s: %d posts, %d bytes (%d as Lambda sends it)", path, len(l.Posts), len(b), n)
				}
				if n > httpx.MaxResponse {
					t.Fatalf("GET %s takes %d bytes as Lambda sends it; the limit is %d", path, n, httpx.MaxResponse)
				}
				for _, p := range l.Posts {
					if seen[p.ID] {
						t.Fatalf("%s listed twice", p.ID)
					}
					seen[p.ID] = true
					if created[p.ID] && (p.Excerpt != strings.Repeat("<", store.ExcerptLength) || !p.Truncated) {
						t.Fatalf("%s: excerpt of %d bytes, truncated %v; want 300 characters, truncated", p.ID, len(p.Excerpt), p.Truncated)
					}
				}
				if l.Next == "" {
					break
				}
				path = tc.path + "&cursor=" + l.Next
			}
			for id := range created {
				if !seen[id] {
					t.Fatalf("paging through next never reached %s", id)
				}
			}
			if len(seen) != tc.want {
				t.Fatalf("listed %d posts; want %d", len(seen), tc.want)
			}
		})
	}

	// The whole post is there to read before an edit, and fits as well.
	resp, b := get("/api/posts/" + last)
	var p struct{ Body string }
	if resp.StatusCode != 200 || json.Unmarshal(b, &p) != nil || p.Body != body {
		t.Fatalf("GET /api/posts/%s = %d, body of %d bytes; want the whole body", last, resp.StatusCode, len(p.Body))
	}
	t.Logf("GET /api/posts/{id}: %d bytes (%d as Lambda sends it)", len(b), lambdaSize(resp, b))
}
