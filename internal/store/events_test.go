package store

import (
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/gosrc"
)

// TestEventKindsListsEveryEventConstant: EventKinds, which the security
// log's OpenAPI enum is held to, holds every Event* constant of the
// package, once.
func TestEventKindsListsEveryEventConstant(t *testing.T) {
	var consts []string
	for name, v := range gosrc.StringConsts(t, ".") {
		if strings.HasPrefix(name, "Event") {
			consts = append(consts, v)
		}
	}
	if len(consts) == 0 {
		t.Fatal("no Event* constant found")
	}
	for _, c := range consts {
		if !slices.Contains(EventKinds, c) {
			t.Errorf("EventKinds lacks %q", c)
		}
	}
	if len(EventKinds) != len(consts) {
		t.Errorf("EventKinds has %d kinds; the package declares %d Event* constants", len(EventKinds), len(consts))
	}
}
