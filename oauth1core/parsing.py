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
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple, Union

from .base_string import _assemble, _form_items, _item, _items, split_base_uri
from .encoding import percent_decode, percent_encode
from .errors import DuplicateParameter, EncodingError, OAuthError, ParameterRejected
from .parameters import Param, is_form_content_type, parse_form

__all__ = ["Limits", "ParsedRequest", "parse_authorization_header", "parse_request"]


class Limits:
    """Size limits checked before parsing, per server or call. Immutable, and checked when built:
    each is a positive int (a zero or negative limit would refuse everything, or nothing)."""

    __slots__ = (
        "max_authorization_header",
        "max_uri",
        "max_form_body",
        "max_parameters",
        "max_value",
        "max_protocol_value",
        "max_nonce",
    )

    max_authorization_header: int
    max_uri: int
    max_form_body: int
    max_parameters: int
    max_value: int
    max_protocol_value: int
    max_nonce: int

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
        values = (max_authorization_header, max_uri, max_form_body, max_parameters, max_value, max_protocol_value,
                  max_nonce)
        for name, value in zip(self.__slots__, values):
            if type(value) is not int or value <= 0:
                raise ValueError(f"{name} must be a positive int")
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Limits are immutable: build another Limits(...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Limits are immutable: build another Limits(...)")

    def __repr__(self) -> str:
        return "Limits(" + ", ".join(f"{name}={getattr(self, name)}" for name in self.__slots__) + ")"


DEFAULT_LIMITS = Limits()

# RFC 2617 auth-param with a quoted-string value; the value's quoted-pairs are unescaped later.
_AUTH_PARAM = re.compile(r'([^\s=,"]+)[ \t]*=[ \t]*"((?:[^"\\]|\\.)*)"')
# Section 3.6 output: unreserved characters and %XX escapes only.
_ENCODED = re.compile(r"(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})*")
_WS = " \t"
#: RFC 7230 section 3.2.6 ``token`` (a method, a header name): ``1*tchar``.
TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_METHOD = re.compile(TOKEN)
_COMMON_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})  # tokens

# The header as clients write it: names of unreserved characters, values of unreserved
# characters and "%XX" escapes (no quoted-pair, no other character), spaces and tabs around the
# separators. Matched mostly by character-class runs, which are fast; anything else takes the
# general parser.
_SIMPLE_PARAM = r'[A-Za-z0-9\-._~]+[ \t]*=[ \t]*"[A-Za-z0-9\-._~]*(?:%[0-9A-Fa-f]{2}[A-Za-z0-9\-._~]*)*"'
_SIMPLE_HEADER = re.compile(
    rf"[ \t]*[Oo][Aa][Uu][Tt][Hh][ \t]+{_SIMPLE_PARAM}(?:[ \t]*,[ \t]*{_SIMPLE_PARAM})*[ \t]*"
).fullmatch

class _Header(NamedTuple):
    """The Authorization header of a request, read (section 3.5.1), with what the request's parse
    derives from it: ``params``, every parameter in order (``realm`` included); ``signed``, those
    it signs (all but ``realm`` and ``oauth_signature``, section 3.4.1.3.1); ``items``, their
    items in the base string (:func:`~oauth1core.base_string._item`), or ``None`` to compute
    from ``signed``; ``realm``; ``protocol``, the ``oauth_*`` parameters by name."""

    params: List[Param]
    signed: List[Param]
    items: Optional[List[str]]
    realm: Optional[str]
    protocol: Dict[str, str]


_NO_HEADER = _Header([], [], None, None, {})


