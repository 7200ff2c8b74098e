"""What the WSGI, ASGI and framework layers share, sans-I/O (RFC 5849 sections 2, 3.2 and 3.4.1.2).

Theory of operation. A web server hands the application a request whose absolute URI is never
given whole: the scheme, host and port come from the transport, the ``Host`` header or, behind a
reverse proxy, the proxy's ``Forwarded`` / ``X-Forwarded-*`` headers. The signature covers that
URI (section 3.4.1.2), so whoever may choose it must be trusted. :class:`PublicOrigin` decides,
from explicit settings only:

1. ``base_url`` set: every request is verified for that fixed public address (and path prefix);
   no header is read;
2. the peer is one of ``trusted_proxies``: its ``X-Forwarded-Proto/Host/Port`` (or, with
   ``proxy_headers="forwarded"``, its RFC 7239 ``Forwarded``) are believed; the other family is
   ignored, so a client cannot slip in the header the proxy does not overwrite;
3. otherwise: the transport's own scheme and the ``Host`` header the server received (what a
   client talking to this server directly signed for); forwarding headers are ignored.

The rest: which paths a middleware protects (:func:`path_matcher`), the verified request handed
to the application (:class:`OAuth1Request`), the three endpoints (:func:`endpoint_response`) and
the resource owner's decision (:class:`Consent`, :class:`Decision`, :func:`decision_response`),
where the application, not this library, says who the resource owner is.
"""

from __future__ import annotations

import dataclasses
import html
import ipaddress
import re
from typing import Callable, Dict, Generic, Iterable, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union
from urllib.parse import quote, urlsplit

from .errors import DuplicateParameter, OAuthError, ParameterAbsent, ParameterRejected
from .parameters import Param, is_form_content_type, parse_form, quote_realm
from .server import Authorization, Provider, Response
from .verify import VerifiedRequest

# The names an application uses; the rest are the building blocks of oauth1core.wsgi, .asgi and
# .integrations.
__all__ = ["PublicOrigin", "OAuth1Request", "Consent", "Decision", "ENDPOINT_PATHS", "PROXY_HEADERS", "parse_forwarded"]

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
#: a header lookup by lower-case name: the value, or None when absent
HeaderGetter = Callable[[str], Optional[str]]

#: the default path of each endpoint (2.1, 2.2, 2.3)
ENDPOINT_PATHS: Mapping[str, str] = {
    "request_token": "/oauth/request_token",
    "authorize": "/oauth/authorize",
    "access_token": "/oauth/access_token",
}
#: the two families of forwarding headers a trusted proxy may set
PROXY_HEADERS = ("x-forwarded", "forwarded")

