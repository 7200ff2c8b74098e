"""The provider as WSGI (PEP 3333), standard library only (RFC 5849 sections 2 and 3).

* :class:`OAuth1Middleware` wraps any WSGI application (Flask's, Django's, a bare function) and
  verifies every request for the paths it protects (3.2) before the application sees it. The
  application then finds an :class:`~oauth1core.gateway.OAuth1Request` (consumer key, token,
  resource owner, parameters) in ``environ["oauth1core.request"]``. A refused request never
  reaches the application: the middleware answers 400/401 with ``WWW-Authenticate: OAuth
  realm="...", oauth_problem="..."``, or 503 with ``Retry-After`` when the store is down.
* :class:`ProviderEndpoints` serves the three endpoints (2.1, 2.2, 2.3); the resource owner's
  decision comes from an ``authorize`` hook of the application (its own login or session), and
  any other path goes to the wrapped application.

The absolute URI that is verified is built by :class:`~oauth1core.gateway.PublicOrigin` from
``base_url`` or ``trusted_proxies``, never from a header nobody vouched for; the path is the one
the client sent (gunicorn's ``RAW_URI``, uWSGI's and mod_wsgi's ``REQUEST_URI``), since PEP 3333's
``PATH_INFO`` is percent-decoded. Servers that rewrite the scheme from proxy headers themselves
(gunicorn's ``forwarded_allow_ips``) should have that turned off: see docs/provider.md.
"""

from __future__ import annotations

import io
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union
from urllib.parse import quote

from .errors import OAuthError
from . import gateway
from .gateway import Consent, Decision, Network, OAuth1Request, PublicOrigin
from .parameters import parse_form
from .server import Provider, Response

__all__ = ["OAuth1Middleware", "ProviderEndpoints", "REQUEST_KEY", "verified_request"]

Environ = Dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
#: ``authorize(environ, consent, form) -> Decision | Response``: the application's own login
AuthorizeHook = Callable[[Environ, Consent, List[Tuple[str, str]]], Union[Decision, Response]]

#: where the middleware puts the verified request
REQUEST_KEY = "oauth1core.request"

_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class BadBody(Exception):
    """A body that cannot be read: ``status`` 413 (over the limit) or 400 (a bad Content-Length)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _raw_path(environ: Environ) -> str:
    """The path as the client sent it. ``RAW_URI`` / ``REQUEST_URI`` when the server gives it
    (an absolute-form target loses its scheme and authority), else ``SCRIPT_NAME`` and
    ``PATH_INFO`` encoded again (PEP 3333 decodes them: ``%2F`` cannot be told from ``/``)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw:
        if not raw.startswith("/") and "://" in raw:
            raw = "/" + raw.partition("://")[2].partition("/")[2]
        return raw.partition("?")[0]
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return quote(path.encode("latin-1", "replace"), safe=_PATH_SAFE)


def _header_getter(environ: Environ) -> Callable[[str], Optional[str]]:
    def header(name: str) -> Optional[str]:
        value = environ.get("HTTP_" + name.upper().replace("-", "_"))
        return value if isinstance(value, str) else None

    return header


def request_uri(environ: Environ, origin: PublicOrigin) -> str:
    """The absolute URI to verify for a WSGI request (section 3.4.1.2), per ``origin``'s rules."""
    host = environ.get("HTTP_HOST")
    if host is None and environ.get("SERVER_NAME"):
        host = f"{environ['SERVER_NAME']}:{environ.get('SERVER_PORT', '80')}"
    base = origin.origin(environ.get("wsgi.url_scheme", "http"), host, environ.get("REMOTE_ADDR"),
                         _header_getter(environ))
    return origin.uri(base, _raw_path(environ), environ.get("QUERY_STRING", ""))


def oauth_headers(environ: Environ) -> Dict[str, str]:
    """The headers verification reads: ``Authorization`` and ``Content-Type``."""
    headers = {}
    if "HTTP_AUTHORIZATION" in environ:
        headers["Authorization"] = environ["HTTP_AUTHORIZATION"]
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return headers


def read_body(environ: Environ, limit: int) -> bytes:
    """The request body (at most ``limit`` octets, else :class:`BadBody`); the environ is
    left with a fresh ``wsgi.input`` holding the same octets, for the application."""
    stream = environ.get("wsgi.input")
    length_text = environ.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if stream is None or (not length_text and not chunked) or length_text == "0":
        return b""  # nothing to read: the environ stays as it is
    if length_text and not chunked:
        if not length_text.isdigit():
            raise BadBody(400, "invalid Content-Length")
        if int(length_text) > limit:
            raise BadBody(413, "the body is too large")
        body: bytes = stream.read(int(length_text))
    else:
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise BadBody(413, "the body is too large")
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def _send(start_response: StartResponse, response: Response) -> List[bytes]:
    status = response.status
    headers = [(name, value) for name, value in response.headers if name.lower() != "content-length"]
    headers.append(("Content-Length", str(len(response.body))))
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [response.body]


