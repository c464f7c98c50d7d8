package httpx

import (
	"net/netip"

	"github.com/latchkey/latchkey/internal/principal"
)

// ViewerAddressHeader carries the viewer's address from CloudFront's
// viewer-request function on /api/* (infra/web.go), which writes it from
// event.viewer.ip over whatever a client sent ("CloudFront Functions event
// structure", CloudFront Developer Guide:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html).
// Without CloudFront in front, nothing writes it, and a client can send
// any value: it means nothing then.
const ViewerAddressHeader = "x-latchkey-viewer-address"

// maxAddress bounds what is parsed as an address: the longest IPv6 text
// with an IPv4 tail is 45 characters.
const maxAddress = 64

// CallerAddress is the address a request came from, as the security log
// records it, or "" when it is not known. behindCloudFront says the
// deployment has CloudFront in front (config.OriginSecrets is set, and
// every request proved it came through CloudFront): then the address is
// ViewerAddressHeader's one value, since API Gateway's sourceIp is only
// CloudFront's own edge. Otherwise it is API Gateway's
// requestContext.identity.sourceIp, the address of the connection that
// reached it ("$context.identity.sourceIp", API Gateway Developer Guide:
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html),
// and the header, which any client can forge, is ignored. The address
// comes back in netip's canonical form; anything that is not one address
// is "".
func CallerAddress(req Request, behindCloudFront bool) string {
	raw := req.RequestContext.Identity.SourceIP
	if behindCloudFront {
		raw, _ = Header(req, ViewerAddressHeader) // "" unless exactly one value
	}
	a, ok := ParseCallerAddress(raw)
	if !ok {
		return ""
	}
	return a.String()
}

// ParseCallerAddress reads one caller address as CallerAddress's sources
// give it: an IPv4 or IPv6 address of at most maxAddress characters, with
// no zone (neither CloudFront nor API Gateway sends one, so a zone means
// the value did not come from them), an IPv4-mapped IPv6 address read as
// IPv4. Anything else is not an address (false): the authorizer then
// refuses a key with an allow-list (fail closed), and the security log
// records none. The one parser for both, so they cannot disagree.
func ParseCallerAddress(raw string) (netip.Addr, bool) {
	if raw == "" || len(raw) > maxAddress {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(raw)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// SessionPrincipal is who req acts for when that is a browser session:
// otherwise 401 without a principal, and 403 for an API key, whose message
// says that doing (such as "managing keys") needs a browser session. The
// authorizer already refuses keys on the routes that need a session
// (NeedSession); this is the second lock, so that a misconfigured route
// still never lets a key through.
func SessionPrincipal(req Request, doing string) (principal.Principal, error) {
	p, err := principal.From(req)
	if err != nil {
		return principal.Principal{}, Errorf(401, CodeUnauthorized, "a valid session is required")
	}
	if p.Method != principal.MethodSession {
		return principal.Principal{}, Errorf(403, CodeForbidden, "%s needs a browser session", doing)
	}
	return p, nil
}
