"""What every adapter does with redirects: re-sign within the origin, strip everything outside it.

A signature is bound to one request (method, URI, parameters) and, with PLAINTEXT, *is* the
client's secrets. So an adapter that follows a redirect signs the next request afresh (a new nonce
and timestamp, section 3.3) when it stays within the origin (scheme, host and port, RFC 6454) of
the request the caller signed, and sends it with no ``Authorization`` header and no ``oauth_*``
parameter (query or form body) otherwise, wherever the chain goes next.

Internal to the adapters; standard library only.
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional, Tuple, Union
from urllib.parse import unquote_plus, urljoin, urlsplit

from ..base_string import DEFAULT_PORTS
from ..client import Client

__all__ = [
    "Origin",
    "origin_of",
    "MAX_REDIRECTS",
    "redirect_method",
    "join_location",
    "strip_oauth_query",
    "strip_oauth_form",
    "without_authorization",
    "Unsigned",
    "signer_for",
    "AuthOptions",
]

Origin = Tuple[str, str, int]

MAX_REDIRECTS = 30


def origin_of(url: str) -> Optional[Origin]:
    """``(scheme, host, port)`` of an absolute http(s) URL (host lower-cased, IPv6 without
    brackets, default ports filled in), or ``None``: an unusable URL is no origin at all, so it
    never matches and nothing is signed for it."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host.lower(), port if port is not None else DEFAULT_PORTS[scheme]


def redirect_method(status: int, method: str) -> Tuple[str, bool]:
    """The method of the request that follows a redirect, and whether it keeps the body
    (RFC 9110 section 15.4, as browsers do): 303 turns anything but HEAD into GET; 301 and 302
    turn POST into GET; 307 and 308 change nothing."""
    method = method.upper()
    if status == 303 and method != "HEAD":
        return "GET", False
    if status in (301, 302) and method == "POST":
        return "GET", False
    return method, True


def join_location(base: str, location: str) -> str:
    """The absolute URL a ``Location`` header points to (RFC 9110 section 10.2.2); the fragment
    of ``base`` is kept when the location has none."""
    target = urljoin(base, location.strip())
    fragment = urlsplit(base).fragment
    if fragment and "#" not in target:
        target += "#" + fragment
    return target


def _is_oauth_pair(pair: str) -> bool:
    name = pair.partition("=")[0]
    try:
        return unquote_plus(name, errors="strict").startswith("oauth_")
    except UnicodeDecodeError:
        return False


def strip_oauth_query(url: str) -> str:
    """``url`` without the ``oauth_*`` parameters of its query (the rest kept byte for byte)."""
    before, hash_mark, fragment = url.partition("#")
    path, question, query = before.partition("?")
    if not question:
        return url
    kept = [pair for pair in query.split("&") if pair and not _is_oauth_pair(pair)]
    rebuilt = path + ("?" + "&".join(kept) if kept else "")
    return rebuilt + hash_mark + fragment


def strip_oauth_form(body: Union[bytes, str]) -> Union[bytes, str]:
    """A form-encoded body without its ``oauth_*`` parameters (the rest kept byte for byte)."""
    if isinstance(body, bytes):
        try:
            text = body.decode("ascii")
        except UnicodeDecodeError:
            return body  # not what a signing client writes: nothing of ours in it
        return strip_oauth_form(text).encode("ascii")  # type: ignore[union-attr]
    return "&".join(pair for pair in body.split("&") if pair and not _is_oauth_pair(pair))


def without_authorization(headers: Dict[str, str]) -> Dict[str, str]:
    """A copy of ``headers`` without ``Authorization`` (in any case)."""
    return {name: value for name, value in headers.items() if name.lower() != "authorization"}


class Unsigned(NamedTuple):
    """A request as the caller wrote it, before signing: what a redirect or a retry signs
    again. ``headers`` hold no ``Authorization``."""

    method: str
    url: str
    headers: Dict[str, str]
    body: Optional[bytes]


def signer_for(client: Client, method: str) -> Client:
    """The client to sign a ``method`` request with: with the body placement, a GET or HEAD
    (such as a POST that a 303 redirect turned into a GET) has no entity-body to carry the
    parameters (section 3.5.2), so they go in the query (section 3.5.3)."""
    if client.placement == "body" and method.upper() in ("GET", "HEAD"):
        return client.replace(placement="query")
    return client


class AuthOptions:
    """The options every auth object shares (requests' and httpx's ``OAuth1Auth``).

    ``follow_redirects``: follow same-origin redirects, re-signed (at most ``max_redirects``);
    ``correct_clock``: retry once after a refused timestamp. ``client`` is the attribute to read
    for the (possibly corrected) client.
    """

    def __init__(self, client: Client, *, follow_redirects: bool = True, max_redirects: int = MAX_REDIRECTS,
                 correct_clock: bool = True) -> None:
        if not isinstance(client, Client):
            raise TypeError("OAuth1Auth needs an oauth1core.Client")
        self.client = client
        self.follow_redirects = follow_redirects
        self.max_redirects = max_redirects
        self.correct_clock = correct_clock

    def __repr__(self) -> str:
        return f"OAuth1Auth({self.client!r})"
