package authz

import (
	"net/netip"

	"github.com/latchkey/latchkey/internal/httpx"
)

// callerAddress is the address a request came from, as the key allow-lists
// compare it, and whether it is known.
//
// Behind CloudFront (the origin check on) API Gateway's sourceIp is
// CloudFront's address, not the caller's: "the source IP address of the
// immediate TCP connection making the request to the API Gateway endpoint"
// ($context.identity.sourceIp, "Variables for data transformations for API
// Gateway"). The caller is then the viewer as CloudFront saw it, event.viewer.ip
// ("CloudFront Functions event structure": the IP address of the viewer
// that sent the request, IPv4 or IPv6), which the /api/* viewer-request
// function writes into httpx.ViewerAddressHeader over whatever value the client
// sent (infra/web.go), and the origin secret proves the request went
// through that function. X-Forwarded-For is never read: a client can write
// its first entries. Without the origin check (local runs, where nothing
// stands in front of the local gateway) sourceIp is the caller's, and the
// header, which anyone could send, is ignored.
//
// The value is read by httpx.ParseCallerAddress, as the security log reads
// it: an IPv4-mapped IPv6 address is compared as IPv4; an address with a
// zone, or one that does not parse, is unknown, and a key with an
// allow-list is refused from it (fail closed).
func (a *Authorizer) callerAddress(in Input) (netip.Addr, bool) {
	raw := in.SourceIP
	if a.opts.OriginSecrets.Enabled() {
		raw = in.ViewerAddress
	}
	return httpx.ParseCallerAddress(raw)
}

// allowedFrom reports whether addr is inside one of the prefixes (canonical,
// as store.APIKey.AllowedCIDRs holds them). A prefix that does not parse
// allows nothing.
func allowedFrom(cidrs []string, addr netip.Addr) bool {
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(addr) {
			return true
		}
	}
	return false
}
