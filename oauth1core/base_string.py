"""The signature base string (RFC 5849 section 3.4.1).

``base_string_uri`` builds the base string URI (section 3.4.1.2) and ``signature_base_string``
puts the pieces together (section 3.4.1.1). Both are pure functions of text.

Theory of operation. Step 5 of section 3.4.1.1 is the normalized parameters (3.4.1.3.2),
encoded once more. This module is the one place that writes it: each parameter becomes an
*item*, ``enc(name) + " " + enc(value)`` with every "%" written "%25" (:func:`_item`); the
items are sorted and joined by ``%26``, the space becoming ``%3D`` (:func:`_assemble`). Sorting
the items sorts the pairs as section 3.4.1.3.2 asks, by name then by value: writing "%" as
"%25" keeps the order of encoded text, and the space, which never occurs in it, sorts below all
its characters (a name sorts before any longer name it begins). The client, the verifier and
the audit tools build items with :func:`_item`, :func:`_items` or :func:`_form_items` and hand
them to :func:`_assemble`; :func:`signature_base_string` is the public entry point.
"""

from __future__ import annotations

from functools import lru_cache
import re
from .encoding import _ASCII_ESCAPE, UNRESERVED, _escapes_are_canonical, percent_encode
from .errors import ParameterRejected
from .parameters import parse_form

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: signing never needs it
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable, List, Tuple

    from .parameters import Param

__all__ = ["base_string_uri", "signature_base_string"]

DEFAULT_PORTS = {"http": 80, "https": 443}

_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")
# Characters RFC 3986 section 3.3 allows in a path, "%" included so existing escapes stay.
_PATH_SAFE = frozenset((UNRESERVED + b"!$&'()*+,;=:@/%").decode("ascii"))


def split_uri(uri: str) -> Tuple[str, str, str, str]:
    """Split an absolute URI into scheme, authority, path and query (RFC 3986 section 3).

    The fragment is dropped. Raises :class:`ParameterRejected` when the URI is not absolute
    (no scheme, or no ``//`` authority), since no base string URI can be built from it.
    """
    scheme, sep, rest = uri.partition("://")
    if not sep or not scheme or not scheme[0].isalpha() or not _SCHEME_CHARS.issuperset(scheme):
        raise ParameterRejected("the request URI must be absolute (scheme://host/path)")
    rest = rest.partition("#")[0]
    end = len(rest)
    for stop in "/?":
        index = rest.find(stop)
        if index != -1 and index < end:
            end = index
    authority, rest = rest[:end], rest[end:]
    path, _, query = rest.partition("?")
    return scheme, authority, path, query


def _host_and_port(scheme: str, authority: str) -> str:
    """Section 3.4.1.2 steps 2 and 3: lower-case host, port only when not the scheme's default."""
    authority = authority.rpartition("@")[2]  # userinfo is not part of the Host header
    if authority.startswith("["):
        # An IP literal (RFC 3986 section 3.2.2): never split it on ":".
        close = authority.find("]")
        if close == -1:
            raise ParameterRejected("invalid IPv6 literal in the request URI")
        host, port_text = authority[: close + 1], authority[close + 1 :]
        if port_text and not port_text.startswith(":"):
            raise ParameterRejected("invalid authority in the request URI")
        port_text = port_text[1:]
    else:
        host, _, port_text = authority.partition(":")
    if not host or any(ch in host for ch in " \t\r\n\"<>\\^`{|}"):
        raise ParameterRejected("invalid host in the request URI")
    host = host.lower()
    if port_text:
        if not (port_text.isascii() and port_text.isdigit()) or len(port_text) > 5 or int(port_text) > 65535:
            raise ParameterRejected("invalid port in the request URI")
        port = int(port_text)
        if DEFAULT_PORTS.get(scheme) != port:
            return "%s:%d" % (host, port)
    return host


def _normalize_path(path: str) -> str:
    """The path as it goes on the wire: "/" when empty (section 3.4.1.2), and characters that
    cannot appear in a request-target (non-ASCII text, spaces) UTF-8 percent-encoded.
    Existing escapes are kept as given: the base string signs what was sent."""
    if not path:
        return "/"
    if _PATH_SAFE.issuperset(path):
        return path
    out: List[str] = []
    for ch in path:
        if ch in _PATH_SAFE:
            out.append(ch)
        else:
            try:
                out.append("".join("%%%02X" % octet for octet in ch.encode("utf-8")))
            except UnicodeEncodeError:
                raise ParameterRejected("the request path is not valid UTF-8 text") from None
    return "".join(out)


@lru_cache(maxsize=512)
def split_base_uri(uri: str) -> Tuple[str, str]:
    """``(base string URI, raw query)`` of ``uri`` (section 3.4.1.2), cached: clients and
    servers sign and verify the same few endpoints over and over."""
    scheme, authority, path, query = split_uri(uri)
    scheme = scheme.lower()
    return scheme + "://" + _host_and_port(scheme, authority) + _normalize_path(path), query


def base_string_uri(uri: str) -> str:
    """The base string URI of a request (RFC 5849 section 3.4.1.2).

    1. The scheme and host are lower-cased.
    2. The port is included only when it is not the default of the scheme (80 for http,
       443 for https); IPv6 literals keep their brackets.
    3. The path is kept as sent, "/" when empty; userinfo, query and fragment are excluded.

    Example: ``HTTP://EXAMPLE.COM:80/r%20v/X?id=123`` gives ``http://example.com/r%20v/X``.
    """
    return split_base_uri(uri)[0]


