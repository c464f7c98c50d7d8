package keys

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/httpx"
)

// FuzzParseCIDRs: the allow-list parser never panics; what it accepts is at
// most MaxAllowedCIDRs distinct prefixes in canonical form (masked, no
// zone, no IPv4-mapped IPv6), which parse back to themselves; what it
// refuses is a 400 whose message is made of the characters of its own
// words and of canonical addresses, never of whatever the input held.
func FuzzParseCIDRs(f *testing.F) {
	for _, s := range []string{
		"10.0.0.0/8", "127.0.0.1", "2001:db8::/32\n192.0.2.0/24", "192.0.2.77/24", "fe80::1%eth0",
		"::ffff:10.0.0.0/104", "::ffff:1.2.3.4", "10.0.0.0/8\n10.0.0.0/8", "", " 10.0.0.0/8 ", "0.0.0.0/0", "::/0", "1.2.3.4/32\n1.2.3.4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in := strings.Split(s, "\n")
		out, err := ParseCIDRs(in)
		if err != nil {
			var he *httpx.Error
			if !errors.As(err, &he) || he.Status != 400 || he.Code != httpx.CodeBadRequest {
				t.Fatalf("ParseCIDRs(%q) err = %v; want a 400 bad_request", in, err)
			}
			for _, r := range he.Message {
				if !strings.ContainsRune(messageChars, r) {
					t.Fatalf("ParseCIDRs(%q) message %q holds %q, which none of its words or addresses has", in, he.Message, r)
				}
			}
			return
		}
		if len(out) > MaxAllowedCIDRs || len(out) != len(in) {
			t.Fatalf("ParseCIDRs(%q) = %d entries; want %d, at most %d", in, len(out), len(in), MaxAllowedCIDRs)
		}
		seen := map[string]bool{}
		for _, c := range out {
			p, err := netip.ParsePrefix(c)
			if err != nil || p.String() != c || p.Masked() != p || p.Addr().Zone() != "" || p.Addr().Is4In6() || seen[c] {
				t.Fatalf("ParseCIDRs(%q) gave %q: not a distinct canonical prefix", in, c)
			}
			seen[c] = true
		}
		again, err := ParseCIDRs(out)
		if err != nil || strings.Join(again, "\n") != strings.Join(out, "\n") {
			t.Fatalf("ParseCIDRs(its own answer %q) = %q, %v; want it unchanged", out, again, err)
		}
	})
}

// messageChars are every character the parser's messages may hold.
const messageChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;/[]()%…-"
