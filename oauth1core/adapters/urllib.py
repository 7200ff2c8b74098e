"""Sign :mod:`urllib.request` requests (RFC 5849 sections 3.1 and 3.5).

Two ways:

* :func:`sign_request` returns a new, signed ``Request``; the one given is not changed.
* :class:`OAuth1Handler` goes in an opener (``urllib.request.build_opener(OAuth1Handler(client))``)
  and signs every request the opener sends. It replaces urllib's redirect handler: a redirect
  within the origin of the request you opened is signed afresh (new nonce); a redirect to another
  origin is followed with no ``Authorization`` header and no ``oauth_*`` parameter. When the
  provider refuses the timestamp (``timestamp_refused``, or a 401 whose ``Date`` is far from our
  clock), it corrects the client's clock offset and sends the request once more.

The client's placement is used: the ``Authorization`` header (3.5.1), the form body (3.5.2) or
the query (3.5.3). Two details of :mod:`urllib` matter for signatures:

* ``urllib`` sends ``Content-Type: application/x-www-form-urlencoded`` with any body that has no
  Content-Type, which makes the server read (and verify) the body as form parameters. The
  adapter sets that header first, so what is signed is what is sent.
* The ``Authorization`` header is added as an *unredirected* header: urllib never replays it to
  another location (a PLAINTEXT signature is the secret itself).
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from http.client import HTTPMessage
from typing import IO, Dict, Optional, Tuple, Union

from ..client import Client
from ..parameters import FORM_CONTENT_TYPE, header_value
from ._redirect import Origin, Unsigned, origin_of, signer_for, strip_oauth_query

__all__ = ["sign_request", "OAuth1Handler"]

_MAX_ERROR_BODY = 1 << 20


def _unsigned(request: urllib.request.Request) -> Unsigned:
    data = request.data
    if data is not None and not isinstance(data, (bytes, bytearray)):
        raise TypeError("sign_request needs request.data as bytes or None")
    body: Optional[bytes] = bytes(data) if data is not None else None
    headers: Dict[str, str] = {}
    for name, value in request.header_items():
        if name.lower() != "authorization":
            headers[name] = value
    if body is not None and header_value(headers, "Content-Type") is None:
        headers["Content-Type"] = FORM_CONTENT_TYPE  # what urllib would send anyway
    return Unsigned(request.get_method(), request.full_url, headers, body)


def _sign(client: Client, unsigned: Unsigned) -> Tuple[str, Optional[bytes], Dict[str, str], Optional[str]]:
    """``(uri, data, headers without Authorization, Authorization or None)``."""
    signed = client.sign(unsigned.method, unsigned.url, unsigned.headers, unsigned.body)
    authorization = signed.headers.pop("Authorization", None)
    body: Union[str, bytes, None] = signed.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    return signed.uri, body, signed.headers, authorization


def sign_request(client: Client, request: urllib.request.Request) -> urllib.request.Request:
    """A new :class:`urllib.request.Request`: ``request`` signed by ``client``.

    ``request.data`` must be ``bytes`` or ``None`` (a file or an iterable body cannot be read
    twice, so it cannot be signed): :class:`TypeError` otherwise.
    """
    unsigned = _unsigned(request)
    uri, data, headers, authorization = _sign(client, unsigned)
    new = urllib.request.Request(
        uri,
        data=data,
        headers=headers,
        origin_req_host=request.origin_req_host,
        unverifiable=request.unverifiable,
        method=unsigned.method,
    )
    if authorization is not None:
        new.add_unredirected_header("Authorization", authorization)
    return new


# Attributes the handler keeps on the requests it handles.
_UNSIGNED = "_oauth1core_unsigned"  # the request as the caller wrote it (what is signed again)
_CHAIN = "_oauth1core_origin"  # the origin of the request the caller opened, carried along redirects
_RETRIED = "_oauth1core_retried"  # the clock was corrected and the request sent once more


class OAuth1Handler(urllib.request.HTTPRedirectHandler):
    """Signs every request of an opener with ``client``; follows redirects safely (see the module).

    Use it in place of urllib's redirect handler: ``urllib.request.build_opener(OAuth1Handler(client))``
    (``build_opener`` then leaves the default one out). ``correct_clock=False`` turns off the
    retry after a refused timestamp. The corrected client is ``handler.client``. Requests must
    carry ``bytes`` or no body. Each request you open is signed; opening the same ``Request``
    object again signs it again (from what you wrote, not from the signed copy).
    """

    handler_order = 400  # before urllib's HTTPHandler computes Content-Length from the signed body

    def __init__(self, client: Client, *, correct_clock: bool = True) -> None:
        self.client = client
        self.correct_clock = correct_clock

    # -- signing (a pre-processor of every request the opener sends) --------------------------

    def _process(self, request: urllib.request.Request) -> urllib.request.Request:
        unsigned: Optional[Unsigned] = getattr(request, _UNSIGNED, None)
        if unsigned is None:
            unsigned = _unsigned(request)
            setattr(request, _UNSIGNED, unsigned)
        chain: Optional[Origin] = getattr(request, _CHAIN, None)
        here = origin_of(unsigned.url)
        if chain is None:
            chain = here
            setattr(request, _CHAIN, chain)
        request.remove_header("Authorization")
        if here is None or here != chain:
            # Another origin: nothing of ours goes there.
            request.full_url = strip_oauth_query(unsigned.url)
            return request
        uri, data, headers, authorization = _sign(signer_for(self.client, unsigned.method), unsigned)
        request.full_url = uri
        if data != request.data:
            request.data = data
        for name, value in headers.items():
            if request.get_header(name.capitalize()) is None:
                request.add_header(name, value)
        if authorization is not None:
            request.add_unredirected_header("Authorization", authorization)
        return request

    http_request = _process
    https_request = _process

    # -- redirects: urllib builds the next request, this handler marks it -----------------------

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> Optional[urllib.request.Request]:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            setattr(new, _CHAIN, getattr(req, _CHAIN, None) or origin_of(req.full_url))
        return new

    # -- section 3.3: a refused timestamp ---------------------------------------------------------

    def http_error_401(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                       headers: HTTPMessage) -> Optional[IO[bytes]]:
        if not self.correct_clock or getattr(req, _UNSIGNED, None) is None or getattr(req, _RETRIED, False):
            return None
        if origin_of(req.full_url) != getattr(req, _CHAIN, None):
            return None
        from ..skew import clock_correction

        body = fp.read(_MAX_ERROR_BODY)
        fp.close()
        offset = clock_correction(self.client, code, headers, body)
        if offset is None:
            # Not a clock problem: the caller gets the error, its body intact.
            raise urllib.error.HTTPError(req.full_url, code, msg, headers, io.BytesIO(body))
        self.client = self.client.replace(clock_offset=offset)
        setattr(req, _RETRIED, True)
        response: IO[bytes] = self.parent.open(req, timeout=getattr(req, "timeout", None))
        return response
