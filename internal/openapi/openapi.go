// Package openapi serves GET /api/public/openapi.json: the OpenAPI 3.1
// document of the route table, derived from it so that it cannot drift.
package openapi

import (
	"context"
	"strings"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/session"
)

type obj = map[string]any

// Document returns the OpenAPI document of the table for the public URL.
func Document(table []routes.Route, publicURL string) obj {
	paths := obj{}
	for _, r := range table {
		if r.Greedy() {
			continue // the not-found catch-alls are not operations
		}
		op := obj{
			"operationId": r.Function,
			"summary":     r.Summary,
			"security":    security(r.Need),
			"responses":   responses(r),
		}
		if params := pathParams(r.Path); len(params) > 0 {
			op["parameters"] = params
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
			"description": "Sign-on, API keys and policies for a REST API. Errors answer {\"error\": CODE, \"message\": TEXT}.",
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
			"schemas": obj{
				"Error": obj{"type": "object", "required": []string{"error", "message"},
					"properties": obj{"error": obj{"type": "string"}, "message": obj{"type": "string"}}},
			},
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

func responses(r routes.Route) obj {
	errRef := obj{"description": "error", "content": obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/Error"}}}}
	out := obj{"default": errRef}
	switch {
	case r.Method == "DELETE" || r.Function == "auth-logout-all":
		out["204"] = obj{"description": "done"}
	case r.Function == "auth-login":
		out["302"] = obj{"description": "to the identity provider"}
	case r.Function == "auth-callback":
		out["303"] = obj{"description": "signed in; to return_to"}
	case r.Method == "POST" && (r.Path == "/api/posts" || r.Path == "/api/keys"):
		out["201"] = obj{"description": "created", "content": obj{"application/json": obj{}}}
	default:
		out["200"] = obj{"description": "OK", "content": obj{"application/json": obj{}}}
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
func Build(d app.Deps) httpx.Handler {
	doc := httpx.JSON(200, Document(routes.Table, d.Config.PublicURL))
	return func(context.Context, httpx.Request) (httpx.Response, error) { return doc, nil }
}
