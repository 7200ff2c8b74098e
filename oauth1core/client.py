"""The client: sign a request in any placement (RFC 5849 sections 3.1, 3.4, 3.5).

``Client(...).sign(method, uri, headers, body)`` returns a new :class:`SignedRequest`; the
caller's headers and body are never changed. The protocol parameters go in the Authorization
header (section 3.5.1, the default), the form body (3.5.2) or the query (3.5.3).

The OAuth Request Body Hash extension (``body_hash=True``) adds ``oauth_body_hash``, the
base64 hash of the entity-body, to requests whose body is not form-encoded (form bodies are
already signed parameter by parameter, and the extension forbids the hash on them). The hash
algorithm follows the signature method: SHA-1 for HMAC-SHA1 and RSA-SHA1, SHA-256 and SHA-512
for the -SHA256 and -SHA512 methods.
"""

from __future__ import annotations

import hashlib
import time
from binascii import b2a_base64
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from .base_string import build_base_string, split_base_uri
from .clock import Clock, NonceSource, generate_nonce
from .errors import EncodingError
from .methods import RSA_METHODS, HmacMethod, SignatureMethod, resolve, signing_key
from .parameters import (
    FORM_CONTENT_TYPE,
    Param,
    build_authorization_header,
    encode_form,
    header_value,
    is_form_content_type,
    parse_form,
)

__all__ = ["Client", "SignedRequest", "body_hash_value", "PLACEMENTS"]

PLACEMENTS = ("header", "query", "body")

Body = Union[str, bytes, Mapping[str, str], Iterable[Param], None]


def body_hash_value(body: Union[str, bytes, None], algorithm: str) -> str:
    """``oauth_body_hash`` (OAuth Request Body Hash, section 3.1): base64 of the hash of the
    entity-body octets (an absent body hashes as the empty string)."""
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = body.encode("utf-8")
    else:
        data = body
    return b2a_base64(hashlib.new(algorithm, data).digest(), newline=False).decode("ascii")


class SignedRequest:
    """A signed request: what to send, and how it was signed.

    ``method``, ``uri``, ``headers`` (a new dict) and ``body`` are what goes on the wire;
    ``base_string``, ``signature`` and ``oauth_params`` (the protocol parameters, signature
    included) are for auditing. ``repr`` shows no header, since a PLAINTEXT signature is a secret.
    """

    __slots__ = ("method", "uri", "headers", "body", "base_string", "signature", "oauth_params")

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Dict[str, str],
        body: Union[str, bytes, None],
        base_string: str,
        signature: str,
        oauth_params: List[Param],
    ) -> None:
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.base_string = base_string
        self.signature = signature
        self.oauth_params = oauth_params

    def __repr__(self) -> str:
        return f"<SignedRequest {self.method} {self.uri.partition('?')[0]}>"


def _mask(secret: Optional[str]) -> str:
    return "''" if not secret else "'***'"


