package routes

import (
	"strings"
	"sync"
)

// templateSegs holds each route template split at its slashes, so that
// matching a request does not split every template of the table again
// (under load that was most of a match's cost). Templates come from route
// tables in the code, never from a request, so it stays as small as they
// are.
var templateSegs sync.Map // template string → []string

// templateSegments is strings.Split(template, "/"), remembered. The slice
// is shared: callers only read it.
func templateSegments(template string) []string {
	if v, ok := templateSegs.Load(template); ok {
		return v.([]string)
	}
	segs := strings.Split(template, "/")
	templateSegs.Store(template, segs)
	return segs
}
