"""Request parameters: collection, normalization, the Authorization header (RFC 5849 3.4.1.3, 3.5).

Parameters are always a list of ``(name, value)`` pairs of decoded text, in order, duplicates
kept: section 3.4.1.3.2 sorts repeated names by value, so a dict would lose them.

This module holds what a client needs to sign. The strict parser of a received
``Authorization`` header, which a client never needs, lives in :mod:`oauth1core.parsing`.
"""

from __future__ import annotations

from collections.abc import Mapping

from .encoding import form_decode, percent_encode

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: signing never needs it
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Iterable, List, Optional, Tuple, Union

    Param = Tuple[str, str]

__all__ = ["normalize_parameters", "build_authorization_header"]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def __getattr__(name: str) -> Any:
    """PEP 562: ``Param``, the type of a parameter (``Tuple[str, str]``), for the modules that
    import it at run time; built on first use, so that signing never imports :mod:`typing`."""
    if name == "Param":
        from typing import Tuple

        return Tuple[str, str]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parse_form(text: str) -> List[Param]:
    """Parse an ``application/x-www-form-urlencoded`` string (RFC 5849 section 3.4.1.3.1).

    Used for the query component of the request URI and for a form-encoded entity-body:
    pairs are separated by ``&``, the name from the value by the first ``=`` (a pair with no
    ``=`` has an empty value), ``+`` is a space, then each side is percent-decoded strictly
    (W3C HTML 4.01 section 17.13.4). Empty pairs (``a&&b``, a trailing ``&``) carry no
    parameter and are skipped. Raises :class:`~oauth1core.errors.EncodingError` on a bad escape
    or invalid UTF-8.
    """
    params: List[Param] = []
    if not text:
        return params
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        params.append((form_decode(name), form_decode(value)))
    return params


def encode_form(params: Iterable[Param]) -> str:
    """Encode pairs as a form body or query (RFC 5849 sections 3.5.2, 3.5.3).

    Each name and value is encoded per section 3.6 (so a space is ``%20``, which every form
    decoder reads as a space), joined by ``=`` and the pairs by ``&``.
    """
    return "&".join([percent_encode(name) + "=" + percent_encode(value) for name, value in params])


def append_query(uri: str, params: Iterable[Param]) -> str:
    """``uri`` with ``params`` added to the end of its query, the existing query and fragment kept
    (RFC 5849 section 3.5.3 for the protocol parameters; sections 2.2 and 2.1 use it for the
    authorization and callback URIs). Names and values are encoded per section 3.6."""
    encoded = encode_form(params)
    if not encoded:
        return uri
    before, hash_mark, fragment = uri.partition("#")
    if "?" not in before:
        before += "?"
    elif not before.endswith(("?", "&")):
        before += "&"
    return before + encoded + hash_mark + fragment


def normalize_parameters(params: Iterable[Param]) -> str:
    """The normalized parameter string (RFC 5849 section 3.4.1.3.2).

    1. The name and value of each parameter are encoded (section 3.6).
    2. The parameters are sorted by name, using ascending byte value ordering; parameters with
       the same name are sorted by their value.
    3. Each name is concatenated to its value with "=" (even when the value is empty).
    4. The pairs are concatenated in their sorted order, separated by "&".

    Encoded text is ASCII, so Python's string order is the byte order the RFC asks for. The
    pairs are sorted as the strings ``name + " " + value``, which is the same order and faster
    (the space sorts below every character of encoded text: see :mod:`oauth1core.base_string`).
    """
    items = [percent_encode(name) + " " + percent_encode(value) for name, value in params]
    items.sort()
    return "&".join(items).replace(" ", "=")


def quote_realm(realm: str) -> str:
    """``realm`` as an RFC 2617 quoted-string body (section 3.5.1 takes realm from RFC 2617 1.2).

    The realm is not percent-encoded (it is not part of the base string, and providers such as
    NetSuite compare it literally); ``"`` and ``\\`` are escaped with a backslash, and control
    characters are refused since they cannot appear in a header.
    """
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in realm):
        raise ValueError("realm must not contain control characters")
    return realm.replace("\\", "\\\\").replace('"', '\\"')


def build_authorization_header(params: Iterable[Param], realm: Optional[str] = None) -> str:
    """Build an ``Authorization: OAuth ...`` header value (RFC 5849 section 3.5.1).

    1. Parameter names and values are encoded per section 3.6.
    2. Each value is wrapped in double quotes after its name and "=".
    3. Parameters are separated by "," and a space (optional linear white space).
    4. The optional ``realm`` comes first, as an RFC 2617 quoted-string.
    """
    return _header_pieces(params, realm)[0]


def _header_pieces(params: Iterable[Tuple[str, Optional[str]]], realm: Optional[str] = None) -> List[str]:
    """:func:`build_authorization_header` cut where the values given as ``None`` go: the text
    pieces around them, ``pieces[0] + v1 + pieces[1] + ... + vn + pieces[n]`` being the header
    with ``v1...vn`` the missing values, encoded (section 3.6). A client builds the pieces once
    and fills in each request's timestamp, nonce and signature."""
    pieces = ["OAuth "]
    separator = ""
    if realm is not None:
        pieces[0] += 'realm="%s"' % quote_realm(realm)
        separator = ", "
    for name, value in params:
        if value is None:
            pieces[-1] += separator + percent_encode(name) + '="'
            pieces.append('"')
        else:
            pieces[-1] += separator + '%s="%s"' % (percent_encode(name), percent_encode(value))
        separator = ", "
    return pieces


def header_value(headers: Union[Mapping[str, str], Iterable[Tuple[str, str]], None], name: str) -> Optional[str]:
    """The value of header ``name`` in a mapping or a list of pairs, matched case-insensitively
    (RFC 7230 section 3.2), or None; the first one when the pairs repeat it."""
    if not headers:
        return None
    if isinstance(headers, Mapping):
        value = headers.get(name)
        if value is not None:
            return value
        headers = headers.items()
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


def is_form_content_type(content_type: Optional[str]) -> bool:
    """Whether a Content-Type is ``application/x-www-form-urlencoded`` (RFC 5849 section 3.4.1.3.1).

    The media type is compared case-insensitively and its parameters (``charset=...``) are
    ignored, so ``application/x-www-form-urlencoded; charset=UTF-8`` is a form body.
    """
    if content_type == FORM_CONTENT_TYPE:
        return True
    if not content_type:
        return False
    return content_type.partition(";")[0].strip().lower() == FORM_CONTENT_TYPE
