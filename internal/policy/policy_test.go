package policy

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	xast "github.com/cedar-policy/cedar-go/x/exp/ast"
	"github.com/cedar-policy/cedar-go/x/exp/schema"
	"github.com/cedar-policy/cedar-go/x/exp/schema/validate"

	"github.com/latchkey/latchkey/internal/store"
)

var (
	author = Principal{UserID: "usr_author"}
	editor = Principal{UserID: "usr_editor", Roles: []string{"editor"}}
	reader = Principal{UserID: "usr_reader"}
)

func post(status string) store.Post {
	return store.Post{ID: "post_1", AuthorID: author.UserID, Status: status}
}

// TestDecisions is the whole rule table: who × action × post state.
func TestDecisions(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	const D, P = store.StatusDraft, store.StatusPublished
	tests := []struct {
		who    string
		p      Principal
		action Action
		status string
		want   bool
	}{
		{"author", author, Read, D, true}, {"author", author, Read, P, true},
		{"author", author, Update, D, true}, {"author", author, Update, P, true},
		{"author", author, Delete, D, true}, {"author", author, Delete, P, true},
		{"author", author, Publish, D, false}, {"author", author, Create, D, true},

		{"editor", editor, Read, D, true}, {"editor", editor, Read, P, true},
		{"editor", editor, Update, D, true}, {"editor", editor, Update, P, true},
		{"editor", editor, Publish, D, true}, {"editor", editor, Delete, D, false},
		{"editor", editor, Delete, P, false},

		{"reader", reader, Read, D, false}, {"reader", reader, Read, P, true},
		{"reader", reader, Update, P, false}, {"reader", reader, Delete, P, false},
		{"reader", reader, Publish, D, false},

		{"anonymous", Anonymous, Read, P, true}, {"anonymous", Anonymous, Read, D, false},
		{"anonymous", Anonymous, Update, P, false}, {"anonymous", Anonymous, Create, D, false},
		{"anonymous", Anonymous, Delete, P, false}, {"anonymous", Anonymous, Publish, D, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s %s %s", tc.who, tc.action, tc.status), func(t *testing.T) {
			d := e.Decide(tc.p, tc.action, post(tc.status))
			if d.Allowed != tc.want || len(d.Errors) > 0 {
				t.Fatalf("Decide(%s, %s, %s) = %+v; want allowed = %v", tc.who, tc.action, tc.status, d, tc.want)
			}
			if d.Allowed && len(d.Policies) == 0 {
				t.Fatalf("an allow names no policy: %+v", d)
			}
		})
	}
}

func TestCreateOnlyAsTheAuthor(t *testing.T) {
	e, _ := New()
	someoneElses := store.Post{ID: "post_1", AuthorID: "usr_other", Status: store.StatusDraft}
	if d := e.Decide(reader, Create, someoneElses); d.Allowed {
		t.Fatalf("creating a post in another user's name was allowed by %v", d.Policies)
	}
}

func TestAnEditorWhoWroteAPostMayDeleteIt(t *testing.T) {
	e, _ := New()
	own := store.Post{ID: "post_1", AuthorID: editor.UserID, Status: store.StatusPublished}
	if d := e.Decide(editor, Delete, own); !d.Allowed {
		t.Fatalf("an editor deleting their own post was denied: %+v", d)
	}
}

func TestDecisionsNameTheirPolicies(t *testing.T) {
	e, _ := New()
	d := e.Decide(editor, Delete, post(store.StatusDraft))
	if d.Allowed || !slices.Equal(d.Policies, []string{"editors-never-delete-others-posts"}) {
		t.Fatalf("editor delete = %+v; want denied by editors-never-delete-others-posts", d)
	}
	d = e.Decide(Anonymous, Read, post(store.StatusPublished))
	if !d.Allowed || !slices.Equal(d.Policies, []string{"published-posts-are-public"}) {
		t.Fatalf("anonymous read = %+v; want allowed by published-posts-are-public", d)
	}
}

// TestPoliciesValidateAgainstTheSchema type-checks every policy, entity and
// request against policies/schema.cedarschema with cedar-go's validator, so
// a misspelt attribute or action fails here instead of denying silently.
func TestPoliciesValidateAgainstTheSchema(t *testing.T) {
	src, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s schema.Schema
	if err := s.UnmarshalCedar(src); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	v := validate.New(rs)
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for id, p := range e.set.All() {
		if err := v.Policy(string(id), (*xast.Policy)(p.AST())); err != nil {
			t.Errorf("policy %s does not validate: %v", id, err)
		}
	}
	for _, p := range []Principal{author, editor, reader, Anonymous} {
		for _, a := range Actions {
			for _, st := range []string{store.StatusDraft, store.StatusPublished} {
				req, entities := Entities(p, a, post(st))
				if err := v.Request(req); err != nil {
					t.Errorf("request %v %s: %v", p, a, err)
				}
				if err := v.Entities(entities); err != nil {
					t.Errorf("entities for %v %s: %v", p, a, err)
				}
				if d := e.Decide(p, a, post(st)); len(d.Errors) > 0 {
					t.Errorf("evaluation errors for %v %s %s: %v", p, a, st, d.Errors)
				}
			}
		}
	}
}

func TestAMisspeltAttributeFailsValidation(t *testing.T) {
	src, _ := Schema()
	var s schema.Schema
	_ = s.UnmarshalCedar(src)
	rs, _ := s.Resolve()
	dir := t.TempDir()
	bad := `@id("typo") permit (principal, action == Action::"read", resource is Post) when { resource.stauts == "published" };`
	if err := os.WriteFile(dir+"/bad.cedar", []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	p := e.set.Get("typo")
	if err := validate.New(rs).Policy("typo", (*xast.Policy)(p.AST())); err == nil {
		t.Fatal("a policy reading resource.stauts validated; want a schema error")
	}
}

// TestChangingAPolicyFileChangesBehaviour: the same Go code over another
// policy set (testdata/editors-may-delete) decides differently.
func TestChangingAPolicyFileChangesBehaviour(t *testing.T) {
	def, _ := New()
	alt, err := Load(os.DirFS("testdata/editors-may-delete"))
	if err != nil {
		t.Fatal(err)
	}
	p := post(store.StatusPublished)
	if def.Decide(editor, Delete, p).Allowed {
		t.Fatal("the default policies let an editor delete")
	}
	if d := alt.Decide(editor, Delete, p); !d.Allowed || !slices.Contains(d.Policies, "editors-may-delete-any-post") {
		t.Fatalf("the alternate policies: %+v; want the editor allowed by editors-may-delete-any-post", d)
	}
}

func TestLoadRefusesPoliciesWithoutIDs(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(dir+"/p.cedar", []byte(`permit (principal, action, resource);`), 0o644)
	if _, err := Load(os.DirFS(dir)); err == nil {
		t.Fatal("Load accepted a policy without @id")
	}
}

func TestExplainNamesThePolicyAndShowsIt(t *testing.T) {
	e, _ := New()
	var out strings.Builder
	d := e.Explain(&out, editor, Delete, post(store.StatusPublished))
	if d.Allowed || !strings.Contains(out.String(), "DENY") || !strings.Contains(out.String(), "editors-never-delete-others-posts") ||
		!strings.Contains(out.String(), "forbid (") {
		t.Fatalf("Explain =\n%s", out.String())
	}
	out.Reset()
	e.Explain(&out, reader, Read, post(store.StatusDraft))
	if !strings.Contains(out.String(), "no policy permits it") {
		t.Fatalf("Explain (default deny) =\n%s", out.String())
	}
}
