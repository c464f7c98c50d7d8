package store

import "testing"

// TestDerivedIDIsTheSameForTheSameParts: a derived ID has the shape of an
// ID of its kind, is the same for the same purpose and parts, and differs
// when any of them does, including parts that concatenate alike.
func TestDerivedIDIsTheSameForTheSameParts(t *testing.T) {
	id := DerivedID("evt", "purpose", "ab", "c")
	if !ValidID("evt", id) || DerivedID("evt", "purpose", "ab", "c") != id {
		t.Fatalf("DerivedID = %q, then %q; want the same ID of kind evt", id, DerivedID("evt", "purpose", "ab", "c"))
	}
	for _, other := range []string{
		DerivedID("evt", "purpose", "a", "bc"),
		DerivedID("evt", "purpose", "abc"),
		DerivedID("evt", "purpose", "ab", "c", ""),
		DerivedID("evt", "another", "ab", "c"),
		DerivedID("evt", "purposeab", "c"),
	} {
		if other == id {
			t.Errorf("DerivedID of other parts = %q, the same as %q", other, id)
		}
	}
}
