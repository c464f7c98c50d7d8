// Package openapi serves GET /api/public/openapi.json: the OpenAPI 3.1
// document of the route table. Everything it says of a route comes from
// the table (status, query, the names of its body types, which
// types_gen.go, generated from the table, turns into Go types); the
// schemas come from those types. Tests validate every golden answer and
// every answer the local-server tests see against it
// (internal/openapi/openapitest).
package openapi

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/me"
	"github.com/latchkey/latchkey/internal/posts"
	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/secretscan"
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/sessionsapi"
)

type obj = map[string]any

// schemaNames name the components where a Go type's own name would say
// too little.
var schemaNames = map[reflect.Type]string{
	reflect.TypeOf(posts.Page{}):              "PostPage",
	reflect.TypeOf(posts.PublicPage{}):        "PublicPostPage",
	reflect.TypeOf(posts.Summary{}):           "PostSummary",
	reflect.TypeOf(posts.PublicSummary{}):     "PublicPostSummary",
	reflect.TypeOf(keys.Listing{}):            "KeyListing",
	reflect.TypeOf(keys.WithSecret{}):         "KeyWithSecret",
	reflect.TypeOf(keys.CreateRequest{}):      "NewKey",
	reflect.TypeOf(keys.RegenerateRequest{}):  "Regenerate",
	reflect.TypeOf(sessionsapi.Listing{}):     "SessionListing",
	reflect.TypeOf(me.Answer{}):               "Me",
	reflect.TypeOf(session.LogoutAnswer{}):    "SignedOut",
	reflect.TypeOf(httpx.ErrorBody{}):         "Error",
	reflect.TypeOf(secretscan.Match{}):        "SecretScanningMatch",
	reflect.TypeOf(secretscan.FeedbackItem{}): "SecretScanningFeedback",
}

// errorStatuses are the error answers any route may give (docs/API.md):
// from the route's own checks, the authorizer, API Gateway and the front
// door.
var errorStatuses = map[int]string{
	400: "a malformed request, or a create over a per-user limit", 401: "no valid credential", 403: "not allowed", 404: "no such route or resource",
	409: "a stale version", 413: "a body over the limit", 414: "a path too long for API Gateway's method ARN", 415: "a body that is not JSON",
	421: "another host than the domain", 429: "throttled; see Retry-After", 431: "headers over 10,240 bytes, or a URL over 10,240 characters", 500: "internal error",
	502: "the function failed to answer, or answered over Lambda's 6 MB", 503: "a dependency is down; see Retry-After",
	504: "API Gateway stopped waiting for the function",
}

// errorCodes are the codes of errorStatuses' answers (docs/API.md).
var errorCodes = map[int]string{
	400: httpx.CodeBadRequest, 401: httpx.CodeUnauthorized, 403: httpx.CodeForbidden, 404: httpx.CodeNotFound,
	409: httpx.CodeConflict, 413: httpx.CodeTooLarge, 414: httpx.CodeBadRequest, 415: httpx.CodeUnsupportedMedia, 421: httpx.CodeForbidden,
	429: httpx.CodeRateLimited, 431: httpx.CodeTooLarge, 500: httpx.CodeInternal, 502: httpx.CodeInternal, 503: httpx.CodeUnavailable,
	504: httpx.CodeTimeout,
}

// Document returns the OpenAPI document of the table for the public URL.
func Document(table []routes.Route, publicURL string) obj {
	s := newSchemas(schemaNames)
	errSchema := s.of(reflect.TypeOf(httpx.ErrorBody{}))
	paths := obj{}
	for _, r := range table {
		if r.NotFound() {
			continue // the not-found routes are not operations
		}
		op := obj{
			"operationId": r.Function,
			"summary":     r.Summary,
			"security":    security(r.Need),
			"responses":   responses(s, r, errSchema),
		}
		params := append(pathParams(r.Path), r.Query...)
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Request != "" {
			media := obj{"schema": s.of(bodyType(r.Request))}
			if r.Example != nil {
				media["example"] = r.Example
			}
			op["requestBody"] = obj{"required": !r.OptionalBody, "content": obj{"application/json": media}}
		}
		item, _ := paths[r.Path].(obj)
		if item == nil {
			item = obj{}
			paths[r.Path] = item
		}
		item[strings.ToLower(r.Method)] = op
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":       "Latchkey",
			"version":     "1",
			"description": "Sign-on, API keys and policies for a REST API. Errors answer {\"error\": CODE, \"message\": TEXT}; the contract is docs/API.md.",
		},
		"servers": []obj{{"url": publicURL}},
		"paths":   paths,
		"components": obj{
			"securitySchemes": obj{
				"session": obj{"type": "apiKey", "in": "cookie", "name": session.CookieName,
					"description": "The browser session from /api/auth/login (HttpOnly, SameSite=Strict)."},
				"bearer": obj{"type": "http", "scheme": "bearer", "description": "Authorization: Bearer lk_live_…"},
				"apikey": obj{"type": "http", "scheme": "apikey", "description": "Authorization: apikey lk_live_…"},
				"basic":  obj{"type": "http", "scheme": "basic", "description": "user apikey, password the key"},
			},
			"schemas": s.components,
		},
	}
}

func security(n routes.Need) []obj {
	switch n {
	case routes.NeedPublic:
		return []obj{}
	case routes.NeedSession:
		return []obj{{"session": []string{}}}
	}
	return []obj{{"session": []string{}}, {"bearer": []string{}}, {"apikey": []string{}}, {"basic": []string{}}}
}

// bodyType is the type the route table names; the generated bodyTypes
// hold every one of them (TestGeneratedFilesAreCurrent).
func bodyType(name string) reflect.Type {
	t, ok := bodyTypes[name]
	if !ok {
		panic("openapi: no body type " + name + ": run make generate")
	}
	return t
}

func responses(s *schemas, r routes.Route, errSchema obj) obj {
	out := obj{}
	success := obj{"description": http.StatusText(r.Status)}
	switch {
	case r.FreeForm:
		success["content"] = obj{"application/json": obj{"schema": obj{"type": "object"}}}
	case r.Response != "":
		success["content"] = obj{"application/json": obj{"schema": s.of(bodyType(r.Response))}}
	case r.Status == 302 || r.Status == 303:
		success["headers"] = obj{"Location": obj{"schema": obj{"type": "string"}, "required": true}}
	}
	out[strconv.Itoa(r.Status)] = success
	for status, what := range errorStatuses {
		content := obj{"application/json": obj{"schema": errSchema,
			"example": obj{"error": errorCodes[status], "message": what}}}
		if r.Pages {
			content["text/html"] = obj{"schema": obj{"type": "string"}}
		}
		e := obj{"description": what, "content": content}
		if status == 401 {
			e["headers"] = obj{"WWW-Authenticate": obj{"schema": obj{"type": "string"}, "required": true}}
		}
		out[strconv.Itoa(status)] = e
	}
	return out
}

func pathParams(path string) []obj {
	var out []obj
	for _, seg := range strings.Split(path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			out = append(out, obj{"name": strings.TrimSuffix(name, "}"), "in": "path", "required": true, "schema": obj{"type": "string"}})
		}
	}
	return out
}

// Build builds the handler of GET /api/public/openapi.json.
func Build(d deps.Deps) (httpx.Handler, error) {
	doc := httpx.JSON(200, Document(routes.Table, d.Config.PublicURL))
	return func(context.Context, httpx.Request) (httpx.Response, error) { return doc, nil }, nil
}
