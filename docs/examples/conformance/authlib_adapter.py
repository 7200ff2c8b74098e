"""Authlib (authlib.oauth1.rfc5849) over the conformance line protocol, with its defaults.

``python -m oauth1core conformance --exec 'python docs/examples/conformance/authlib_adapter.py'``
A ``request`` case goes through Authlib's ``OAuth1Request`` parser and its server's checks
(a consumer key present, ``validate_timestamp_and_nonce`` at the request's own time, with no nonce seen before, and
``validate_oauth_signature`` with the default methods: HMAC-SHA1 only). Authlib refuses plain
http unless ``AUTHLIB_INSECURE_TRANSPORT`` is set: it is set here, since the published vectors
are http examples, not requests on a wire.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _protocol import Headers, Unsupported, clock_at, query_params, serve  # noqa: E402

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

from authlib.oauth1.rfc5849 import signature, util  # noqa: E402
from authlib.oauth1.rfc5849.base_server import BaseServer  # noqa: E402
from authlib.oauth1.rfc5849.errors import InvalidSignatureError, MissingRequiredParameterError  # noqa: E402
from authlib.oauth1.rfc5849.wrapper import OAuth1Request  # noqa: E402


def sign(inp: Dict[str, Any]) -> str:
    name, base = inp["signature_method"], inp["base_string"]
    client_secret, token_secret = inp.get("client_secret", ""), inp.get("token_secret", "")
    if name == "HMAC-SHA1":
        return str(signature.hmac_sha1_signature(base, client_secret, token_secret))
    if name == "PLAINTEXT":
        return str(signature.plaintext_signature(client_secret, token_secret))
    if name == "RSA-SHA1" and "rsa_private_key" in inp:
        return str(signature.rsa_sha1_signature(base, inp["rsa_private_key"]))
    raise Unsupported(name)  # Authlib has HMAC-SHA1, RSA-SHA1 and PLAINTEXT


class Server(BaseServer):  # type: ignore[misc]
    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return False  # the nonce store is a stateful rule the vectors leave out


class Client:
    def __init__(self, inp: Dict[str, Any]) -> None:
        self.inp = inp

    def get_client_secret(self) -> str:
        return str(self.inp.get("client_secret", ""))

    def get_rsa_public_key(self) -> Optional[bytes]:
        pem = self.inp.get("rsa_public_key") or self.inp.get("certificate")
        return pem.encode() if pem else None

    def get_oauth_token_secret(self) -> str:
        return str(self.inp.get("token_secret", ""))


def request(inp: Dict[str, Any]) -> Dict[str, Any]:
    req = OAuth1Request(inp["method"], inp["uri"], inp.get("body") or None, Headers(inp.get("headers") or {}))
    if not req.client_id:  # the first check of Authlib's ResourceProtector.validate_request
        raise MissingRequiredParameterError("oauth_consumer_key")
    req.client = req.credential = Client(inp)
    server = Server()
    with clock_at(req.timestamp):
        server.validate_timestamp_and_nonce(req)
    base = signature.generate_signature_base_string(req)
    try:
        server.validate_oauth_signature(req)
        valid = True
    except InvalidSignatureError:
        valid = False
    out: Dict[str, Any] = {"base_string": base, "valid": valid}
    try:
        out["signature"] = sign(dict(inp, signature_method=req.signature_method, base_string=base))
    except Unsupported:
        pass
    return out


def base_string(inp: Dict[str, Any]) -> str:
    return str(signature.construct_base_string(inp["method"], inp["uri"],
                                               query_params(inp["uri"]) + [tuple(p) for p in inp["params"]]))


if __name__ == "__main__":
    serve({
        "percent_encode": lambda inp: util.escape(inp["value"]),
        "percent_decode": lambda inp: util.unescape(inp["value"]),
        "base_string_uri": lambda inp: signature.normalize_base_string_uri(inp["uri"]),
        "normalize_parameters": lambda inp: signature.normalize_parameters([tuple(p) for p in inp["params"]]),
        "signature_base_string": base_string,
        "signature": sign,
        "request": request,
    })
