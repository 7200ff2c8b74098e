"""A provider on the standard library's threaded HTTP server (RFC 5849 sections 2 and 3).

Two layers:

* :class:`ProviderApp` routes a request given as plain data to a
  :class:`~oauth1core.server.Provider` and returns a :class:`~oauth1core.server.Response`
  (sans-I/O, so tests call it directly):

  - ``POST /oauth/request_token``: temporary credentials (2.1);
  - ``GET /oauth/authorize?oauth_token=...``: the resource owner's login and decision page, or
    with ``auto_approve`` an immediate approval; ``POST /oauth/authorize`` carries the decision
    (2.2). Approval redirects (302) to the callback with ``oauth_token`` and ``oauth_verifier``,
    or shows the verifier for ``oob``;
  - ``POST /oauth/access_token``: token credentials (2.3);
  - ``GET /api/whoami``: a protected resource answering with the user and the consumer key.

* :func:`make_server` / :func:`start_server` put it on :class:`http.server.ThreadingHTTPServer`.

The resource owner types their password on every authorization (there is no login session), so
a forged cross-site form cannot approve anything (4.13) and a framed page gains nothing (4.14);
the pages also forbid framing. Request lines are logged without their query, which may hold a
PLAINTEXT signature or a verifier; no secret is ever logged.

Not imported by ``import oauth1core``.
"""

from __future__ import annotations

import hmac
import html
import json
import math
import re
import secrets
import sys
import threading
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from .errors import DuplicateParameter, OAuthError, ParameterRejected
from .gateway import single
from .http11 import RequestHead, Server, ServerLimits
from .parameters import is_form_content_type, parse_form
from .policy import Throttled
from .server import Authorization, Provider, Response
from .stores import TokenRecord

__all__ = ["ProviderApp", "make_server", "start_server", "RunningServer"]

#: endpoint -> its default path and the methods it answers (``paths`` and ``methods`` of
#: :class:`ProviderApp` change them, e.g. to serve a provider preset's paths)
ENDPOINTS: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "request_token": ("/oauth/request_token", ("POST",)),
    "authorize": ("/oauth/authorize", ("GET", "POST")),
    "access_token": ("/oauth/access_token", ("POST",)),
    "resource": ("/api/whoami", ("GET", "POST")),
}

