package pkg

const (
	A = "a"
	B = "b\n"
	N = 3
	// D is not a literal.
	D = A + B
)

const C = `c`

var V = "not a constant"
