package posts

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/metrics"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/seclog"
	"github.com/latchkey/latchkey/internal/store"
)

// Input limits (docs/API.md).
const (
	MaxTitle = 200       // characters
	MaxBody  = 100 << 10 // bytes: 100 KB
	// requestLimit bounds the request before it is decoded. A client's
	// JSON encoder may escape any character as six bytes (Go's writes
	// `<`, `>` and `&` as \u003c…, Python's every non-ASCII one as \uXXXX),
	// so a full body may take six times MaxBody; the rest is room for the
	// title (200 characters, up to 12 bytes each escaped) and the field
	// names. MaxTitle and MaxBody are checked on the decoded text.
	requestLimit = 6*MaxBody + 8<<10
)

// MaxPostsPerUser is how many posts, drafts and published ones together,
// one user may have. Without it anyone who can sign in, or any key with
// write, could create posts without end, each up to MaxBody: the table would
// grow without bound and an editor's review queue (GET /api/posts lists
// every user's drafts) would drown. A thousand is generous for a blog (a
// post a day for nearly three years) and bounds one user's bodies to about
// 100 MB. The count and the create are two calls, and the count reads the
// author index, which DynamoDB updates a moment after a write, so a burst of
// creates may pass it by a few; it is a limit on abuse, not an invariant (as
// keys.MaxKeysPerUser).
const MaxPostsPerUser = 1000

// API serves /api/posts: loading a post, asking the policy, then acting.
// It holds no rule of its own about who may do what.
type API struct {
	Posts  store.PostStore
	Users  store.UserStore
	Policy *policy.Engine
	// Config says which roles are still granted (see roles).
	Config config.Config
	Now    func() time.Time
	Rand   io.Reader
	// Events records, in a post author's security log, the policy's
	// refusals of an action on their post.
	Events seclog.Recorder
}

func newAPI(d deps.Deps) (API, error) {
	e, err := policy.Default()
	if err != nil {
		return API{}, err
	}
	return API{Posts: d.Stores.Posts, Users: d.Stores.Users, Policy: e, Config: d.Config, Now: d.Now, Rand: d.Rand, Events: seclog.For(d)}, nil
}

func build(d deps.Deps, h func(API) httpx.Handler) (httpx.Handler, error) {
	a, err := newAPI(d)
	if err != nil {
		return nil, err
	}
	return h(a), nil
}

// List builds the handler of GET /api/posts.
func List(d deps.Deps) (httpx.Handler, error) {
	return build(d, func(a API) httpx.Handler { return a.List })
}

// Create builds the handler of POST /api/posts.
func Create(d deps.Deps) (httpx.Handler, error) {
	return build(d, func(a API) httpx.Handler { return a.Create })
}

// Get builds the handler of GET /api/posts/{id}.
func Get(d deps.Deps) (httpx.Handler, error) {
	return build(d, func(a API) httpx.Handler { return a.Get })
}

// Update builds the handler of PUT /api/posts/{id}.
func Update(d deps.Deps) (httpx.Handler, error) {
	return build(d, func(a API) httpx.Handler { return a.Update })
}

// Delete builds the handler of DELETE /api/posts/{id}.
func Delete(d deps.Deps) (httpx.Handler, error) {
	return build(d, func(a API) httpx.Handler { return a.Delete })
}

// Publish builds the handler of POST /api/posts/{id}/publish.
func Publish(d deps.Deps) (httpx.Handler, error) {
	return build(d, func(a API) httpx.Handler { return a.Publish })
}

// principal is the caller as the policy sees it: the authorizer's user, with
// the roles of the user record. The credential's own permission for the
// method is checked again here, behind the authorizer.
func (a API) principal(ctx context.Context, req httpx.Request) (policy.Principal, error) {
	p, err := principal.From(req)
	if err != nil {
		return policy.Principal{}, httpx.Errorf(401, httpx.CodeUnauthorized, "a valid API key or session is required")
	}
	if !p.Can(principal.Permission(req.HTTPMethod)) {
		return policy.Principal{}, httpx.Errorf(403, httpx.CodeForbidden, "this credential lacks the %s permission", principal.Permission(req.HTTPMethod))
	}
	u, err := a.Users.Get(ctx, p.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return policy.Principal{}, httpx.Errorf(401, httpx.CodeUnauthorized, "a valid API key or session is required")
	}
	if err != nil {
		return policy.Principal{}, err
	}
	return policy.Principal{UserID: u.ID, Roles: a.roles(u)}, nil
}

// roles are the user's roles as the configuration grants them now, each
// re-checked against where it came from (config.RolesOf): an API key never
// signs in again, so a role must not outlive its source.
func (a API) roles(u store.User) []string {
	return a.Config.RolesOf(u.Email, u.Roles, u.RoleGrants)
}

// load returns the post the caller may at least read; anything else is 404,
// so that a draft's existence does not leak. A refused read is recorded in
// the author's security log as a refusal of attempted, the action the
// request asked for.
func (a API) load(ctx context.Context, who policy.Principal, req httpx.Request, attempted policy.Action) (store.Post, error) {
	p, err := getPost(ctx, a.Posts, req)
	if err != nil {
		return store.Post{}, err
	}
	if !a.allowed(ctx, who, policy.Read, p) {
		a.refused(ctx, who, attempted, p)
		return store.Post{}, httpx.NotFound("post")
	}
	return p, nil
}

// RefusalWindow is how often, at most, a refusal reaches an author's
// security log: one event per action and kind of actor (the author, or
// another user) in each UTC day, naming the first post refused.
const RefusalWindow = 24 * time.Hour