def signature_base_string(method: str, uri: str, params: Iterable[Param], form: Iterable[Param] = ()) -> str:
    """The signature base string (RFC 5849 section 3.4.1.1).

    1. The HTTP request method in uppercase, encoded (section 3.6) for custom methods.
    2. An "&" character.
    3. The base string URI (section 3.4.1.2), encoded.
    4. An "&" character.
    5. The normalized request parameters (section 3.4.1.3.2), encoded.

    The query of ``uri`` is collected (section 3.4.1.3.1, form-decoded); ``params`` holds every
    other parameter, decoded: the protocol parameters and the form-body parameters.
    ``oauth_signature`` is always excluded; so is a ``realm`` in ``params``, since there it can
    only be the Authorization header's (section 3.4.1.3.1). A ``realm`` in the query of ``uri``
    is an ordinary parameter and is signed, and so is one in ``form``: the decoded parameters of
    a form body, given apart when one of them may be named ``realm``.
    """
    base_uri, query = split_base_uri(uri)
    # "oauth_signature" is its own encoding, and the item of a parameter of that name is the
    # only one that begins with "oauth_signature ".
    items = [item for item in _form_items(query) if not item.startswith("oauth_signature ")]
    items += _items(p for p in params if p[0] != "oauth_signature" and p[0] != "realm")
    items += _items(p for p in form if p[0] != "oauth_signature")
    return _assemble(method, base_uri, items)


def _item(encoded_name: str, encoded_value: str) -> str:
    """One parameter as an item of step 5 (see the module's theory of operation), from its name
    and value already encoded (section 3.6)."""
    return (encoded_name + " " + encoded_value).replace("%", "%25")


def _items(params: Iterable[Param]) -> List[str]:
    """The items of decoded parameters: each name and value encoded (section 3.4.1.3.2 step 1)."""
    return [_item(percent_encode(name), percent_encode(value)) for name, value in params]


# Form-encoded text whose every pair has its "=" and no empty pair, made of unreserved characters
# and "%"; the same whose every name and value is written as section 3.6 writes it ("+" already
# replaced by "%20"), with escapes of ASCII octets only (the common case, in one match).
_FORM_SHAPE = re.compile(r"[A-Za-z0-9\-._~%]*=[A-Za-z0-9\-._~%]*(?:&[A-Za-z0-9\-._~%]*=[A-Za-z0-9\-._~%]*)*").fullmatch
# In text of that shape: a "%" that does not begin an escape of ENCODED_ASCII (found by a search
# for "%", which is faster than matching ENCODED_ASCII's alternatives at every character).
_NOT_ENCODED_ASCII_ESCAPE = re.compile("%(?!" + _ASCII_ESCAPE[1:] + ")").search  # _ASCII_ESCAPE is "%(?:...)"


def _form_items(text: str) -> List[str]:
    """``_items(parse_form(text))``: the items of a query or form body (section 3.4.1.3.1).

    Most senders already encode every name and value as section 3.6 does; then decoding and
    encoding again gives the text back ("+" becoming "%20"), so the items are the pairs
    themselves, read without decoding. Anything else is decoded (with its errors) and encoded.
    """
    if not text:
        return []
    encoded = text.replace("+", "%20") if "+" in text else text
    if _FORM_SHAPE(encoded) is None or (
        "%" in encoded and _NOT_ENCODED_ASCII_ESCAPE(encoded) is not None and not _escapes_are_canonical(encoded)
    ):
        return _items(parse_form(text))
    if "%" in encoded:
        encoded = encoded.replace("%", "%25")
    return encoded.replace("=", " ").split("&")


# The encoded form (step 1) of the usual methods, which is the method itself.
_ENCODED_METHODS = {m: m for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")}
# Step 3 for the few base string URIs that are signed and verified over and over.
_encoded_base_uri = lru_cache(maxsize=512)(percent_encode)


@lru_cache(maxsize=512)
def _signing_uri(uri: str) -> Tuple[str, str, Tuple[str, ...]]:
    """What a signer needs of ``uri``: its base string URI (section 3.4.1.2), that URI encoded
    (section 3.4.1.1 step 3) and the items of its query's parameters (:func:`_form_items`).
    Cached: a client signs the same few URIs over and over (a query that varies makes a new
    entry, parsed anew)."""
    base_uri, query = split_base_uri(uri)
    return base_uri, _encoded_base_uri(base_uri), tuple(_form_items(query))


def _assemble(method: str, base_uri: str, items: List[str], encoded_base_uri: str = "") -> str:
    """Section 3.4.1.1 steps 1-5 from the signed parameters' items (:func:`_item`), which must
    already exclude ``oauth_signature`` and the Authorization header's ``realm``; the encoded
    base string URI may be given (see :func:`_signing_uri`). ``items`` is a list the caller
    hands over: it is sorted in place (every caller builds a new one)."""
    items.sort()
    encoded_method = _ENCODED_METHODS.get(method)
    if encoded_method is None:
        encoded_method = percent_encode(method.upper())
    encoded_uri = encoded_base_uri or _encoded_base_uri(base_uri)
    return encoded_method + "&" + encoded_uri + "&" + "%26".join(items).replace(" ", "%3D")
