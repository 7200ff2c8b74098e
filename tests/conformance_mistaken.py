"""A deliberately mistaken signer for the conformance kit's tests (written apart from oauth1core).

Its parameters are encoded like JavaScript's encodeURIComponent (``!*'()`` left raw) and its base
string correctly; its signing key drops the "&" when there is no token secret. It answers
``signature_base_string`` and ``signature`` cases, and ``unsupported`` to every other kind.
"""

import base64
import hashlib
import hmac
import json
import sys
from urllib.parse import parse_qsl, quote, urlsplit


def enc(text: str, safe: str = "-._~") -> str:
    return quote(text, safe=safe)


def base_uri(uri: str) -> str:
    parts = urlsplit(uri)
    port = f":{parts.port}" if parts.port and parts.port != {"http": 80, "https": 443}[parts.scheme.lower()] else ""
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}{port}{parts.path or '/'}"


def base_string(inp: dict) -> str:
    params = parse_qsl(urlsplit(inp["uri"]).query, keep_blank_values=True) + [tuple(p) for p in inp["params"]]
    params = [(n, v) for n, v in params if n != "oauth_signature"]
    raw = "-._~!*'()"  # the mistake: encodeURIComponent's set, at the parameter level only
    normalized = "&".join(sorted(enc(n, raw) + "=" + enc(v, raw) for n, v in params))
    return "&".join(enc(part) for part in (inp["method"].upper(), base_uri(inp["uri"]), normalized))


def signature(inp: dict) -> str:
    digests = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256, "HMAC-SHA512": hashlib.sha512}
    if inp["signature_method"] not in digests:
        raise LookupError("unsupported")
    token = inp.get("token_secret", "")
    key = enc(inp.get("client_secret", "")) + ("&" + enc(token) if token else "")  # the mistake: no "&"
    digest = hmac.new(key.encode(), inp["base_string"].encode(), digests[inp["signature_method"]]).digest()
    return base64.b64encode(digest).decode()


for line in sys.stdin:
    message = json.loads(line)
    handler = {"signature_base_string": base_string, "signature": signature}.get(message["kind"])
    try:
        answer = {"id": message["id"], "output": handler(message["input"])} if handler else None
    except LookupError:
        answer = None
    print(json.dumps(answer or {"id": message["id"], "unsupported": True}), flush=True)
