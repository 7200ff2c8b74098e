"""requests-oauthlib's signer (``requests_oauthlib.OAuth1``) over the conformance line protocol.

``python -m oauth1core conformance --exec 'python docs/examples/conformance/requests_oauthlib_adapter.py'``
A signer only: a ``signature_base_string`` case is signed as a request (its protocol parameters
given to ``OAuth1``, its other parameters as a form body, the URI through ``requests``) and the
base string the signer built is recorded. It can only express the protocol parameters a client
sends (consumer key, token, nonce, timestamp, version 1.0, callback, verifier, an HMAC method):
other cases, and the other kinds, are unsupported.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _protocol import Unsupported, serve  # noqa: E402

import requests  # noqa: E402
from oauthlib.oauth1.rfc5849 import signature  # noqa: E402
from requests_oauthlib import OAuth1  # noqa: E402

ARGUMENTS = {"oauth_consumer_key": "client_key", "oauth_token": "resource_owner_key", "oauth_nonce": "nonce",
             "oauth_timestamp": "timestamp", "oauth_signature_method": "signature_method",
             "oauth_callback": "callback_uri", "oauth_verifier": "verifier"}
REQUIRED = {"oauth_consumer_key", "oauth_nonce", "oauth_timestamp", "oauth_signature_method", "oauth_version"}


def auth_for(params: List[List[str]]) -> OAuth1:
    oauth = [(n, v) for n, v in params if n.startswith("oauth_")]
    names = [n for n, _ in oauth]
    if len(set(names)) != len(names) or not REQUIRED <= set(names) or dict(oauth)["oauth_version"] != "1.0":
        raise Unsupported("a client always sends each protocol parameter once, with oauth_version 1.0")
    if not set(names) <= set(ARGUMENTS) | {"oauth_version"} or not dict(oauth)["oauth_signature_method"].startswith("HMAC-"):
        raise Unsupported("a protocol parameter OAuth1 cannot send")
    return OAuth1(client_secret="secret", **{ARGUMENTS[n]: v for n, v in oauth if n in ARGUMENTS})


def base_string(inp: Dict[str, Any]) -> str:
    auth = auth_for(inp["params"])
    form = [(n, v) for n, v in inp["params"] if not n.startswith("oauth_")]
    recorded: List[str] = []
    original = signature.signature_base_string

    def record(*args: Any) -> str:
        recorded.append(original(*args))
        return recorded[-1]

    headers = {"Content-Type": "application/x-www-form-urlencoded"} if form else {}
    with mock.patch.object(signature, "signature_base_string", record):
        requests.Request(inp["method"], inp["uri"], data=form or None, headers=headers, auth=auth).prepare()
    return recorded[-1]


if __name__ == "__main__":
    serve({"signature_base_string": base_string})
