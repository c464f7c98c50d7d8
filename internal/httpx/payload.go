package httpx

import "encoding/json"

// MaxResponse is Lambda's limit on what a synchronous invocation answers:
// 6 MB (6,291,456 bytes) of the JSON the function's runtime sends back,
// which for API Gateway's proxy integration is the whole Response object,
// its body a JSON string inside it. Over the limit the invocation fails and
// API Gateway answers 502 (INTEGRATION_FAILURE); the local gateway does
// the same. AWS documents the 6 MB in the Lambda quotas,
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html,
// and in the Invoke API reference,
// https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html. (Lambda's
// error for an oversized answer names 6,291,556 bytes; nothing here counts
// on the 100 bytes between.)
const MaxResponse = 6 << 20

// EncodedSize returns how many bytes r takes as the Lambda runtime for Go
// (aws-lambda-go) sends it back: JSON with HTML characters left as they
// are (its default), without the encoder's final newline. A body that is itself JSON is encoded
// a second time, so each escape in it grows: `<`, which the handler's
// encoder wrote as the six bytes \u003c, takes seven here.
func EncodedSize(r Response) int {
	var n counter
	enc := json.NewEncoder(&n)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		// A Response holds only strings, maps of strings and scalars.
		panic("httpx: a Response that does not encode: " + err.Error())
	}
	return int(n) - 1 // the runtime strips the newline Encode ends with
}

// counter is an io.Writer that keeps only the count of bytes written.
type counter int

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}
