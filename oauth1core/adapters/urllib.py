"""Sign a :class:`urllib.request.Request` (RFC 5849 sections 3.1 and 3.5).

:func:`sign_request` returns a new, signed ``Request``; the one given is not changed. The
client's placement is used: the ``Authorization`` header (3.5.1), the form body (3.5.2) or the
query (3.5.3).

Two details of :mod:`urllib` matter for signatures:

* ``urllib`` sends ``Content-Type: application/x-www-form-urlencoded`` with any body that has no
  Content-Type, which makes the server read (and verify) the body as form parameters. The
  adapter sets that header first, so what is signed is what is sent.
* The ``Authorization`` header is added as an *unredirected* header: if the server redirects,
  it is not replayed to the new location (a PLAINTEXT signature is the secret itself).
"""

from __future__ import annotations

import urllib.request
from typing import Dict, Optional, Union

from ..client import Client
from ..parameters import FORM_CONTENT_TYPE, header_value

__all__ = ["sign_request"]


def sign_request(client: Client, request: urllib.request.Request) -> urllib.request.Request:
    """A new :class:`urllib.request.Request`: ``request`` signed by ``client``.

    ``request.data`` must be ``bytes`` or ``None`` (a file or an iterable body cannot be read
    twice, so it cannot be signed): :class:`TypeError` otherwise.
    """
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
    method = request.get_method()
    signed = client.sign(method, request.full_url, headers, body)
    authorization = signed.headers.pop("Authorization", None)
    signed_body: Union[str, bytes, None] = signed.body
    if isinstance(signed_body, str):
        signed_body = signed_body.encode("utf-8")
    new = urllib.request.Request(
        signed.uri,
        data=signed_body,
        headers=signed.headers,
        origin_req_host=request.origin_req_host,
        unverifiable=request.unverifiable,
        method=method,
    )
    if authorization is not None:
        new.add_unredirected_header("Authorization", authorization)
    return new
