package httpx

import (
	"net/netip"
	"strings"
	"testing"
)

func callerRequest(sourceIP string, headers map[string]string, multi map[string][]string) Request {
	req := Request{Headers: headers, MultiValueHeaders: multi}
	req.RequestContext.Identity.SourceIP = sourceIP
	return req
}

func TestCallerAddress(t *testing.T) {
	const edge = "130.176.1.10" // a CloudFront edge, as API Gateway sees it
	tests := []struct {
		name             string
		req              Request
		behindCloudFront bool
		want             string
	}{
		{"locally, the connection's address", callerRequest("127.0.0.1", nil, nil), false, "127.0.0.1"},
		{"locally, an IPv6 connection", callerRequest("::1", nil, nil), false, "::1"},
		{"a client-forged viewer header without CloudFront is ignored",
			callerRequest("203.0.113.7", map[string]string{"X-Latchkey-Viewer-Address": "198.51.100.1"}, nil), false, "203.0.113.7"},
		{"a forged header in the multi-value view is ignored too",
			callerRequest("203.0.113.7", nil, map[string][]string{ViewerAddressHeader: {"198.51.100.1"}}), false, "203.0.113.7"},
		{"behind CloudFront, the viewer's address it wrote",
			callerRequest(edge, map[string]string{ViewerAddressHeader: "198.51.100.1"}, nil), true, "198.51.100.1"},
		{"behind CloudFront, any letter case of the header",
			callerRequest(edge, map[string]string{"X-Latchkey-Viewer-Address": "2001:db8::7"}, nil), true, "2001:db8::7"},
		{"behind CloudFront, never the edge's address",
			callerRequest(edge, nil, nil), true, ""},
		{"behind CloudFront, two values are no address",
			callerRequest(edge, nil, map[string][]string{ViewerAddressHeader: {"198.51.100.1", "198.51.100.2"}}), true, ""},
		{"behind CloudFront, a value that is no address",
			callerRequest(edge, map[string]string{ViewerAddressHeader: "198.51.100.1, 10.0.0.1"}, nil), true, ""},
		{"an address in canonical form", callerRequest("2001:DB8:0:0:0:0:0:1", nil, nil), false, "2001:db8::1"},
		{"an IPv4-mapped IPv6 address as IPv4", callerRequest("::ffff:192.0.2.1", nil, nil), false, "192.0.2.1"},
		{"an address with a zone is no address (neither CloudFront nor API Gateway sends one)", callerRequest("fe80::1%eth0", nil, nil), false, ""},
		{"no source address", callerRequest("", nil, nil), false, ""},
		{"a host name is no address", callerRequest("localhost", nil, nil), false, ""},
		{"an over-long value is not parsed", callerRequest(strings.Repeat("1", 100), nil, nil), false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CallerAddress(tc.req, tc.behindCloudFront); got != tc.want {
				t.Fatalf("CallerAddress = %q; want %q", got, tc.want)
			}
		})
	}
}

// FuzzCallerAddress: whatever a client puts in the header or API Gateway in
// sourceIp, the answer is "" or one address in canonical form, and without
// CloudFront the header changes nothing.
func FuzzCallerAddress(f *testing.F) {
	for _, s := range [][2]string{{"127.0.0.1", "198.51.100.1"}, {"::1", "2001:db8::1"}, {"fe80::1%eth0", "::ffff:1.2.3.4"}, {"", "1.2.3.4, 5.6.7.8"}, {"x", "\x00"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, source, header string) {
		req := callerRequest(source, map[string]string{ViewerAddressHeader: header}, nil)
		for _, behind := range []bool{false, true} {
			got := CallerAddress(req, behind)
			if got == "" {
				continue
			}
			a, err := netip.ParseAddr(got)
			if err != nil || a.String() != got || a.Zone() != "" || a.Is4In6() {
				t.Fatalf("CallerAddress(%q, %q, %v) = %q; want an address in canonical form", source, header, behind, got)
			}
		}
		if CallerAddress(req, false) != CallerAddress(callerRequest(source, nil, nil), false) {
			t.Fatalf("without CloudFront the header %q changed the address", header)
		}
	})
}
