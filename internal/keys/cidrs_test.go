package keys_test

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/keys"
)

func TestParseCIDRsAcceptsAndCanonicalises(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"no list allows any address", nil, nil},
		{"an empty list allows any address", []string{}, nil},
		{"an IPv4 prefix", []string{"203.0.113.0/24"}, []string{"203.0.113.0/24"}},
		{"a bare IPv4 address is one address", []string{"127.0.0.1"}, []string{"127.0.0.1/32"}},
		{"a bare IPv6 address is one address", []string{"2001:db8::1"}, []string{"2001:db8::1/128"}},
		{"IPv6 in canonical form", []string{"2001:0DB8:0000::/32"}, []string{"2001:db8::/32"}},
		{"surrounding white space is trimmed", []string{"  10.0.0.0/8\t"}, []string{"10.0.0.0/8"}},
		{"every address of a family", []string{"0.0.0.0/0", "::/0"}, []string{"0.0.0.0/0", "::/0"}},
		{"the order given is kept", []string{"192.0.2.0/24", "10.0.0.0/8"}, []string{"192.0.2.0/24", "10.0.0.0/8"}},
		{"twenty entries", twenty(), twenty()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := keys.ParseCIDRs(tc.in)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("ParseCIDRs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func twenty() []string {
	var out []string
	for i := range keys.MaxAllowedCIDRs {
		out = append(out, netip.AddrFrom4([4]byte{10, byte(i), 0, 0}).String()+"/16")
	}
	return out
}

func TestParseCIDRsRefuses(t *testing.T) {
	tests := []struct {
		name        string
		in          []string
		wantMessage string
	}{
		{"twenty-one entries", append(twenty(), "192.0.2.0/24"), "at most 20 entries"},
		{"an empty entry", []string{"10.0.0.0/8", ""}, "allowedCidrs[1]: empty"},
		{"white space only", []string{" "}, "allowedCidrs[0]: empty"},
		{"a host name", []string{"example.com"}, "allowedCidrs[0]: not an IPv4 or IPv6 address or CIDR prefix"},
		{"an IPv4 prefix over 32 bits", []string{"10.0.0.0/33"}, "not an IPv4 or IPv6"},
		{"a negative length", []string{"10.0.0.0/-1"}, "not an IPv4 or IPv6"},
		{"a length in another base", []string{"10.0.0.0/0x8"}, "not an IPv4 or IPv6"},
		{"a leading zero in IPv4", []string{"010.0.0.1"}, "not an IPv4 or IPv6"},
		{"an IPv4 range", []string{"10.0.0.1-10.0.0.9"}, "not an IPv4 or IPv6"},
		{"two slashes", []string{"10.0.0.0/8/8"}, "not an IPv4 or IPv6"},
		{"a mask in dotted form", []string{"10.0.0.0/255.0.0.0"}, "not an IPv4 or IPv6"},
		{"host bits set names the prefix", []string{"192.0.2.77/24"}, "allowedCidrs[0]: 192.0.2.77/24 has bits set past its length; the prefix is 192.0.2.0/24"},
		{"host bits set in IPv6", []string{"2001:db8::1/32"}, "the prefix is 2001:db8::/32"},
		{"an IPv6 zone on an address", []string{"fe80::1%eth0"}, "zone"},
		{"an IPv6 zone on a prefix", []string{"fe80::%eth0/64"}, "not an IPv4 or IPv6"},
		{"an IPv4-mapped IPv6 prefix", []string{"::ffff:10.0.0.0/104"}, "write it as IPv4, 10.0.0.0/8"},
		{"an IPv4-mapped IPv6 address", []string{"::ffff:127.0.0.1"}, "write it as IPv4, 127.0.0.1/32"},
		{"an IPv4-mapped IPv6 prefix with bits past its length", []string{"::ffff:10.0.0.1/104"}, "the prefix is ::ffff:10.0.0.0/104"},
		{"the same prefix twice", []string{"10.0.0.0/8", "192.0.2.0/24", "10.0.0.0/8"}, "allowedCidrs[2]: 10.0.0.0/8 is already allowedCidrs[0]"},
		{"an address and its one-address prefix", []string{"192.0.2.1", "192.0.2.1/32"}, "is already allowedCidrs[0]"},
		{"over-long input", []string{strings.Repeat("1", keys.MaxCIDRLength+1)}, "longer than 64 characters"},
		{"a control character", []string{"10.0.0.0\x00/8"}, "not an IPv4 or IPv6"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := keys.ParseCIDRs(tc.in)
			var he *httpx.Error
			if !errors.As(err, &he) || he.Status != 400 || he.Code != httpx.CodeBadRequest || !strings.Contains(he.Message, tc.wantMessage) {
				t.Fatalf("ParseCIDRs(%q) = %q, %v; want 400 bad_request saying %q", tc.in, got, err, tc.wantMessage)
			}
			if strings.Contains(tc.name, "long") && strings.Contains(he.Message, tc.in[0]) {
				t.Fatalf("the message echoes the input: %s", he.Message)
			}
		})
	}
}
