package httpx

import (
	"encoding/json"
	"fmt"
)

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

// MaxRequest is the same 6 MB limit the other way: "For synchronous
// invocations, the maximum payload size is 6 MB" (Invoke API reference,
// above), and for API Gateway's proxy integration the payload is the whole
// event (Request): the body, as a JSON string, with the headers, query,
// path and request context around it. Over the limit Lambda refuses the
// invocation (RequestTooLargeException) and the function never runs; API
// Gateway then answers 500: "If the Lambda API rejects the invocation
// request, API Gateway returns a 500 error code" ("Handling Lambda errors
// with an API Gateway API", Lambda developer guide,
// https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html).
// So a body within API Gateway's 10 MB can still never reach a function.
const MaxRequest = 6 << 20

// EncodedSize returns how many bytes r takes as the Lambda runtime for Go
// (aws-lambda-go) sends it back: JSON with HTML characters left as they
// are (its default), without the encoder's final newline. A body that is itself JSON is encoded
// a second time, so each escape in it grows: `<`, which the handler's
// encoder wrote as the six bytes \u003c, takes seven here.
func EncodedSize(r Response) int {
	return encodedSize(r)
}

// RequestSize returns how many bytes the event r takes as JSON, counted as
// EncodedSize counts an answer (HTML characters as they are). API Gateway's
// own encoder writes the event, and the event it sends carries more than
// the local gateway's (CloudFront's headers, identity fields as null), so
// this is what the local event weighs, a little under what AWS sends.
func RequestSize(r Request) int {
	return encodedSize(r)
}

func encodedSize(v any) int {
	var n counter
	enc := json.NewEncoder(&n)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// A Response and a Request hold only strings, maps of strings and
		// scalars (the authorizer context's values are primitives).
		panic(fmt.Sprintf("httpx: a %T that does not encode: %v", v, err))
	}
	return int(n) - 1 // the runtime strips the newline Encode ends with
}

// counter is an io.Writer that keeps only the count of bytes written.
type counter int

func (c *counter) Write(p []byte) (int, error) {
	*c += counter(len(p))
	return len(p), nil
}
