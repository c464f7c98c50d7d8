package store

import (
	"errors"
	"testing"
	"time"
)

func TestCursorRoundTrip(t *testing.T) {
	p := Position{Sort: SortTime(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)), ID: "post_x"}
	got, err := DecodeCursor(EncodeCursor(p))
	if err != nil || got != p {
		t.Fatalf("DecodeCursor(EncodeCursor(%v)) = %v, %v", p, got, err)
	}
}

func TestSortTimeOrdersAsTime(t *testing.T) {
	a := time.Date(2026, 1, 1, 0, 0, 0, 100_000_000, time.UTC) // .1
	b := time.Date(2026, 1, 1, 0, 0, 0, 120_000_000, time.UTC) // .12
	if !(SortTime(a) < SortTime(b)) {
		t.Fatalf("SortTime(%v) = %s does not sort before SortTime(%v) = %s", a, SortTime(a), b, SortTime(b))
	}
	if SortTime(a.In(time.FixedZone("x", 3600))) != SortTime(a) {
		t.Fatal("SortTime depends on the time zone")
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(EncodeCursor(Position{Sort: "2026-01-01T00:00:00.000000000Z", ID: "post_a"}))
	f.Add("")
	f.Add("e30")
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, c string) {
		p, err := DecodeCursor(c)
		if err != nil {
			if !errors.Is(err, ErrBadCursor) {
				t.Fatalf("DecodeCursor(%q) error %v is not ErrBadCursor", c, err)
			}
			return
		}
		if p.ID == "" || p.Sort == "" || len(c) > MaxCursorLen {
			t.Fatalf("DecodeCursor(%q) accepted %+v", c, p)
		}
	})
}

func TestValidID(t *testing.T) {
	good := NewID("post")
	tests := []struct {
		kind, id string
		want     bool
	}{
		{"post", good, true},
		{"key", good, false},
		{"post", good + "a", false},
		{"post", "post_" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ", false},
		{"post", "post_../../../../../../etc/pas", false},
		{"post", "", false},
	}
	for _, tc := range tests {
		if got := ValidID(tc.kind, tc.id); got != tc.want {
			t.Errorf("ValidID(%q, %q) = %v; want %v", tc.kind, tc.id, got, tc.want)
		}
	}
}

func TestIDsAreDerivedOneWay(t *testing.T) {
	a, b := UserID("iss", "sub"), UserID("iss", "sub")
	if a != b || a == UserID("is", "ssub") {
		t.Fatal("UserID must be deterministic and separate issuer from subject")
	}
	if !ValidID("usr", UserID("iss", "sub")) || !ValidID("ses", SessionID("abc")) {
		t.Fatal("derived IDs must be valid IDs of their kind")
	}
}
