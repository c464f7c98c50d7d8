// Package routes is Latchkey's one route table: every route of docs/API.md,
// the function that serves it, what credential it needs and which tables it
// may touch. The local gateway, the authorizer, the infrastructure (API
// resources, functions, IAM grants) and the fixture tests are all derived
// from it.
package routes

import (
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/internal/store"
)

// Need is what a route asks of the caller.
type Need string

// The needs. A session carries all of its user's permissions; an API key
// carries the permissions it was created with, and never satisfies
// NeedSession.
const (
	// NeedPublic: no credential; the authorizer does not run.
	NeedPublic Need = "public"
	// NeedSession: a browser session (key management: a key cannot manage keys).
	NeedSession Need = "session"
	// NeedRead: a session, or an API key with the read permission.
	NeedRead Need = "read"
	// NeedWrite: a session, or an API key with the write permission.
	NeedWrite Need = "write"
	// NeedCredential: any valid session or API key. Only the catch-all
	// not-found route has it, so that an unknown path answers 401 to a
	// caller without a credential and 404 only to one with a credential:
	// which routes exist is not told to strangers.
	NeedCredential Need = "credential"
)

// AnyMethod is the method of a route that serves every method (API
// Gateway's ANY).
const AnyMethod = "ANY"

// Access is how a function uses a table; the infrastructure grants exactly
// the DynamoDB actions it implies.
type Access string

// The accesses.
const (
	Read      Access = "read"
	ReadWrite Access = "read-write"
	// Update reads items by key and updates the named attributes of items
	// that exist: no query, no create, no delete, no other attribute. The
	// authorizer needs no more (it looks credentials up and records their
	// last use). DynamoDB's UpdateItem would create a missing item, so the
	// store makes every such write conditional on the item existing, and
	// the IAM grant allows only the TableUse's Attributes (and no
	// returned values): a flaw in the authorizer, or its leaked
	// credentials, cannot mint a key or a session, or change a key's hash.
	Update Access = "update"
	// Write adds new items and does nothing else: PutItem alone, no read,
	// no query, no update, no delete. The security log is written so
	// (internal/seclog): a function that records an event can neither read
	// a user's log nor change or remove what is in it.
	Write Access = "write"
)

// TableUse is one table a function touches and how.
type TableUse struct {
	Table  store.TableName
	Access Access
	// Attributes are, for Update, the only attributes it may write.
	Attributes []string
}

// Route is one method and path of the API.
type Route struct {
	Method string
	// Path is API Gateway's resource path: literal segments and {name}
	// parameters, each standing for exactly one segment; a last segment
	// {name+} (greedy) stands for one or more.
	Path string
	// Function names the Lambda function and its folder functions/<Function>.
	Function string
	Need     Need
	Tables   []TableUse
	// SignIn says the function signs people in: it talks to the identity
	// provider and seals the login cookie, so it alone is given the client
	// secret and the login cookie's key. Signing out is not signing in.
	SignIn bool
	// Summary is one line for the OpenAPI document and the docs.
	Summary string
	// Handler is the constructor of the function's handler, as
	// package.Name of a package under internal/ ("posts.Get"). `make
	// generate` writes functions/<Function>/main.go and the local registry
	// from it, and a test holds that they are current.
	Handler string
	// Status is the success status.
	Status int
	// Request and Response name the Go types of the request body and of
	// the success body as package.Type ("" for none); the OpenAPI
	// document's schemas are made from them.
	Request, Response string
	// OptionalBody says the request body may be left out.
	OptionalBody bool
	// Example is a request body as a caller would send it.
	Example any
	// FreeForm says the success body is a JSON object of no fixed shape.
	FreeForm bool
	// Query are the query parameters it reads, as OpenAPI parameter
	// objects.
	Query []Param
	// Pages says a failure a browser navigated to is an HTML page
	// (sign-in), not the JSON error.
	Pages bool
}

// Param is an OpenAPI parameter object.
type Param = map[string]any

// The paging parameters of a listing: its limits are the store's.
var (
	LimitParam  = limitParam("posts per page")
	CursorParam = Param{"name": "cursor", "in": "query", "schema": map[string]any{"type": "string", "maxLength": store.MaxCursorLen},
		"description": "the next of the previous page"}
)

// limitParam is the ?limit= of a listing of what the description names.
func limitParam(description string) Param {
	return Param{"name": "limit", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": store.MaxLimit, "default": store.DefaultLimit},
		"description": description}
}

// AuthorizerFunction is the folder and function name of the authorizer.
const AuthorizerFunction = "authorizer"

