"""The provider as ASGI 3 (HTTP scopes), standard library only (RFC 5849 sections 2 and 3).

The twin of :mod:`oauth1core.wsgi`: :class:`OAuth1Middleware` verifies the paths it protects and
puts the :class:`~oauth1core.gateway.OAuth1Request` in ``scope["oauth1core.request"]`` (the body
it read is handed on to the application unchanged); :class:`ProviderEndpoints` serves the three
endpoints with the application's ``authorize`` hook (plain or ``async``).

The stores are synchronous. A store that does I/O (SQLite, Redis) is called in a worker thread
(``loop.run_in_executor``) so that the event loop never waits on it; the in-memory store is called
inline (``offload`` overrides the choice). The path verified is ``raw_path``, as the client sent
it; the origin comes from ``base_url`` or ``trusted_proxies`` only. uvicorn rewrites the scheme and
client from ``X-Forwarded-*`` on its own unless started with ``--no-proxy-headers``
(or ``--forwarded-allow-ips`` naming no one): see docs/provider.md.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, MutableMapping, Optional, Tuple, TypeVar, Union
from urllib.parse import quote

from .errors import OAuthError
from . import gateway
from .gateway import Consent, Network, PublicOrigin
from .parameters import parse_form
from .server import Provider, Response

__all__ = ["OAuth1Middleware", "ProviderEndpoints", "REQUEST_KEY"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
#: ``authorize(scope, consent, form)`` -> Decision | Response, or an awaitable of one
AuthorizeHook = Callable[[Scope, Consent, List[Tuple[str, str]]], Any]
T = TypeVar("T")

#: where the middleware puts the verified request
REQUEST_KEY = "oauth1core.request"

_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


class BodyTooLarge(Exception):
    """The request body is over the limit (answered 413)."""


def headers_of(scope: Scope) -> Dict[str, str]:
    """The request headers by lower-case name; repeated ones joined with ``", "`` as a WSGI server
    would (so a repeated ``Authorization`` or ``Host`` is refused by the strict parse)."""
    joined: Dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        joined[name] = joined[name] + ", " + value if name in joined else value
    return joined


def scope_uri(scope: Scope, origin: PublicOrigin, headers: Optional[Mapping[str, str]] = None) -> str:
    """The absolute URI to verify for an HTTP scope (section 3.4.1.2), per ``origin``'s rules."""
    headers = headers_of(scope) if headers is None else headers
    host = headers.get("host")
    server = scope.get("server")
    if host is None and server:
        host = f"{server[0]}:{server[1]}"
    client = scope.get("client")
    peer = str(client[0]) if client else None
    base = origin.origin(scope.get("scheme", "http"), host, peer, headers.get)
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else quote(scope.get("path", "/").encode("utf-8"), safe=_PATH_SAFE)
    return origin.uri(base, path.partition("?")[0], scope.get("query_string", b"").decode("latin-1"))


def oauth_headers(headers: Mapping[str, str]) -> Dict[str, str]:
    """The headers verification reads: ``Authorization`` and ``Content-Type``."""
    selected = {}
    if "authorization" in headers:
        selected["Authorization"] = headers["authorization"]
    if "content-type" in headers:
        selected["Content-Type"] = headers["content-type"]
    return selected