class Client:
    """Signs requests for one set of client (and optionally token) credentials (section 3.1).

    ``signature_method`` is a standard name (``HMAC-SHA1`` the default, ``HMAC-SHA256``,
    ``HMAC-SHA512``, ``PLAINTEXT``, ``RSA-SHA1``, ``RSA-SHA256``, ``RSA-SHA512``) or any object
    implementing :class:`~oauth1core.methods.SignatureMethod`. ``rsa_key`` is always the
    client's *private* key (PEM), for the RSA methods only. ``clock``, ``nonce_source`` and
    ``clock_offset`` make every signature reproducible (section 3.3). Instances are not
    changed by signing; :meth:`replace` returns a copy with other credentials.
    """

    __slots__ = (
        "client_key",
        "client_secret",
        "token",
        "token_secret",
        "method",
        "rsa_key",
        "realm",
        "callback",
        "verifier",
        "placement",
        "body_hash",
        "version",
        "clock",
        "nonce_source",
        "clock_offset",
        "_hmac_key",
    )

    def __init__(
        self,
        client_key: str,
        client_secret: str = "",
        *,
        token: Optional[str] = None,
        token_secret: str = "",
        signature_method: Union[str, SignatureMethod] = "HMAC-SHA1",
        rsa_key: Any = None,
        realm: Optional[str] = None,
        callback: Optional[str] = None,
        verifier: Optional[str] = None,
        placement: str = "header",
        body_hash: bool = False,
        version: bool = True,
        clock: Clock = time.time,
        nonce_source: NonceSource = generate_nonce,
        clock_offset: int = 0,
    ) -> None:
        if not isinstance(client_key, str) or not isinstance(client_secret, str):
            raise TypeError("client_key and client_secret must be str")
        if placement not in PLACEMENTS:
            raise ValueError("placement must be 'header', 'query' or 'body'")
        if isinstance(signature_method, str):
            if signature_method in RSA_METHODS:
                if rsa_key is None:
                    raise ValueError(f"{signature_method} needs rsa_key, the client's private key (PEM)")
                method = resolve(signature_method, private_key=rsa_key)
            else:
                if rsa_key is not None:
                    raise ValueError("rsa_key is only used by the RSA signature methods")
                method = resolve(signature_method)
        else:
            method = signature_method
        if body_hash and method.body_hash is None:
            raise ValueError(f"the body hash extension is not defined for {method.name}")
        self.client_key = client_key
        self.client_secret = client_secret
        self.token = token
        self.token_secret = token_secret
        self.method: SignatureMethod = method
        self.rsa_key = rsa_key
        self.realm = realm
        self.callback = callback
        self.verifier = verifier
        self.placement = placement
        self.body_hash = body_hash
        self.version = version
        self.clock = clock
        self.nonce_source = nonce_source
        self.clock_offset = clock_offset
        # HMAC: build the key once (section 3.4.2), not per request.
        self._hmac_key: Optional[bytes] = (
            signing_key(client_secret, token_secret).encode("utf-8") if isinstance(method, HmacMethod) else None
        )

    @property
    def signature_method(self) -> str:
        """The ``oauth_signature_method`` value this client sends."""
        return self.method.name

    def replace(self, **changes: Any) -> "Client":
        """A copy with some arguments changed, e.g. ``client.replace(token=t, token_secret=s)``."""
        args: Dict[str, Any] = {
            "client_key": self.client_key,
            "client_secret": self.client_secret,
            "token": self.token,
            "token_secret": self.token_secret,
            "signature_method": self.method,
            "realm": self.realm,
            "callback": self.callback,
            "verifier": self.verifier,
            "placement": self.placement,
            "body_hash": self.body_hash,
            "version": self.version,
            "clock": self.clock,
            "nonce_source": self.nonce_source,
            "clock_offset": self.clock_offset,
        }
        if "rsa_key" in changes and "signature_method" not in changes:
            changes["signature_method"] = self.method.name
        args.update(changes)
        return Client(**args)

    def __repr__(self) -> str:
        return (
            f"Client(client_key={self.client_key!r}, client_secret={_mask(self.client_secret)}, "
            f"token={self.token!r}, token_secret={_mask(self.token_secret)}, "
            f"signature_method={self.method.name!r}, placement={self.placement!r})"
        )

    def oauth_parameters(self, nonce: Optional[str] = None, timestamp: Union[str, int, None] = None) -> List[Param]:
        """The protocol parameters of section 3.1, before the signature, in a readable order."""
        params: List[Param] = [("oauth_consumer_key", self.client_key)]
        if self.token is not None:
            params.append(("oauth_token", self.token))
        params.append(("oauth_signature_method", self.method.name))
        params.append(
            (
                "oauth_timestamp",
                str(int(self.clock()) + self.clock_offset) if timestamp is None else str(timestamp),
            )
        )
        params.append(("oauth_nonce", self.nonce_source() if nonce is None else nonce))
        if self.version:
            params.append(("oauth_version", "1.0"))
        if self.callback is not None:
            params.append(("oauth_callback", self.callback))
        if self.verifier is not None:
            params.append(("oauth_verifier", self.verifier))
        return params

    def sign(
        self,
        method: str,
        uri: str,
        headers: Optional[Mapping[str, str]] = None,
        body: Body = None,
        *,
        nonce: Optional[str] = None,
        timestamp: Union[str, int, None] = None,
    ) -> SignedRequest:
        """Sign a request (sections 3.1 to 3.5) and return it as a new :class:`SignedRequest`.

        ``body`` is str or bytes (sent as given), or a mapping or list of pairs, which is
        form-encoded. Its parameters are signed when the Content-Type is
        ``application/x-www-form-urlencoded`` (section 3.4.1.3.1); a pair body without a
        Content-Type gets that one. ``nonce`` and ``timestamp`` override the client's sources.
        """
        new_headers: Dict[str, str] = dict(headers) if headers else {}
        content_type = header_value(new_headers, "Content-Type")
        if body is not None and not isinstance(body, (str, bytes)):
            pairs = list(body.items()) if isinstance(body, Mapping) else list(body)
            body = encode_form(pairs)
            if content_type is None:
                content_type = new_headers["Content-Type"] = FORM_CONTENT_TYPE
            elif not is_form_content_type(content_type):
                raise ValueError("a body of pairs is form-encoded: the Content-Type must be form too")
        placement = self.placement
        is_form = is_form_content_type(content_type) if content_type is not None else False
        if placement == "body":
            # Section 3.5.2: a single-part, form-encoded entity-body of a method that has one.
            if method.upper() in ("GET", "HEAD"):
                raise ValueError("the body placement needs a method with an entity-body (section 3.5.2)")
            if content_type is None:
                content_type = new_headers["Content-Type"] = FORM_CONTENT_TYPE
                is_form = True
            elif not is_form:
                raise ValueError("the body placement needs Content-Type application/x-www-form-urlencoded")

        body_text: Optional[str] = None
        signed: List[Param]
        base_uri, query = split_base_uri(uri)
        signed = parse_form(query) if query else []
        if is_form and body:
            try:
                body_text = body.decode("utf-8") if isinstance(body, bytes) else body
            except UnicodeDecodeError:
                raise EncodingError("a form-encoded body must be UTF-8 text") from None
            signed += parse_form(body_text)

        oauth = self.oauth_parameters(nonce, timestamp)
        if self.body_hash and not is_form:
            algorithm = self.method.body_hash
            assert algorithm is not None  # checked in __init__
            oauth.append(("oauth_body_hash", body_hash_value(body, algorithm)))
        signed += oauth

        base_string = build_base_string(method, base_uri, signed)
        key = self._hmac_key
        if key is not None:
            signature = self.method.sign_with_key(key, base_string)  # type: ignore[attr-defined]
        else:
            signature = self.method.sign(base_string, self.client_secret, self.token_secret)
        oauth.append(("oauth_signature", signature))

        if placement == "header":
            for name in [k for k in new_headers if k.lower() == "authorization"]:
                del new_headers[name]
            new_headers["Authorization"] = build_authorization_header(oauth, self.realm)
        elif placement == "query":
            # Section 3.5.3: added to the query, after the existing parameters.
            before, hash_mark, fragment = uri.partition("#")
            if "?" not in before:
                before += "?"
            elif not before.endswith(("?", "&")):
                before += "&"
            uri = before + encode_form(oauth) + hash_mark + fragment
        else:
            # Section 3.5.2: added to the form-encoded body.
            text = body_text if body_text is not None else (body.decode("utf-8") if isinstance(body, bytes) else body or "")
            text = (text + "&" if text and not text.endswith("&") else text) + encode_form(oauth)
            body = text.encode("utf-8") if isinstance(body, bytes) else text
        return SignedRequest(method, uri, new_headers, body, base_string, signature, oauth)
