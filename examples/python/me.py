"""Calls GET /api/me with the API key in LATCHKEY_API_KEY and prints who the
key belongs to; exits 1 with the API's message on an answer that is not 2xx.

    LATCHKEY_URL=http://localhost:8080 LATCHKEY_API_KEY=lk_test_… python3 examples/python/me.py
    python3 examples/python/me.py --basic     # HTTP Basic, user "apikey"

Needs `requests` (pip install requests).
"""
import os
import sys

import requests
from requests.auth import HTTPBasicAuth


def main() -> int:
    url = os.environ.get("LATCHKEY_URL")
    key = os.environ.get("LATCHKEY_API_KEY")
    if not url or not key:
        print("set LATCHKEY_URL and LATCHKEY_API_KEY", file=sys.stderr)
        return 2
    if "--basic" in sys.argv[1:]:
        resp = requests.get(url + "/api/me", auth=HTTPBasicAuth("apikey", key), timeout=10)
    else:
        resp = requests.get(url + "/api/me", headers={"Authorization": "Bearer " + key}, timeout=10)
    if not resp.ok:
        try:
            message = resp.json()["message"]
        except (ValueError, KeyError):
            message = resp.reason
        print(f"{resp.status_code}: {message}", file=sys.stderr)
        return 1
    me = resp.json()
    print(f"{me['user']['name']} <{me['user']['email']}>, by {me['auth']['method']} "
          f"with {', '.join(me['auth']['permissions'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
