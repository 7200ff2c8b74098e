"""Strict parsing of a request as it arrives (RFC 5849 sections 3.4.1.3.1, 3.5).

One canonical parse, used by stateless verification, the provider and the audit tools:

* the ``Authorization`` header is parsed strictly (section 3.5.1): ``OAuth`` then
  ``name="value"`` pairs separated by commas, every value quoted, every name and value valid
  percent-encoding, no name twice (``realm`` included);
* the query (3.5.3) and, only when the Content-Type is ``application/x-www-form-urlencoded``
  whatever its parameters, the body (3.5.2) are form-decoded strictly;
* protocol parameters (``oauth_*``) must come from exactly one place (section 3.5 lists the
  places; sending them in two is ambiguous, and a server reading one while a proxy or a
  framework reads another is how signatures get bypassed), with no name repeated there
  (section 3.2: duplicated protocol parameters are a 400);
* sizes (header, URI, body, parameter count, value length) are checked before parsing.

Any input gives a :class:`ParsedRequest` or an :class:`~oauth1core.errors.OAuthError`.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from .base_string import build_base_string, split_base_uri
from .encoding import percent_decode
from .errors import DuplicateParameter, EncodingError, OAuthError, ParameterRejected
from .parameters import Param, is_form_content_type, parse_form

__all__ = ["Limits", "DEFAULT_LIMITS", "ParsedRequest", "parse_authorization_header", "parse_request"]


class Limits:
    """Size limits checked before parsing. Every field can be changed per server or call."""

    __slots__ = (
        "max_authorization_header",
        "max_uri",
        "max_form_body",
        "max_parameters",
        "max_value",
        "max_protocol_value",
        "max_nonce",
    )

    def __init__(
        self,
        *,
        max_authorization_header: int = 8192,
        max_uri: int = 16384,
        max_form_body: int = 1 << 20,
        max_parameters: int = 1000,
        max_value: int = 1 << 20,
        max_protocol_value: int = 4096,
        max_nonce: int = 255,
    ) -> None:
        self.max_authorization_header = max_authorization_header
        self.max_uri = max_uri
        self.max_form_body = max_form_body
        self.max_parameters = max_parameters
        self.max_value = max_value
        self.max_protocol_value = max_protocol_value
        self.max_nonce = max_nonce


DEFAULT_LIMITS = Limits()

# RFC 2617 auth-param with a quoted-string value; the value's quoted-pairs are unescaped later.
_AUTH_PARAM = re.compile(r'([^\s=,"]+)[ \t]*=[ \t]*"((?:[^"\\]|\\.)*)"')
# Section 3.6 output: unreserved characters and %XX escapes only.
_ENCODED = re.compile(r"(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})*")
_WS = " \t"
_METHOD = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 7230 token


def parse_authorization_header(
    value: str, *, strict: bool = True, max_length: int = DEFAULT_LIMITS.max_authorization_header
) -> List[Param]:
    """Parse an ``Authorization: OAuth ...`` header value (RFC 5849 section 3.5.1).

    1. The auth-scheme is ``OAuth`` (case-insensitive, RFC 2617 section 1.2).
    2. Parameters are ``name="value"``, separated by "," with optional white space.
    3. Names and values are percent-decoded (section 3.6); with ``strict`` (the default) they
       must be exactly what section 3.6 produces: unreserved characters and ``%XX`` escapes.
       ``realm`` is an RFC 2617 quoted-string: its ``\\"`` escapes are undone, it is not decoded.
    4. A name given twice, ``realm`` included, is rejected (section 3.2).

    Returns the pairs in order, ``realm`` included. Raises :class:`ParameterRejected` or
    :class:`DuplicateParameter` (400) for anything else.
    """
    if len(value) > max_length:
        raise ParameterRejected("the Authorization header is too large", parameter="Authorization")
    text = value.strip(_WS)
    scheme_end = 0
    while scheme_end < len(text) and text[scheme_end] not in _WS:
        scheme_end += 1
    if text[:scheme_end].lower() != "oauth":
        raise ParameterRejected("the Authorization header does not use the OAuth scheme", parameter="Authorization")
    pos = scheme_end
    end = len(text)
    while pos < end and text[pos] in _WS:
        pos += 1
    params: List[Param] = []
    seen = set()
    while pos < end:
        match = _AUTH_PARAM.match(text, pos)
        if match is None:
            raise ParameterRejected(
                'malformed Authorization header: expected name="value" pairs separated by commas',
                parameter="Authorization",
            )
        raw_name, raw_value = match.group(1), match.group(2)
        if strict and _ENCODED.fullmatch(raw_name) is None:
            raise ParameterRejected("malformed parameter name in the Authorization header", parameter="Authorization")
        name = percent_decode(raw_name)
        if name == "realm":
            decoded = re.sub(r"\\(.)", r"\1", raw_value) if "\\" in raw_value else raw_value
        else:
            if strict and _ENCODED.fullmatch(raw_value) is None:
                raise ParameterRejected(
                    "a value in the Authorization header is not percent-encoded as section 3.6 requires",
                    parameter=name if name.startswith("oauth_") else "Authorization",
                )
            decoded = percent_decode(raw_value)
        if name in seen:
            raise DuplicateParameter("a parameter is repeated in the Authorization header", parameter=name)
        seen.add(name)
        params.append((name, decoded))
        pos = match.end()
        while pos < end and text[pos] in _WS:
            pos += 1
        if pos == end:
            break
        if text[pos] != ",":
            raise ParameterRejected(
                "malformed Authorization header: parameters must be separated by commas", parameter="Authorization"
            )
        pos += 1
        while pos < end and text[pos] in _WS:
            pos += 1
        if pos == end:
            raise ParameterRejected("malformed Authorization header: trailing comma", parameter="Authorization")
    return params


class ParsedRequest:
    """A request parsed as section 3.4.1.3.1 collects it; nothing verified yet.

    ``params`` are the parameters that are signed, in order (query, then body, then header,
    without ``oauth_signature`` and the header's ``realm``); ``oauth`` maps each protocol
    parameter (``oauth_signature`` included) to its value; ``placement`` says where they came
    from (``"header"``, ``"query"``, ``"body"``, or ``None`` when there are none).
    """

    __slots__ = (
        "method",
        "uri",
        "base_uri",
        "query_params",
        "body_params",
        "header_params",
        "params",
        "oauth",
        "placement",
        "realm",
        "body",
        "is_form",
        "_base_string",
    )

    def __init__(
        self,
        method: str,
        uri: str,
        base_uri: str,
        query_params: List[Param],
        body_params: List[Param],
        header_params: List[Param],
        params: List[Param],
        oauth: Dict[str, str],
        placement: Optional[str],
        realm: Optional[str],
        body: bytes,
        is_form: bool,
    ) -> None:
        self.method = method
        self.uri = uri
        self.base_uri = base_uri
        self.query_params = query_params
        self.body_params = body_params
        self.header_params = header_params
        self.params = params
        self.oauth = oauth
        self.placement = placement
        self.realm = realm
        self.body = body
        self.is_form = is_form
        self._base_string: Optional[str] = None

    @property
    def base_string(self) -> str:
        """The signature base string of this request (section 3.4.1.1)."""
        if self._base_string is None:
            self._base_string = build_base_string(self.method, self.base_uri, self.params)
        return self._base_string

    def sources(self) -> List[Tuple[str, str, str]]:
        """Every parameter with its source: ``(name, value, "query" | "body" | "header")``."""
        return (
            [(n, v, "query") for n, v in self.query_params]
            + [(n, v, "body") for n, v in self.body_params]
            + [(n, v, "header") for n, v in self.header_params]
        )


def _protocol(params: List[Param], source: str) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for name, value in params:
        if name.startswith("oauth_"):
            if name in found:
                raise DuplicateParameter(f"a protocol parameter is repeated in the {source}", parameter=name)
            found[name] = value
    return found


def parse_request(
    method: str,
    uri: str,
    headers: Optional[Mapping[str, str]] = None,
    body: Union[str, bytes, None] = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    strict: bool = True,
) -> ParsedRequest:
    """Collect a received request's parameters (RFC 5849 sections 3.4.1.3.1 and 3.5).

    Total: any input gives a :class:`ParsedRequest` or an :class:`OAuthError` (400).
    """
    try:
        return _parse_request(method, uri, headers, body, limits, strict)
    except OAuthError:
        raise
    except (TypeError, ValueError, AttributeError, UnicodeError):
        # Wrong types from a caller (a header value that is not text, say): still a typed 400.
        raise ParameterRejected("the request could not be parsed") from None


def _parse_request(
    method: Any, uri: Any, headers: Any, body: Any, limits: Limits, strict: bool
) -> ParsedRequest:
    if not isinstance(method, str) or _METHOD.fullmatch(method) is None:
        raise ParameterRejected("invalid HTTP method")
    if not isinstance(uri, str):
        raise ParameterRejected("the request URI must be text")
    if len(uri) > limits.max_uri:
        raise ParameterRejected("the request URI is too long")

    authorization: Optional[str] = None
    content_type: Optional[str] = None
    if headers:
        for key, value in headers.items():
            lowered = key.lower()
            if lowered == "authorization":
                if authorization is not None:
                    raise DuplicateParameter("more than one Authorization header", parameter="Authorization")
                if not isinstance(value, str):
                    raise ParameterRejected("the Authorization header must be text", parameter="Authorization")
                authorization = value
            elif lowered == "content-type":
                content_type = value

    header_params: List[Param] = []
    realm: Optional[str] = None
    stripped = authorization.lstrip(_WS) if authorization is not None else ""
    if stripped[:5].lower() == "oauth" and (len(stripped) == 5 or stripped[5] in _WS):
        # Another scheme (Basic, Bearer...) is not ours: its request carries no OAuth header.
        assert authorization is not None
        header_params = parse_authorization_header(
            authorization, strict=strict, max_length=limits.max_authorization_header
        )
        for name, value in header_params:
            if name == "realm":
                realm = value
        if realm is not None:
            header_params_signed = [p for p in header_params if p[0] != "realm"]
        else:
            header_params_signed = header_params
    else:
        header_params_signed = header_params

    base_uri, query = split_base_uri(uri)
    query_params = parse_form(query) if query else []

    is_form = is_form_content_type(content_type)
    raw_body: bytes
    if body is None:
        raw_body = b""
    elif isinstance(body, str):
        try:
            raw_body = body.encode("utf-8")
        except UnicodeEncodeError:
            raise EncodingError("the body is not valid UTF-8 text") from None
    elif isinstance(body, (bytes, bytearray, memoryview)):
        raw_body = bytes(body)
    else:
        raise ParameterRejected("the body must be str or bytes")
    body_params: List[Param] = []
    if is_form and raw_body:
        if len(raw_body) > limits.max_form_body:
            raise ParameterRejected("the form-encoded body is too large")
        try:
            body_text = raw_body.decode("utf-8")
        except UnicodeDecodeError:
            raise EncodingError("the form-encoded body is not UTF-8") from None
        body_params = parse_form(body_text)

    if len(query_params) + len(body_params) + len(header_params) > limits.max_parameters:
        raise ParameterRejected("too many parameters")

    oauth: Dict[str, str] = {}
    placement: Optional[str] = None
    for source, source_params in (("header", header_params), ("query", query_params), ("body", body_params)):
        found = _protocol(source_params, source)
        if found:
            if placement is not None:
                raise DuplicateParameter(
                    f"protocol parameters are sent in more than one place ({placement} and {source})",
                    parameter=next(iter(found)),
                )
            placement = source
            oauth = found

    max_value = limits.max_value
    max_protocol = limits.max_protocol_value
    for name, value in oauth.items():
        if len(value) > max_protocol:
            raise ParameterRejected("a protocol parameter is too long", parameter=name)
    for params in (query_params, body_params):
        for name, value in params:
            if len(value) > max_value or len(name) > max_value:
                raise ParameterRejected("a parameter is too long", parameter=name[:64])

    signed: List[Param] = query_params + body_params + header_params_signed
    if "oauth_signature" in oauth:
        signed = [p for p in signed if p[0] != "oauth_signature"]
    return ParsedRequest(
        method,
        uri,
        base_uri,
        query_params,
        body_params,
        header_params,
        signed,
        oauth,
        placement,
        realm,
        raw_body,
        is_form,
    )
