package httpx

// encodedBound is an upper bound of EncodedSize(r), counted without
// encoding: in JSON a byte of a string takes at most six bytes (\u00XX for
// a control character, \ufffd for a byte of invalid UTF-8; \u2028 is six
// bytes for three), and the rest is the fixed punctuation and field names
// below.
func encodedBound(r Response) int {
	// {"statusCode":-9223372036854775808,"headers":,"multiValueHeaders":,"body":,"isBase64Encoded":false}
	// with null or {} for each map: well under 128 bytes.
	n := 128
	for k, v := range r.Headers {
		n += 6*(len(k)+len(v)) + 6 // two pairs of quotes, a colon, a comma
	}
	for k, vs := range r.MultiValueHeaders {
		n += 6*len(k) + 6 // quotes, colon, comma, brackets
		for _, v := range vs {
			n += 6*len(v) + 3 // quotes, comma
		}
	}
	return n + 6*len(r.Body) + 2
}

// OverResponseLimit reports whether r is over what Lambda sends back
// (MaxResponse), and then its size as EncodedSize counts it. An answer
// whose bound (encodedBound) is within the limit is not encoded at all:
// that is every answer but the largest few, for which it encodes r once, as
// EncodedSize does.
func OverResponseLimit(r Response) (size int, over bool) {
	if encodedBound(r) <= MaxResponse {
		return 0, false
	}
	size = EncodedSize(r)
	return size, size > MaxResponse
}
