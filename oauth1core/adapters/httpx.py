"""Sign :mod:`httpx` requests, sync and async: ``httpx.Client(auth=OAuth1Auth(client))`` (RFC 5849 section 3).

:class:`OAuth1Auth` is an :class:`httpx.Auth`: every placement of the client (header, query, form
body) and the body hash of JSON and other non-form bodies (``Client(..., body_hash=True)``). It
reads the request body first (``requires_request_body``), so streamed uploads are buffered.

Redirects. httpx follows redirects (``follow_redirects=True``) inside the client, after the auth
flow signed the first request, so it cannot sign each hop. ``OAuth1Auth`` therefore follows
redirects itself, and by default it does: leave the client's ``follow_redirects`` off (httpx's
default). A redirect within the origin of the signed request is signed afresh (a new nonce); one
to another origin is sent with no ``Authorization`` header and no ``oauth_*`` parameter, and so
is everything after it outside that origin. ``OAuth1Auth(client, follow_redirects=False)`` hands
redirects back to you (``response.next_request``, unsigned). If the client follows redirects
itself, a same-origin hop goes out with a stale signature; when that ends in a 401 at the
origin, the auth signs the final request again and sends it once more.

Clock skew. When the provider refuses the timestamp (``timestamp_refused``, or a 401 whose
``Date`` is far from our clock), the request is signed again with a corrected clock offset and
sent once more (``auth.client`` keeps the correction); never twice.
"""

from __future__ import annotations

from typing import AsyncGenerator, Dict, Generator, Optional

from .._optional import require

require("httpx", "httpx", __name__)  # a missing library: one line naming the extra
import httpx

from ..flow import clock_correction
from ._redirect import AuthOptions, Origin, Unsigned, origin_of, signer_for, strip_oauth_query

__all__ = ["OAuth1Auth"]

_BODY_HEADERS = ("content-length", "transfer-encoding")


def _headers(request: httpx.Request) -> Dict[str, str]:
    return {name: value for name, value in request.headers.items()
            if name.lower() not in ("authorization", *_BODY_HEADERS)}


def _is_redirect(response: httpx.Response) -> bool:
    return response.has_redirect_location


def _wants_body(response: httpx.Response) -> bool:
    return response.status_code in (400, 401)


class OAuth1Auth(AuthOptions, httpx.Auth):
    """Signs requests with ``client`` (an :class:`oauth1core.Client`), for ``httpx.Client`` and
    ``httpx.AsyncClient`` alike; see the module.

    ``follow_redirects``: follow redirects, re-signed within the origin (at most
    ``max_redirects``); ``correct_clock``: retry once after a refused timestamp. ``client`` is
    the attribute to read for the (possibly corrected) client.
    """

    requires_request_body = True

    def _sign(self, unsigned: Unsigned, template: httpx.Request) -> httpx.Request:
        signed = signer_for(self.client, unsigned.method).sign(unsigned.method, unsigned.url, unsigned.headers,
                                                               unsigned.body)
        body = signed.body.encode("utf-8") if isinstance(signed.body, str) else signed.body
        return httpx.Request(signed.method, signed.uri, headers=signed.headers, content=body,
                             extensions=template.extensions)

    @staticmethod
    def _unsigned(request: httpx.Request, body: Optional[bytes]) -> Unsigned:
        return Unsigned(request.method.upper(), str(request.url), _headers(request), body)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        chain: Optional[Origin] = origin_of(str(request.url))
        if chain is None:
            raise ValueError("OAuth1Auth signs http and https URLs only")
        unsigned = self._unsigned(request, request.content or None)
        response = yield self._sign(unsigned, request)
        retried = False
        hops = 0
        while True:
            next_request = response.next_request
            if self.follow_redirects and _is_redirect(response) and next_request is not None:
                if hops >= self.max_redirects:
                    raise httpx.TooManyRedirects(f"more than {self.max_redirects} redirects", request=next_request)
                hops += 1
                keep_body = next_request.method == unsigned.method
                unsigned = self._unsigned(next_request, unsigned.body if keep_body else None)
                if origin_of(unsigned.url) == chain:
                    response = yield self._sign(unsigned, next_request)
                else:
                    # Another origin: nothing of ours goes there.
                    response = yield httpx.Request(unsigned.method, strip_oauth_query(unsigned.url),
                                                   headers=unsigned.headers, content=unsigned.body,
                                                   extensions=next_request.extensions)
                continue
            if retried or response.status_code not in (400, 401) or origin_of(str(response.url)) != chain:
                return
            offset = clock_correction(self.client, response.status_code, response.headers, response.content) \
                if self.correct_clock else None
            if offset is not None:
                self.client = self.client.replace(clock_offset=offset)
            elif not (response.history and response.status_code == 401):
                return
            # A corrected clock, or a stale signature sent by the client's own redirects: sign
            # the request that was refused again, once.
            final = response.request
            if final.method != unsigned.method or str(final.url) != unsigned.url:
                unsigned = self._unsigned(final, unsigned.body if final.method == unsigned.method else None)
            retried = True
            response = yield self._sign(unsigned, final)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        flow = self.auth_flow(request)
        outgoing = next(flow)
        while True:
            response = yield outgoing
            if _wants_body(response):
                response.read()
            try:
                outgoing = flow.send(response)
            except StopIteration:
                return

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        flow = self.auth_flow(request)
        outgoing = next(flow)
        while True:
            response = yield outgoing
            if _wants_body(response):
                await response.aread()
            try:
                outgoing = flow.send(response)
            except StopIteration:
                return
