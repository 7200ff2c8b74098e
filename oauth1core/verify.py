"""Stateless verification of a request as it arrives (RFC 5849 sections 3.1, 3.2, 3.4).

:func:`verify_request` applies every rule of RFC 5849 that needs no stored state: the parse of
:mod:`oauth1core.parsing`, the required protocol parameters, ``oauth_version``, the supported
signature methods, the timestamp and nonce formats, the body hash, and the signature, compared
in constant time. The timestamp window and the nonce store are the provider's
(:mod:`oauth1core.server`), which composes the same steps: :func:`check_protocol`,
:func:`check_signature`, :func:`check_body_hash`.
"""

from __future__ import annotations

import hashlib
import hmac
from binascii import b2a_base64
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Union

from .errors import (
    BodyHashInvalid,
    ParameterAbsent,
    ParameterRejected,
    SignatureInvalid,
    SignatureMethodRejected,
    VersionRejected,
)
from .methods import STANDARD_METHODS, SignatureMethod, resolve
from .parameters import Param
from .parsing import DEFAULT_LIMITS, Limits, ParsedRequest, parse_request

if TYPE_CHECKING:  # pragma: no cover - annotations only: the provider's records, built above this layer
    from .server import Consumer
    from .stores import TokenRecord

__all__ = ["VerifiedRequest", "verify_request"]

#: The protocol parameters of RFC 5849 section 3.1 (and 2.1, 2.3), plus ``oauth_body_hash``
#: (OAuth Request Body Hash). Any other ``oauth_*`` parameter is unsupported: a 400 (3.2).
PROTOCOL_PARAMETERS = frozenset(
    {
        "oauth_consumer_key",
        "oauth_token",
        "oauth_signature_method",
        "oauth_signature",
        "oauth_timestamp",
        "oauth_nonce",
        "oauth_version",
        "oauth_callback",
        "oauth_verifier",
        "oauth_body_hash",
    }
)

_NONCE_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F))
_REQUIRED = frozenset({"oauth_consumer_key", "oauth_signature_method", "oauth_signature"})


class VerifiedRequest:
    """A request whose signature verified (and, from the provider, whose nonce and token did).

    ``consumer_key``, ``token`` (``None`` when absent or empty), ``signature_method``,
    ``timestamp`` (an int, ``None`` for PLAINTEXT without one), ``nonce``, ``callback``,
    ``verifier``, ``realm``, ``params`` (the signed parameters, in order) and ``oauth`` (every
    protocol parameter). From the provider, ``consumer`` is the :class:`~oauth1core.server.Consumer`
    and ``access`` the stored :class:`~oauth1core.stores.TokenRecord` of the token (``None``
    without one); both are ``None`` from stateless :func:`verify_request`. Built whole: nothing
    is set after construction.
    """

    __slots__ = (
        "consumer_key",
        "token",
        "signature_method",
        "timestamp",
        "nonce",
        "callback",
        "verifier",
        "realm",
        "params",
        "oauth",
        "parsed",
        "consumer",
        "access",
    )

    def __init__(
        self,
        parsed: ParsedRequest,
        timestamp: Optional[int],
        consumer: Optional["Consumer"] = None,
        access: Optional["TokenRecord"] = None,
    ) -> None:
        oauth = parsed.oauth
        self.parsed = parsed
        self.oauth: Dict[str, str] = oauth
        self.params: List[Param] = parsed.params
        self.consumer_key: str = oauth["oauth_consumer_key"]
        self.token: Optional[str] = oauth.get("oauth_token") or None
        self.signature_method: str = oauth["oauth_signature_method"]
        self.timestamp = timestamp
        self.nonce: Optional[str] = oauth.get("oauth_nonce")
        self.callback: Optional[str] = oauth.get("oauth_callback")
        self.verifier: Optional[str] = oauth.get("oauth_verifier")
        self.realm = parsed.realm
        self.consumer = consumer
        self.access = access

    @property
    def base_string(self) -> str:
        """The signature base string the request was verified against (section 3.4.1.1)."""
        return self.parsed.base_string

    def __repr__(self) -> str:
        return f"<VerifiedRequest consumer_key={self.consumer_key!r} token={self.token!r} {self.signature_method}>"