def _parse_simple_header(value: str) -> Optional[_Header]:
    """:func:`_parse_header` in strict mode for a header written as clients write it
    (``_SIMPLE_HEADER``) whose names are unique and values UTF-8; ``None`` for any other header,
    which :func:`_general_header` then accepts or rejects. The fast path: one regular
    expression validates it, a split at the quotes reads it."""
    if _SIMPLE_HEADER(value) is None:
        return None
    # Split at the quotes: the values, and between them 'OAuth name=', ', name=' ..., with white
    # space around the separators only.
    parts = value.split('"')
    values = parts[1::2]
    names = "".join(parts[0:-1:2]).replace(" ", "").replace("\t", "")[5:-1].split("=,")
    # Without escapes, a name and its value are unreserved characters: their own encoding.
    items = list(map(" ".join, zip(names, values)))
    for index, raw_value in enumerate(values):
        if "%" in raw_value:
            name = names[index]
            if name == "realm":
                continue  # a quoted-string, not decoded
            try:
                values[index] = decoded = percent_decode(raw_value)
            except EncodingError:
                return None
            if name != "oauth_signature":
                items[index] = _item(name, percent_encode(decoded))
    params = list(zip(names, values))
    protocol = dict(params)
    if len(protocol) != len(params):
        return None  # a name is repeated: the general parser says which
    realm = protocol.pop("realm", None)
    # Every name begins with "oauth_" when it sorts between "oauth_" and "oauth`" ("`" follows "_").
    if protocol and not ("oauth_" <= min(protocol) and max(protocol) < "oauth`"):
        protocol = {name: value for name, value in protocol.items() if name.startswith("oauth_")}
    # The header's realm and oauth_signature are not signed (they usually come first and last).
    start = 1 if names[0] == "realm" else 0
    stop = len(names) - 1 if names[-1] == "oauth_signature" else len(names)
    signed, items, signed_names = params[start:stop], items[start:stop], names[start:stop]
    if "realm" in signed_names or "oauth_signature" in signed_names:
        items = [item for item, name in zip(items, signed_names) if name != "realm" and name != "oauth_signature"]
        signed = [param for param in signed if param[0] != "realm" and param[0] != "oauth_signature"]
    return _Header(params, signed, items, realm, protocol)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def _auth_param(match: "re.Match[str]", strict: bool) -> Param:
    """Section 3.5.1 step 3 for one ``name="value"``: decoded, strictly as section 3.6 writes
    it; ``realm`` is an RFC 2617 quoted-string, unescaped and not decoded."""
    raw_name, raw_value = match.group(1), match.group(2)
    if strict and _ENCODED.fullmatch(raw_name) is None:
        raise ParameterRejected("malformed parameter name in the Authorization header", parameter="Authorization")
    name = percent_decode(raw_name)
    if name == "realm":
        return name, re.sub(r"\\(.)", r"\1", raw_value) if "\\" in raw_value else raw_value
    if strict and _ENCODED.fullmatch(raw_value) is None:
        raise ParameterRejected(
            "a value in the Authorization header is not percent-encoded as section 3.6 requires",
            parameter=name if name.startswith("oauth_") else "Authorization",
        )
    return name, percent_decode(raw_value)


def _general_header(value: str, strict: bool = True) -> List[Param]:
    """The Authorization header read one parameter at a time (section 3.5.1): any header that
    :func:`_parse_simple_header` does not take, and every rejection, with its reason."""
    text = value.strip(_WS)
    scheme_end = 0
    while scheme_end < len(text) and text[scheme_end] not in _WS:
        scheme_end += 1
    if text[:scheme_end].lower() != "oauth":
        raise ParameterRejected("the Authorization header does not use the OAuth scheme", parameter="Authorization")
    params: List[Param] = []
    seen = set()
    pos = _skip_space(text, scheme_end)
    while pos < len(text):
        match = _AUTH_PARAM.match(text, pos)
        if match is None:
            raise ParameterRejected(
                'malformed Authorization header: expected name="value" pairs separated by commas',
                parameter="Authorization",
            )
        name, decoded = _auth_param(match, strict)
        if name in seen:
            raise DuplicateParameter("a parameter is repeated in the Authorization header", parameter=name)
        seen.add(name)
        params.append((name, decoded))
        pos = _skip_space(text, match.end())
        if pos == len(text):
            break
        if text[pos] != ",":
            raise ParameterRejected(
                "malformed Authorization header: parameters must be separated by commas", parameter="Authorization"
            )
        pos = _skip_space(text, pos + 1)
        if pos == len(text):
            raise ParameterRejected("malformed Authorization header: trailing comma", parameter="Authorization")
    return params


