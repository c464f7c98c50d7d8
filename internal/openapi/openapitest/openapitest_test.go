package openapitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/golden"
	"github.com/latchkey/latchkey/internal/openapi"
	"github.com/latchkey/latchkey/internal/routes"
)

// TestGoldenAnswersAreDescribed validates the golden answer of every event
// fixture (internal/invoke/testdata/golden) against the document: each
// status, content type and body a function gives is one it documents. A
// 501 is a handler make route scaffolded and nobody has written yet: no
// document describes it, and the failure says what to do instead.
func TestGoldenAnswersAreDescribed(t *testing.T) {
	v := New(t)
	events, err := filepath.Glob("../../../events/*/*.json")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, ev := range events {
		fn := filepath.Base(filepath.Dir(ev))
		if fn == "_samples" || fn == "authorizer" {
			continue
		}
		file := filepath.Join("..", "..", "invoke", "testdata", "golden", fn, filepath.Base(ev))
		t.Run(fn+"/"+filepath.Base(ev), func(t *testing.T) {
			req := requestOf(t, ev)
			resp := responseOf(t, file)
			if resp.StatusCode == http.StatusNotImplemented {
				t.Fatalf("%s %s (events/%s/%s) answers 501: its handler is not written yet; write it, then run `make golden`",
					req.Method, req.URL.Path, fn, filepath.Base(ev))
			}
			if err := v.Check(req, resp); err != nil {
				t.Error(err)
			}
		})
		checked++
	}
	if checked < 40 {
		t.Fatalf("validated %d golden answers; want every fixture's", checked)
	}
}

// TestRequestExamplesAreValid: each request body the document gives as an
// example is a request its own schema accepts, and a body the handlers
// would refuse is one the schema refuses too.
func TestRequestExamplesAreValid(t *testing.T) {
	v := New(t)
	doc := openapi.Document(routes.Table, "http://localhost")
	paths := doc["paths"].(map[string]any)
	found := 0
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			rb, ok := op.(map[string]any)["requestBody"].(map[string]any)
			if !ok {
				continue
			}
			media := rb["content"].(map[string]any)["application/json"].(map[string]any)
			example, ok := media["example"]
			if !ok {
				t.Errorf("%s %s has a body and no example", method, path)
				continue
			}
			found++
			raw, _ := json.Marshal(example)
			u := "http://localhost" + strings.ReplaceAll(path, "{id}", "post_x")
			req, _ := http.NewRequest(strings.ToUpper(method), u, bytes.NewReader(raw))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer lk_test_x")
			req.Header.Set("Cookie", "__Host-latchkey_session=x")
			if err := v.CheckRequest(req); err != nil {
				t.Errorf("the example of %s %s: %v", method, path, err)
			}
		}
	}
	if found < 4 {
		t.Fatalf("%d request examples; want one per body", found)
	}
	for _, bad := range []string{`{"label":"","permissions":["read"]}`, `{"label":"x","permissions":["admin"]}`, `{"label":"x","permissions":["read"],"expiresInDays":366}`, `{"label":"x","permissions":["read"],"extra":1}`} {
		req, _ := http.NewRequest("POST", "http://localhost/api/keys", strings.NewReader(bad))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Cookie", "__Host-latchkey_session=x")
		if err := v.CheckRequest(req); err == nil {
			t.Errorf("POST /api/keys %s: the schema accepts it; the handler refuses it", bad)
		}
	}
}

// TestAnUndescribedAnswerFails: the check is not a formality.
func TestAnUndescribedAnswerFails(t *testing.T) {
	v := New(t)
	req, _ := http.NewRequest("GET", "http://localhost/api/public/posts", nil)
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"a post list without posts", `{"items":[]}`, 200},
		{"an error without its code", `{"message":"x"}`, 404},
		{"a status no route gives", `{"error":"x","message":"y"}`, 418},
	} {
		resp := &http.Response{StatusCode: tc.status, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
			Body: io.NopCloser(strings.NewReader(tc.body))}
		if err := v.Check(req, resp); err == nil {
			t.Errorf("%s: validated; want a failure", tc.name)
		}
	}
}

func requestOf(t *testing.T, file string) *http.Request {
	t.Helper()
	var ev struct {
		HTTPMethod string              `json:"httpMethod"`
		Path       string              `json:"path"`
		Query      map[string][]string `json:"multiValueQueryStringParameters"`
		Single     map[string]string   `json:"queryStringParameters"`
	}
	readJSON(t, file, &ev)
	q := url.Values{}
	for k, vs := range ev.Query {
		q[k] = vs
	}
	for k, v := range ev.Single {
		if _, ok := q[k]; !ok {
			q.Set(k, v)
		}
	}
	u := "http://localhost" + ev.Path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(ev.HTTPMethod, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// responseOf is the answer in the golden file; a missing one fails the
// test saying how to write it.
func responseOf(t *testing.T, file string) *http.Response {
	t.Helper()
	var g struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if err := json.Unmarshal(golden.Read(t, file), &g); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	h := http.Header{}
	for k, v := range g.Headers {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: g.StatusCode, Header: h, Body: io.NopCloser(bytes.NewReader([]byte(g.Body)))}
}

// readJSON reads file's JSON into v, or fails the test.
func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}
