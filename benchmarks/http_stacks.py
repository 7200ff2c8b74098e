"""The applications the HTTP benchmark (http_load.py) serves: one protected route, one unsigned route.

Every stack answers ``GET /api/whoami`` (protected: ``{"user": ..., "consumer_key": ...}``) and
``GET /ping`` (unsigned: the same document with no user, the ceiling of that server: the same
work but the OAuth check). Each is a factory that gunicorn
(``benchmarks.http_stacks:NAME()``) or uvicorn (``--factory benchmarks.http_stacks:NAME``)
calls in each worker; the configuration comes from the environment, set by http_load.py:

* ``BENCH_CONSUMER`` ``key:secret`` and ``BENCH_TOKEN`` ``token:secret``: the client's and the
  token credentials (the same for every stack: letters and digits, 24 characters, which the
  peers' default format checks accept);
* ``BENCH_STORE``: ``memory``, ``sqlite:PATH`` or a ``redis://`` URL (oauth1core's stacks).

Token credentials are put in the store when a worker starts (idempotent: ``add_token`` of a
token already there changes nothing), so that a per-process memory store in each of several
workers holds them too. Nonces stay per worker with the memory store (and with the peers' sets):
the benchmark never replays a request, so each request costs the same work as with a shared
store; a deployment with several workers needs the SQLite or Redis store for replay protection.

The peers run with their default configuration, except oauthlib's ``enforce_ssl`` (off: the
benchmark is plain HTTP on loopback, as it is for every stack).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

PROTECTED = "/api/whoami"
UNSIGNED = "/ping"
USER = "bench"

StartResponse = Callable[[str, List[Tuple[str, str]]], Any]


def credentials() -> Tuple[str, str, str, str]:
    """``(consumer key, consumer secret, token, token secret)`` from the environment."""
    key, _, secret = os.environ["BENCH_CONSUMER"].partition(":")
    token, _, token_secret = os.environ["BENCH_TOKEN"].partition(":")
    return key, secret, token, token_secret


def _document(user: Optional[str], consumer_key: str) -> bytes:
    return json.dumps({"consumer_key": consumer_key, "user": user}, sort_keys=True).encode("utf-8")


# -- oauth1core -------------------------------------------------------------------------------


def provider() -> Any:
    """oauth1core's Provider on ``BENCH_STORE``, with the benchmark's token credentials stored."""
    from oauth1core.server import Consumer, Provider
    from oauth1core.stores import TokenRecord, open_store
    from oauth1core.tokens import EXCHANGE_ISSUES

    key, secret, token, token_secret = credentials()
    store = open_store(os.environ.get("BENCH_STORE", "memory"))
    if store.get_token(token) is None:
        store.add_token(TokenRecord(token=token, secret=token_secret, consumer_key=key, state=EXCHANGE_ISSUES,
                                    created_at=time.time(), expires_at=None, user=USER))
    return Provider({key: Consumer(key, secret)}, store)


def _plain_wsgi(environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The application behind oauth1core's WSGI middleware: ``/ping``, and the verified request."""
    path = environ.get("PATH_INFO", "")
    if path in (UNSIGNED, PROTECTED):
        verified = environ.get("oauth1core.request")  # an oauth1core.gateway.OAuth1Request
        body = _document(verified.user, verified.consumer_key) if path == PROTECTED else _document(None, "")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"not found"]


def ours_wsgi() -> Any:
    """oauth1core's WSGI middleware protecting ``/api/`` in front of a bare WSGI application."""
    from oauth1core.wsgi import OAuth1Middleware

    return OAuth1Middleware(_plain_wsgi, provider(), protect=["/api/"])


