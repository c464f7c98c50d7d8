package ascii

import "testing"

func TestEqualFold(t *testing.T) {
	equal := [][2]string{{"Ada@Example.COM", "ada@example.com"}, {"x-API-key", "X-Api-Key"}, {"", ""}}
	// [ and { differ by the case bit but are not letters; the Kelvin sign
	// and the long s fold to k and s in Unicode only.
	unequal := [][2]string{{"ada", "adam"}, {"[", "{"}, {"k", "\u212a"}, {"\u212a", "k"}, {"s", "\u017f"}}
	for want, pairs := range map[bool][][2]string{true: equal, false: unequal} {
		for _, p := range pairs {
			if got := EqualFold(p[0], p[1]); got != want {
				t.Errorf("EqualFold(%q, %q) = %v; want %v", p[0], p[1], got, want)
			}
			if got := EqualFold([]byte(p[0]), p[1]); got != want {
				t.Errorf("EqualFold([]byte(%q), %q) = %v; want %v", p[0], p[1], got, want)
			}
		}
	}
}