def _parse_header(value: str, strict: bool, max_length: int) -> _Header:
    """Section 3.5.1: the fast path for a header as clients write it, else the general parser."""
    if len(value) > max_length:
        raise ParameterRejected("the Authorization header is too large", parameter="Authorization")
    if strict:
        simple = _parse_simple_header(value)
        if simple is not None:
            return simple
    params = _general_header(value, strict)
    signed = [param for param in params if param[0] != "realm" and param[0] != "oauth_signature"]
    realm = next((param[1] for param in params if param[0] == "realm"), None)
    # Names are unique here: the general parser refuses a repeated one.
    protocol = {name: value for name, value in params if name.startswith("oauth_")}
    return _Header(params, signed, None, realm, protocol)


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
    return _parse_header(value, strict, max_length).params


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
        "_received",
        "_header_items",
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
        *,
        form_text: Optional[str] = None,
        header_items: Optional[List[str]] = None,
    ) -> None:
        """``form_text``, when given, is the query and the form body as received, joined by "&":
        the text ``query_params + body_params`` were parsed from; ``header_items``, the signing
        items of the header's signed parameters (:func:`~oauth1core.base_string._item`)."""
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
        self._received = None if form_text is None else (form_text, list(params))
        self._header_items = header_items

    @property
    def base_string(self) -> str:
        """The signature base string of this request (section 3.4.1.1), over ``params``."""
        if self._base_string is None:
            self._base_string = _assemble(self.method, self.base_uri, self._signing_items())
        return self._base_string

    def _signing_items(self) -> List[str]:
        """``_items(params)``. The items of the query and body parameters are read from
        their text as received (``form_text``), which is faster than encoding the decoded
        values again, as long as ``params`` is still the list parsed from it."""
        if self._received is None or self._received[1] != self.params:
            return _items(self.params)
        form_text = self._received[0]
        items = _form_items(form_text)
        if self.placement != "header" and "oauth_signature" in self.oauth:
            items = [item for item in items if not item.startswith("oauth_signature ")]
        header_items = self._header_items
        items += _items(self.params[len(items):]) if header_items is None else header_items
        return items

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
    """The steps of :func:`parse_request`, in order."""
    _check_target(method, uri, limits)
    authorization, content_type = _find_headers(headers)
    header = _read_header(authorization, strict, limits)
    base_uri, query = split_base_uri(uri)
    query_params = parse_form(query) if query else []
    is_form = is_form_content_type(content_type)
    raw_body, body_text = _body_octets(body)
    body_params: List[Param] = []
    form_text = query
    if is_form and raw_body:
        body_text = _form_body_text(raw_body, body_text, limits)
        body_params = parse_form(body_text)
        form_text = query + "&" + body_text if query else body_text
    if len(query_params) + len(body_params) + len(header.params) > limits.max_parameters:
        raise ParameterRejected("too many parameters")
    placement, oauth = _placement(header, query_params, body_params)
    _check_lengths(oauth, query_params, body_params, len(uri) > limits.max_value or len(raw_body) > limits.max_value,
                   limits)
    # oauth_signature is not signed; it can only be in the placement's parameters.
    if placement == "query":
        query_params_signed = [p for p in query_params if p[0] != "oauth_signature"]
        signed: List[Param] = query_params_signed + body_params + header.signed
    elif placement == "body":
        signed = query_params + [p for p in body_params if p[0] != "oauth_signature"] + header.signed
    else:
        signed = query_params + body_params + header.signed
    return ParsedRequest(method, uri, base_uri, query_params, body_params, header.params, signed, oauth, placement,
                         header.realm, raw_body, is_form, form_text=form_text, header_items=header.items)