// refused records, in the post author's security log, that the policy
// refused who the action on the post: which action, which post, and whether
// it was the author or another user (never who: the log is the author's,
// and another user's id or address is not theirs to read). Only the
// routes that need a credential record refusals; the public routes, which
// anyone may call, do not.
//
// The event's id is derived from the author, the action, the kind of actor
// and the RefusalWindow, so that a refusal of the same action within the
// window adds nothing, on whichever of the author's posts: anyone who can
// sign in can be refused as often as they like, on every published post,
// but adds at most eight events a day to the author's log (four actions,
// two kinds of actor), and cannot push their sign-ins and key changes out
// of sight. The function log and the PolicyDenials metric keep every
// refusal. The id holds nothing of who was refused (their id could be
// tried against it).
func (a API) refused(ctx context.Context, who policy.Principal, act policy.Action, p store.Post) {
	actor := "other"
	if who.UserID == p.AuthorID {
		actor = "author"
	}
	window := a.Now().UTC().Truncate(RefusalWindow).Format(time.RFC3339)
	id := store.DerivedID("evt", store.EventPolicyDenied, p.AuthorID, string(act), actor, window)
	a.Events.RecordOnce(ctx, id, p.AuthorID, store.EventPolicyDenied, map[string]string{
		"action": string(act), "postId": p.ID, "title": p.Title, "actor": actor,
	})
}

// allowed asks the policy and logs the decision with the policies that
// made it. Each call is a request's check, so a refusal's line also counts
// it in the PolicyDenials metric, by the action refused (metricAction;
// docs/METRICS.md): a refused read of a post the request meant to change
// counts as the read the policy refused.
func (a API) allowed(ctx context.Context, who policy.Principal, act policy.Action, p store.Post) bool {
	d := a.Policy.Decide(who, act, p)
	attrs := []slog.Attr{slog.String("action", string(act)), slog.String("postId", p.ID), slog.String("userId", who.UserID),
		slog.Bool("allowed", d.Allowed), slog.Any("policies", d.Policies), slog.Any("errors", d.Errors)}
	if !d.Allowed {
		attrs = metrics.AppendPolicyDenial(attrs, time.Now(), a.Config.Deployment, a.Config.Env, metricAction(act))
	}
	httpx.Logger(ctx).LogAttrs(ctx, slog.LevelInfo, "policy decision", attrs...)
	return d.Allowed
}

// metricAction names a Cedar action as the PolicyDenials metric's Action
// dimension: "posts:" and the action, one of policy.Actions.
func metricAction(act policy.Action) string { return "posts:" + string(act) }

// MetricActions lists every value of the PolicyDenials metric's Action
// dimension, one per action of the policies.
func MetricActions() []string {
	out := make([]string, 0, len(policy.Actions))
	for _, a := range policy.Actions {
		out = append(out, metricAction(a))
	}
	return out
}

// loadFor loads the post of the request for an action by the caller: 404
// if the caller may not read it, 403 if they may read it but not do act.
func (a API) loadFor(ctx context.Context, req httpx.Request, act policy.Action) (store.Post, error) {
	who, err := a.principal(ctx, req)
	if err != nil {
		return store.Post{}, err
	}
	p, err := a.load(ctx, who, req, act)
	if err != nil {
		return store.Post{}, err
	}
	if act != policy.Read && !a.allowed(ctx, who, act, p) {
		a.refused(ctx, who, act, p)
		return store.Post{}, forbidden(act)
	}
	return p, nil
}

func forbidden(act policy.Action) error {
	return httpx.Errorf(403, httpx.CodeForbidden, "you may not %s this post", act)
}

// NewPost is the body of POST /api/posts. The schema tags describe its
// limits in the OpenAPI document (MaxTitle, MaxBody: internal/openapi's
// TestSchemaTagsAreTheConstants holds them equal); check enforces them.
type NewPost struct {
	Title *string `json:"title" schema:"minLength=1,maxLength=200"`
	Body  *string `json:"body" schema:"maxLength=102400"`
}

// PostEdit is the body of PUT /api/posts/{id}: the new title and body, and
// the version they were written from.
type PostEdit struct {
	Title   *string `json:"title" schema:"minLength=1,maxLength=200"`
	Body    *string `json:"body" schema:"maxLength=102400"`
	Version *int    `json:"version" schema:"minimum=1"`
}

// content is the body of a create or an update, as check sees it.
type content struct {
	Title   *string `json:"title"`
	Body    *string `json:"body"`
	Version *int    `json:"version,omitempty"`
}

func (c content) check(needVersion bool) error {
	switch {
	case c.Title == nil || c.Body == nil:
		return httpx.BadRequest("title and body are required")
	case utf8.RuneCountInString(*c.Title) < 1 || utf8.RuneCountInString(*c.Title) > MaxTitle:
		return httpx.BadRequest("title must be 1 to %d characters", MaxTitle)
	case !utf8.ValidString(*c.Title) || !utf8.ValidString(*c.Body):
		return httpx.BadRequest("title and body must be UTF-8 text")
	case len(*c.Body) > MaxBody:
		return httpx.Errorf(413, httpx.CodeTooLarge, "body is over %d bytes", MaxBody)
	case needVersion && c.Version == nil:
		return httpx.BadRequest("version is required: send the version you read")
	case !needVersion && c.Version != nil:
		return httpx.BadRequest("version is not allowed here")
	}
	return nil
}
