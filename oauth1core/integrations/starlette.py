"""The provider inside a Starlette or FastAPI application (RFC 5849 sections 2 and 3):
``pip install 'oauth1core[fastapi]'``.

::

    oauth = StarletteProvider(provider, authorize=my_login, base_url="https://api.example.com")
    oauth.install(app)                        # the three endpoints and the refusal handler

    @app.get("/api/whoami")                   # FastAPI: a dependency
    async def whoami(request: OAuth1Request = Depends(oauth)):
        ...

    @oauth.protect                            # Starlette: a decorator on an endpoint
    async def whoami(request):
        verified(request)

``authorize(request, consent, form)`` (plain or ``async``) is the application's own login: it
returns a :class:`~oauth1core.gateway.Decision`, or any Starlette response (a login or consent
page). A refusal is raised as :class:`OAuth1Refused` (an ``HTTPException`` with the
``WWW-Authenticate`` header); the handler :meth:`StarletteProvider.install` registers sends the
provider's exact answer. Store calls that do I/O run in a worker thread, as in :mod:`oauth1core.asgi`.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Awaitable, Callable, List, Optional, Tuple, TypeVar, cast

try:
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import Response as StarletteResponse
    from starlette.routing import Route
except ModuleNotFoundError:  # pragma: no cover - exercised by a subprocess test
    from . import missing

    raise missing("Starlette (or FastAPI)", "fastapi") from None

from .. import gateway
from ..asgi import call_store, headers_of, oauth_headers, offloads, scope_uri
from ..errors import OAuthError
from ..gateway import Consent, Decision, OAuth1Request
from ..parameters import parse_form
from ..server import Provider, Response
from . import Integration

__all__ = ["StarletteProvider", "OAuth1Refused", "verified"]

Endpoint = TypeVar("Endpoint", bound=Callable[..., Awaitable[StarletteResponse]])
AuthorizeHook = Callable[[Request, Consent, List[Tuple[str, str]]], Any]

_STATE = "oauth1core_request"


def _to_starlette(response: Response) -> StarletteResponse:
    return StarletteResponse(response.body, status_code=response.status, headers=dict(response.headers))


class OAuth1Refused(HTTPException):
    """A refused request (400/401 with ``WWW-Authenticate``, or 503): ``response`` is the answer."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status, response.body.decode("utf-8"), dict(response.headers))
        self.response = response


async def _refused(request: Request, exc: Exception) -> StarletteResponse:
    return _to_starlette(cast(OAuth1Refused, exc).response)


def verified(request: Request) -> OAuth1Request:
    """The verified request of a protected endpoint; :class:`LookupError` elsewhere."""
    result = getattr(request.state, _STATE, None)
    if not isinstance(result, OAuth1Request):
        raise LookupError("this endpoint is not protected by StarletteProvider")
    return result


class StarletteProvider(Integration[AuthorizeHook]):
    """The provider's endpoints (:meth:`routes`, :meth:`install`) and route protection (the
    dependency, :meth:`protect`) for Starlette and FastAPI. The keywords are
    :class:`~oauth1core.integrations.Integration`'s, plus ``require_token`` (for the dependency)
    and ``offload`` (see :mod:`oauth1core.asgi`)."""

    def __init__(self, provider: Provider, *, authorize: AuthorizeHook, require_token: bool = True,
                 offload: Optional[bool] = None, **settings: Any) -> None:
        super().__init__(provider, authorize=authorize, **settings)
        self.require_token = require_token
        self.offload = offloads(provider, offload)

    def routes(self) -> List[Route]:
        """Routes of the three endpoints (names ``oauth1core_<endpoint>``)."""
        return [
            Route(path, self._authorize_view if endpoint == "authorize" else self._token_endpoint(endpoint),
                  methods=["GET", "POST"] if endpoint == "authorize" else ["POST"], name=f"oauth1core_{endpoint}")
            for path, endpoint in self.endpoints.items()
        ]

    def _token_endpoint(self, endpoint: str) -> Callable[[Request], Awaitable[StarletteResponse]]:
        # A function, not a partial: Starlette takes anything else for an ASGI application.
        async def view(request: Request) -> StarletteResponse:
            return await self._token_view(endpoint, request)

        return view

    def install(self, app: Any) -> None:
        """Add the routes and the :class:`OAuth1Refused` handler to a Starlette or FastAPI ``app``."""
        app.router.routes.extend(self.routes())
        app.add_exception_handler(OAuth1Refused, _refused)

    async def _token_view(self, endpoint: str, request: Request) -> StarletteResponse:
        try:
            uri = scope_uri(request.scope, self.origin)
            response = await call_store(self.offload, gateway.endpoint_response, self.provider, endpoint, request.method,
                                        uri, oauth_headers(headers_of(request.scope)), await request.body())
        except OAuthError as error:
            response = self.refusal(error)
        return _to_starlette(response)

    async def _authorize_view(self, request: Request) -> StarletteResponse:
        try:
            body = await request.body() if request.method == "POST" else b""
            form = gateway.read_form(request.headers.get("content-type"), body) if body else []
            query = parse_form(request.scope.get("query_string", b"").decode("latin-1"))
            consent = await call_store(self.offload, gateway.consent_for, self.provider, query, form)
            outcome = self.authorize(request, consent, form)
            if inspect.isawaitable(outcome):
                outcome = await outcome
            if not isinstance(outcome, Decision):
                return cast(StarletteResponse, outcome)
            return _to_starlette(await call_store(self.offload, gateway.hook_outcome, self.provider, consent, outcome))
        except OAuthError as error:
            return _to_starlette(self.refusal(error))

    async def check(self, request: Request, *, require_token: Optional[bool] = None) -> OAuth1Request:
        """Verify ``request`` (3.2) and return it verified (also kept for :func:`verified`); raise
        :class:`OAuth1Refused` otherwise."""
        needs_token = self.require_token if require_token is None else require_token
        try:
            uri = scope_uri(request.scope, self.origin)
            result = await call_store(self.offload, gateway.verify, self.provider, request.method, uri,
                                      oauth_headers(headers_of(request.scope)), await request.body(),
                                      require_token=needs_token)
        except OAuthError as error:
            raise OAuth1Refused(self.refusal(error, protected=True)) from None
        setattr(request.state, _STATE, result)
        return result

    async def __call__(self, request: Request) -> OAuth1Request:
        """The FastAPI dependency: ``Depends(oauth)`` gives the endpoint the verified request."""
        return await self.check(request)

    def protect(self, endpoint: Endpoint) -> Endpoint:
        """Decorate a Starlette endpoint ``async def view(request)``: it runs only for a verified
        request; a refusal is answered with the provider's response."""

        @functools.wraps(endpoint)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> StarletteResponse:
            try:
                await self.check(request)
            except OAuth1Refused as refused:
                return _to_starlette(refused.response)
            return await endpoint(request, *args, **kwargs)

        return cast(Endpoint, wrapper)
