"""The ASGI layer in process, driven by asyncio: the same three legs, refusals and origin rules as
the WSGI layer, the body handed on to the application, an async authorize hook, store calls in a
thread for SQLite. Standard library only."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import threading
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from test_wsgi import KEY, Answer, login, make_provider, problem, send, three_legs

from oauth1core.asgi import REQUEST_KEY, OAuth1Middleware, ProviderEndpoints
from oauth1core.gateway import Consent
from oauth1core.server import Provider
from oauth1core.stores.sqlite import SQLiteStore


async def whoami(scope: Dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    message = await receive()
    request = scope.get(REQUEST_KEY)
    document = {"user": request.user, "consumer_key": request.consumer_key, "body": message["body"].decode(),
                "thread": threading.current_thread().name} if request else {"open": True}
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(document).encode()})


def acall(app: Any, method: str, uri: str, headers: Optional[Dict[str, str]] = None, body: Any = b"",
          peer: str = "127.0.0.1", **scope_extra: Any) -> Answer:
    """One request through an ASGI app, the body in two chunks."""
    parts = urlsplit(uri)
    body = body.encode() if isinstance(body, str) else (body or b"")
    raw_headers = [(b"host", parts.netloc.encode())]
    raw_headers += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    scope: Dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": parts.scheme,
        "path": parts.path, "raw_path": parts.path.encode(), "query_string": parts.query.encode(), "root_path": "",
        "headers": raw_headers, "client": (peer, 50000), "server": ("server.local", 80),
    }
    scope.update(scope_extra)
    incoming = [{"type": "http.request", "body": body[:3], "more_body": True},
                {"type": "http.request", "body": body[3:], "more_body": False}]
    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send_message(message: Dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send_message))
    start = sent[0]
    headers_out = {name.decode().title(): value.decode() for name, value in start["headers"]}
    out = b"".join(message.get("body", b"") for message in sent[1:])
    return start["status"], headers_out, out


def stack(provider: Provider, **options: Any) -> Any:
    async def async_login(scope: Dict[str, Any], consent: Consent, form: List[Tuple[str, str]]) -> Any:
        return login({"REQUEST_METHOD": scope["method"]}, consent, form)

    endpoints = ProviderEndpoints(provider, authorize=async_login, app=whoami, **options)
    return OAuth1Middleware(endpoints, provider, protect=["/api/"], **options)


def test_three_legs_then_the_application_reads_the_verified_request_and_the_body() -> None:
    provider = make_provider()
    app = stack(provider)
    client = three_legs(app, caller=acall)
    request = client.sign("POST", "http://api.test/api/notes", body=[("note", "hello")])
    status, _, body = send(app, request, acall)
    assert status == 200, body
    document = json.loads(body)
    assert (document["user"], document["consumer_key"], document["body"]) == ("alice", KEY, "note=hello")
    answer = send(app, request, acall)
    assert (answer[0], problem(answer)) == (401, "nonce_used")
    assert answer[1]["Www-Authenticate"] == 'OAuth realm="oauth1core", oauth_problem="nonce_used"'
    assert acall(app, "GET", "http://api.test/open")[2] == b'{"open": true}'


def test_refusals_never_reach_the_application() -> None:
    provider = make_provider()
    client = three_legs(stack(provider), caller=acall)
    protected = OAuth1Middleware(whoami, provider, protect="/api/whoami", realm="Photos")
    expired = client.sign("GET", "http://api.test/api/whoami", timestamp=1_000_000_000)
    for answer, status, expected in [
        (send(protected, expired, acall), 401, "timestamp_refused"),
        (acall(protected, "GET", "http://api.test/api/whoami"), 400, "parameter_absent"),
        (send(protected, client.replace(token_secret="wrong").sign("GET", "http://api.test/api/whoami"), acall),
         401, "signature_invalid"),
    ]:
        assert (answer[0], problem(answer)) == (status, expected)
        assert answer[1]["Www-Authenticate"] == f'OAuth realm="Photos", oauth_problem="{expected}"'
    assert acall(OAuth1Middleware(whoami, provider, max_body=2), "POST", "http://api.test/x", {}, b"abc")[0] == 413


def test_origin_rules_match_the_wsgi_layer() -> None:
    provider = make_provider()
    client = three_legs(stack(provider), caller=acall)
    request = client.sign("GET", "https://api.example.com/api/files/a%2Fb")
    forwarded = {**request.headers, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com"}
    trusted = OAuth1Middleware(whoami, provider, trusted_proxies=["10.0.0.0/8"])
    raw = {"path": "/api/files/a/b", "raw_path": b"/api/files/a%2Fb"}
    answer = acall(trusted, "GET", "http://backend/api/files/a%2Fb", forwarded, peer="192.0.2.1", **raw)
    assert problem(answer) == "signature_invalid"
    answer = acall(trusted, "GET", "http://backend/api/files/a%2Fb", forwarded, peer="10.9.8.7", **raw)
    assert answer[0] == 200, answer
    fixed = OAuth1Middleware(whoami, provider, base_url="https://api.example.com")
    request = client.sign("GET", "https://api.example.com/api/whoami")
    assert acall(fixed, "GET", "http://127.0.0.1:8000/api/whoami", request.headers)[0] == 200


def test_a_sqlite_store_is_called_off_the_event_loop() -> None:
    threads: List[str] = []

    class Recording(SQLiteStore):
        def add_nonce(self, *args: Any, **kwargs: Any) -> bool:
            threads.append(threading.current_thread().name)
            return super().add_nonce(*args, **kwargs)

    with tempfile.TemporaryDirectory() as directory:
        store = Recording(os.path.join(directory, "p.db"))
        try:
            provider = Provider(make_provider().consumers, store)
            app = stack(provider)
            assert app.offload and stack(make_provider()).offload is False
            client = three_legs(app, caller=acall)
            status, _, body = send(app, client.sign("GET", "http://api.test/api/whoami"), acall)
            assert status == 200 and json.loads(body)["user"] == "alice"
            assert len(threads) == 3 and threading.current_thread().name not in threads
        finally:
            store.close()


def test_a_websocket_to_a_protected_path_is_closed_before_it_is_accepted() -> None:
    sent: List[Dict[str, Any]] = []
    reached: List[str] = []

    async def app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    async def receive() -> Dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send_message(message: Dict[str, Any]) -> None:
        sent.append(message)

    middleware = OAuth1Middleware(app, make_provider(), protect=["/api/"])
    for path in ("/api/live", "/public/live"):
        scope = {"type": "websocket", "path": path, "raw_path": path.encode(), "headers": [], "query_string": b""}
        asyncio.run(middleware(scope, receive, send_message))
    assert sent == [{"type": "websocket.close", "code": 1008}] and reached == ["/public/live"]