async def _plain_asgi(scope: Dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":  # lifespan: nothing to set up
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        return
    if scope["path"] == PROTECTED:
        verified = scope["oauth1core.request"]
        status, body = 200, _document(verified.user, verified.consumer_key)
    elif scope["path"] == UNSIGNED:
        status, body = 200, _document(None, "")
    else:
        status, body = 404, b"not found"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def ours_asgi() -> Any:
    """oauth1core's ASGI middleware protecting ``/api/`` in front of a bare ASGI application."""
    from oauth1core.asgi import OAuth1Middleware

    return OAuth1Middleware(_plain_asgi, provider(), protect=["/api/"])


# -- Flask: oauth1core's middleware, oauthlib, Authlib -----------------------------------------


def _flask(protected: Callable[[], Any], name: str) -> Any:
    from flask import Flask

    app = Flask(name)
    app.add_url_rule(UNSIGNED, "ping", lambda: (_document(None, ""), 200, {"Content-Type": "application/json"}))
    app.add_url_rule(PROTECTED, "whoami", protected)
    return app


def flask_ours() -> Any:
    """Flask with oauth1core's WSGI middleware in front (``app.wsgi_app`` wrapped)."""
    from flask import request

    def whoami() -> Any:
        verified = request.environ["oauth1core.request"]
        return _document(verified.user, verified.consumer_key), 200, {"Content-Type": "application/json"}

    from oauth1core.wsgi import OAuth1Middleware

    app = _flask(whoami, "flask_ours")
    app.wsgi_app = OAuth1Middleware(app.wsgi_app, provider(), protect=["/api/"])  # type: ignore[method-assign]
    return app


class _Nonces:
    """The peers' nonce store: a set per worker process (nothing is ever replayed)."""

    def __init__(self) -> None:
        self.seen: Set[Tuple[str, ...]] = set()

    def add(self, *key: str) -> bool:
        """Record ``key``; ``False`` if it was already there."""
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def _oauthlib_validator() -> Any:
    from oauthlib.oauth1 import RequestValidator

    key, secret, token, token_secret = credentials()
    nonces = _Nonces()

    class Validator(RequestValidator):  # type: ignore[misc]
        enforce_ssl = False  # plain HTTP on loopback, as for every stack

        @property
        def dummy_client(self) -> str:
            return "dummy_client_for_timing_00"

        @property
        def dummy_access_token(self) -> str:
            return "dummy_token_for_timing_000"

        def validate_client_key(self, client_key: str, request: Any) -> bool:
            return client_key == key

        def validate_access_token(self, client_key: str, access_token: str, request: Any) -> bool:
            return client_key == key and access_token == token

        def validate_timestamp_and_nonce(self, client_key: str, timestamp: str, nonce: str, request: Any,
                                         request_token: Any = None, access_token: Any = None) -> bool:
            return nonces.add(client_key, access_token or "", nonce, timestamp)

        def validate_realms(self, *args: Any, **kwargs: Any) -> bool:
            return True

        def get_client_secret(self, client_key: str, request: Any) -> str:
            return secret if client_key == key else "dummy-secret"

        def get_access_token_secret(self, client_key: str, access_token: str, request: Any) -> str:
            return token_secret if access_token == token else "dummy-secret"

    return Validator()


def flask_oauthlib() -> Any:
    """Flask with oauthlib's ``ResourceEndpoint`` checking every request to ``/api/whoami``."""
    from flask import request
    from oauthlib.oauth1 import ResourceEndpoint

    endpoint = ResourceEndpoint(_oauthlib_validator())
    key, _, token, _ = credentials()

    def whoami() -> Any:
        valid, _ = endpoint.validate_protected_resource_request(
            request.url, http_method=request.method, body=request.get_data(), headers=dict(request.headers))
        if not valid:
            return "invalid", 401, {"WWW-Authenticate": 'OAuth realm="bench"'}
        return _document(USER, key), 200, {"Content-Type": "application/json"}

    return _flask(whoami, "flask_oauthlib")


class _Client:
    def __init__(self, secret: str) -> None:
        self.secret = secret

    def get_default_redirect_uri(self) -> str:
        return "oob"

    def get_client_secret(self) -> str:
        return self.secret

    def get_rsa_public_key(self) -> None:
        return None


class _Token:
    def __init__(self, token: str, secret: str) -> None:
        self.token, self.secret = token, secret

    def get_oauth_token(self) -> str:
        return self.token

    def get_oauth_token_secret(self) -> str:
        return self.secret


def flask_authlib() -> Any:
    """Flask with Authlib's ``ResourceProtector`` (flask_oauth1) on ``/api/whoami``."""
    from authlib.integrations.flask_oauth1 import ResourceProtector, current_credential

    key, secret, token, token_secret = credentials()
    nonces = _Nonces()
    client, credential = _Client(secret), _Token(token, token_secret)
    require_oauth = ResourceProtector(
        query_client=lambda client_id: client if client_id == key else None,
        query_token=lambda client_id, oauth_token: credential if (client_id, oauth_token) == (key, token) else None,
        exists_nonce=lambda nonce, timestamp, client_id, oauth_token: not nonces.add(
            client_id, oauth_token or "", nonce, str(timestamp)),
    )

    @require_oauth()
    def whoami() -> Any:
        assert current_credential.get_oauth_token() == token
        return _document(USER, key), 200, {"Content-Type": "application/json"}

    app = _flask(whoami, "flask_authlib")
    require_oauth.init_app(app)
    return app


#: stack name -> (factory name, what it is)
STACKS: Dict[str, Tuple[str, str]] = {
    "oauth1core-wsgi": ("ours_wsgi", "oauth1core.wsgi.OAuth1Middleware around a bare WSGI app"),
    "oauth1core-asgi": ("ours_asgi", "oauth1core.asgi.OAuth1Middleware around a bare ASGI app"),
    "flask+oauth1core": ("flask_ours", "Flask, oauth1core.wsgi.OAuth1Middleware around app.wsgi_app"),
    "flask+oauthlib": ("flask_oauthlib", "Flask, oauthlib ResourceEndpoint in the view"),
    "flask+authlib": ("flask_authlib", "Flask, Authlib flask_oauth1.ResourceProtector decorator"),
}
