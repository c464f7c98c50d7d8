// Package openapitest holds Latchkey's answers to its own OpenAPI document
// in tests: a Validator over the document (checked itself against the
// OpenAPI 3.1 specification), and a Middleware that validates every API
// answer a test server gives. It uses pb33f's libopenapi-validator, which
// implements OpenAPI 3.1 and JSON Schema 2020-12.
package openapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/helpers"

	"github.com/latchkey/latchkey/internal/openapi"
	"github.com/latchkey/latchkey/internal/routes"
)

// Validator checks answers against the document.
type Validator struct {
	mu sync.Mutex // the validator's caches are not documented as safe for concurrent use
	v  validator.Validator
}

var (
	once   sync.Once
	shared *Validator
	errNew error
)

// New returns the validator of the route table's document, failing the
// test if the document itself is not valid OpenAPI 3.1.
func New(t testing.TB) *Validator {
	t.Helper()
	once.Do(func() { shared, errNew = build() })
	if errNew != nil {
		t.Fatal(errNew)
	}
	return shared
}

func build() (*Validator, error) {
	raw, err := json.Marshal(openapi.Document(routes.Table, "http://localhost"))
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapi validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		var msgs []string
		for _, e := range verrs {
			msgs = append(msgs, e.Message+": "+e.Reason)
		}
		return nil, fmt.Errorf("the OpenAPI document is not valid OpenAPI 3.1:\n%s", strings.Join(msgs, "\n"))
	}
	return &Validator{v: v}, nil
}

// Check validates one answer to req; nil when the document describes it.
func (v *Validator) Check(req *http.Request, resp *http.Response) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	ok, errs := v.v.ValidateHttpResponse(req, resp)
	if !ok && len(errs) > 0 && errs[0].ValidationType == helpers.PathValidation {
		return noRoute(req, resp)
	}
	if !ok {
		var msgs []string
		for _, e := range errs {
			msg := e.Message + ": " + e.Reason
			for _, s := range e.SchemaValidationErrors {
				msg += "; " + s.Reason + " at " + s.FieldPath
			}
			msgs = append(msgs, msg)
		}
		return fmt.Errorf("%s %s answered %d, which the OpenAPI document does not describe: %s",
			req.Method, req.URL.Path, resp.StatusCode, strings.Join(msgs, " | "))
	}
	return nil
}

// CheckRequest validates a request (its parameters and body) against the
// document.
func (v *Validator) CheckRequest(req *http.Request) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if ok, errs := v.v.ValidateHttpRequest(req); !ok {
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Message+": "+e.Reason)
		}
		return fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, strings.Join(msgs, " | "))
	}
	return nil
}

// noRoute checks an answer to a path the document has no operation for:
// the catch-all routes (docs/API.md), whose only answers are 404, or 401
// without a credential, in the API's error shape.
func noRoute(req *http.Request, resp *http.Response) error {
	body, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var e struct {
		Error   *string `json:"error"`
		Message *string `json:"message"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if (resp.StatusCode != 404 && resp.StatusCode != 401) || dec.Decode(&e) != nil || e.Error == nil || e.Message == nil ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return fmt.Errorf("%s %s, a path with no operation, answered %d %q; want 401 or 404 in the error shape",
			req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return nil
}

// Middleware serves next and validates each answer under /api/ against
// the document, failing t on an answer it does not describe.
func Middleware(t testing.TB, next http.Handler) http.Handler {
	v := New(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		resp := rec.Result()
		body := rec.Body.Bytes()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if rec.Code == http.StatusTemporaryRedirect {
			// The local server's one-origin redirect (devserver), which
			// sends a browser to the public URL before any route runs: not
			// an answer of the API.
			copyTo(w, rec, body)
			return
		}
		check := r.Clone(r.Context())
		check.Body = http.NoBody
		if err := v.Check(check, resp); err != nil {
			t.Errorf("%v\n%s", err, body)
		}
		copyTo(w, rec, body)
	})
}

func copyTo(w http.ResponseWriter, rec *httptest.ResponseRecorder, body []byte) {
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}
