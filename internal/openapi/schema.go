package openapi

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// schemas turns Go types into JSON Schema (draft 2020-12, which OpenAPI
// 3.1 uses) and collects the named ones for components/schemas. The rules
// are encoding/json's: exported fields by their json names, embedded
// structs flattened, omitempty fields optional and the others required.
// A field's `schema` tag adds limits: "minLength=1,maxLength=64",
// "minimum=0", "enum=read|write" (for a list, of its items), "minItems=1",
// "uniqueItems". A tag must be a literal: TestSchemaTagsAreTheConstants
// holds each to the Go constants the handlers enforce.
type schemas struct {
	names      map[reflect.Type]string
	components obj
}

func newSchemas(names map[reflect.Type]string) *schemas {
	return &schemas{names: names, components: obj{}}
}

var timeType = reflect.TypeOf(time.Time{})

// of returns the schema of t: a $ref for a named struct (added to the
// components), inline otherwise.
func (s *schemas) of(t reflect.Type) obj {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return obj{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.String:
		return obj{"type": "string"}
	case t.Kind() == reflect.Bool:
		return obj{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return obj{"type": "integer"}
	case t.Kind() == reflect.Slice:
		return obj{"type": "array", "items": s.of(t.Elem())}
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		// A JSON object of any names, each value of the map's type.
		return obj{"type": "object", "additionalProperties": s.of(t.Elem())}
	case t.Kind() == reflect.Struct:
		name := s.names[t]
		if name == "" {
			name = t.Name()
		}
		if _, done := s.components[name]; !done {
			s.components[name] = obj{} // a placeholder against recursion
			s.components[name] = s.object(t)
		}
		return obj{"$ref": "#/components/schemas/" + name}
	}
	panic(fmt.Sprintf("openapi: no schema for %s", t))
}

// object is the schema of a struct type.
func (s *schemas) object(t reflect.Type) obj {
	props := obj{}
	var required []string
	s.fields(t, props, &required)
	out := obj{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

func (s *schemas) fields(t reflect.Type, props obj, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			s.fields(f.Type, props, required)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p := s.of(f.Type)
		if lim := f.Tag.Get("schema"); lim != "" {
			p = limited(p, lim)
		}
		if f.Type.Kind() == reflect.Pointer && !strings.Contains(opts, "omitempty") {
			// A pointer without omitempty may be sent, or answered, as null.
			p = obj{"anyOf": []obj{p, {"type": "null"}}}
		}
		props[name] = p
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}

// limited adds a schema tag's limits to p.
func limited(p obj, tag string) obj {
	out := obj{}
	for k, v := range p {
		out[k] = v
	}
	target := out
	if items, ok := out["items"].(obj); ok {
		copied := obj{}
		for k, v := range items {
			copied[k] = v
		}
		out["items"] = copied
		target = copied
	}
	for _, part := range strings.Split(tag, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "enum":
			target["enum"] = strings.Split(v, "|")
		case "uniqueItems":
			out["uniqueItems"] = true
		case "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum":
			n, err := strconv.Atoi(v)
			if err != nil {
				panic(fmt.Sprintf("openapi: schema tag %q: %v", tag, err))
			}
			if strings.HasSuffix(k, "Items") {
				out[k] = n
			} else {
				target[k] = n
			}
		default:
			panic(fmt.Sprintf("openapi: unknown schema tag %q", part))
		}
	}
	return out
}