def _check_target(method: Any, uri: Any, limits: Limits) -> None:
    """The request line: a method that is an RFC 7230 token, a URI of text within the limit."""
    if not isinstance(method, str) or (method not in _COMMON_METHODS and _METHOD.fullmatch(method) is None):
        raise ParameterRejected("invalid HTTP method")
    if not isinstance(uri, str):
        raise ParameterRejected("the request URI must be text")
    if len(uri) > limits.max_uri:
        raise ParameterRejected("the request URI is too long")


def _find_headers(headers: Any) -> Tuple[Optional[str], Optional[str]]:
    """``(Authorization, Content-Type)``, names matched case-insensitively; a second
    Authorization header is ambiguous (section 3.5: one place, once)."""
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
    return authorization, content_type


def _read_header(authorization: Optional[str], strict: bool, limits: Limits) -> _Header:
    """The OAuth Authorization header (section 3.5.1); another scheme (Basic, Bearer...) is not
    ours: its request carries no OAuth header."""
    if authorization is None:
        return _NO_HEADER
    stripped = authorization.lstrip(_WS)
    if stripped[:5].lower() != "oauth" or not (len(stripped) == 5 or stripped[5] in _WS):
        return _NO_HEADER
    return _parse_header(authorization, strict, limits.max_authorization_header)


def _body_octets(body: Any) -> Tuple[bytes, Optional[str]]:
    """The entity-body as octets, and as text when it was given as text."""
    if body is None:
        return b"", None
    if isinstance(body, str):
        try:
            return body.encode("utf-8"), body
        except UnicodeEncodeError:
            raise EncodingError("the body is not valid UTF-8 text") from None
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body), None
    raise ParameterRejected("the body must be str or bytes")


def _form_body_text(raw_body: bytes, body_text: Optional[str], limits: Limits) -> str:
    """A form-encoded body (section 3.4.1.3.1) as text: within the limit, UTF-8."""
    if len(raw_body) > limits.max_form_body:
        raise ParameterRejected("the form-encoded body is too large")
    if body_text is not None:
        return body_text
    try:
        return raw_body.decode("utf-8")
    except UnicodeDecodeError:
        raise EncodingError("the form-encoded body is not UTF-8") from None


def _placement(
    header: _Header, query_params: List[Param], body_params: List[Param]
) -> Tuple[Optional[str], Dict[str, str]]:
    """Where the protocol parameters are (section 3.5), and them by name: exactly one place,
    no name twice there (section 3.2)."""
    oauth: Dict[str, str] = {}
    placement: Optional[str] = None
    for source, params in (("header", None), ("query", query_params), ("body", body_params)):
        found = header.protocol if params is None else _protocol(params, source)
        if found:
            if placement is not None:
                raise DuplicateParameter(
                    f"protocol parameters are sent in more than one place ({placement} and {source})",
                    parameter=next(iter(found)),
                )
            placement = source
            oauth = found
    return placement, oauth


def _check_lengths(
    oauth: Dict[str, str], query_params: List[Param], body_params: List[Param], long_text: bool, limits: Limits
) -> None:
    """No protocol value longer than ``max_protocol_value``, no name or value longer than
    ``max_value``. Decoding never makes text longer: when the query and the body are short
    enough (``long_text`` false), so is every name and value in them."""
    max_protocol = limits.max_protocol_value
    if oauth and max(map(len, oauth.values())) > max_protocol:
        for name, value in oauth.items():
            if len(value) > max_protocol:
                raise ParameterRejected("a protocol parameter is too long", parameter=name)
    if long_text:
        max_value = limits.max_value
        for params in (query_params, body_params):
            for name, value in params:
                if len(value) > max_value or len(name) > max_value:
                    raise ParameterRejected("a parameter is too long", parameter=name[:64])
