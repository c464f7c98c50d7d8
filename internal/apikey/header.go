package apikey

import (
	"encoding/base64"
	"errors"
	"strings"
)

// MaxHeaderLen bounds the Authorization header before anything else reads
// it: the longest form (Basic of "apikey:" + key) is under 100 bytes.
const MaxHeaderLen = 256

// ErrBadHeader is every refused Authorization header: a scheme other than
// apikey, Bearer or Basic, a Basic user other than "apikey", more than one
// header, or one too long or malformed.
var ErrBadHeader = errors.New("authorization header: not an api key")

// FromAuthorization extracts the key from the values of the Authorization
// header (all of them, in any letter case), accepting:
//
//	Authorization: apikey KEY
//	Authorization: Bearer KEY
//	Authorization: Basic base64("apikey:KEY")
//
// The scheme is case-insensitive. The key itself is not checked here (see
// Check). It allocates nothing proportional to its input beyond the bound.
func FromAuthorization(values []string) (string, error) {
	if len(values) != 1 {
		return "", ErrBadHeader
	}
	v := values[0]
	if len(v) > MaxHeaderLen {
		return "", ErrBadHeader
	}
	v = strings.Trim(v, " \t")
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok {
		return "", ErrBadHeader
	}
	cred = strings.TrimLeft(cred, " ")
	if cred == "" || strings.ContainsAny(cred, " \t") {
		return "", ErrBadHeader
	}
	switch {
	case strings.EqualFold(scheme, "apikey"), strings.EqualFold(scheme, "bearer"):
		return cred, nil
	case strings.EqualFold(scheme, "basic"):
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return "", ErrBadHeader
		}
		user, key, ok := strings.Cut(string(raw), ":")
		if !ok || user != "apikey" || key == "" {
			return "", ErrBadHeader
		}
		return key, nil
	}
	return "", ErrBadHeader
}
