"""Send the flow's requests with the standard library (:mod:`urllib`), and drive the flow.

:class:`UrllibTransport` sends a :class:`~oauth1core.client.SignedRequest` and returns the answer
as plain data; any object with the same ``send`` method can replace it (an HTTP client of your
choice, or a fake in tests). :func:`obtain_temporary_credentials` and
:func:`obtain_token_credentials` run the two signed legs of a
:class:`~oauth1core.flow.ThreeLeggedFlow`, retrying once with a corrected clock when the provider
refuses the timestamp (RFC 5849 section 3.3), never more.

Token requests are not redirected: a provider that answers them with a redirect is reported, not
followed (the request carries credentials). A request that gets no answer at all (no route, a
refused connection, a timeout, a TLS failure, a connection closed mid-answer) raises
:class:`NetworkError`, a library error naming the provider's origin and the cause, never the raw
:mod:`urllib` or :mod:`socket` exception. Not imported by ``import oauth1core``.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from typing import Callable, List, Mapping, Optional, Protocol
from urllib.parse import urlsplit

from .answers import Response
from .base_string import DEFAULT_PORTS
from .client import SignedRequest
from .errors import OAuthError
from .flow import FlowState, ThreeLeggedFlow, TokenCredentials

__all__ = ["HTTPResponse", "NetworkError", "Transport", "UrllibTransport", "obtain_temporary_credentials",
           "obtain_token_credentials"]


class NetworkError(OAuthError):
    """No answer from the provider: ``origin`` (``scheme://host:port``, never the path or query,
    which may carry a PLAINTEXT signature) and ``cause`` (the underlying exception, also
    ``__cause__``). Not a provider's refusal, so its text has no ``[problem, HTTP ...]`` suffix;
    ``status`` is 502, what a gateway would answer."""

    status = 502
    problem = "provider_unreachable"
    section = "2"

    def __init__(self, origin: str, cause: BaseException) -> None:
        reason = getattr(cause, "reason", None) or getattr(cause, "strerror", None) or cause
        self.reason = str(reason or type(cause).__name__)
        super().__init__(f"cannot reach {origin}: {self.reason}")
        self.origin = origin
        self.cause = cause

    def __str__(self) -> str:
        return self.message


def _origin_text(url: str) -> str:
    """``scheme://host:port`` of ``url`` (default port filled in), for messages."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
        host = parts.hostname or "?"
    except ValueError:
        return "(an unusable URL)"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower()}://{host}:{port}"

#: An answer as plain data (one type with the provider's :class:`~oauth1core.answers.Response`).
HTTPResponse = Response


class Transport(Protocol):
    """What the flow needs from an HTTP client: send one request, return its answer."""

    def send(self, request: SignedRequest) -> HTTPResponse:  # pragma: no cover - a protocol
        ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class UrllibTransport:
    """Sends signed requests with :mod:`urllib`; redirects are returned, not followed.

    ``proxies`` is a ``{scheme: url}`` mapping for :class:`urllib.request.ProxyHandler`
    (``None``: from the environment; ``{}``: none). ``max_body`` bounds what is read.
    """

    def __init__(self, *, timeout: float = 30.0, proxies: Optional[Mapping[str, str]] = None,
                 max_body: int = 1 << 20) -> None:
        handlers: List[urllib.request.BaseHandler] = [_NoRedirect()]
        if proxies is not None:
            handlers.append(urllib.request.ProxyHandler(dict(proxies)))
        self.opener = urllib.request.build_opener(*handlers)
        self.timeout = timeout
        self.max_body = max_body

    def send(self, request: SignedRequest) -> HTTPResponse:
        body = request.body.encode("utf-8") if isinstance(request.body, str) else request.body
        outgoing = urllib.request.Request(request.uri, data=body, headers=request.headers, method=request.method)
        if body is None and request.method.upper() in ("POST", "PUT", "PATCH"):
            outgoing.data = b""  # a Content-Length: 0, which some providers insist on
        try:
            with self.opener.open(outgoing, timeout=self.timeout) as answer:
                return HTTPResponse(answer.status, list(answer.headers.items()), answer.read(self.max_body))
        except urllib.error.HTTPError as error:
            with error:
                return HTTPResponse(error.code, list(error.headers.items()), error.read(self.max_body))
        except (OSError, http.client.HTTPException) as error:  # URLError, timeouts, resets, TLS
            raise NetworkError(_origin_text(request.uri), error) from error


def _send_with_clock_retry(flow: ThreeLeggedFlow, build: Callable[[], SignedRequest],
                           transport: Transport) -> HTTPResponse:
    response = transport.send(build())
    if not 200 <= response.status < 300 and flow.correct_clock(response.status, response.headers, response.body):
        response = transport.send(build())  # once, with the provider's clock
    return response


def obtain_temporary_credentials(flow: ThreeLeggedFlow, transport: Optional[Transport] = None) -> FlowState:
    """Leg 1 (section 2.1): send the temporary credentials request, return the flow's state."""
    response = _send_with_clock_retry(flow, flow.temporary_credentials_request, transport or UrllibTransport())
    return flow.parse_temporary_credentials(response.status, response.headers, response.body)


def obtain_token_credentials(flow: ThreeLeggedFlow, state: FlowState,
                             transport: Optional[Transport] = None) -> TokenCredentials:
    """Leg 3 (section 2.3): exchange the verified temporary credentials for token credentials."""
    response = _send_with_clock_retry(flow, lambda: flow.token_credentials_request(state),
                                      transport or UrllibTransport())
    return flow.parse_token_credentials(response.status, response.headers, response.body)
