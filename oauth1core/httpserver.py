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
import re
import secrets
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from .errors import DuplicateParameter, OAuthError, ParameterAbsent, ParameterRejected
from .parameters import is_form_content_type, parse_form
from .server import Authorization, Provider, Response

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
        self.provider = provider
        self.users: Mapping[str, str] = dict(users or {})
        self.auto_approve = auto_approve
        self.base_url = base_url
        self._decoy_password = secrets.token_bytes(24)

    # -- plumbing ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Sequence[Tuple[str, str]], body: bytes,
               *, default_host: str = "localhost") -> Response:
        """Answer one request. ``target`` is the request-target (``/path?query``), ``headers``
        every header line as received, ``default_host`` the server's address when the request
        has no ``Host``. Never raises for bad input: errors become 400/401/404/405/503."""
        try:
            return self._route(method, target, headers, body, default_host)
        except OAuthError as error:
            return self.provider.error_response(error)

    def _route(self, method: str, target: str, headers: Sequence[Tuple[str, str]], body: bytes,
               default_host: str) -> Response:
        if not target.startswith("/"):
            return _plain(400, "the request-target must be a path")
        path = target.partition("?")[0]
        route = self._routes.get(path)
        if route is None:
            return _plain(404, "not found")
        endpoint, allowed = route
        if method not in allowed:
            return _plain(405, "method not allowed", [("Allow", ", ".join(allowed))])
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
        if method == "GET":
            return self._authorize_page(target.partition("?")[2])
        return self._authorize_decision(oauth_headers.get("Content-Type"), body)

    # -- section 2.2: the resource owner's decision -----------------------------------------

    def _authorize_page(self, query: str) -> Response:
        token = _single(parse_form(query), "oauth_token")
        record = self.provider.pending_authorization(token)
        if self.auto_approve is not None:
            return self._approved(self.provider.authorize(token, self.auto_approve))
        return self._login_form(record.token, record.consumer_key)

    def _login_form(self, token: str, consumer_key: str, status: int = 200, message: str = "") -> Response:
        consumer = self.provider.consumers.get(consumer_key)
        label = consumer.name if consumer is not None and consumer.name else consumer_key
        notice = f'<p role="alert"><strong>{html.escape(message)}</strong></p>' if message else ""
        content = (
            f"<p>The application <strong>{html.escape(label)}</strong> (consumer key "
            f"<code>{html.escape(consumer_key)}</code>) asks to access your account.</p>{notice}"
            f'<form method="post" action="{html.escape(self.paths["authorize"])}">'
            f'<input type="hidden" name="oauth_token" value="{html.escape(token)}">'
            '<p><label>User <input name="username" autocomplete="username" required></label></p>'
            '<p><label>Password <input type="password" name="password" autocomplete="current-password" required>'
            "</label></p>"
            '<p><button name="decision" value="approve">Approve</button> '
            '<button name="decision" value="deny">Deny</button></p></form>'
        )
        return _page(status, "Authorize access", content)

    def _authorize_decision(self, content_type: Optional[str], body: bytes) -> Response:
        if not is_form_content_type(content_type):
            raise ParameterRejected("the decision must be a form-encoded body")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ParameterRejected("the form is not UTF-8") from None
        form = parse_form(text)
        token = _single(form, "oauth_token")
        record = self.provider.pending_authorization(token)
        username = _single(form, "username")
        if not self._check_password(username, _single(form, "password")):
            return self._login_form(record.token, record.consumer_key, 403, "Wrong user name or password.")
        decision = _single(form, "decision")
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
            return Response(302, [("Location", authorization.redirect_uri), ("Cache-Control", "no-store"),
                                  ("Content-Length", "0")], b"")
        content = (
            "<p>You approved the application. Give it this verification code:</p>"
            f'<p><code id="oauth_verifier">{html.escape(authorization.verifier)}</code></p>'
        )
        return _page(200, "Access approved", content)


def _single(params: List[Tuple[str, str]], name: str) -> str:
    values = [value for key, value in params if key == name]
    if not values:
        raise ParameterAbsent(f"{name} is required", parameter=name)
    if len(values) > 1:
        raise DuplicateParameter(f"{name} is repeated", parameter=name)
    return values[0]


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


# -- the standard library server ------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a kept-alive idle connection must not hold shutdown for its timeout
    allow_reuse_address = True

    def __init__(self, address: Tuple[str, int], app: ProviderApp, quiet: bool) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.quiet = quiet


def _authority(server: ThreadingHTTPServer) -> str:
    """``host:port`` of a listening server (IPv6 literals in brackets)."""
    host = server.server_address[0]
    host = host.decode("ascii") if isinstance(host, bytes) else str(host)
    port = server.server_address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "oauth1core"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a slow client may hold a thread

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except OSError:  # the client went away or stalled past the timeout
            self.close_connection = True
            return
        if body is None:
            return
        try:
            app = self.server.app
            default_host = _authority(self.server)
            response = app.handle(self.command, self.path, list(self.headers.items()), body, default_host=default_host)
            if any("\r" in value or "\n" in value for _, value in response.headers):
                raise ValueError("header value with a line break")
        except Exception as exc:  # a bug, not bad input: answer 500, log the type only
            self.log_message("internal error: %s", type(exc).__name__)
            response = _plain(500, "internal server error")
            self.close_connection = True
        self._send(response)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def _read_body(self) -> Optional[bytes]:
        if self.headers.get("Transfer-Encoding") is not None:
            self.close_connection = True
            self._send(_plain(411, "a Content-Length is required (no chunked bodies)"))
            return None
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return b""
        text = lengths[0].strip()
        if len(set(lengths)) > 1 or not (text.isascii() and text.isdigit()):
            self.close_connection = True
            self._send(_plain(400, "invalid Content-Length"))
            return None
        length = int(text)
        if length > self.server.app.provider.limits.max_form_body:
            self.close_connection = True
            self._send(_plain(413, "the body is too large"))
            return None
        return self.rfile.read(length)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_request(self, code: object = "-", size: object = "-") -> None:
        path = self.path.partition("?")[0] if isinstance(self.path, str) else "-"
        self.log_message("%s %s %s", self.command, path[:200], code)

    def log_error(self, format: str, *args: object) -> None:
        # The default repeats the raw request line, query and all: log the format only.
        self.log_message("%s", format.split("%")[0].strip() or "error")

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.quiet:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


def make_server(app: ProviderApp, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = False) -> ThreadingHTTPServer:
    """A :class:`~http.server.ThreadingHTTPServer` serving ``app`` (port 0: a free port)."""
    server_class = _Server6 if ":" in host else _Server
    return server_class((host, port), app, quiet)


class RunningServer:
    """A server running in a background thread, with a sweeper of expired nonces and tokens.

    ``url`` is its base address; :meth:`close` stops both threads and closes the socket.
    """

    def __init__(self, server: ThreadingHTTPServer, app: ProviderApp, sweep_interval: float) -> None:
        self.server = server
        self.app = app
        self.port: int = int(server.server_address[1])
        self.url = "http://" + _authority(server)
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
                 sweep_interval: float = 60.0) -> RunningServer:
    """Serve ``app`` on ``host:port`` (port 0: a free one) in a background thread."""
    return RunningServer(make_server(app, host, port, quiet=quiet), app, sweep_interval)
