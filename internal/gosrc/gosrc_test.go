package gosrc

import (
	"testing"
)

// The constants this file's tests find in testdata/pkg.
func TestStringConsts(t *testing.T) {
	got := StringConsts(t, "testdata/pkg")
	want := map[string]string{"A": "a", "B": "b\n", "C": "c"}
	if len(got) != len(want) {
		t.Fatalf("StringConsts = %v; want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q; want %q", k, got[k], v)
		}
	}
}

func TestPackageLeavesOutTests(t *testing.T) {
	_, files := Package(t, "testdata/pkg")
	if len(files) != 1 || files[0].Name.Name != "pkg" {
		t.Fatalf("Package parsed %d files; want the one non-test file", len(files))
	}
}
