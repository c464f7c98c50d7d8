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

// requestBound is an upper bound of RequestSize(r), counted as encodedBound
// counts an answer, or -1 when r holds what it does not count (a client
// certificate, an authorizer context value that is not a primitive).
func requestBound(r Request) int {
	rc, id := r.RequestContext, r.RequestContext.Identity
	if id.ClientCert != nil {
		return -1
	}
	// Field names, punctuation, null maps, the epoch and the flag: well
	// under 2,048 bytes (FuzzRequestBound fills every field).
	n := 2048
	for _, s := range [...]string{
		r.Resource, r.Path, r.HTTPMethod, r.Body,
		rc.AccountID, rc.ResourceID, rc.OperationName, rc.Stage, rc.DomainName, rc.DomainPrefix,
		rc.RequestID, rc.ExtendedRequestID, rc.Protocol, rc.ResourcePath, rc.Path, rc.HTTPMethod,
		rc.RequestTime, rc.APIID,
		id.CognitoIdentityPoolID, id.AccountID, id.CognitoIdentityID, id.Caller, id.APIKey, id.APIKeyID,
		id.AccessKey, id.SourceIP, id.CognitoAuthenticationType, id.CognitoAuthenticationProvider,
		id.UserArn, id.UserAgent, id.User,
	} {
		n += 6 * len(s)
	}
	for _, m := range [...]map[string]string{r.Headers, r.QueryStringParameters, r.PathParameters, r.StageVariables} {
		for k, v := range m {
			n += 6*(len(k)+len(v)) + 6 // two pairs of quotes, a colon, a comma
		}
	}
	for _, m := range [...]map[string][]string{r.MultiValueHeaders, r.MultiValueQueryStringParameters} {
		for k, vs := range m {
			n += 6*len(k) + 6 // quotes, colon, comma, brackets
			for _, v := range vs {
				n += 6*len(v) + 3 // quotes, comma
			}
		}
	}
	for k, v := range rc.Authorizer {
		n += 6*len(k) + 6
		switch v := v.(type) {
		case string:
			n += 6*len(v) + 2
		case nil, bool, float64, float32, int, int64, int32:
			n += 32 // the longest a number is written: -1.2345678901234567e-308
		default:
			return -1
		}
	}
	return n
}

// OverRequestLimit reports whether the event r is over what Lambda accepts
// (MaxRequest), and then its size as RequestSize counts it. As with
// OverResponseLimit, an event whose bound is within the limit is not
// encoded at all.
func OverRequestLimit(r Request) (size int, over bool) {
	if b := requestBound(r); b >= 0 && b <= MaxRequest {
		return 0, false
	}
	size = RequestSize(r)
	return size, size > MaxRequest
}