// AuthorizerTables are the tables the authorizer reads to verify a
// credential (and writes to record last use: a key's also its requests per
// day and recent addresses), and the security log, where it tells a key's
// owner of a new address.
var AuthorizerTables = []TableUse{
	{store.KeysTable, Update, []string{"lastUsedAt", "usage", "addresses"}},
	{store.SessionsTable, Update, []string{"lastSeenAt", "ttl"}},
	{store.SecurityLogTable, Write, nil},
}

// Table is every route of the API: everything the functions, the local
// gateway, the authorizer, the OpenAPI document and the infrastructure know
// of a route comes from here.
var Table = []Route{
	{
		Method: "GET", Path: "/api/public/posts", Function: "public-posts-list", Need: NeedPublic,
		Handler: "posts.PublicList", Status: 200, Response: "posts.PublicPage", Query: []Param{LimitParam, CursorParam},
		Tables:  []TableUse{{Table: store.PostsTable, Access: Read}},
		Summary: "List published posts, newest first, with cursor pagination.",
	},
	{
		Method: "GET", Path: "/api/public/posts/{id}", Function: "public-posts-get", Need: NeedPublic,
		Handler: "posts.PublicGet", Status: 200, Response: "posts.PublicPost",
		Tables:  []TableUse{{Table: store.PostsTable, Access: Read}},
		Summary: "Get one published post.",
	},
	// Key management needs a browser session: a key can never create,
	// list, rotate or delete keys, so a leaked key cannot entrench itself.
	{
		Method: "GET", Path: "/api/keys", Function: "keys-list", Need: NeedSession,
		Handler: "keys.List", Status: 200, Response: "keys.Listing",
		Tables:  []TableUse{{Table: store.KeysTable, Access: Read}},
		Summary: "List the caller's API keys (hints only, never secrets).",
	},
	{
		Method: "POST", Path: "/api/keys", Function: "keys-create", Need: NeedSession,
		Handler: "keys.Create", Status: 201, Request: "keys.CreateRequest", Response: "keys.WithSecret",
		Example: map[string]any{"label": "nightly backup", "permissions": []string{"read"}, "expiresInDays": 90},
		Tables:  []TableUse{{Table: store.KeysTable, Access: ReadWrite}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "Create an API key; the answer shows its secret, once.",
	},
	{
		Method: "DELETE", Path: "/api/keys/{id}", Function: "keys-delete", Need: NeedSession,
		Handler: "keys.Delete", Status: 204,
		Tables:  []TableUse{{Table: store.KeysTable, Access: ReadWrite}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "Delete one of the caller's API keys; it stops working within the authorizer's cache TTL.",
	},
	{
		Method: "POST", Path: "/api/keys/{id}/regenerate", Function: "keys-regenerate", Need: NeedSession,
		Handler: "keys.Regenerate", Status: 200, Request: "keys.RegenerateRequest", OptionalBody: true, Response: "keys.WithSecret",
		Example: map[string]any{"graceSeconds": 3600},
		Tables:  []TableUse{{Table: store.KeysTable, Access: ReadWrite}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "Replace a key's secret, the old one working for an optional grace period.",
	},
	{
		Method: "PATCH", Path: "/api/keys/{id}", Function: "keys-update", Need: NeedSession,
		Handler: "keys.Update", Status: 200, Request: "keys.UpdateRequest", Response: "keys.Key",
		Example: map[string]any{"allowedCidrs": []string{"203.0.113.0/24", "2001:db8::/32"}},
		Tables:  []TableUse{{Table: store.KeysTable, Access: ReadWrite}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "Change a key's label or the addresses it may be used from.",
	},
	{
		Method: "GET", Path: "/api/keys/{id}/usage", Function: "keys-usage", Need: NeedSession,
		Handler: "keys.Usage", Status: 200, Response: "keys.KeyUsage",
		Tables:  []TableUse{{Table: store.KeysTable, Access: Read}},
		Summary: "A key's requests per UTC day over the last 30 days.",
	},
	{
		Method: "GET", Path: "/api/me", Function: "me", Need: NeedRead,
		Handler: "me.Build", Status: 200, Response: "me.Answer",
		Tables:  []TableUse{{Table: store.UsersTable, Access: Read}},
		Summary: "Who the caller is and how they authenticated.",
	},
	{
		Method: "GET", Path: "/api/posts", Function: "posts-list", Need: NeedRead,
		Handler: "posts.List", Status: 200, Response: "posts.Page", Query: []Param{LimitParam, CursorParam,
			{"name": "author", "in": "query", "schema": map[string]any{"type": "string", "enum": []string{"me"}}, "description": "only the caller's own posts"},
			{"name": "status", "in": "query", "schema": map[string]any{"type": "string", "enum": []string{"draft", "published"}}, "description": "only posts in this state"}},
		Tables:  []TableUse{{Table: store.PostsTable, Access: Read}, {Table: store.UsersTable, Access: Read}},
		Summary: "List the posts the caller may edit, drafts included.",
	},
	{
		Method: "POST", Path: "/api/posts", Function: "posts-create", Need: NeedWrite,
		Handler: "posts.Create", Status: 201, Request: "posts.NewPost", Response: "posts.Post",
		Example: map[string]any{"title": "Keys for robots", "body": "Give each script its own key."},
		// Read as well as write: the create counts the caller's posts
		// first (posts.MaxPostsPerUser), a Query of the byAuthor index.
		Tables:  []TableUse{{Table: store.PostsTable, Access: ReadWrite}, {Table: store.UsersTable, Access: Read}},
		Summary: "Create a draft; the caller is its author.",
	},
	{
		Method: "GET", Path: "/api/posts/{id}", Function: "posts-get", Need: NeedRead,
		Handler: "posts.Get", Status: 200, Response: "posts.Post",
		Tables:  []TableUse{{Table: store.PostsTable, Access: Read}, {Table: store.UsersTable, Access: Read}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "Get a post the caller may read (a draft the caller may not read is 404).",
	},
	{
		Method: "PUT", Path: "/api/posts/{id}", Function: "posts-update", Need: NeedWrite,
		Handler: "posts.Update", Status: 200, Request: "posts.PostEdit", Response: "posts.Post",
		Example: map[string]any{"title": "Keys for robots", "body": "Give each script its own key, with the least permission.", "version": 1},
		Tables:  []TableUse{{Table: store.PostsTable, Access: ReadWrite}, {Table: store.UsersTable, Access: Read}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "Edit a post (author or editor), with optimistic concurrency on version.",
	},
	{
		Method: "DELETE", Path: "/api/posts/{id}", Function: "posts-delete", Need: NeedWrite,
		Handler: "posts.Delete", Status: 204,
		Tables:  []TableUse{{Table: store.PostsTable, Access: ReadWrite}, {Table: store.UsersTable, Access: Read}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "Delete a post (its author only).",
	},
	{
		Method: "POST", Path: "/api/posts/{id}/publish", Function: "posts-publish", Need: NeedWrite,
		Handler: "posts.Publish", Status: 200, Response: "posts.Post",
		Tables:  []TableUse{{Table: store.PostsTable, Access: ReadWrite}, {Table: store.UsersTable, Access: Read}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "Publish a post (editors only).",
	},
	{
		Method: "GET", Path: "/api/auth/login", Function: "auth-login", Need: NeedPublic, SignIn: true,
		Handler: "login.Start", Status: 302, Pages: true, Query: []Param{
			{"name": "return_to", "in": "query", "schema": map[string]any{"type": "string", "maxLength": 1024}, "description": "a path of this origin to come back to"},
			{"name": "reauth", "in": "query", "schema": map[string]any{"type": "string", "enum": []string{"1"}},
				"description": "ask the provider to have the person sign in again (prompt=login, max_age=0)"}},
		Summary: "Start signing in: a 302 to the identity provider (Authorization Code with PKCE).",
	},
	{
		Method: "GET", Path: "/api/auth/callback", Function: "auth-callback", Need: NeedPublic, SignIn: true,
		Handler: "login.Callback", Status: 303, Pages: true,
		Tables:  []TableUse{{Table: store.UsersTable, Access: ReadWrite}, {Table: store.SessionsTable, Access: ReadWrite}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "Finish signing in: verify the provider's answer, start a session, 303 to return_to.",
	},
	{
		Method: "POST", Path: "/api/auth/logout", Function: "auth-logout", Need: NeedPublic,
		Handler: "signout.Logout", Status: 200, Response: "session.LogoutAnswer",
		Tables:  []TableUse{{Table: store.SessionsTable, Access: ReadWrite}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "Sign out: end this session and clear its cookie.",
	},
	{
		Method: "POST", Path: "/api/auth/logout-all", Function: "auth-logout-all", Need: NeedSession,
		Handler: "signout.LogoutAll", Status: 204, Request: "signout.AllRequest", OptionalBody: true,
		Example: map[string]any{"revokeKeys": true},
		Tables:  []TableUse{{Table: store.SessionsTable, Access: ReadWrite}, {Table: store.KeysTable, Access: ReadWrite}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "Sign out everywhere: end every session of the caller, and with revokeKeys every API key too.",
	},
	{
		Method: "GET", Path: "/api/sessions", Function: "sessions-list", Need: NeedSession,
		Handler: "sessionsapi.List", Status: 200, Response: "sessionsapi.Listing",
		Tables:  []TableUse{{Table: store.SessionsTable, Access: Read}},
		Summary: "List the caller's live sessions, the current one marked.",
	},
	{
		Method: "DELETE", Path: "/api/sessions/{id}", Function: "sessions-delete", Need: NeedSession,
		Handler: "sessionsapi.Delete", Status: 204,
		Tables:  []TableUse{{Table: store.SessionsTable, Access: ReadWrite}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "End one of the caller's sessions.",
	},
	// The security log is read with a session only: a key cannot read
	// where, and from what, its owner signs in.
	{
		Method: "GET", Path: "/api/security-log", Function: "security-log", Need: NeedSession,
		Handler: "securitylog.List", Status: 200, Response: "securitylog.Page", Query: []Param{
			limitParam("events per page"), CursorParam},
		Tables:  []TableUse{{Table: store.SecurityLogTable, Access: Read}},
		Summary: "The caller's security log, newest first, with cursor pagination.",
	},
	{
		Method: "GET", Path: "/api/public/openapi.json", Function: "public-openapi", Need: NeedPublic,
		Handler: "openapi.Build", Status: 200, FreeForm: true,
		Summary: "The OpenAPI 3.1 document of this route table.",
	},
	// GitHub's secret scanning reports keys it found in public; the
	// signature, not a credential, says who sent it (internal/scansig).
	{
		Method: "POST", Path: "/api/public/secret-scanning", Function: "public-secret-scanning", Need: NeedPublic,
		Handler: "secretscan.Report", Status: 200, Request: "secretscan.Matches", Response: "secretscan.Feedback",
		Example: []map[string]any{{"token": "lk_live_…", "type": "latchkey_api_key", "url": "https://github.com/octocat/hello/blob/1a2b3c/.env", "source": "content"}},
		Tables:  []TableUse{{Table: store.KeysTable, Access: ReadWrite}, {Table: store.SecurityLogTable, Access: Write}},
		Summary: "GitHub secret scanning's report of keys found in public (signed by GitHub): each live key reported is revoked.",
	},
	// The catch-alls answer 404 for paths no route has. API Gateway picks
	// the most specific resource, so they only see what nothing else takes.
	//
	// That includes the resources API Gateway makes on the way to a route
	// (/api/auth, /api/public): with no method of their own, a request for
	// them would be API Gateway's own 404, never the catch-all's 401 to a
	// stranger. So each gets the catch-all of the namespace it is in
	// (TestEveryResourceHasAMethod). /api itself never reaches the API:
	// CloudFront sends only /api/* there, and `make dev` mounts /api/.
	{
		Method: AnyMethod, Path: "/api/auth", Function: NotFoundFunction, Need: NeedCredential, Handler: "notfound.Build", Status: 404,
		Summary: "No such route: 401 without a credential, 404 with one.",
	},
	{
		Method: AnyMethod, Path: "/api/public", Function: NotFoundFunction, Need: NeedPublic, Handler: "notfound.Build", Status: 404,
		Summary: "No such public route: 404.",
	},
	{
		Method: AnyMethod, Path: "/api/public/{proxy+}", Function: NotFoundFunction, Need: NeedPublic, Handler: "notfound.Build", Status: 404,
		Summary: "No such public route: 404.",
	},
	{
		Method: AnyMethod, Path: "/api/{proxy+}", Function: NotFoundFunction, Need: NeedCredential, Handler: "notfound.Build", Status: 404,
		Summary: "No such route: 401 without a credential, 404 with one.",
	},
}

// Functions returns the function names of the table, each once, in table
// order.
func Functions() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range Table {
		if !seen[r.Function] {
			seen[r.Function] = true
			out = append(out, r.Function)
		}
	}
	return out
}

// Find returns the route with this method and resource path (as API Gateway
// names it in an event's "resource").
func Find(method, resource string) (Route, bool) { return FindIn(Table, method, resource) }

// FindIn is Find in another table. A method of its own wins over ANY on
// the same resource, as API Gateway chooses.
func FindIn(table []Route, method, resource string) (Route, bool) {
	var catchAll Route
	found := false
	for _, r := range table {
		switch {
		case r.Path != resource:
		case r.Method == method:
			return r, true
		case r.Method == AnyMethod && !found:
			catchAll, found = r, true
		}
	}
	return catchAll, found
}

// NotFoundFunction answers 404 (or 401, by its route's need) for paths no
// other route has.
const NotFoundFunction = "not-found"

// NotFound reports whether the route is one of the not-found routes: the
// catch-alls and the resources on the way to other routes. They are no
// operations of the API.
func (r Route) NotFound() bool { return r.Function == NotFoundFunction }

// Greedy reports whether the route's last segment is a greedy {name+}.
func (r Route) Greedy() bool { return strings.HasSuffix(r.Path, "+}") }

// MatchResult says how a request path matched the table.
type MatchResult int

// The results.
const (
	NoRoute  MatchResult = iota // no route has this path
	NoMethod                    // a route has this path, not with this method
	Matched
)

// Match finds the route for a method and an escaped URL path, and the path
// parameters (unescaped), choosing as API Gateway does: a route without a
// greedy parameter first, otherwise the greedy route with the longest
// literal prefix. A path that a route has, but not with this method, is
// NoMethod (API Gateway does not fall back to a greedy route then).
func Match(method, escapedPath string) (Route, map[string]string, MatchResult) {
	segs := strings.Split(escapedPath, "/")
	result := NoRoute
	var anyRoute *Route
	var anyParams map[string]string
	for i, r := range Table {
		if r.Greedy() {
			continue
		}
		params, ok := matchPath(r.Path, segs)
		switch {
		case !ok:
		case r.Method == method:
			return r, params, Matched
		case r.Method == AnyMethod && anyRoute == nil:
			// A method of its own on the same path wins over ANY.
			anyRoute, anyParams = &Table[i], params
		default:
			result = NoMethod
		}
	}
	if anyRoute != nil {
		return *anyRoute, anyParams, Matched
	}
	if result == NoMethod {
		return Route{}, nil, NoMethod
	}
	best, params := greedyIn(Table, segs, func(r Route) bool { return r.Method == method || r.Method == AnyMethod })
	if best < 0 {
		return Route{}, nil, NoRoute
	}
	return Table[best], params, Matched
}

// CatchAllIn is the catch-all of table that answers path when no route has
// path itself: the not-found route for any method with a greedy parameter
// and the longest literal prefix, as Match falls back to it. A resource
// that is added on the way to a new route takes its need (make route).
func CatchAllIn(table []Route, path string) (Route, bool) {
	best, _ := greedyIn(table, strings.Split(path, "/"), func(r Route) bool { return r.Method == AnyMethod && r.NotFound() })
	if best < 0 {
		return Route{}, false
	}
	return table[best], true
}

// greedyIn is the index in table of the greedy route that takes segs with
// the longest literal prefix among those ok accepts (-1 if none), and its
// parameters.
func greedyIn(table []Route, segs []string, ok func(Route) bool) (int, map[string]string) {
	best, bestLen := -1, -1
	var bestParams map[string]string
	for i, r := range table {
		if !r.Greedy() || !ok(r) {
			continue
		}
		if params, matched := matchPath(r.Path, segs); matched && len(r.Path) > bestLen {
			best, bestLen, bestParams = i, len(r.Path), params
		}
	}
	return best, bestParams
}

// matchPath matches template against the path's segments. A greedy last
// parameter takes the rest of the path (at least one segment), unescaped
// segment by segment, as API Gateway passes it.
func matchPath(template string, segs []string) (map[string]string, bool) {
	tsegs := templateSegments(template)
	greedy := strings.HasSuffix(template, "+}")
	if (!greedy && len(tsegs) != len(segs)) || (greedy && len(segs) < len(tsegs)) {
		return nil, false
	}
	var params map[string]string
	for i, t := range tsegs {
		name, isParam := strings.CutPrefix(t, "{")
		if !isParam {
			if t != segs[i] {
				return nil, false
			}
			continue
		}
		name = strings.TrimSuffix(name, "}")
		var v string
		if plus, ok := strings.CutSuffix(name, "+"); ok && i == len(tsegs)-1 {
			name = plus
			parts := make([]string, 0, len(segs)-i)
			for _, s := range segs[i:] {
				u, err := url.PathUnescape(s)
				if err != nil {
					return nil, false
				}
				parts = append(parts, u)
			}
			v = strings.Join(parts, "/")
		} else {
			u, err := url.PathUnescape(segs[i])
			if err != nil {
				return nil, false
			}
			v = u
		}
		if v == "" {
			return nil, false
		}
		if params == nil {
			params = map[string]string{}
		}
		params[name] = v
	}
	return params, true
}
