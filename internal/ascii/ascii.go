// Package ascii compares text in any letter case, ASCII letters only: no
// Unicode case folding, so that, unlike strings.EqualFold, the Kelvin sign
// is not a k and the long s not an s.
package ascii

// EqualFold reports whether a and b are equal when ASCII letters are
// compared in any case; other bytes must be equal.
func EqualFold[T string | []byte](a T, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
