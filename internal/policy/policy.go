// Package policy decides what a principal may do to a post, by the Cedar
// policies in policies/*.cedar (embedded in the binary). It turns a
// principal and a loaded post into Cedar entities, evaluates, and answers
// allow or deny with the ids of the policies that decided. Handlers ask it
// after loading a post; there is no policy logic anywhere else.
package policy

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"github.com/latchkey/latchkey/internal/store"
)

//go:embed policies/*.cedar policies/*.cedarschema
var embedded embed.FS

// Action is something a principal does to a post.
type Action string

// The actions.
const (
	Read    Action = "read"
	Create  Action = "create"
	Update  Action = "update"
	Delete  Action = "delete"
	Publish Action = "publish"
)

// Actions lists every action.
var Actions = []Action{Read, Create, Update, Delete, Publish}

// Principal is who acts: a user with roles, or anonymous (UserID empty).
type Principal struct {
	UserID string
	Roles  []string
}

// Anonymous is the principal of a request without a credential.
var Anonymous = Principal{}

// Decision is the outcome and its reasons.
type Decision struct {
	Allowed bool
	// Policies are the ids of the policies that decided: the permits that
	// allowed, or the forbids that denied (empty when nothing permitted).
	Policies []string
	// Errors are policies that failed to evaluate; Cedar skips them, so an
	// error can only ever deny.
	Errors []string
}

// Engine evaluates one policy set. It is safe for concurrent use.
type Engine struct {
	set *cedar.PolicySet
}

// New returns the engine over the embedded policies.
func New() (*Engine, error) {
	sub, err := fs.Sub(embedded, "policies")
	if err != nil {
		return nil, err
	}
	return Load(sub)
}

// Load returns an engine over every *.cedar file in fsys. Each policy must
// carry a unique @id annotation.
func Load(fsys fs.FS) (*Engine, error) {
	files, err := fs.Glob(fsys, "*.cedar")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("policy: no .cedar files")
	}
	set := cedar.NewPolicySet()
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		list, err := cedar.NewPolicyListFromBytes(path.Base(f), src)
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", f, err)
		}
		for i, p := range list {
			id, ok := p.Annotations()["id"]
			if !ok || id == "" {
				return nil, fmt.Errorf("policy %s: policy #%d has no @id", f, i+1)
			}
			if !set.Add(cedar.PolicyID(id), p) {
				return nil, fmt.Errorf("policy %s: @id %q is used twice", f, id)
			}
		}
	}
	return &Engine{set: set}, nil
}

// Schema returns the embedded Cedar schema's text.
func Schema() ([]byte, error) {
	return embedded.ReadFile("policies/schema.cedarschema")
}

// Entity types and ids.
const (
	typeUser      = types.EntityType("User")
	typeRole      = types.EntityType("Role")
	typeAnonymous = types.EntityType("Anonymous")
	typePost      = types.EntityType("Post")
	typeAction    = types.EntityType("Action")
)

// Entities builds the Cedar request and entities for a decision: the
// principal (a User, member of its Roles, or Anonymous), the post with its
// author and status, and the action.
func Entities(p Principal, a Action, post store.Post) (cedar.Request, types.EntityMap) {
	entities := types.EntityMap{}
	var principal types.EntityUID
	if p.UserID == "" {
		principal = types.NewEntityUID(typeAnonymous, "anonymous")
		entities[principal] = types.Entity{UID: principal}
	} else {
		principal = types.NewEntityUID(typeUser, types.String(p.UserID))
		var roles []types.EntityUID
		for _, r := range p.Roles {
			uid := types.NewEntityUID(typeRole, types.String(r))
			roles = append(roles, uid)
			entities[uid] = types.Entity{UID: uid}
		}
		entities[principal] = types.Entity{UID: principal, Parents: types.NewEntityUIDSet(roles...)}
	}
	author := types.NewEntityUID(typeUser, types.String(post.AuthorID))
	if _, ok := entities[author]; !ok {
		entities[author] = types.Entity{UID: author}
	}
	resource := types.NewEntityUID(typePost, types.String(post.ID))
	entities[resource] = types.Entity{UID: resource, Attributes: types.NewRecord(types.RecordMap{
		"author": author,
		"status": types.String(post.Status),
	})}
	req := cedar.Request{
		Principal: principal,
		Action:    types.NewEntityUID(typeAction, types.String(a)),
		Resource:  resource,
		Context:   types.NewRecord(nil),
	}
	return req, entities
}

// Decide answers whether p may do a to post.
func (e *Engine) Decide(p Principal, a Action, post store.Post) Decision {
	req, entities := Entities(p, a, post)
	dec, diag := cedar.Authorize(e.set, entities, req)
	d := Decision{Allowed: dec == cedar.Allow}
	for _, r := range diag.Reasons {
		d.Policies = append(d.Policies, string(r.PolicyID))
	}
	for _, er := range diag.Errors {
		d.Errors = append(d.Errors, string(er.PolicyID)+": "+er.Message)
	}
	sort.Strings(d.Policies)
	return d
}

// Policies returns the ids of the engine's policies, sorted.
func (e *Engine) Policies() []string {
	var ids []string
	for id := range e.set.All() {
		ids = append(ids, string(id))
	}
	slices.Sort(ids)
	return ids
}

// Source returns the Cedar text of one policy, for the explainer.
func (e *Engine) Source(id string) string {
	p := e.set.Get(cedar.PolicyID(id))
	if p == nil {
		return ""
	}
	return strings.TrimSpace(string(p.MarshalCedar()))
}

var (
	defaultOnce   sync.Once
	defaultEngine *Engine
	defaultErr    error
)

// Default returns the engine over the embedded policies, parsed once per
// process.
func Default() (*Engine, error) {
	defaultOnce.Do(func() { defaultEngine, defaultErr = New() })
	return defaultEngine, defaultErr
}
