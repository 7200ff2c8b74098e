"""A captured request read twice: strictly, as a provider does, and leniently, as an auditor must.

The strict reading is :func:`oauth1core.parsing.parse_request`: its error is what a provider
answers. The lenient reading keeps going where a client's mistake broke the request (a raw
``+`` or ``=`` in an Authorization header value, an unquoted value, a ``%`` that starts no
escape, protocol parameters in two places) so the signature can still be recomputed, and it
keeps each parameter as it was sent, so a mistake that changed how a value was encoded on the
wire can be undone (:mod:`.mistakes`).

When the request is well formed, the lenient reading collects exactly the parameters the
strict one does (section 3.4.1.3.1); the tests check it.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from ..base_string import _assemble, _items, split_base_uri, split_uri
from ..encoding import form_decode, percent_decode
from ..errors import EncodingError, OAuthError
from ..parameters import is_form_content_type
from ..parsing import ParsedRequest, parse_request
from .capture import Capture, CaptureError

_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_WS = " \t"


def lenient_decode(text: str, *, plus: bool) -> Tuple[str, bool]:
    """Decode like :func:`~oauth1core.encoding.form_decode` (``plus``) or
    :func:`~oauth1core.encoding.percent_decode`, but never fail: a ``%`` that starts no escape
    stays literal and octets that are not UTF-8 become U+FFFD. Returns ``(text, was_lenient)``."""
    try:
        return (form_decode(text) if plus else percent_decode(text)), False
    except EncodingError:
        pass
    if plus:
        text = text.replace("+", " ")
    out = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(text):
        out += text[pos : match.start()].encode("utf-8", "replace")
        out.append(int(match.group()[1:], 16))
        pos = match.end()
    out += text[pos:].encode("utf-8", "replace")
    return out.decode("utf-8", "replace"), True


class Token:
    """One parameter as sent (``raw_name``, ``raw_value``) and as decoded (``name``, ``value``)
    from ``source``: ``"query"``, ``"body"`` or ``"header"``."""

    __slots__ = ("source", "raw_name", "raw_value", "name", "value", "lenient")

    def __init__(self, source: str, raw_name: str, raw_value: str) -> None:
        self.source = source
        self.raw_name = raw_name
        self.raw_value = raw_value
        plus = source != "header"  # section 3.4.1.3.1: query and body are form-decoded
        self.name, lenient_name = lenient_decode(raw_name, plus=plus)
        if source == "header" and self.name == "realm":
            # An RFC 2617 quoted-string, not percent-encoded (as oauth1core.parsing reads it).
            self.value, lenient_value = re.sub(r"\\(.)", r"\1", raw_value), False
        else:
            self.value, lenient_value = lenient_decode(raw_value, plus=plus)
        self.lenient = lenient_name or lenient_value

    @property
    def protocol(self) -> bool:
        return self.name.startswith("oauth_")

    def __repr__(self) -> str:
        return f"<Token {self.source} {self.name!r}>"


def form_tokens(text: str, source: str) -> List[Token]:
    """Section 3.4.1.3.1: "&"-separated pairs, name and value split at the first "="."""
    tokens = []
    for pair in text.split("&") if text else ():
        if pair:
            name, _, value = pair.partition("=")
            tokens.append(Token(source, name, value))
    return tokens


def _header_tokens(value: str, notes: List[str]) -> List[Token]:
    """The parameters of an ``Authorization: OAuth`` header, read leniently (section 3.5.1).

    Quoted values are taken between their quotes (backslash escapes kept, as the strict parser
    keeps them outside ``realm``); an unquoted value runs to the next comma; a name without
    ``=`` gets an empty value. Stray commas and white space are skipped.
    """
    text = value.strip(_WS)
    pos, end = 5, len(text)
    tokens: List[Token] = []
    while pos < end:
        while pos < end and (text[pos] in _WS or text[pos] == ","):
            pos += 1
        if pos == end:
            break
        start = pos
        while pos < end and text[pos] not in '=," \t':
            pos += 1
        name = text[start:pos]
        while pos < end and text[pos] in _WS:
            pos += 1
        raw_value = ""
        if pos < end and text[pos] == "=":
            pos += 1
            while pos < end and text[pos] in _WS:
                pos += 1
            if pos < end and text[pos] == '"':
                pos += 1
                start = pos
                while pos < end and text[pos] != '"':
                    pos += 2 if text[pos] == "\\" else 1
                raw_value = text[start : min(pos, end)]
                if pos >= end:
                    notes.append(f"Authorization header: the value of {name!r} has no closing quote")
                pos += 1
            else:
                start = pos
                while pos < end and text[pos] != ",":
                    pos += 1
                raw_value = text[start:pos].rstrip(_WS)
                notes.append(f"Authorization header: the value of {name!r} is not quoted")
        elif name:
            notes.append(f"Authorization header: {name!r} has no value")
        else:
            pos += 1  # a stray quote
            continue
        tokens.append(Token("header", name, raw_value))
    return tokens


class Observed:
    """A captured request, read strictly and leniently.

    * ``parsed``: the strict :class:`~oauth1core.parsing.ParsedRequest`, or None;
      ``strict_error``: the :class:`~oauth1core.errors.OAuthError` the strict parser raised.
    * ``query``, ``body_tokens``, ``header``: the :class:`Token` lists of each source, in order;
      ``tokens`` all of them in section 3.4.1.3.1 order (query, body, header).
    * ``oauth``: each protocol parameter of ``placement`` (first occurrence); ``realm``.
    * ``scheme``, ``host``, ``port`` (``":8080"``, or "" for the scheme's default), ``path``
      and ``base_uri`` (section 3.4.1.2); ``raw_scheme``, ``raw_host`` as sent.
    * ``notes``: what the lenient reading tolerated.
    """

    __slots__ = (
        "capture", "method", "uri", "parsed", "strict_error", "query", "body_tokens", "header",
        "oauth", "placement", "realm", "content_type", "is_form", "raw_query", "scheme", "host",
        "port", "path", "base_uri", "raw_scheme", "raw_host", "notes",
    )  # fmt: skip

    def __init__(self, capture: Capture) -> None:
        self.capture = capture
        self.method = capture.method
        self.uri = capture.uri
        self.notes: List[str] = list(capture.notes)
        headers = capture.header_map()
        self.parsed: Optional[ParsedRequest] = None
        self.strict_error: Optional[OAuthError] = None
        try:
            self.parsed = parse_request(capture.method, capture.uri, headers, capture.body)
        except OAuthError as exc:
            self.strict_error = exc
        self._read_uri(capture)
        self._read_tokens(capture)
        self._find_protocol()

    def _read_uri(self, capture: Capture) -> None:
        """The URI as the base string sees it (section 3.4.1.2), and as it was written."""
        try:
            self.base_uri, self.raw_query = split_base_uri(capture.uri)
            raw_scheme, authority, _, _ = split_uri(capture.uri)
        except OAuthError as exc:  # Capture checks the URI already
            raise CaptureError(exc.message) from None
        self.raw_scheme = raw_scheme
        # The base string URI is scheme "://" host [":" port] path, the path never empty.
        self.scheme, _, rest = self.base_uri.partition("://")
        slash = rest.find("/")
        hostport, self.path = rest[:slash], rest[slash:]
        colon = hostport.rfind(":")
        if colon > hostport.rfind("]"):  # never split an IPv6 literal on its colons
            self.host, self.port = hostport[:colon], hostport[colon:]
        else:
            self.host, self.port = hostport, ""
        raw_host = authority.rpartition("@")[2][: len(self.host)]
        self.raw_host = raw_host if raw_host.lower() == self.host else self.host

    def _read_tokens(self, capture: Capture) -> None:
        """The parameters of the query, the form body and the Authorization header, read leniently."""
        self.content_type = capture.header("Content-Type")
        self.is_form = is_form_content_type(self.content_type)
        self.query = form_tokens(self.raw_query, "query")
        self.body_tokens: List[Token] = []
        if self.is_form and capture.body:
            try:
                body_text = capture.body.decode("utf-8")
            except UnicodeDecodeError:
                body_text = capture.body.decode("utf-8", "replace")
                self.notes.append("the form body is not UTF-8: undecodable octets read as U+FFFD")
            self.body_tokens = form_tokens(body_text, "body")
        authorization = capture.header("Authorization")
        self.header: List[Token] = []
        if authorization is not None:
            stripped = authorization.strip(_WS)
            if stripped[:5].lower() == "oauth" and (len(stripped) == 5 or stripped[5] in _WS):
                self.header = _header_tokens(authorization, self.notes)
        for token in self.tokens:
            if token.lenient:
                self.notes.append(f"{token.source}: {token.name!r} is not valid percent-encoding; read leniently")

    def _find_protocol(self) -> None:
        """The realm, and the protocol parameters of the first place that has some (section 3.5)."""
        self.realm: Optional[str] = next((t.value for t in self.header if t.name == "realm"), None)
        self.oauth: Dict[str, str] = {}
        self.placement: Optional[str] = None
        for source, tokens in (("header", self.header), ("query", self.query), ("body", self.body_tokens)):
            found: Dict[str, str] = {}
            for token in tokens:
                if token.protocol:
                    found.setdefault(token.name, token.value)
            if found:
                if self.placement is None:
                    self.placement, self.oauth = source, found
                else:
                    self.notes.append(f"protocol parameters are in the {self.placement} and the {source}: the {self.placement}'s are used")

    @property
    def tokens(self) -> List[Token]:
        """Every parameter, in section 3.4.1.3.1 order: query, body, Authorization header."""
        return self.query + self.body_tokens + self.header

    def signed(self) -> List[Tuple[str, str, str]]:
        """``(name, value, source)`` of the parameters signed (section 3.4.1.3.1): every one but
        ``oauth_signature`` and the header's ``realm``."""
        return [
            (t.name, t.value, t.source)
            for t in self.tokens
            if t.name != "oauth_signature" and not (t.source == "header" and t.name == "realm")
        ]

    @property
    def base_string(self) -> str:
        """The signature base string of the request as read (section 3.4.1.1)."""
        if self.parsed is not None:
            return self.parsed.base_string
        return _assemble(self.method, self.base_uri, _items((n, v) for n, v, _ in self.signed()))

    @property
    def signature(self) -> Optional[str]:
        """The ``oauth_signature`` the request carries, decoded (None when absent)."""
        return self.oauth.get("oauth_signature")

    @property
    def signature_method(self) -> Optional[str]:
        return self.oauth.get("oauth_signature_method")

    @property
    def secret_signature(self) -> bool:
        """Whether the signature is a secret: with PLAINTEXT it is the key itself (section 3.4.4)."""
        return self.signature_method == "PLAINTEXT" or "&" in (self.signature or "")

    def display_uri(self) -> str:
        """The request URI as it may be shown: a PLAINTEXT signature in its query masked."""
        if not self.secret_signature:
            return self.uri
        return re.sub(r"((?:^|[?&])oauth_signature=)[^&#]*", r"\1***", self.uri)


def observe(capture: Capture) -> Observed:
    """Read ``capture`` strictly and leniently (see :class:`Observed`)."""
    return Observed(capture)
