package login

import (
	"net/url"
	"strings"
)

// maxReturnTo bounds the return path kept in the login cookie.
const maxReturnTo = 1024

// SafeReturnTo returns p if it is a same-origin absolute path, and "/"
// otherwise. Browsers read "//host", "/\host" and their percent-encoded or
// control-character variants as other hosts, so any backslash, control
// character, or path that starts with two separators after decoding is
// refused, as is anything with a scheme or a host.
func SafeReturnTo(p string) string {
	if p == "" || len(p) > maxReturnTo || p[0] != '/' {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x21 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	// Decode repeatedly: a path that becomes "//" or "/\" after any number
	// of decodings is refused.
	d := p
	for range 3 {
		if strings.HasPrefix(d, "//") || strings.HasPrefix(d, "/\\") || strings.ContainsAny(d, "\\\x00\r\n\t") {
			return "/"
		}
		next, err := url.PathUnescape(d)
		if err != nil {
			return "/"
		}
		if next == d {
			break
		}
		d = next
	}
	if strings.HasPrefix(d, "//") || strings.HasPrefix(d, "/\\") || strings.ContainsAny(d, "\\\x00\r\n\t") {
		return "/"
	}
	return p
}
