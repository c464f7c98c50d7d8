package ascii

import "testing"

func TestEqualFold(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"Ada@Example.COM", "ada@example.com", true},
		{"x-API-key", "X-Api-Key", true},
		{"", "", true},
		{"ada", "adam", false},
		{"[", "{", false}, // 0x5B and 0x7B differ by the case bit, but are not letters
		{"k", "\u212a", false},
		{"\u212a", "k", false},
		{"s", "\u017f", false},
	} {
		if got := EqualFold(tc.a, tc.b); got != tc.want {
			t.Errorf("EqualFold(%q, %q) = %v; want %v", tc.a, tc.b, got, tc.want)
		}
		if got := EqualFold([]byte(tc.a), tc.b); got != tc.want {
			t.Errorf("EqualFold([]byte(%q), %q) = %v; want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
