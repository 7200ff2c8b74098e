"""Sign :mod:`aiohttp` requests with a client middleware (aiohttp 3.12 or later) (RFC 5849 section 3).

::

    async with aiohttp.ClientSession(middlewares=(OAuth1Middleware(client),)) as session:
        async with session.get("https://api.example.com/photos") as response:
            ...

:class:`OAuth1Middleware` signs each request the session sends, redirects included: aiohttp runs
client middlewares once per hop. It signs only requests to *one* origin (scheme, host, port):
``origin=`` when given, else the origin of the first request it sees. A request, or a redirect,
to any other origin goes out with no ``Authorization`` header and no ``oauth_*`` parameter: the
signature, a secret under PLAINTEXT, never leaves the origin. A redirect within the origin is
signed afresh (a new nonce). For several providers, use one session (or one middleware passed
per request, ``session.get(url, middlewares=(...,))``) each.

Every placement of the client works (header, query, form body), and the body hash of JSON and
other non-form bodies (``Client(..., body_hash=True)``). The middleware reads the request body to
sign it: bytes, str, form dicts and ``json=`` bodies; a file or stream body can be signed only
with the header placement, no body hash and a non-form Content-Type.

Clock skew. When the provider refuses the timestamp (``timestamp_refused``, or a 401 whose
``Date`` is far from our clock), the request is signed again with a corrected clock offset and
sent once more (``middleware.client`` keeps the correction); never twice.
"""

from __future__ import annotations

from typing import Optional

try:
    import aiohttp
except ModuleNotFoundError as missing:  # one line that says what to install
    raise ModuleNotFoundError(f"oauth1core.adapters.aiohttp needs aiohttp: pip install 'oauth1core[aiohttp]'",
                              name=missing.name) from None
from aiohttp import ClientRequest, ClientResponse, hdrs
from yarl import URL

try:
    from aiohttp import ClientHandlerType
except ImportError:  # pragma: no cover - aiohttp before 3.12
    raise ImportError("oauth1core.adapters.aiohttp needs aiohttp 3.12 or later (client middlewares)") from None

from ..client import Client
from ..skew import clock_correction
from ..parameters import header_value, is_form_content_type
from ._redirect import Origin, Unsigned, origin_of, signer_for, strip_oauth_form, strip_oauth_query

__all__ = ["OAuth1Middleware"]


class OAuth1Middleware:
    """An aiohttp client middleware signing requests with ``client`` (an
    :class:`oauth1core.Client`) for one origin; see the module. ``correct_clock``: retry once
    after a refused timestamp."""

    def __init__(self, client: Client, *, origin: Optional[str] = None, correct_clock: bool = True) -> None:
        if not isinstance(client, Client):
            raise TypeError("OAuth1Middleware needs an oauth1core.Client")
        self.client = client
        self.correct_clock = correct_clock
        self.origin: Optional[Origin] = None
        if origin is not None:
            self.origin = origin_of(origin)
            if self.origin is None:
                raise ValueError("origin must be an http(s) URL")

    def __repr__(self) -> str:
        return f"OAuth1Middleware({self.client!r})"

    async def _body(self, request: ClientRequest, signs_body: bool) -> Optional[bytes]:
        body = request.body
        if not body:
            return None
        if isinstance(body, aiohttp.payload.BytesPayload):
            return await body.as_bytes()
        if signs_body:
            raise TypeError("OAuth1Middleware cannot sign a file or stream body (form body, body placement or "
                            "body hash): pass bytes, str, a form dict or json=")
        return None

    async def _unsigned(self, request: ClientRequest) -> Unsigned:
        headers = {name: value for name, value in request.headers.items()
                   if name.lower() not in ("authorization", "content-length", "transfer-encoding")}
        signs_body = (self.client.placement == "body" or self.client.body_hash
                      or is_form_content_type(header_value(headers, "Content-Type")))
        body = await self._body(request, signs_body)
        if body is not None and is_form_content_type(header_value(headers, "Content-Type")):
            stripped = strip_oauth_form(body)  # a redirected body that was signed in the form
            assert isinstance(stripped, bytes)
            body = stripped or None
        return Unsigned(request.method.upper(), strip_oauth_query(str(request.url)), headers, body)

    async def _apply(self, request: ClientRequest, unsigned: Unsigned) -> None:
        client = signer_for(self.client, unsigned.method)
        signed = client.sign(unsigned.method, unsigned.url, unsigned.headers, unsigned.body)
        request.url = URL(signed.uri, encoded=True)
        request.headers.popall(hdrs.AUTHORIZATION, None)
        for name, value in signed.headers.items():
            if name.lower() == "authorization" or name not in request.headers:
                request.headers[name] = value
        if client.placement == "body":
            body = signed.body.encode("utf-8") if isinstance(signed.body, str) else signed.body
            await request.update_body(body)

    async def __call__(self, request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        here = origin_of(str(request.url))
        if self.origin is None and here is not None:
            self.origin = here
        if here is None or here != self.origin:
            # Another origin: nothing of ours goes there (a redirect may carry our signed body).
            request.headers.popall(hdrs.AUTHORIZATION, None)
            request.url = URL(strip_oauth_query(str(request.url)), encoded=True)
            body = request.body
            if body and isinstance(body, aiohttp.payload.BytesPayload) and is_form_content_type(
                    header_value(dict(request.headers), "Content-Type")):
                await request.update_body(strip_oauth_form(await body.as_bytes()))
            return await handler(request)
        unsigned = await self._unsigned(request)
        await self._apply(request, unsigned)
        response = await handler(request)
        if not self.correct_clock or response.status not in (400, 401):
            return response
        offset = clock_correction(self.client, response.status, response.headers, await response.read())
        if offset is None:
            return response
        self.client = self.client.replace(clock_offset=offset)
        response.release()
        await self._apply(request, unsigned)
        return await handler(request)
