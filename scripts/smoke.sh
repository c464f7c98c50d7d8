#!/usr/bin/env bash
# The smoke test to run after a deploy: checks what a deployment must show
# from the outside, with curl only.
#
#   scripts/smoke.sh https://latchkey.example.com
#   LATCHKEY_API_KEY=lk_live_… scripts/smoke.sh https://latchkey.example.com   # a read-only key: also 200 and 403
#   LATCHKEY_EXECUTE_API_URL=https://abc123.execute-api.eu-west-1.amazonaws.com/prod/api scripts/smoke.sh https://…
#
# For an https URL: TLS 1.2 is accepted and TLS 1.1 refused (with a
# domain; CloudFront's own *.cloudfront.net name allows TLS 1.0, see
# docs/DEPLOY.md), and plain http to the API is refused. For any URL: the
# web console answers with its security headers, a view's deep link answers
# the console, /api/* answers no-store and nosniff, 401 with
# WWW-Authenticate without a credential, 404 for an unknown public path. It
# prints one line per check and exits 1 if any failed. The key, if given,
# goes to curl on standard input, never as an argument.
set -uo pipefail

url="${1:?usage: scripts/smoke.sh https://your-domain}"
url="${url%/}"
failed=0
pass() { printf 'ok    %s\n' "$1"; }
fail() { printf 'FAIL  %s\n' "$1"; failed=1; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

# headers PATH [curl options…]: the answer's status line and headers, lower-cased names.
headers() {
  local path="$1"; shift
  curl --silent --show-error --max-time 15 --output /dev/null --dump-header - "$@" "$url$path" | tr -d '\r'
}
status_of() { printf '%s\n' "$1" | awk 'NR==1 {print $2}'; }
has_header() { printf '%s\n' "$1" | grep -qi "^$2: $3"; }

if [[ "$url" == https://* ]]; then
  host="${url#https://}"; host="${host%%/*}"
  check "TLS 1.2 is accepted" "curl --silent --max-time 15 --tlsv1.2 --tls-max 1.2 --output /dev/null '$url/'"
  if [[ "$host" == *.cloudfront.net ]]; then
    printf 'skip  TLS 1.1 refused: CloudFront'\''s default certificate allows it; set domainName\n'
  else
    check "TLS 1.1 is refused" "! curl --silent --max-time 15 --tlsv1.1 --tls-max 1.1 --output /dev/null '$url/' 2>/dev/null"
  fi
  plain=$(curl --silent --max-time 15 --output /dev/null --write-out '%{http_code}' "http://$host/api/public/posts" || true)
  check "plain http to the API is refused" "[ \"\$plain\" != 200 ]"
fi

page=$(headers /)
check "the web console answers 200" "[ \"\$(status_of \"\$page\")\" = 200 ]"
check "HSTS on the console" "has_header \"\$page\" strict-transport-security 'max-age='"
check "nosniff on the console" "has_header \"\$page\" x-content-type-options nosniff"
check "frames denied on the console" "has_header \"\$page\" x-frame-options DENY"
check "content security policy on the console" "has_header \"\$page\" content-security-policy \"default-src 'self'\""
check "no inline script allowed" "! printf '%s' \"\$page\" | grep -i '^content-security-policy:' | grep -q unsafe"
view=$(headers /keys)
check "a deep link to a view answers the console" "[ \"\$(status_of \"\$view\")\" = 200 ]"

anon=$(headers /api/keys)
check "401 without a credential" "[ \"\$(status_of \"\$anon\")\" = 401 ]"
check "401 names the schemes (WWW-Authenticate)" "has_header \"\$anon\" www-authenticate 'Bearer'"
check "no-store on the API" "has_header \"\$anon\" cache-control no-store"
check "nosniff on the API" "has_header \"\$anon\" x-content-type-options nosniff"
unknown=$(headers /api/public/no-such-route)
check "404 for an unknown public path" "[ \"\$(status_of \"\$unknown\")\" = 404 ]"
hidden=$(headers /api/no-such-route)
check "401, not 404, for an unknown private path" "[ \"\$(status_of \"\$hidden\")\" = 401 ]"

if [[ -n "${LATCHKEY_API_KEY:-}" ]]; then
  me=$(printf 'Authorization: Bearer %s\n' "$LATCHKEY_API_KEY" | headers /api/me --header @-)
  check "the key reads /api/me (200)" "[ \"\$(status_of \"\$me\")\" = 200 ]"
  write=$(printf 'Authorization: Bearer %s\n' "$LATCHKEY_API_KEY" |
    headers /api/posts --header @- --header 'Content-Type: application/json' --data '{"title":"smoke","body":"smoke"}')
  check "a read-only key may not write (403)" "[ \"\$(status_of \"\$write\")\" = 403 ]"
fi

if [[ -n "${LATCHKEY_EXECUTE_API_URL:-}" ]]; then
  # The stage's web ACL answers 403 with the functions' own body. API
  # Gateway's bare 403 (a stage or path that does not exist) proves nothing,
  # so the body must be Latchkey's.
  refused_body="requests must come through the app's address"
  direct=$(curl --silent --max-time 15 --write-out '\n%{http_code}' "${LATCHKEY_EXECUTE_API_URL%/}/public/posts" || true)
  direct_status=${direct##*$'\n'}
  direct_body=${direct%$'\n'*}
  check "API Gateway's own address refuses requests that skip CloudFront (403, the web ACL's answer)" \
    "[ \"\$direct_status\" = 403 ] && [[ \"\$direct_body\" == *\"\$refused_body\"* ]]"
fi

if [[ $failed -ne 0 ]]; then
  echo "smoke test FAILED for $url"
  exit 1
fi
echo "smoke test passed for $url"