def check_protocol(
    parsed: ParsedRequest,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> Optional[int]:
    """Check the protocol parameters of section 3.1; returns the timestamp (or None).

    1. ``oauth_consumer_key``, ``oauth_signature_method`` and ``oauth_signature`` are required;
       ``oauth_timestamp`` and ``oauth_nonce`` too, except with PLAINTEXT (3.1, 3.4.4).
    2. ``oauth_version``, when present, MUST be ``1.0`` (3.1, 3.2).
    3. The signature method must be one of the standard names (3.4); others are a 400.
    4. The timestamp is a positive integer (3.3) written in ASCII digits only: no sign, space,
       underscore, leading zero or non-ASCII digit. The nonce is printable ASCII, not empty,
       and bounded (``limits.max_nonce``).
    5. Unknown ``oauth_*`` parameters are unsupported parameters (3.2): a 400.
    """
    oauth = parsed.oauth
    if not oauth:
        raise ParameterAbsent("the request carries no OAuth protocol parameters", parameter="oauth_consumer_key")
    if not _REQUIRED.issubset(oauth):
        for name in ("oauth_consumer_key", "oauth_signature_method", "oauth_signature"):
            if name not in oauth:
                raise ParameterAbsent("a required protocol parameter is missing", parameter=name)
    if not PROTOCOL_PARAMETERS.issuperset(oauth):
        for name in oauth:
            if name not in PROTOCOL_PARAMETERS:
                raise ParameterRejected("unsupported protocol parameter", parameter=name)
    version = oauth.get("oauth_version")
    if version is not None and version != "1.0":
        raise VersionRejected("oauth_version must be 1.0", parameter="oauth_version")
    method = oauth["oauth_signature_method"]
    if method not in STANDARD_METHODS:
        raise SignatureMethodRejected("unsupported signature method", parameter="oauth_signature_method")
    timestamp_text = oauth.get("oauth_timestamp")
    nonce = oauth.get("oauth_nonce")
    if method != "PLAINTEXT":
        if timestamp_text is None:
            raise ParameterAbsent("a required protocol parameter is missing", parameter="oauth_timestamp")
        if nonce is None:
            raise ParameterAbsent("a required protocol parameter is missing", parameter="oauth_nonce")
    timestamp: Optional[int] = None
    if timestamp_text is not None:
        if (
            not timestamp_text
            or not timestamp_text.isascii()
            or not timestamp_text.isdigit()
            or timestamp_text[0] == "0"
            or len(timestamp_text) > 12
        ):
            raise ParameterRejected(
                "oauth_timestamp must be a positive integer in ASCII digits", parameter="oauth_timestamp"
            )
        timestamp = int(timestamp_text)
    if nonce is not None:
        if not nonce or len(nonce) > limits.max_nonce or not _NONCE_CHARS.issuperset(nonce):
            raise ParameterRejected("oauth_nonce must be 1 to 255 printable ASCII characters", parameter="oauth_nonce")
    return timestamp


def check_signature(parsed: ParsedRequest, method: SignatureMethod, client_secret: str, token_secret: str) -> None:
    """Section 3.2: recompute the signature (3.4) and compare it in constant time."""
    if not method.verify(parsed.base_string, parsed.oauth["oauth_signature"], client_secret, token_secret):
        raise SignatureInvalid("the signature does not verify", parameter="oauth_signature")


def check_body_hash(parsed: ParsedRequest, method: SignatureMethod) -> None:
    """OAuth Request Body Hash, section 3.2: when ``oauth_body_hash`` is present, it must be
    the base64 hash of the body, with the algorithm of the signature method; it must not be
    sent with a form-encoded body (whose parameters are signed already)."""
    provided = parsed.oauth.get("oauth_body_hash")
    if provided is None:
        return
    if parsed.is_form:
        raise ParameterRejected("oauth_body_hash must not be sent with a form-encoded body", parameter="oauth_body_hash")
    algorithm = method.body_hash
    if algorithm is None:
        raise ParameterRejected("oauth_body_hash is not defined for this signature method", parameter="oauth_body_hash")
    expected = b2a_base64(hashlib.new(algorithm, parsed.body).digest(), newline=False)
    if not hmac.compare_digest(expected, provided.encode("utf-8", "surrogatepass")):
        raise BodyHashInvalid("oauth_body_hash does not match the body", parameter="oauth_body_hash")


def verify_request(
    method: str,
    uri: str,
    headers: Optional[Mapping[str, str]] = None,
    body: Union[str, bytes, None] = None,
    *,
    client_secret: str = "",
    token_secret: str = "",
    rsa_public_key: Any = None,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedRequest:
    """Verify a request as it arrives, statelessly (RFC 5849 sections 3.2 and 3.4).

    Every rule except the timestamp window and the nonce store (the provider's). For the RSA
    methods ``rsa_public_key`` is the client's public key or certificate (PEM, or a key object
    of :mod:`oauth1core.methods.rsa`); it is never a private key. Returns a
    :class:`VerifiedRequest`; raises an :class:`~oauth1core.errors.OAuthError` subclass (400
    when malformed, 401 when the signature or body hash does not verify).
    """
    parsed = parse_request(method, uri, headers, body, limits=limits)
    timestamp = check_protocol(parsed, limits=limits)
    name = parsed.oauth["oauth_signature_method"]
    if name.startswith("RSA-"):
        if rsa_public_key is None:
            raise SignatureMethodRejected(
                "RSA signatures need the client's public key to verify", parameter="oauth_signature_method"
            )
        signature_method = resolve(name, public_key=rsa_public_key)
    else:
        signature_method = resolve(name)
    check_signature(parsed, signature_method, client_secret, token_secret)
    check_body_hash(parsed, signature_method)
    return VerifiedRequest(parsed, timestamp)
