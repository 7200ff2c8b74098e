"""oauthlib (oauthlib.oauth1.rfc5849) over the conformance line protocol, with its defaults.

``python -m oauth1core conformance --exec 'python docs/examples/conformance/oauthlib_adapter.py'``
A ``request`` case goes through oauthlib's endpoint checks (its parser, then its mandatory-parameter
checks with its default limits, at the request's own time) and its signature verification.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _protocol import Unsupported, clock_at, serve  # noqa: E402

from oauthlib.oauth1 import RequestValidator  # noqa: E402
from oauthlib.oauth1.rfc5849 import signature, utils  # noqa: E402
from oauthlib.oauth1.rfc5849.endpoints.base import BaseEndpoint  # noqa: E402

# oauthlib's own signing functions (the *_with_client ones call these).
HASHES = {"HMAC-SHA1": "SHA-1", "HMAC-SHA256": "SHA-256", "HMAC-SHA512": "SHA-512",
          "RSA-SHA1": "SHA-1", "RSA-SHA256": "SHA-256", "RSA-SHA512": "SHA-512"}


def private_key(inp: Dict[str, Any]) -> str:
    if "rsa_private_key" not in inp:
        raise Unsupported("oauthlib signs RSA with a private key only")
    return str(inp["rsa_private_key"])


def base_string(inp: Dict[str, Any]) -> str:
    query = signature.collect_parameters(uri_query=urlsplit(inp["uri"]).query)  # oauth_signature excluded
    params = query + [(n, v) for n, v in inp["params"] if n not in ("oauth_signature", "realm")]
    return signature.signature_base_string(inp["method"].upper(), signature.base_string_uri(inp["uri"]),
                                           signature.normalize_parameters(params))


def sign(inp: Dict[str, Any]) -> str:
    name, base = inp["signature_method"], inp["base_string"]
    secrets = (inp.get("client_secret", ""), inp.get("token_secret", ""))
    if name == "PLAINTEXT":
        return str(signature.sign_plaintext(*secrets))
    if name.startswith("HMAC-"):
        return str(signature._sign_hmac(HASHES[name], base, *secrets))
    return str(signature._sign_rsa(HASHES[name], base, private_key(inp)))


class Validator(RequestValidator):  # every limit and setting is oauthlib's default
    def __init__(self, inp: Dict[str, Any]) -> None:
        super().__init__()
        self.inp = inp

    def get_client_secret(self, client_key: str, request: Any) -> str:
        return str(self.inp.get("client_secret", ""))

    def get_access_token_secret(self, client_key: str, token: str, request: Any) -> str:
        return str(self.inp.get("token_secret", ""))

    def get_rsa_key(self, client_key: str, request: Any) -> str:
        from cryptography.hazmat.primitives import serialization
        from cryptography.x509 import load_pem_x509_certificate

        pem = self.inp.get("rsa_public_key") or self.inp.get("certificate")
        if pem and "CERTIFICATE" in pem:
            key = load_pem_x509_certificate(pem.encode()).public_key()
        elif pem:
            return str(pem)
        else:
            key = serialization.load_pem_private_key(private_key(self.inp).encode(), None).public_key()
        return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def request(inp: Dict[str, Any]) -> Dict[str, Any]:
    endpoint = BaseEndpoint(Validator(inp))
    req = endpoint._create_request(inp["uri"], inp["method"], inp.get("body") or "", inp.get("headers") or {})
    with clock_at(req.timestamp):
        endpoint._check_mandatory_parameters(req)
    base = signature.signature_base_string(req.http_method.upper(), signature.base_string_uri(req.uri),
                                           signature.normalize_parameters(req.params))
    out: Dict[str, Any] = {"base_string": base, "valid": bool(endpoint._check_signature(req))}
    try:
        out["signature"] = sign(dict(inp, signature_method=req.signature_method, base_string=base))
    except Unsupported:
        pass
    return out


if __name__ == "__main__":
    serve({
        "percent_encode": lambda inp: utils.escape(inp["value"]),
        "percent_decode": lambda inp: utils.unescape(inp["value"]),
        "base_string_uri": lambda inp: signature.base_string_uri(inp["uri"]),
        "normalize_parameters": lambda inp: signature.normalize_parameters([tuple(p) for p in inp["params"]]),
        "signature_base_string": base_string,
        "signature": sign,
        "request": request,
    })