_HOST = re.compile(r"(?:[A-Za-z0-9\-._~]+|\[[0-9A-Fa-f:.]+\])")
_AUTHORITY = re.compile(r"(?:[A-Za-z0-9\-._~]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_PORT = re.compile(r"[0-9]{1,5}")
_FORWARDED_PAIR = re.compile(r'\s*([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)=([!#$%&\'*+\-.^_`|~0-9A-Za-z]+|"(?:[^"\\]|\\.)*")\s*')


def _network(item: Union[str, Network]) -> Network:
    if isinstance(item, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return item
    return ipaddress.ip_network(item, strict=False)


def _check_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if (parts.scheme not in ("http", "https") or _AUTHORITY.fullmatch(parts.netloc) is None or parts.query
            or parts.fragment or "?" in base_url or "#" in base_url):
        raise ValueError("base_url must be http(s)://host[:port][/prefix], without query or fragment")
    return base_url.rstrip("/")


def parse_forwarded(value: str) -> List[Mapping[str, str]]:
    """RFC 7239 section 4: ``Forwarded`` as a list of elements (one per proxy, leftmost first),
    each a mapping of lower-case parameter names to values (quoted strings unquoted). Raises
    :class:`ParameterRejected` for anything that is not that grammar or repeats a parameter."""
    elements: List[Mapping[str, str]] = []
    for element_text in _split_outside_quotes(value, ","):
        element: Dict[str, str] = {}
        for pair in _split_outside_quotes(element_text, ";"):
            if not pair.strip():
                continue
            match = _FORWARDED_PAIR.fullmatch(pair)
            if match is None:
                raise ParameterRejected("a malformed Forwarded header", parameter="Forwarded")
            name, raw = match.group(1).lower(), match.group(2)
            if name in element:
                raise DuplicateParameter("a Forwarded element repeats a parameter", parameter="Forwarded")
            element[name] = re.sub(r"\\(.)", r"\1", raw[1:-1]) if raw.startswith('"') else raw
        if element:
            elements.append(element)
    return elements


def _split_outside_quotes(text: str, separator: str) -> List[str]:
    parts: List[str] = []
    current: List[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    if quoted:
        raise ParameterRejected("an unterminated quoted string in Forwarded", parameter="Forwarded")
    parts.append("".join(current))
    return parts


def _node_address(node: str) -> Optional[str]:
    """The IP address of an RFC 7239 node (``192.0.2.1``, ``"[2001:db8::1]:80"``), else None."""
    if node.startswith("["):
        node = node[1:].partition("]")[0]
    elif node.count(":") == 1:
        node = node.partition(":")[0]
    try:
        return str(ipaddress.ip_address(node))
    except ValueError:
        return None


@dataclasses.dataclass(frozen=True)
class PublicOrigin:
    """Where the verified absolute URI's scheme, host and port come from (see the module's
    theory of operation). ``base_url``: ``http(s)://host[:port][/prefix]``, fixed; a path
    prefix is what the proxy strips before the application sees the path. ``trusted_proxies``:
    addresses or networks (``"10.0.0.0/8"``) whose forwarding headers are believed;
    ``proxy_headers``: ``"x-forwarded"`` (default) or ``"forwarded"`` (RFC 7239)."""

    base_url: Optional[str] = None
    trusted_proxies: Tuple[Network, ...] = ()
    proxy_headers: str = "x-forwarded"

    @classmethod
    def build(cls, base_url: Optional[str] = None, trusted_proxies: Iterable[Union[str, Network]] = (),
              proxy_headers: str = "x-forwarded") -> "PublicOrigin":
        """Validate the settings (:class:`ValueError` for a bad one)."""
        if proxy_headers not in PROXY_HEADERS:
            raise ValueError(f"proxy_headers must be one of {PROXY_HEADERS}")
        if isinstance(trusted_proxies, str):
            trusted_proxies = [trusted_proxies]
        networks = tuple(_network(item) for item in trusted_proxies)
        if base_url is not None:
            base_url = _check_base_url(base_url)
        return cls(base_url, networks, proxy_headers)

    def trusts(self, peer: Optional[str]) -> bool:
        """Whether ``peer`` (an IP address as text) is one of the trusted proxies."""
        if not peer or not self.trusted_proxies:
            return False
        try:
            address = ipaddress.ip_address(peer.partition("%")[0])
        except ValueError:
            return False
        return any(address in network for network in self.trusted_proxies)

    def origin(self, scheme: str, host: Optional[str], peer: Optional[str], header: HeaderGetter) -> str:
        """``scheme://authority[/prefix]`` for one request: ``scheme`` and ``host`` (the ``Host``
        header, or the server's address without one) as the server received them, ``peer`` the
        address of whoever connected, ``header`` a lookup of the other headers. Raises
        :class:`ParameterRejected` (400) for an invalid host or forwarding header."""
        if self.base_url is not None:
            return self.base_url
        if self.trusts(peer):
            if self.proxy_headers == "forwarded":
                scheme, host = self._from_forwarded(scheme, host, peer, header)
            else:
                scheme, host = _from_x_forwarded(scheme, host, header)
        if scheme not in ("http", "https"):
            raise ParameterRejected("the forwarded scheme must be http or https", parameter="scheme")
        if host is None or _AUTHORITY.fullmatch(host) is None:
            raise ParameterRejected("invalid Host header", parameter="Host")
        return scheme + "://" + host

    def _from_forwarded(self, scheme: str, host: Optional[str], peer: Optional[str],
                        header: HeaderGetter) -> Tuple[str, Optional[str]]:
        """RFC 7239: walk the elements from the right (the nearest proxy) while the node that
        added each one is trusted; the outermost trusted proxy's ``proto`` and ``host`` win."""
        value = header("forwarded")
        if value is None:
            return scheme, host
        chosen: Optional[Mapping[str, str]] = None
        node = peer
        for element in reversed(parse_forwarded(value)):
            if not self.trusts(node):
                break
            chosen = element
            node = _node_address(element.get("for", ""))
        if chosen is None:
            return scheme, host
        return chosen.get("proto", scheme).lower(), chosen.get("host", host)

    def uri(self, origin: str, path: str, query: str) -> str:
        """The absolute URI to verify: ``origin`` plus the path as received and its query."""
        if not path.startswith("/"):
            path = "/" + path
        return origin + path + ("?" + query if query else "")


def _from_x_forwarded(scheme: str, host: Optional[str], header: HeaderGetter) -> Tuple[str, Optional[str]]:
    """``X-Forwarded-Proto``, ``-Host`` and ``-Port`` of a trusted proxy: single values only (a
    list means proxies disagree about which hop is meant: 400)."""
    values = {}
    for name in ("proto", "host", "port"):
        value = header("x-forwarded-" + name)
        if value is not None:
            value = value.strip()
            if "," in value or not value:
                raise ParameterRejected(f"X-Forwarded-{name.capitalize()} must be one value",
                                        parameter=f"X-Forwarded-{name.capitalize()}")
            values[name] = value
    scheme = values.get("proto", scheme).lower()
    host = values.get("host", host)
    port = values.get("port")
    if port is not None:
        if _PORT.fullmatch(port) is None or host is None:
            raise ParameterRejected("invalid X-Forwarded-Port", parameter="X-Forwarded-Port")
        bare = _HOST.match(host)
        host = (bare.group(0) if bare else host) + ":" + port
    return scheme, host


def path_matcher(protect: Union[str, Iterable[str], Callable[[str], bool]]) -> Callable[[str], bool]:
    """Which request paths a middleware protects: a predicate on the path, or paths, where one
    ending in ``/`` covers everything below it (``"/api/"``) and any other is matched exactly."""
    if callable(protect):
        return protect
    items = [protect] if isinstance(protect, str) else list(protect)
    if not items or any(not isinstance(item, str) or not item.startswith("/") for item in items):
        raise ValueError("protect: paths starting with '/' (a trailing '/' covers a subtree), or a predicate")
    exact = frozenset(item for item in items if not item.endswith("/"))
    prefixes = tuple(item for item in items if item.endswith("/"))
    return lambda path: path in exact or path.startswith(prefixes)


App = TypeVar("App")


class Guard(Generic[App]):
    """The settings of a middleware that protects routes of ``app`` (WSGI or ASGI): ``protect``
    (:func:`path_matcher`), ``realm`` (default: the provider's), the origin settings
    (:class:`PublicOrigin`), ``require_token`` and ``max_body`` (default: the provider's form
    limit)."""

    def __init__(self, app: App, provider: Provider, *,
                 protect: Union[str, Iterable[str], Callable[[str], bool]] = ("/",),
                 realm: Optional[str] = None, base_url: Optional[str] = None,
                 trusted_proxies: Iterable[Union[str, Network]] = (), proxy_headers: str = "x-forwarded",
                 require_token: bool = True, max_body: Optional[int] = None) -> None:
        self.app = app
        self.provider = provider
        self.protects = path_matcher(protect)
        self.realm = realm
        self.origin = PublicOrigin.build(base_url, trusted_proxies, proxy_headers)
        self.require_token = require_token
        self.max_body = provider.limits.max_form_body if max_body is None else max_body


@dataclasses.dataclass(frozen=True)
class OAuth1Request:
    """A verified request for a protected resource, as the application gets it (section 3).

    ``consumer_key``, ``token`` (``None`` for a request signed with the client credentials
    alone), ``user`` (the resource owner who approved the token; ``None`` without one),
    ``params`` (every signed parameter, protocol ones included, in order) and ``verified``
    (the :class:`~oauth1core.verify.VerifiedRequest`, with the consumer's record)."""

    consumer_key: str
    token: Optional[str]
    user: Optional[str]
    params: Tuple[Param, ...]
    verified: VerifiedRequest = dataclasses.field(repr=False, compare=False)


def verify(provider: Provider, method: str, uri: str, headers: Mapping[str, str], body: bytes, *,
           require_token: bool = True) -> OAuth1Request:
    """:meth:`Provider.verify_request <oauth1core.server.Provider.verify_request>` (3.2), as the
    :class:`OAuth1Request` handed to the application; raises the typed error."""
    verified = provider.verify_request(method, uri, headers, body, require_token=require_token)
    access = verified.access
    return OAuth1Request(verified.consumer_key, verified.token, access.user if access is not None else None,
                         tuple(verified.params), verified)


def error_answer(provider: Provider, error: OAuthError, realm: Optional[str] = None) -> Response:
    """The provider's answer to ``error`` (400/401 with ``WWW-Authenticate``, 503 with
    ``Retry-After``), with ``realm`` in the challenge instead of the provider's when given."""
    response = provider.error_response(error)
    if realm is None or realm == provider.realm:
        return response
    challenge = f'OAuth realm="{quote_realm(realm)}", oauth_problem="{error.problem}"'
    headers = [(name, challenge if name == "WWW-Authenticate" else value) for name, value in response.headers]
    return Response(response.status, headers, response.body)


def endpoint_routes(paths: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """path -> endpoint, from :data:`ENDPOINT_PATHS` with ``paths`` changing some of them."""
    chosen = dict(ENDPOINT_PATHS)
    chosen.update(paths or {})
    if set(chosen) != set(ENDPOINT_PATHS) or len(set(chosen.values())) != 3 or any(
            not path.startswith("/") or "?" in path for path in chosen.values()):
        raise ValueError("paths: request_token, authorize and access_token, each its own path starting with '/'")
    return {path: endpoint for endpoint, path in chosen.items()}


def plain_response(status: int, text: str) -> Response:
    """A short ``text/plain`` answer that is not an OAuth refusal (404, 405, 413)."""
    return Response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")],
                    text.encode("utf-8") + b"\n")


def method_refusal(endpoint: str, method: str) -> Optional[Response]:
    """405 with ``Allow`` when ``endpoint`` does not answer ``method`` (authorize: GET and POST;
    the token endpoints: POST, as sections 2.1 and 2.3 recommend), else ``None``."""
    allowed = ("GET", "POST") if endpoint == "authorize" else ("POST",)
    if method in allowed:
        return None
    response = plain_response(405, "method not allowed")
    response.headers.append(("Allow", ", ".join(allowed)))
    return response


def hook_outcome(provider: Provider, consent: Consent, outcome: object) -> Response:
    """What the application's authorize hook returned: a :class:`Decision` to carry out, or its
    own :class:`~oauth1core.server.Response` (a login or consent page)."""
    if isinstance(outcome, Decision):
        return decision_response(provider, consent, outcome)
    if not isinstance(outcome, Response):
        raise TypeError("the authorize hook must return a Decision or a Response")
    return outcome


def endpoint_response(provider: Provider, endpoint: str, method: str, uri: str,
                      headers: Mapping[str, str], body: bytes) -> Response:
    """The answer of the temporary credentials (2.1) or token credentials (2.3) endpoint."""
    if endpoint == "request_token":
        return provider.request_token_endpoint(method, uri, headers, body)
    if endpoint == "access_token":
        return provider.access_token_endpoint(method, uri, headers, body)
    raise ValueError(f"not a token endpoint: {endpoint!r}")


# -- section 2.2: the resource owner's decision, made by the application ------------------------


@dataclasses.dataclass(frozen=True)
class Consent:
    """What the application shows the resource owner (sections 2.2 and 4.7): the temporary
    credentials ``token``, the client (``consumer_key``, ``consumer_name``), and
    ``callback_origin``, where approval will send the browser (``None`` for ``oob``)."""

    token: str
    consumer_key: str
    consumer_name: str
    callback_origin: Optional[str]


@dataclasses.dataclass(frozen=True)
class Decision:
    """The application's verdict: ``user`` (the resource owner, as the application knows them,
    after its own login) approves (``approve=True``) or denies."""

    user: str
    approve: bool


def single(params: Sequence[Param], name: str) -> str:
    """The one value of ``name`` in a query or form (400 when absent or repeated)."""
    values = [value for key, value in params if key == name]
    if not values:
        raise ParameterAbsent(f"{name} is required", parameter=name)
    if len(values) > 1:
        raise DuplicateParameter(f"{name} is repeated", parameter=name)
    return values[0]


def read_form(content_type: Optional[str], body: bytes) -> List[Param]:
    """A form-encoded body as pairs (nothing for another content type); 400 for bad UTF-8."""
    if not is_form_content_type(content_type):
        return []
    try:
        return parse_form(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ParameterRejected("the form is not UTF-8") from None


def consent_for(provider: Provider, query: Sequence[Param], form: Sequence[Param]) -> Consent:
    """The pending temporary credentials named by ``oauth_token`` (in the form for a POST, else in
    the query), or the typed error (``token_rejected``, ``token_expired``, ``token_used``)."""
    token = single(form if any(key == "oauth_token" for key, _ in form) else query, "oauth_token")
    record = provider.pending_authorization(token)
    consumer = provider.consumers.get(record.consumer_key)
    name = consumer.name if consumer is not None and consumer.name else record.consumer_key
    origin = None
    if record.callback and record.callback != "oob":
        parts = urlsplit(record.callback)
        origin = f"{parts.scheme}://{parts.netloc}"
    return Consent(record.token, record.consumer_key, name, origin)


_PAGE_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
]


def html_page(status: int, title: str, content_html: str) -> Response:
    """A minimal page that cannot be framed or cached (sections 4.13, 4.14)."""
    body = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"</head><body><h1>{html.escape(title)}</h1>{content_html}</body></html>\n")
    return Response(status, list(_PAGE_HEADERS), body.encode("utf-8"))


_URI_SAFE = "".join(chr(code) for code in range(0x21, 0x7F))


def ascii_uri(uri: str) -> str:
    """``uri`` as it may go in a header: any character outside printable ASCII percent-encoded
    as UTF-8 (RFC 3987 section 3.1, an IRI mapped to a URI), so that sending the redirect cannot
    fail after the token was authorized."""
    return uri if uri.isascii() and uri.isprintable() and " " not in uri else quote(uri, safe=_URI_SAFE)


def decision_response(provider: Provider, consent: Consent, decision: Decision) -> Response:
    """Carry out the application's decision (2.2): approval redirects (302) to the callback with
    ``oauth_token`` and ``oauth_verifier``, or shows the verifier for ``oob``; denial says so."""
    if not decision.approve:
        provider.deny(consent.token)
        return html_page(200, "Access denied", "<p>You denied the application access.</p>")
    authorization: Authorization = provider.authorize(consent.token, decision.user)
    if authorization.redirect_uri is not None:
        return Response(302, [("Location", ascii_uri(authorization.redirect_uri)), ("Cache-Control", "no-store")], b"")
    return html_page(200, "Access approved", "<p>Give the application this verification code:</p>"
                     f'<p><code id="oauth_verifier">{html.escape(authorization.verifier)}</code></p>')
