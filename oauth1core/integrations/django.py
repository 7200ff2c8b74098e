"""The provider inside a Django project (RFC 5849 sections 2 and 3): ``pip install 'oauth1core[django]'``.

::

    oauth = DjangoProvider(provider, authorize=my_login, base_url="https://api.example.com")
    urlpatterns = [*oauth.urls(), path("api/whoami", oauth.protect(whoami))]

    def whoami(request):
        verified(request)                  # consumer_key, token, user, params

``authorize(request, consent)`` is the project's own login: it reads ``request.user`` (Django's
session authentication) or its own form, and returns a :class:`~oauth1core.gateway.Decision`, or
any ``HttpResponse`` (a login redirect, a consent page). The token endpoints are exempt from
Django's CSRF check (clients sign them); the authorize view is not: a consent form rendered with
``{% csrf_token %}`` stays protected (RFC 5849 section 4.13).

Works under WSGI (``request.META`` is the environ: gunicorn's ``RAW_URI`` gives the path as
sent) and ASGI (``request.scope``'s ``raw_path``). Typed against django-stubs (in the ``test``
extra), without the mypy plugin, which would need a settings module to type-check a library.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, List, Mapping, Optional, Tuple, TypeVar, Union, cast

try:
    from django.http import HttpRequest, HttpResponse, HttpResponseBase
    from django.urls import URLPattern, path
    from django.views.decorators.csrf import csrf_exempt
except ModuleNotFoundError:  # pragma: no cover - exercised by a subprocess test
    from . import missing

    raise missing("Django", "django") from None

from .. import asgi, gateway, wsgi
from ..errors import OAuthError
from ..gateway import Consent, Decision, OAuth1Request
from ..parameters import parse_form
from ..server import Response
from . import Integration

__all__ = ["DjangoProvider", "verified"]

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
AuthorizeHook = Callable[[HttpRequest, Consent], Union[Decision, HttpResponseBase]]

_ATTRIBUTE = "oauth1"


def _to_django(response: Response) -> HttpResponse:
    answer = HttpResponse(response.body, status=response.status)
    for name, value in response.headers:
        answer[name] = value
    return answer


def verified(request: HttpRequest) -> OAuth1Request:
    """The verified request of a protected view; :class:`LookupError` elsewhere."""
    result = getattr(request, _ATTRIBUTE, None)
    if not isinstance(result, OAuth1Request):
        raise LookupError("this view is not protected by DjangoProvider.protect")
    return result


class DjangoProvider(Integration[AuthorizeHook]):
    """The provider's endpoints (:meth:`urls`) and view protection (:meth:`protect`) for Django;
    the keywords are :class:`~oauth1core.integrations.Integration`'s."""

    def _request_parts(self, request: HttpRequest) -> Tuple[str, Mapping[str, str]]:
        """The absolute URI to verify and the headers verification reads."""
        scope = getattr(request, "scope", None)
        if isinstance(scope, dict):  # ASGIRequest
            headers = asgi.headers_of(scope)
            return asgi.scope_uri(scope, self.origin, headers), asgi.oauth_headers(headers)
        return wsgi.request_uri(request.META, self.origin), wsgi.oauth_headers(request.META)

    def urls(self) -> List[URLPattern]:
        """URL patterns of the three endpoints, for ``urlpatterns`` (names ``oauth1core_<endpoint>``)."""
        patterns = []
        for route, endpoint in self.endpoints.items():
            if endpoint == "authorize":
                view: Callable[..., HttpResponseBase] = self._authorize_view
            else:
                view = csrf_exempt(functools.partial(self._token_view, endpoint=endpoint))
            patterns.append(path(route.lstrip("/"), view, name=f"oauth1core_{endpoint}"))
        return patterns

    def _token_view(self, request: HttpRequest, endpoint: str) -> HttpResponseBase:
        method = request.method or "GET"
        refusal = gateway.method_refusal(endpoint, method)
        try:
            if refusal is not None:
                return _to_django(refusal)
            uri, headers = self._request_parts(request)
            return _to_django(gateway.endpoint_response(self.provider, endpoint, method, uri, headers, request.body))
        except OAuthError as error:
            return _to_django(self.refusal(error))

    def _authorize_view(self, request: HttpRequest) -> HttpResponseBase:
        method = request.method or "GET"
        refusal = gateway.method_refusal("authorize", method)
        if refusal is not None:
            return _to_django(refusal)
        try:
            form = gateway.read_form(request.content_type, request.body) if method == "POST" else []
            consent = gateway.consent_for(self.provider, parse_form(request.META.get("QUERY_STRING", "")), form)
            outcome = self.authorize(request, consent)
            if isinstance(outcome, Decision):
                return _to_django(gateway.hook_outcome(self.provider, consent, outcome))
            return outcome
        except OAuthError as error:
            return _to_django(self.refusal(error))

    def check(self, request: HttpRequest, *, require_token: bool = True) -> Optional[HttpResponse]:
        """Verify ``request`` (3.2): ``None`` when it verified (then :func:`verified` returns it),
        else the refusal to send (400/401 with ``WWW-Authenticate``, or 503)."""
        try:
            uri, headers = self._request_parts(request)
            result = gateway.verify(self.provider, request.method or "GET", uri, headers, request.body,
                            require_token=require_token)
        except OAuthError as error:
            return _to_django(self.refusal(error, protected=True))
        setattr(request, _ATTRIBUTE, result)
        return None

    def protect(self, view: Optional[View] = None, *, require_token: bool = True) -> Any:
        """Decorate a view so that it runs only for a verified request (``oauth.protect(view)`` or
        ``@oauth.protect(require_token=False)``). Signed requests carry no CSRF token: the
        decorated view is CSRF-exempt, as the signature already proves who sent it."""

        def decorate(function: View) -> View:
            @functools.wraps(function)
            def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
                refusal = self.check(request, require_token=require_token)
                return refusal if refusal is not None else function(request, *args, **kwargs)

            return cast(View, csrf_exempt(wrapper))

        return decorate(view) if view is not None else decorate
