#!/bin/sh
# Calls GET /api/me with the API key in LATCHKEY_API_KEY and prints who the
# key belongs to. The key goes to curl on its standard input, not as an
# argument, so that other users of the machine cannot read it in `ps`.
# On an answer that is not 2xx, curl prints the API's error and exits 22.
#
#   LATCHKEY_URL=http://localhost:8080 LATCHKEY_API_KEY=lk_test_… sh examples/curl.sh
set -eu
: "${LATCHKEY_URL:?set LATCHKEY_URL, e.g. http://localhost:8080}"
: "${LATCHKEY_API_KEY:?set LATCHKEY_API_KEY to an API key}"
printf 'Authorization: Bearer %s\n' "$LATCHKEY_API_KEY" |
  curl --silent --show-error --fail-with-body --header @- "$LATCHKEY_URL/api/me"
echo
