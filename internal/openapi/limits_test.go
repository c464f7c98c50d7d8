package openapi

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/posts"
	"github.com/latchkey/latchkey/internal/principal"
	"github.com/latchkey/latchkey/internal/store"
)

// schemaTags are the `schema` tags of the body types, by type.field, as
// the Go constants that the handlers enforce spell them. A tag must be a
// literal, so a constant changed without its tag would document a limit
// the API no longer keeps; TestSchemaTagsAreTheConstants holds them equal.
// Bounds that are no constant (a required text's minLength=1, a version's
// minimum=1) and GitHub's own feedback labels are written as they are.
var schemaTags = map[string]string{
	"keys.CreateRequest.Label": fmt.Sprintf("minLength=1,maxLength=%d", keys.MaxLabel),
	"keys.CreateRequest.Permissions": fmt.Sprintf("enum=%s|%s,minItems=1,maxItems=2,uniqueItems",
		principal.Read, principal.Write),
	"keys.CreateRequest.ExpiresInDays":    fmt.Sprintf("minimum=1,maximum=%d", keys.MaxExpiresInDays),
	"keys.CreateRequest.AllowedCIDRs":     fmt.Sprintf("maxItems=%d,maxLength=%d", keys.MaxAllowedCIDRs, keys.MaxCIDRLength),
	"keys.UpdateRequest.Label":            fmt.Sprintf("minLength=1,maxLength=%d", keys.MaxLabel),
	"keys.UpdateRequest.AllowedCIDRs":     fmt.Sprintf("maxItems=%d,maxLength=%d", keys.MaxAllowedCIDRs, keys.MaxCIDRLength),
	"keys.RegenerateRequest.GraceSeconds": fmt.Sprintf("minimum=0,maximum=%d", keys.MaxGraceSeconds),
	"posts.NewPost.Title":                 fmt.Sprintf("minLength=1,maxLength=%d", posts.MaxTitle),
	"posts.NewPost.Body":                  fmt.Sprintf("maxLength=%d", posts.MaxBody),
	"posts.PostEdit.Title":                fmt.Sprintf("minLength=1,maxLength=%d", posts.MaxTitle),
	"posts.PostEdit.Body":                 fmt.Sprintf("maxLength=%d", posts.MaxBody),
	"posts.PostEdit.Version":              "minimum=1",
	"posts.PublicSummary.Excerpt":         fmt.Sprintf("maxLength=%d", store.ExcerptLength),
	"securitylog.SecurityEvent.Kind":      "enum=" + strings.Join(store.EventKinds, "|"),
	"secretscan.FeedbackItem.Label":       "enum=true_positive|false_positive",
}

// TestSchemaTagsAreTheConstants: every `schema` tag of a type the OpenAPI
// document describes (the route table's bodies and every type they hold)
// is in schemaTags, as the constants spell it, and every entry of
// schemaTags is a tag the document uses.
func TestSchemaTagsAreTheConstants(t *testing.T) {
	seen := map[string]bool{}
	done := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice || ty.Kind() == reflect.Map {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || done[ty] {
			return
		}
		done[ty] = true
		for i := range ty.NumField() {
			f := ty.Field(i)
			walk(f.Type)
			tag, ok := f.Tag.Lookup("schema")
			if !ok {
				continue
			}
			name := ty.String() + "." + f.Name
			seen[name] = true
			want, listed := schemaTags[name]
			switch {
			case !listed:
				t.Errorf("%s has schema tag %q that schemaTags does not hold to a constant; add it", name, tag)
			case tag != want:
				t.Errorf("%s schema tag = %q; the constants say %q", name, tag, want)
			}
		}
	}
	for _, ty := range bodyTypes {
		walk(ty)
	}
	for name := range schemaTags {
		if !seen[name] {
			t.Errorf("schemaTags holds %s, which no type of the document has", name)
		}
	}
}
