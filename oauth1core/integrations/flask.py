"""The provider inside a Flask application (RFC 5849 sections 2 and 3): ``pip install 'oauth1core[flask]'``.

::

    oauth = FlaskProvider(provider, authorize=my_login, base_url="https://api.example.com")
    oauth.init_app(app)                 # POST /oauth/request_token, GET|POST /oauth/authorize,
                                        # POST /oauth/access_token
    @app.get("/api/whoami")
    @oauth.protect
    def whoami():
        request = verified()            # consumer_key, token, user, params
        ...

``authorize(consent)`` is the application's own login: it reads :data:`flask.request` (its
session, its form) and returns a :class:`~oauth1core.gateway.Decision`, or any Flask response (a
login or consent page). The verified URI's origin follows :class:`~oauth1core.gateway.PublicOrigin`.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, TypeVar, Union, cast

try:
    import flask
    from flask.typing import ResponseReturnValue
except ModuleNotFoundError:  # pragma: no cover - exercised by a subprocess test
    from . import missing

    raise missing("Flask", "flask") from None

from .. import gateway
from ..errors import OAuthError
from ..gateway import Consent, Decision, OAuth1Request
from ..parameters import parse_form
from ..server import Response
from ..wsgi import REQUEST_KEY, oauth_headers, request_uri
from . import Integration

__all__ = ["FlaskProvider", "verified"]

View = TypeVar("View", bound=Callable[..., Any])
AuthorizeHook = Callable[[Consent], Union[Decision, ResponseReturnValue]]

_G_NAME = "oauth1core_request"


def _to_flask(response: Response) -> flask.Response:
    return flask.Response(response.body, status=response.status, headers=response.headers)


def verified() -> OAuth1Request:
    """The verified request of the current (protected) view; :class:`LookupError` elsewhere."""
    request = flask.g.get(_G_NAME)
    if not isinstance(request, OAuth1Request):
        raise LookupError("this view is not protected by FlaskProvider.protect")
    return request


class FlaskProvider(Integration[AuthorizeHook]):
    """The provider's endpoints (:meth:`init_app`) and route protection (:meth:`protect`) for
    Flask; the keywords are :class:`~oauth1core.integrations.Integration`'s."""

    def init_app(self, app: flask.Flask) -> None:
        """Add the three endpoints to ``app`` (Flask endpoint names ``oauth1core_<endpoint>``)."""
        for path, endpoint in self.endpoints.items():
            methods = ["GET", "POST"] if endpoint == "authorize" else ["POST"]
            view = self._authorize_view if endpoint == "authorize" else functools.partial(self._token_view, endpoint)
            app.add_url_rule(path, endpoint=f"oauth1core_{endpoint}", view_func=view, methods=methods)

    def _token_view(self, endpoint: str) -> flask.Response:
        request = flask.request
        try:
            uri = request_uri(request.environ, self.origin)
            body = request.get_data(cache=True)
            return _to_flask(gateway.endpoint_response(self.provider, endpoint, request.method, uri,
                                               oauth_headers(request.environ), body))
        except OAuthError as error:
            return _to_flask(self.refusal(error))

    def _authorize_view(self) -> ResponseReturnValue:
        request = flask.request
        try:
            form = gateway.read_form(request.content_type, request.get_data(cache=True)) if request.method == "POST" else []
            consent = gateway.consent_for(self.provider, parse_form(request.query_string.decode("latin-1")), form)
            outcome = self.authorize(consent)
            if isinstance(outcome, Decision):
                return _to_flask(gateway.hook_outcome(self.provider, consent, outcome))
            return outcome
        except OAuthError as error:
            return _to_flask(self.refusal(error))

    def check(self, *, require_token: bool = True) -> Optional[flask.Response]:
        """Verify the current request (3.2): ``None`` when it verified (then :func:`verified`
        returns it), else the refusal to send (400/401 with ``WWW-Authenticate``, or 503)."""
        request = flask.request
        try:
            uri = request_uri(request.environ, self.origin)
            result = gateway.verify(self.provider, request.method, uri, oauth_headers(request.environ),
                            request.get_data(cache=True), require_token=require_token)
        except OAuthError as error:
            return _to_flask(self.refusal(error, protected=True))
        setattr(flask.g, _G_NAME, result)
        request.environ[REQUEST_KEY] = result
        return None

    def protect(self, view: Optional[View] = None, *, require_token: bool = True) -> Any:
        """Decorate a view so that it runs only for a verified request (``@oauth.protect`` or
        ``@oauth.protect(require_token=False)``)."""

        def decorate(function: View) -> View:
            @functools.wraps(function)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                refusal = self.check(require_token=require_token)
                return refusal if refusal is not None else function(*args, **kwargs)

            return cast(View, wrapper)

        return decorate(view) if view is not None else decorate