class OAuth1Middleware(gateway.Guard[WSGIApp]):
    """Verify requests for the paths in ``protect`` before ``app`` sees them (section 3.2).

    ``protect``: a path (``"/api/whoami"``), a subtree (``"/api/"``), several, or a predicate on
    ``PATH_INFO``; default: everything. ``realm`` in ``WWW-Authenticate`` (default: the
    provider's). ``base_url``, ``trusted_proxies`` and ``proxy_headers``: where the verified URI
    comes from (:class:`~oauth1core.gateway.PublicOrigin`). ``require_token=False`` also accepts
    requests signed with the client credentials alone. Bodies up to ``max_body`` octets
    (default: the provider's form limit) are read, verified and handed on; larger ones get 413.
    """

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not self.protects(environ.get("PATH_INFO", "") or "/"):
            return self.app(environ, start_response)
        try:
            body = read_body(environ, self.max_body)
        except BadBody as exc:
            return _send(start_response, gateway.plain_response(exc.status, str(exc)))
        try:
            uri = request_uri(environ, self.origin)
            environ[REQUEST_KEY] = gateway.verify(self.provider, environ.get("REQUEST_METHOD", "GET"), uri,
                                          oauth_headers(environ), body, require_token=self.require_token)
        except OAuthError as error:
            return _send(start_response, gateway.error_answer(self.provider, error, self.realm))
        return self.app(environ, start_response)


def verified_request(environ: Mapping[str, Any]) -> OAuth1Request:
    """The request the middleware verified (``KeyError`` on a path it does not protect)."""
    request: OAuth1Request = environ[REQUEST_KEY]
    return request


class ProviderEndpoints:
    """The three endpoints as a WSGI application (sections 2.1, 2.2, 2.3).

    ``POST request_token`` and ``POST access_token`` are answered here. ``GET`` and ``POST``
    ``authorize`` call ``authorize(environ, consent, form)``, the application's own login: it
    returns a :class:`~oauth1core.gateway.Decision` (who the resource owner is, and whether
    they approve), carried out here (302 to the callback, or the verifier shown for ``oob``),
    or any :class:`~oauth1core.server.Response` (a login or consent page), sent as it is.
    ``paths`` changes the endpoints' paths (:data:`~oauth1core.gateway.ENDPOINT_PATHS`); other
    paths go to ``app`` (404 without one).
    """

    def __init__(self, provider: Provider, *, authorize: AuthorizeHook, app: Optional[WSGIApp] = None,
                 paths: Optional[Mapping[str, str]] = None, base_url: Optional[str] = None,
                 trusted_proxies: Iterable[Union[str, Network]] = (), proxy_headers: str = "x-forwarded") -> None:
        self.routes = gateway.endpoint_routes(paths)
        self.provider = provider
        self.authorize = authorize
        self.app = app
        self.origin = PublicOrigin.build(base_url, trusted_proxies, proxy_headers)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        endpoint = self.routes.get(environ.get("PATH_INFO", ""))
        if endpoint is None:
            if self.app is not None:
                return self.app(environ, start_response)
            return _send(start_response, gateway.plain_response(404, "not found"))
        method = environ.get("REQUEST_METHOD", "GET")
        refusal = gateway.method_refusal(endpoint, method)
        if refusal is not None:
            return _send(start_response, refusal)
        try:
            body = read_body(environ, self.provider.limits.max_form_body)
        except BadBody as exc:
            return _send(start_response, gateway.plain_response(exc.status, str(exc)))
        try:
            return _send(start_response, self._answer(endpoint, method, environ, body))
        except OAuthError as error:
            return _send(start_response, gateway.error_answer(self.provider, error))

    def _answer(self, endpoint: str, method: str, environ: Environ, body: bytes) -> Response:
        if endpoint != "authorize":
            uri = request_uri(environ, self.origin)
            return gateway.endpoint_response(self.provider, endpoint, method, uri, oauth_headers(environ), body)
        query = parse_form(environ.get("QUERY_STRING", ""))
        form = gateway.read_form(environ.get("CONTENT_TYPE"), body) if method == "POST" else []
        consent = gateway.consent_for(self.provider, query, form)
        return gateway.hook_outcome(self.provider, consent, self.authorize(environ, consent, form))
