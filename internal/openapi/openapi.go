// Package openapi serves GET /api/public/openapi.json: the OpenAPI 3.1
// document of the route table, derived from it and from the handlers' Go
// types (request and response bodies) so that it cannot drift; tests
// validate every golden response and every local-server response against
// it (internal/openapi/openapitest).
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
	"github.com/latchkey/latchkey/internal/session"
	"github.com/latchkey/latchkey/internal/sessionsapi"
	"github.com/latchkey/latchkey/internal/signout"
)

type obj = map[string]any

// operation is what the document says of one route beyond the route table:
// the success status and the Go types of its bodies.
type operation struct {
	status int
	// request is the body's type (nil: no body); optionalBody says the body
	// may be left out.
	request      any
	optionalBody bool
	// example is a request body as a caller would send it.
	example any
	// response is the success body's type (nil: none, or a redirect).
	response any
	// freeForm: the success body is a JSON object of no fixed shape.
	freeForm bool
	query    []obj
	// pages: a failure a browser navigated to is an HTML page (sign-in).
	pages bool
}

var (
	limitParam  = obj{"name": "limit", "in": "query", "schema": obj{"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "description": "posts per page"}
	cursorParam = obj{"name": "cursor", "in": "query", "schema": obj{"type": "string", "maxLength": 512}, "description": "the next of the previous page"}
)

// operations says what each function of the route table takes and gives;
// a test holds that every route has its entry.
var operations = map[string]operation{
	"public-posts-list": {status: 200, response: posts.PublicPage{}, query: []obj{limitParam, cursorParam}},
	"public-posts-get":  {status: 200, response: posts.PublicPost{}},
	"public-openapi":    {status: 200, freeForm: true},
	"auth-login": {status: 302, pages: true, query: []obj{{"name": "return_to", "in": "query", "schema": obj{"type": "string", "maxLength": 1024},
		"description": "a path of this origin to come back to"},
		{"name": "reauth", "in": "query", "schema": obj{"type": "string", "enum": []string{"1"}},
			"description": "ask the provider to have the person sign in again (prompt=login, max_age=0)"}}},
	"auth-callback":   {status: 303, pages: true},
	"auth-logout":     {status: 200, response: session.LogoutAnswer{}},
	"auth-logout-all": {status: 204, request: signout.AllRequest{}, optionalBody: true, example: obj{"revokeKeys": true}},
	"me":              {status: 200, response: me.Answer{}},
	"keys-list":       {status: 200, response: keys.Listing{}},
	"keys-create": {status: 201, request: keys.CreateRequest{}, response: keys.WithSecret{},
		example: obj{"label": "nightly backup", "permissions": []string{"read"}, "expiresInDays": 90}},
	"keys-delete": {status: 204},
	"keys-regenerate": {status: 200, request: keys.RegenerateRequest{}, optionalBody: true, response: keys.WithSecret{},
		example: obj{"graceSeconds": 3600}},
	"sessions-list":   {status: 200, response: sessionsapi.Listing{}},
	"sessions-delete": {status: 204},
	"posts-list": {status: 200, response: posts.List{}, query: []obj{limitParam, cursorParam,
		{"name": "author", "in": "query", "schema": obj{"type": "string", "enum": []string{"me"}}, "description": "only the caller's own posts"},
		{"name": "status", "in": "query", "schema": obj{"type": "string", "enum": []string{"draft", "published"}}, "description": "only posts in this state"}}},
	"posts-create": {status: 201, request: posts.NewPost{}, response: posts.Post{},
		example: obj{"title": "Keys for robots", "body": "Give each script its own key."}},
	"posts-get": {status: 200, response: posts.Post{}},
	"posts-update": {status: 200, request: posts.PostEdit{}, response: posts.Post{},
		example: obj{"title": "Keys for robots", "body": "Give each script its own key, with the least permission.", "version": 1}},
	"posts-delete":  {status: 204},
	"posts-publish": {status: 200, response: posts.Post{}},
}

// schemaNames name the components where a Go type's own name would say
// too little.
var schemaNames = map[reflect.Type]string{
	reflect.TypeOf(posts.List{}):             "PostPage",
	reflect.TypeOf(posts.PublicPage{}):       "PublicPostPage",
	reflect.TypeOf(posts.Summary{}):          "PostSummary",
	reflect.TypeOf(posts.PublicSummary{}):    "PublicPostSummary",
	reflect.TypeOf(keys.Listing{}):           "KeyListing",
	reflect.TypeOf(keys.WithSecret{}):        "KeyWithSecret",
	reflect.TypeOf(keys.CreateRequest{}):     "NewKey",
	reflect.TypeOf(keys.RegenerateRequest{}): "Regenerate",
	reflect.TypeOf(sessionsapi.Listing{}):    "SessionListing",
	reflect.TypeOf(me.Answer{}):              "Me",
	reflect.TypeOf(session.LogoutAnswer{}):   "SignedOut",
	reflect.TypeOf(httpx.ErrorBody{}):        "Error",
}

// errorStatuses are the error answers any route may give (docs/API.md):
// from the route's own checks, the authorizer, API Gateway and the front
// door.
var errorStatuses = map[int]string{
	400: "a malformed request", 401: "no valid credential", 403: "not allowed", 404: "no such route or resource",
	409: "a stale version", 413: "a body over the limit", 414: "a path too long for API Gateway's method ARN", 415: "a body that is not JSON",
	421: "another host than the domain", 429: "throttled; see Retry-After", 431: "a request line and headers over 10,240 bytes", 500: "internal error",
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
		o, ok := operations[r.Function]
		if !ok {
			panic("openapi: no operation for " + r.Function)
		}
		op := obj{
			"operationId": r.Function,
			"summary":     r.Summary,
			"security":    security(r.Need),
			"responses":   responses(s, o, errSchema),
		}
		params := append(pathParams(r.Path), o.query...)
		if len(params) > 0 {
			op["parameters"] = params
		}
		if o.request != nil {
			media := obj{"schema": s.of(reflect.TypeOf(o.request))}
			if o.example != nil {
				media["example"] = o.example
			}
			op["requestBody"] = obj{"required": !o.optionalBody, "content": obj{"application/json": media}}
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

func responses(s *schemas, o operation, errSchema obj) obj {
	out := obj{}
	success := obj{"description": http.StatusText(o.status)}
	switch {
	case o.freeForm:
		success["content"] = obj{"application/json": obj{"schema": obj{"type": "object"}}}
	case o.response != nil:
		success["content"] = obj{"application/json": obj{"schema": s.of(reflect.TypeOf(o.response))}}
	case o.status == 302 || o.status == 303:
		success["headers"] = obj{"Location": obj{"schema": obj{"type": "string"}, "required": true}}
	}
	out[strconv.Itoa(o.status)] = success
	for status, what := range errorStatuses {
		content := obj{"application/json": obj{"schema": errSchema,
			"example": obj{"error": errorCodes[status], "message": what}}}
		if o.pages {
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
