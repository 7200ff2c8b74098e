"""oauth1core itself over the conformance line protocol: the reference row of the matrix.

``python -m oauth1core conformance --exec 'python docs/examples/conformance/oauth1core_adapter.py'``
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _protocol import Unsupported, serve  # noqa: E402

from oauth1core.base_string import base_string_uri, signature_base_string  # noqa: E402
from oauth1core.encoding import percent_decode, percent_encode  # noqa: E402
from oauth1core.errors import SignatureInvalid  # noqa: E402
from oauth1core.methods import resolve  # noqa: E402
from oauth1core.parameters import normalize_parameters  # noqa: E402
from oauth1core.parsing import parse_request  # noqa: E402
from oauth1core.verify import verify_request  # noqa: E402


def sign(inp: Dict[str, Any]) -> str:
    name = inp["signature_method"]
    if name.startswith("RSA-"):
        if "rsa_private_key" not in inp:
            raise Unsupported("signing needs the private key")
        return resolve(name, private_key=inp["rsa_private_key"]).sign(inp["base_string"], "", "")
    return resolve(name).sign(inp["base_string"], inp.get("client_secret", ""), inp.get("token_secret", ""))


def request(inp: Dict[str, Any]) -> Dict[str, Any]:
    method, uri, headers, body = inp["method"], inp["uri"], inp.get("headers") or {}, inp.get("body")
    parsed = parse_request(method, uri, headers, body)
    public = inp.get("rsa_public_key") or inp.get("certificate")
    if public is None and "rsa_private_key" in inp:
        public = resolve(parsed.oauth.get("oauth_signature_method", ""), private_key=inp["rsa_private_key"]).public_key  # type: ignore[attr-defined]
    try:
        verify_request(method, uri, headers, body, client_secret=inp.get("client_secret", ""),
                       token_secret=inp.get("token_secret", ""), rsa_public_key=public)
        valid = True
    except SignatureInvalid:
        valid = False
    out: Dict[str, Any] = {"base_string": parsed.base_string, "valid": valid}
    try:
        out["signature"] = sign(dict(inp, signature_method=parsed.oauth["oauth_signature_method"],
                                     base_string=parsed.base_string))
    except Unsupported:
        pass
    return out


if __name__ == "__main__":
    serve({
        "percent_encode": lambda inp: percent_encode(inp["value"]),
        "percent_decode": lambda inp: percent_decode(inp["value"]),
        "base_string_uri": lambda inp: base_string_uri(inp["uri"]),
        "normalize_parameters": lambda inp: normalize_parameters([tuple(p) for p in inp["params"]]),
        "signature_base_string": lambda inp: signature_base_string(inp["method"], inp["uri"],
                                                                   [tuple(p) for p in inp["params"]]),
        "signature": sign,
        "request": request,
    })
