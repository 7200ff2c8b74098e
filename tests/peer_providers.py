"""Test-only OAuth 1.0a providers on loopback WSGI servers.

* :func:`oauthlib_provider`: a provider built from oauthlib's server endpoints
  (``RequestTokenEndpoint``, ``AuthorizationEndpoint``, ``AccessTokenEndpoint``, ``ResourceEndpoint``)
  and an in-memory ``RequestValidator``;
* :func:`authlib_provider`: the same from Authlib's framework-independent ``AuthorizationServer`` and
  ``ResourceProtector``;
* :class:`ProviderWSGI`: our :class:`~oauth1core.httpserver.ProviderApp` under WSGI, with a skewable
  ``Date`` header and a redirecting route, plus :class:`Recorder`, a server that only records what
  it receives (another origin, for the redirect tests).

Each serves ``/request_token``, ``/authorize`` (GET approves at once as ``alice``: a 302 to the
callback, or the verifier in a form body for ``oob``), ``/access_token`` and ``/whoami`` (JSON
``{"user", "consumer_key"}``). :func:`serve_wsgi` runs any of them on ``127.0.0.1:0`` in a thread
and always stops it.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from email.utils import formatdate
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple
from urllib.parse import parse_qsl, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import request_uri

from oauth1core.httpserver import ProviderApp

StartResponse = Callable[..., Any]
WSGIApp = Callable[[Dict[str, Any], StartResponse], Iterable[bytes]]
Answer = Tuple[int, List[Tuple[str, str]], bytes]

_REASONS = {200: "OK", 302: "Found", 303: "See Other", 307: "Temporary Redirect", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 500: "Server Error"}


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_wsgi(app: WSGIApp) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields its base URL; always shuts it down."""
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _read(environ: Dict[str, Any]) -> Tuple[str, str, Dict[str, str], bytes]:
    """method, absolute URI (as sent), headers, body."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return environ["REQUEST_METHOD"], request_uri(environ, include_query=True), headers, body


def _respond(start_response: StartResponse, status: int, headers: List[Tuple[str, str]], body: bytes) -> List[bytes]:
    start_response(f"{status} {_REASONS.get(status, 'Status')}", headers)
    return [body]


def _form(pairs: Iterable[Tuple[str, str]]) -> bytes:
    return urlencode(list(pairs)).encode("ascii")


# -- oauthlib ------------------------------------------------------------------------------------


def oauthlib_provider(clients: Dict[str, str], *, rsa_keys: Optional[Dict[str, str]] = None) -> WSGIApp:
    """A WSGI provider from oauthlib's endpoints, with oauthlib's default configuration (but
    ``enforce_ssl``): ``clients`` maps keys to secrets, ``rsa_keys`` keys to public keys (PEM).
    Keys must pass oauthlib's default ``check_client_key``: 20 to 30 ASCII letters and digits."""
    from oauthlib.oauth1 import (AccessTokenEndpoint, AuthorizationEndpoint, RequestTokenEndpoint,
                                 RequestValidator, ResourceEndpoint)

    public_keys: Dict[str, str] = rsa_keys or {}

    class Validator(RequestValidator):  # type: ignore[misc]
        # Stock oauthlib: its default format checks (ASCII letters and digits; client keys, tokens,
        # nonces and verifiers 20 to 30 characters) and its default signature methods (all seven).
        # One default is changed, by name: enforce_ssl, since these servers speak plain HTTP on
        # loopback (TLS is not what the interoperability tests are about). The dummy_* values are
        # not options: oauthlib asks every validator to provide them.
        enforce_ssl = False
        dummy_client = "dummyclient0000000000000"
        dummy_request_token = "dummyrequesttoken0000000"
        dummy_access_token = "dummyaccesstoken00000000"

        def __init__(self) -> None:
            super().__init__()
            self.nonces: Set[Tuple[str, str, str, str]] = set()
            self.request_tokens: Dict[str, Dict[str, Any]] = {}
            self.access_tokens: Dict[str, Dict[str, Any]] = {}

        def check_realms(self, realms: Any) -> bool:
            return True

        def get_default_realms(self, client_key: str, request: Any) -> List[str]:
            return []

        def get_realms(self, token: str, request: Any) -> List[str]:
            return []

        def validate_requested_realms(self, client_key: str, realms: Any, request: Any) -> bool:
            return True

        def validate_realms(self, *args: Any, **kwargs: Any) -> bool:
            return True

        def validate_client_key(self, client_key: str, request: Any) -> bool:
            return client_key in clients or client_key in public_keys

        def get_client_secret(self, client_key: str, request: Any) -> str:
            return clients.get(client_key, "dummy-secret")

        def get_rsa_key(self, client_key: str, request: Any) -> str:
            return public_keys[client_key]

        def validate_timestamp_and_nonce(self, client_key: str, timestamp: str, nonce: str, request: Any,
                                         request_token: Optional[str] = None,
                                         access_token: Optional[str] = None) -> bool:
            key = (client_key, timestamp, nonce, request_token or access_token or "")
            if key in self.nonces:
                return False
            self.nonces.add(key)
            return True

        def validate_redirect_uri(self, client_key: str, redirect_uri: str, request: Any) -> bool:
            return True

        def save_request_token(self, token: Dict[str, str], request: Any) -> None:
            self.request_tokens[token["oauth_token"]] = dict(token, client_key=request.client_key,
                                                             callback=request.redirect_uri)

        def validate_request_token(self, client_key: str, token: str, request: Any) -> bool:
            record = self.request_tokens.get(token)
            return record is not None and record["client_key"] == client_key

        def verify_request_token(self, token: str, request: Any) -> bool:
            return token in self.request_tokens

        def get_request_token_secret(self, client_key: str, token: str, request: Any) -> str:
            record = self.request_tokens.get(token)
            return record["oauth_token_secret"] if record else "dummy-token-secret"

        def get_redirect_uri(self, token: str, request: Any) -> str:
            return str(self.request_tokens[token]["callback"])

        def save_verifier(self, token: str, verifier: Dict[str, str], request: Any) -> None:
            self.request_tokens[token]["verifier"] = verifier["oauth_verifier"]
            self.request_tokens[token]["user"] = verifier.get("user", "alice")

        def validate_verifier(self, client_key: str, token: str, verifier: str, request: Any) -> bool:
            record = self.request_tokens.get(token)
            return record is not None and record.get("verifier") == verifier and record["client_key"] == client_key

        def invalidate_request_token(self, client_key: str, request_token: str, request: Any) -> None:
            record = self.request_tokens.pop(request_token, None)
            request.user = record.get("user") if record else None

        def save_access_token(self, token: Dict[str, str], request: Any) -> None:
            self.access_tokens[token["oauth_token"]] = dict(token, client_key=request.client_key,
                                                            user=getattr(request, "user", None) or "alice")

        def validate_access_token(self, client_key: str, token: str, request: Any) -> bool:
            record = self.access_tokens.get(token)
            return record is not None and record["client_key"] == client_key

        def get_access_token_secret(self, client_key: str, token: str, request: Any) -> str:
            record = self.access_tokens.get(token)
            return record["oauth_token_secret"] if record else "dummy-token-secret"

    validator = Validator()
    request_token = RequestTokenEndpoint(validator)
    authorization = AuthorizationEndpoint(validator)
    access_token = AccessTokenEndpoint(validator)
    resource = ResourceEndpoint(validator)

    def app(environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, uri, headers, raw = _read(environ)
        body = raw.decode("utf-8")
        path = environ["PATH_INFO"]
        if path == "/request_token":
            answer_headers, answer, status = request_token.create_request_token_response(uri, method, body, headers)
        elif path == "/authorize":
            answer_headers, answer, status = authorization.create_authorization_response(
                uri, method, body, headers, realms=[], credentials={"user": "alice"})
        elif path == "/access_token":
            answer_headers, answer, status = access_token.create_access_token_response(uri, method, body, headers)
        elif path == "/whoami":
            valid, request = resource.validate_protected_resource_request(uri, method, body, headers)
            if not valid:
                return _respond(start_response, 401, [("Content-Type", "text/plain")], b"oauth_problem=signature_invalid")
            record = validator.access_tokens[request.resource_owner_key]
            document = {"user": record["user"], "consumer_key": request.client_key}
            return _respond(start_response, 200, [("Content-Type", "application/json")], json.dumps(document).encode())
        else:
            return _respond(start_response, 404, [("Content-Type", "text/plain")], b"not found")
        headers_out = [(str(k), str(v)) for k, v in (answer_headers or {}).items()]
        data = (answer or "").encode("utf-8") if isinstance(answer or "", str) else answer
        return _respond(start_response, int(status), headers_out, data)

    return app


# -- Authlib -------------------------------------------------------------------------------------


def authlib_provider(clients: Dict[str, str], *, rsa_keys: Optional[Dict[str, str]] = None) -> WSGIApp:
    """A WSGI provider from Authlib's ``AuthorizationServer`` and ``ResourceProtector``
    (HMAC-SHA1, RSA-SHA1 and PLAINTEXT: the methods Authlib's servers verify). ``rsa_keys`` maps
    client keys to public keys (PEM). Needs ``AUTHLIB_INSECURE_TRANSPORT`` set (plain http on
    loopback)."""
    from authlib.oauth1.rfc5849 import AuthorizationServer, ResourceProtector
    from authlib.oauth1.rfc5849.errors import OAuth1Error
    from authlib.oauth1.rfc5849.models import ClientMixin, TemporaryCredential
    from authlib.oauth1.rfc5849.wrapper import OAuth1Request

    public_keys: Dict[str, str] = rsa_keys or {}

    class Client(ClientMixin):  # type: ignore[misc]
        def __init__(self, key: str, secret: str) -> None:
            self.key, self.secret = key, secret

        def get_default_redirect_uri(self) -> str:
            return "http://127.0.0.1:9/default"

        def get_client_secret(self) -> str:
            return self.secret

        def get_rsa_public_key(self) -> Optional[bytes]:
            pem = public_keys.get(self.key)
            return pem.encode() if pem else None

    class TokenCredential(dict):  # type: ignore[type-arg]
        def get_oauth_token(self) -> str:
            return str(self["oauth_token"])

        def get_oauth_token_secret(self) -> str:
            return str(self["oauth_token_secret"])

    nonces: Set[Tuple[str, str, str]] = set()
    temporary: Dict[str, TemporaryCredential] = {}
    tokens: Dict[str, TokenCredential] = {}

    def get_client(client_id: str) -> Optional[Client]:
        if client_id in clients or client_id in public_keys:
            return Client(client_id, clients.get(client_id, ""))
        return None

    def nonce_seen(nonce: str, request: Any) -> bool:
        key = (request.client_id, request.timestamp, nonce)
        seen = key in nonces
        nonces.add(key)
        return seen

    class Server(AuthorizationServer):  # type: ignore[misc]
        # Authlib accepts HMAC-SHA1 unless told otherwise; this lists every method it implements
        # (BaseServer.SIGNATURE_METHODS), its documented switch. No format check is changed.
        SUPPORTED_SIGNATURE_METHODS = ["HMAC-SHA1", "RSA-SHA1", "PLAINTEXT"]

        def get_client_by_id(self, client_id: str) -> Optional[Client]:
            return get_client(client_id)

        def exists_nonce(self, nonce: str, request: Any) -> bool:
            return nonce_seen(nonce, request)

        def create_oauth1_request(self, request: Any) -> Any:
            return OAuth1Request(*request) if isinstance(request, tuple) else request

        def handle_response(self, status_code: int, payload: Any, headers: Any) -> Answer:
            body = urlencode([(k, "true" if v is True else v) for k, v in payload]) if isinstance(payload, list) \
                else (payload or "")
            return status_code, list(headers), body.encode("utf-8")

        def create_temporary_credential(self, request: Any) -> TemporaryCredential:
            credential = TemporaryCredential(oauth_token=secrets.token_urlsafe(18), oauth_token_secret=secrets.token_urlsafe(18),
                                             client_id=request.client_id, oauth_callback=request.redirect_uri)
            temporary[credential["oauth_token"]] = credential
            return credential

        def get_temporary_credential(self, request: Any) -> Optional[TemporaryCredential]:
            return temporary.get(request.token)

        def delete_temporary_credential(self, request: Any) -> None:
            temporary.pop(request.token, None)

        def create_authorization_verifier(self, request: Any) -> str:
            verifier = secrets.token_urlsafe(18)
            request.credential["oauth_verifier"] = verifier
            request.credential["user_id"] = request.user
            return verifier

        def create_token_credential(self, request: Any) -> TokenCredential:
            credential = TokenCredential(oauth_token=secrets.token_urlsafe(18), oauth_token_secret=secrets.token_urlsafe(18),
                                         client_id=request.client_id, user=request.credential.get_user_id())
            tokens[credential["oauth_token"]] = credential
            return credential

    class Protector(ResourceProtector):  # type: ignore[misc]
        SUPPORTED_SIGNATURE_METHODS = ["HMAC-SHA1", "RSA-SHA1", "PLAINTEXT"]

        def get_client_by_id(self, client_id: str) -> Optional[Client]:
            return get_client(client_id)

        def exists_nonce(self, nonce: str, request: Any) -> bool:
            return nonce_seen(nonce, request)

        def get_token_credential(self, request: Any) -> Optional[TokenCredential]:
            credential = tokens.get(request.token)
            return credential if credential is not None and credential["client_id"] == request.client_id else None

    server, protector = Server(), Protector()

    def app(environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, uri, headers, raw = _read(environ)
        body = raw.decode("utf-8")
        path = environ["PATH_INFO"]
        if path == "/request_token":
            status, answer_headers, answer = server.create_temporary_credentials_response((method, uri, body, headers))
        elif path == "/authorize":
            status, answer_headers, answer = server.create_authorization_response((method, uri, body, headers),
                                                                                    grant_user="alice")
        elif path == "/access_token":
            status, answer_headers, answer = server.create_token_response((method, uri, body, headers))
        elif path == "/whoami":
            try:
                request = protector.validate_request(method, uri, body, headers)
            except OAuth1Error as error:
                return _respond(start_response, error.status_code, [("Content-Type", "text/plain")],
                                urlencode(error.get_body()).encode())
            document = {"user": request.credential["user"], "consumer_key": request.client_id}
            return _respond(start_response, 200, [("Content-Type", "application/json")], json.dumps(document).encode())
        else:
            return _respond(start_response, 404, [("Content-Type", "text/plain")], b"not found")
        return _respond(start_response, status, answer_headers, answer)

    return app


# -- our provider under WSGI, and a recorder -----------------------------------------------------


class ProviderWSGI:
    """:class:`ProviderApp` as a WSGI app.

    ``date_clock`` (seconds since the epoch) dates the answers (``Date``), so a provider whose
    clock is off says so; ``bare_401`` strips the problem report from 401 answers (body and
    ``WWW-Authenticate``), leaving only the ``Date`` to tell a clock skew. ``/hop?to=URL&code=307``
    redirects (any method) anywhere, and ``seen`` records ``(method, path, nonce)`` of every request.
    """

    def __init__(self, app: ProviderApp, *, date_clock: Optional[Callable[[], float]] = None,
                 bare_401: bool = False) -> None:
        self.app = app
        self.date_clock = date_clock
        self.bare_401 = bare_401
        self.seen: List[Tuple[str, str, Optional[str]]] = []
        self.requests: List[Tuple[str, str, Dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    @staticmethod
    def nonce_of(uri: str, headers: Dict[str, str], body: bytes) -> Optional[str]:
        import re

        match = re.search(r'oauth_nonce="([^"]*)"', headers.get("Authorization", ""))
        if match:
            return match.group(1)
        for text in (uri.partition("?")[2], body.decode("latin-1")):
            for name, value in parse_qsl(text):
                if name == "oauth_nonce":
                    return value
        return None

    def __call__(self, environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, uri, headers, body = _read(environ)
        path = environ["PATH_INFO"]
        with self.lock:
            self.seen.append((method, path, self.nonce_of(uri, headers, body)))
            self.requests.append((method, uri, headers, body))
        if path == "/hop":
            query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
            return _respond(start_response, int(query.get("code", "302")), [("Location", query["to"])], b"")
        target = path + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
        response = self.app.handle(method, target, list(headers.items()), body,
                                   default_host=environ.get("HTTP_HOST", "127.0.0.1"))
        answer_headers = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
        answer = response.body
        if self.bare_401 and response.status == 401:
            answer_headers = [(k, v) for k, v in answer_headers if k.lower() != "www-authenticate"]
            answer_headers.append(("WWW-Authenticate", 'OAuth realm="x"'))
            answer = b"unauthorized"
        if self.date_clock is not None:
            answer_headers.append(("Date", formatdate(self.date_clock(), usegmt=True)))
        return _respond(start_response, response.status, answer_headers, answer)


class Recorder:
    """Answers 200 ``recorded`` to anything, keeping ``(method, uri, headers, body)`` of each request."""

    def __init__(self) -> None:
        self.requests: List[Tuple[str, str, Dict[str, str], bytes]] = []

    def __call__(self, environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        self.requests.append(_read(environ))
        return _respond(start_response, 200, [("Content-Type", "text/plain")], b"recorded")


def skewed_clock(offset: float) -> Callable[[], float]:
    return lambda: time.time() + offset


# -- HTTP clients, each with its oauth1core adapter ------------------------------------------------


class Driver:
    """One HTTP client library with its adapter: ``auth(client)`` makes the adapter object,
    ``send(auth, ...)`` sends a request through it and returns ``(status, headers, body)``
    (header names lower-cased), ``client_of(auth)`` the adapter's (possibly corrected) client."""

    name = "?"
    follows_post_307 = True

    def auth(self, client: Any) -> Any:
        raise NotImplementedError

    def send(self, auth: Any, method: str, url: str, headers: Optional[Dict[str, str]] = None,
             data: Optional[bytes] = None) -> Answer:
        raise NotImplementedError

    def client_of(self, auth: Any) -> Any:
        return auth.client

    def __repr__(self) -> str:
        return self.name


def _lower(pairs: Iterable[Tuple[str, str]]) -> List[Tuple[str, str]]:
    return [(name.lower(), value) for name, value in pairs]


class UrllibDriver(Driver):
    name = "urllib"
    follows_post_307 = False  # urllib refuses to redirect a POST with 307/308

    def auth(self, client: Any) -> Any:
        from oauth1core.adapters.urllib import OAuth1Handler

        return OAuth1Handler(client)

    def send(self, auth: Any, method: str, url: str, headers: Optional[Dict[str, str]] = None,
             data: Optional[bytes] = None) -> Answer:
        import urllib.error
        import urllib.request

        opener = urllib.request.build_opener(auth, urllib.request.ProxyHandler({}))
        request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
        try:
            with opener.open(request, timeout=30) as answer:
                return answer.status, _lower(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, _lower(error.headers.items()), error.read()


class RequestsDriver(Driver):
    name = "requests"

    def auth(self, client: Any) -> Any:
        from oauth1core.adapters.requests import OAuth1Auth

        return OAuth1Auth(client)

    def send(self, auth: Any, method: str, url: str, headers: Optional[Dict[str, str]] = None,
             data: Optional[bytes] = None) -> Answer:
        import requests

        with requests.Session() as session:
            session.trust_env = False
            answer = session.request(method, url, headers=headers, data=data, auth=auth, timeout=30)
            return answer.status_code, _lower(answer.headers.items()), answer.content


class HttpxDriver(Driver):
    name = "httpx"

    def auth(self, client: Any) -> Any:
        from oauth1core.adapters.httpx import OAuth1Auth

        return OAuth1Auth(client)

    def send(self, auth: Any, method: str, url: str, headers: Optional[Dict[str, str]] = None,
             data: Optional[bytes] = None) -> Answer:
        import httpx

        with httpx.Client(auth=auth, trust_env=False, timeout=30) as session:
            answer = session.request(method, url, headers=headers, content=data)
            return answer.status_code, _lower(answer.headers.items()), answer.content


class HttpxAsyncDriver(Driver):
    name = "httpx-async"

    def auth(self, client: Any) -> Any:
        from oauth1core.adapters.httpx import OAuth1Auth

        return OAuth1Auth(client)

    def send(self, auth: Any, method: str, url: str, headers: Optional[Dict[str, str]] = None,
             data: Optional[bytes] = None) -> Answer:
        import asyncio

        import httpx

        async def run() -> Answer:
            async with httpx.AsyncClient(auth=auth, trust_env=False, timeout=30) as session:
                answer = await session.request(method, url, headers=headers, content=data)
                return answer.status_code, _lower(answer.headers.items()), answer.content

        return asyncio.run(run())


class AiohttpDriver(Driver):
    name = "aiohttp"

    def auth(self, client: Any) -> Any:
        from oauth1core.adapters.aiohttp import OAuth1Middleware

        return OAuth1Middleware(client)

    def send(self, auth: Any, method: str, url: str, headers: Optional[Dict[str, str]] = None,
             data: Optional[bytes] = None) -> Answer:
        import asyncio

        import aiohttp

        async def run() -> Answer:
            async with aiohttp.ClientSession(middlewares=(auth,)) as session:
                async with session.request(method, url, headers=headers, data=data) as answer:
                    return answer.status, _lower(answer.headers.items()), await answer.read()

        return asyncio.run(run())


def driver_params() -> List[Any]:
    """Every driver as a pytest parameter; the third-party ones marked ``peers``."""
    import pytest

    return [pytest.param(UrllibDriver(), id="urllib")] + [
        pytest.param(driver, id=driver.name, marks=pytest.mark.peers)
        for driver in (RequestsDriver(), HttpxDriver(), HttpxAsyncDriver(), AiohttpDriver())]


def three_legged_with(driver: Driver, client: Any, base: str, *, paths: Optional[Dict[str, str]] = None,
                      callback: str = "http://127.0.0.1:9/callback") -> Any:
    """Run the three legs through ``driver``'s adapter (the flow parses; the adapter signs and
    sends); the provider at ``base`` must approve at once on GET authorize. Returns the client
    for the token credentials."""
    from oauth1core.flow import Endpoints, ThreeLeggedFlow

    paths = {"request_token": "/request_token", "authorize": "/authorize", "access_token": "/access_token",
             **(paths or {})}
    flow = ThreeLeggedFlow(client, Endpoints(base + paths["request_token"], base + paths["authorize"],
                                             base + paths["access_token"]), callback=callback)
    auth = driver.auth(client.replace(callback=callback))
    state = flow.parse_temporary_credentials(*driver.send(auth, "POST", flow.endpoints.request_token_url))
    status, headers, _ = _no_redirect_get(flow.authorization_url(state))
    assert status in (302, 303), status
    state = flow.parse_callback(state, dict(headers)["location"])
    assert state.verifier is not None
    auth = driver.auth(client.replace(token=state.token, token_secret=state.token_secret, verifier=state.verifier))
    credentials = flow.parse_token_credentials(*driver.send(auth, "POST", flow.endpoints.access_token_url))
    return flow.authorized_client(credentials)


def _no_redirect_get(url: str) -> Answer:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + "?" + parts.query)
        response = connection.getresponse()
        return response.status, _lower(response.getheaders()), response.read()
    finally:
        connection.close()