_HOST = re.compile(r"(?:[A-Za-z0-9\-._~]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_BASE_URL = re.compile(r"https?://(?:[A-Za-z0-9\-._~]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")

_PAGE_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
]

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:32em;margin:3em auto}}code{{font-size:1.4em}}</style>
</head><body>
<h1>{title}</h1>
{content}
</body></html>
"""


def _page(status: int, title: str, content: str) -> Response:
    body = _PAGE.format(title=html.escape(title), content=content).encode("utf-8")
    return Response(status, list(_PAGE_HEADERS), body)


def _plain(status: int, text: str, headers: Sequence[Tuple[str, str]] = ()) -> Response:
    return Response(status, [("Content-Type", "text/plain; charset=utf-8"), *headers], (text + "\n").encode("utf-8"))


class ProviderApp:
    """The provider's HTTP application, sans-I/O: :meth:`handle` maps a request to a response.

    ``users`` maps resource owner names to passwords (compared in constant time);
    ``auto_approve`` names a user as whom ``GET /oauth/authorize`` approves at once (for
    demos and tests: see RFC 5849 section 4.15 before using it elsewhere). ``base_url``
    (``scheme://host[:port]``) is the address clients sign requests for; by default
    ``http://`` and the request's ``Host`` header. Behind a TLS-terminating proxy, set it to
    the public ``https://`` address (PLAINTEXT is only accepted over https). ``paths`` and
    ``methods`` map endpoint names (:data:`ENDPOINTS`) to another path or other methods.
    """

    def __init__(
        self,
        provider: Provider,
        *,
        users: Optional[Mapping[str, str]] = None,
        auto_approve: Optional[str] = None,
        base_url: Optional[str] = None,
        paths: Optional[Mapping[str, str]] = None,
        methods: Optional[Mapping[str, Sequence[str]]] = None,
    ) -> None:
        self.paths: Dict[str, str] = {endpoint: path for endpoint, (path, _) in ENDPOINTS.items()}
        allowed: Dict[str, Tuple[str, ...]] = {endpoint: verbs for endpoint, (_, verbs) in ENDPOINTS.items()}
        for endpoint, path in (paths or {}).items():
            if endpoint not in ENDPOINTS or not path.startswith("/") or "?" in path or "#" in path:
                raise ValueError(f"invalid path for endpoint {endpoint!r}: {path!r}")
            self.paths[endpoint] = path
        for endpoint, verbs in (methods or {}).items():
            if endpoint not in ENDPOINTS:
                raise ValueError(f"unknown endpoint {endpoint!r}")
            allowed[endpoint] = tuple(verbs)
        if len(set(self.paths.values())) != len(self.paths):
            raise ValueError("two endpoints share a path")
        self._routes = {path: (endpoint, allowed[endpoint]) for endpoint, path in self.paths.items()}
        if base_url is not None:
            base_url = base_url.rstrip("/")
            if _BASE_URL.fullmatch(base_url) is None:
                raise ValueError("base_url must be scheme://host[:port] (http or https), without a path")
        if any(not password for password in (users or {}).values()):
            raise ValueError("a user has an empty password")
        self.provider = provider
        self.users: Mapping[str, str] = dict(users or {})
        self.auto_approve = auto_approve
        self.base_url = base_url
        self._decoy_password = secrets.token_bytes(24)

    # -- plumbing ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Sequence[Tuple[str, str]], body: bytes,
               *, default_host: str = "localhost", client_address: Optional[str] = None) -> Response:
        """Answer one request. ``target`` is the request-target (``/path?query``), ``headers``
        every header line as received, ``default_host`` the server's address when the request
        has no ``Host``, ``client_address`` the peer (for login throttling). Never raises for
        bad input: errors become 400/401/403/404/405/429/503."""
        return self.respond(method, target, headers, body, default_host=default_host,
                            client_address=client_address)[0]

    def respond(self, method: str, target: str, headers: Sequence[Tuple[str, str]], body: bytes,
                *, default_host: str = "localhost", client_address: Optional[str] = None
                ) -> Tuple[Response, Optional[Callable[[], None]]]:
        """:meth:`handle`, plus what to call when the response could not be delivered: for an
        approval (the redirect or the verifier page), :meth:`Provider.withdraw` of its token, so
        that a lost answer never leaves the token spent with nobody holding its verifier."""
        try:
            response = self._route(method, target, headers, body, default_host, client_address)
        except OAuthError as error:
            return self.provider.error_response(error), None
        if isinstance(response, _Approval):
            token, provider = response.token, self.provider
            return Response(*response), lambda: provider.withdraw(token)
        return response, None

    def _route(self, method: str, target: str, headers: Sequence[Tuple[str, str]], body: bytes,
               default_host: str, client_address: Optional[str] = None) -> Response:
        if method == "OPTIONS" and target == "*":
            return Response(204, [("Allow", "GET, HEAD, POST, OPTIONS")], b"")
        if not target.startswith("/"):
            return _plain(400, "the request-target must be a path")
        path = target.partition("?")[0]
        route = self._routes.get(path)
        if route is None:
            return _plain(404, "not found")
        endpoint, allowed = route
        verbs = allowed + (("HEAD",) if "GET" in allowed else ()) + ("OPTIONS",)
        if method == "OPTIONS":
            return Response(204, [("Allow", ", ".join(verbs))], b"")
        if method not in verbs:
            return _plain(405, "method not allowed", [("Allow", ", ".join(verbs))])
        oauth_headers, host = _select_headers(headers)
        base = self.base_url
        if base is None:
            host = host if host is not None else default_host
            if _HOST.fullmatch(host) is None:
                return _plain(400, "invalid Host header")
            base = "http://" + host
        uri = base + target
        provider = self.provider
        if endpoint == "request_token":
            return provider.request_token_endpoint(method, uri, oauth_headers, body)
        if endpoint == "access_token":
            return provider.access_token_endpoint(method, uri, oauth_headers, body)
        if endpoint == "resource":
            verified = provider.verify_request(method, uri, oauth_headers, body)
            document = {"user": verified.access.user if verified.access else None, "consumer_key": verified.consumer_key}
            return Response(
                200,
                [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                json.dumps(document, sort_keys=True).encode("utf-8"),
            )
        if method in ("GET", "HEAD"):
            # HEAD shows the page's headers and never approves, even with auto_approve.
            return self._authorize_page(target.partition("?")[2], approve=method == "GET")
        return self._authorize_decision(oauth_headers.get("Content-Type"), body, client_address)

    # -- section 2.2: the resource owner's decision -----------------------------------------

    def _authorize_page(self, query: str, approve: bool = True) -> Response:
        token = single(parse_form(query), "oauth_token")
        record = self.provider.pending_authorization(token)
        if self.auto_approve is not None and approve:
            return self._approved(self.provider.authorize(token, self.auto_approve))
        return self._login_form(record)

    def _login_form(self, record: TokenRecord, status: int = 200, message: str = "",
                    headers: Sequence[Tuple[str, str]] = ()) -> Response:
        """The consent page: who asks (the consumer's name and key) and where approval sends
        the resource owner (the callback's origin, RFC 5849 section 4.7), then the login."""
        token, consumer_key = record.token, record.consumer_key
        consumer = self.provider.consumers.get(consumer_key)
        label = consumer.name if consumer is not None and consumer.name else consumer_key
        notice = f'<p role="alert"><strong>{html.escape(message)}</strong></p>' if message else ""
        content = (
            f"<p>The application <strong>{html.escape(label)}</strong> (consumer key "
            f"<code>{html.escape(consumer_key)}</code>) asks to access your account.</p>"
            f"<p>{_destination(record.callback)}</p>{notice}"
            f'<form method="post" action="{html.escape(self.paths["authorize"])}">'
            f'<input type="hidden" name="oauth_token" value="{html.escape(token)}">'
            '<p><label>User <input name="username" autocomplete="username" required></label></p>'
            '<p><label>Password <input type="password" name="password" autocomplete="current-password" required>'
            "</label></p>"
            '<p><button name="decision" value="approve">Approve</button> '
            '<button name="decision" value="deny">Deny</button></p></form>'
        )
        page = _page(status, "Authorize access", content)
        return Response(page.status, page.headers + list(headers), page.body)

    def _authorize_decision(self, content_type: Optional[str], body: bytes, address: Optional[str]) -> Response:
        if not is_form_content_type(content_type):
            raise ParameterRejected("the decision must be a form-encoded body")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ParameterRejected("the form is not UTF-8") from None
        form = parse_form(text)
        token = single(form, "oauth_token")
        record = self.provider.pending_authorization(token)
        username = single(form, "username")
        try:
            self.provider.login_allowed(token, username, address)
        except Throttled as throttled:
            wait = max(1, math.ceil(throttled.retry_after))
            return self._login_form(record, 429, f"Too many failed logins: try again in {wait} s.",
                                    [("Retry-After", str(wait))])
        if not self._check_password(username, single(form, "password")):
            self.provider.login_failed(token, username, address)
            return self._login_form(record, 403, "Wrong user name or password.")
        self.provider.login_succeeded(username, address)
        decision = single(form, "decision")
        if decision == "approve":
            return self._approved(self.provider.authorize(token, username))
        if decision == "deny":
            self.provider.deny(token)
            return _page(200, "Access denied", "<p>You denied the application access. You can close this page.</p>")
        raise ParameterRejected("decision must be 'approve' or 'deny'", parameter="decision")

    def _check_password(self, username: str, password: str) -> bool:
        """Constant time, and the same work for an unknown user."""
        expected = self.users.get(username)
        reference = expected.encode("utf-8", "surrogatepass") if expected is not None else self._decoy_password
        matches = hmac.compare_digest(reference, password.encode("utf-8", "surrogatepass"))
        return matches and expected is not None

    def _approved(self, authorization: Authorization) -> Response:
        if authorization.redirect_uri is not None:
            approval = _Approval(302, [("Location", authorization.redirect_uri), ("Cache-Control", "no-store"),
                                       ("Content-Length", "0")], b"")
        else:
            content = (
                "<p>You approved the application. Give it this verification code:</p>"
                f'<p><code id="oauth_verifier">{html.escape(authorization.verifier)}</code></p>'
            )
            approval = _Approval(*_page(200, "Access approved", content))
        approval.token = authorization.token
        return approval


class _Approval(Response):
    """An approval's response; ``token`` is withdrawn when it cannot be delivered."""

    token: str = ""


def _destination(callback: Optional[str]) -> str:
    """Where approval sends the resource owner (section 4.7), as HTML: the callback's origin,
    or that a code will be shown (``oob``)."""
    if not callback or callback == "oob":
        return "If you approve, a verification code will be shown for you to give the application."
    parts = urlsplit(callback)
    origin = f"{parts.scheme}://{parts.netloc}"
    return f"If you approve, you will be sent to <strong>{html.escape(origin)}</strong>."


def _select_headers(headers: Sequence[Tuple[str, str]]) -> Tuple[Dict[str, str], Optional[str]]:
    """The headers verification reads (``Authorization``, ``Content-Type``) and ``Host``; each
    at most once, since two copies are two readings of one request."""
    selected: Dict[str, str] = {}
    host: Optional[str] = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == "host":
            if host is not None:
                raise DuplicateParameter("more than one Host header", parameter="Host")
            host = value.strip()
        elif lowered in ("authorization", "content-type"):
            canonical = "Authorization" if lowered == "authorization" else "Content-Type"
            if canonical in selected:
                raise DuplicateParameter(f"more than one {canonical} header", parameter=canonical)
            selected[canonical] = value
    return selected, host


# -- the built-in HTTP/1.1 server (oauth1core.http11) ----------------------------------------


def _handler(app: ProviderApp, default_host: str) -> Callable[[RequestHead, bytes, str], Tuple[
        int, List[Tuple[str, str]], bytes, Optional[Callable[[], None]]]]:
    """Adapt :meth:`ProviderApp.respond` to :class:`~oauth1core.http11.Server`. An
    absolute-form target's authority replaces ``Host`` (RFC 9112 section 3.2.2); its scheme is
    ignored (the server speaks http; ``base_url`` says otherwise behind a proxy)."""

    def handle(head: RequestHead, body: bytes, address: str) -> Tuple[
            int, List[Tuple[str, str]], bytes, Optional[Callable[[], None]]]:
        headers = list(head.headers)
        if head.authority is not None:
            headers = [(name, value) for name, value in headers if name.lower() != "host"]
            headers.append(("Host", head.authority))
        response, undelivered = app.respond(head.method, head.target, headers, body, default_host=default_host,
                                            client_address=address)
        return response.status, list(response.headers), response.body, undelivered

    return handle


def _authority(address: Tuple[str, int]) -> str:
    """``host:port`` of a listening address (IPv6 literals in brackets)."""
    host, port = str(address[0]), address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")


def make_server(app: ProviderApp, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = False,
                limits: Optional[ServerLimits] = None) -> Server:
    """A :class:`~oauth1core.http11.Server` serving ``app`` (port 0: a free port); ``limits``
    (:class:`~oauth1core.http11.ServerLimits`) default to ``max_body`` from the provider's
    limits. The ``folded-header`` tolerance of the provider's policy applies here."""
    if limits is None:
        limits = ServerLimits(max_body=app.provider.limits.max_form_body)
    server = Server((host, port), _handler(app, "localhost"), limits, log=None if quiet else _stderr,
                    tolerate_folding="folded-header" in app.provider.policy.tolerate)
    server.handler = _handler(app, _authority(server.server_address))
    return server


class RunningServer:
    """A server running in a background thread, with a sweeper of expired nonces and tokens.

    ``url`` is its base address; :meth:`close` stops both threads and closes the socket.
    """

    def __init__(self, server: Server, app: ProviderApp, sweep_interval: float) -> None:
        self.server = server
        self.app = app
        self.port: int = int(server.server_address[1])
        self.url = "http://" + _authority(server.server_address)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="oauth1core-server", daemon=True)
        self._sweeper = threading.Thread(target=self._sweep, args=(sweep_interval,), name="oauth1core-sweeper",
                                         daemon=True)
        self._thread.start()
        self._sweeper.start()

    def _sweep(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.app.provider.sweep()
            except OAuthError:
                pass  # the store is down: try again next time

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(10)
        self._sweeper.join(10)

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_server(app: ProviderApp, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True,
                 sweep_interval: float = 60.0, limits: Optional[ServerLimits] = None) -> RunningServer:
    """Serve ``app`` on ``host:port`` (port 0: a free one) in a background thread."""
    return RunningServer(make_server(app, host, port, quiet=quiet, limits=limits), app, sweep_interval)