async def receive_body(receive: Receive, limit: int) -> bytes:
    """Read the whole body (at most ``limit`` octets, else :class:`BodyTooLarge`)."""
    chunks: List[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # http.disconnect: what arrived is all there is
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge("the body is too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay_receive(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then defers to the real one (disconnects)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def send_response(send: Send, response: Response) -> None:
    """Send a :class:`~oauth1core.server.Response` (with its ``Content-Length``)."""
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1"))
               for name, value in response.headers if name.lower() != "content-length"]
    headers.append((b"content-length", str(len(response.body)).encode("ascii")))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def offloads(provider: Provider, offload: Optional[bool]) -> bool:
    """Whether store calls go to a thread: yes unless the store is the in-memory one."""
    if offload is not None:
        return offload
    from .stores.memory import MemoryStore

    return not isinstance(provider.store, MemoryStore)


async def call_store(offload: bool, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)``, in the default executor when ``offload``."""
    if not offload:
        return function(*args, **kwargs)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(function, *args, **kwargs))


class OAuth1Middleware(gateway.Guard[ASGIApp]):
    """Verify HTTP requests for the paths in ``protect`` before ``app`` sees them (section 3.2).

    The keywords are those of :class:`oauth1core.wsgi.OAuth1Middleware`, plus ``offload`` (see
    the module's docstring). A WebSocket to a protected path is closed (1008) before it is
    accepted; ``lifespan`` and unprotected paths pass through.
    """

    def __init__(self, app: ASGIApp, provider: Provider, *, offload: Optional[bool] = None, **settings: Any) -> None:
        super().__init__(app, provider, **settings)
        self.offload = offloads(provider, offload)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.protects(scope.get("path", "/")):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":  # no signed handshake here: a protected path is closed
            await receive()
            await send({"type": "websocket.close", "code": 1008})
            return
        try:
            body = await receive_body(receive, self.max_body)
        except BodyTooLarge as exc:
            await send_response(send, gateway.plain_response(413, str(exc)))
            return
        headers = headers_of(scope)
        try:
            uri = scope_uri(scope, self.origin, headers)
            scope[REQUEST_KEY] = await call_store(self.offload, gateway.verify, self.provider, scope["method"], uri,
                                                  oauth_headers(headers), body, require_token=self.require_token)
        except OAuthError as error:
            await send_response(send, gateway.error_answer(self.provider, error, self.realm))
            return
        await self.app(scope, replay_receive(body, receive), send)


class ProviderEndpoints:
    """The three endpoints as an ASGI application (sections 2.1, 2.2, 2.3): the twin of
    :class:`oauth1core.wsgi.ProviderEndpoints`. ``authorize(scope, consent, form)`` may be a
    plain function or a coroutine function; other paths (and scope types) go to ``app``."""

    def __init__(self, provider: Provider, *, authorize: AuthorizeHook, app: Optional[ASGIApp] = None,
                 paths: Optional[Mapping[str, str]] = None, base_url: Optional[str] = None,
                 trusted_proxies: Iterable[Union[str, Network]] = (), proxy_headers: str = "x-forwarded",
                 offload: Optional[bool] = None) -> None:
        self.routes = gateway.endpoint_routes(paths)
        self.provider = provider
        self.authorize = authorize
        self.app = app
        self.origin = PublicOrigin.build(base_url, trusted_proxies, proxy_headers)
        self.offload = offloads(provider, offload)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.routes.get(scope.get("path", "")) if scope["type"] == "http" else None
        if endpoint is None:
            if self.app is not None:
                await self.app(scope, receive, send)
            elif scope["type"] == "lifespan":
                await _lifespan(receive, send)
            else:
                await send_response(send, gateway.plain_response(404, "not found"))
            return
        method = scope["method"]
        refusal = gateway.method_refusal(endpoint, method)
        if refusal is not None:
            await send_response(send, refusal)
            return
        try:
            body = await receive_body(receive, self.provider.limits.max_form_body)
        except BodyTooLarge as exc:
            await send_response(send, gateway.plain_response(413, str(exc)))
            return
        try:
            response = await self._answer(endpoint, method, scope, body)
        except OAuthError as error:
            response = gateway.error_answer(self.provider, error)
        await send_response(send, response)

    async def _answer(self, endpoint: str, method: str, scope: Scope, body: bytes) -> Response:
        headers = headers_of(scope)
        if endpoint != "authorize":
            uri = scope_uri(scope, self.origin, headers)
            return await call_store(self.offload, gateway.endpoint_response, self.provider, endpoint, method, uri,
                                    oauth_headers(headers), body)
        query = parse_form(scope.get("query_string", b"").decode("latin-1"))
        form = gateway.read_form(headers.get("content-type"), body) if method == "POST" else []
        consent = await call_store(self.offload, gateway.consent_for, self.provider, query, form)
        outcome = self.authorize(scope, consent, form)
        if inspect.isawaitable(outcome):
            outcome = await outcome
        response: Response = await call_store(self.offload, gateway.hook_outcome, self.provider, consent, outcome)
        return response


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
