package devidp

import (
	"net/http"
	"time"
)

// NewWithClock is New with the provider's own clock (sign-in requests,
// codes, access tokens) under the test's control.
func NewWithClock(issuer string, client Client, users []User, now func() time.Time) (http.Handler, error) {
	return newHandler(issuer, client, users, now)
}

// CodeTTL is how long a code lives.
const CodeTTL = codeTTL
