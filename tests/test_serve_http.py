"""The HTTP server in-process (oauth1core.httpserver.start_server): raw HTTP edge cases, a failing
store answered with 503 while the server keeps running, internal errors, and the urllib adapter."""

from __future__ import annotations

import http.client
import io
import json
import socket
import urllib.request
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest
from store_suite import SECRETS, consumers, http_call, read_to_end

from oauth1core.adapters.urllib import sign_request
from oauth1core.client import Client
from oauth1core.errors import ServiceUnavailable
from oauth1core.httpserver import ProviderApp, RunningServer, start_server
from oauth1core.server import Provider
from oauth1core.stores import TokenRecord
from oauth1core.stores.memory import MemoryStore

call = http_call


class FlakyStore(MemoryStore):
    """A memory store that can be switched off: every call then raises ServiceUnavailable."""

    down = False

    def _check(self) -> None:
        if self.down:
            raise ServiceUnavailable("the store is down")

    def add_nonce(self, *args: Any, **kwargs: Any) -> bool:
        self._check()
        return super().add_nonce(*args, **kwargs)

    def get_token(self, token: str) -> Optional[TokenRecord]:
        self._check()
        return super().get_token(token)

    def add_token(self, record: TokenRecord) -> bool:
        self._check()
        return super().add_token(record)

    def transition(self, *args: Any, **kwargs: Any) -> bool:
        self._check()
        return super().transition(*args, **kwargs)


@pytest.fixture
def store() -> FlakyStore:
    return FlakyStore()


@pytest.fixture
def server(store: FlakyStore) -> Iterator[RunningServer]:
    app = ProviderApp(Provider(consumers(), store), users={"alice": "pw"}, auto_approve="alice")
    running = start_server(app, "127.0.0.1", 0)
    try:
        yield running
    finally:
        running.close()


def flow(base: str, placement: str = "header") -> Client:
    """The three-legged flow with auto-approval; returns a client holding token credentials."""
    client = Client("c1", SECRETS["c1"], callback="oob", placement=placement)
    status, _, body = call(sign_request(client, urllib.request.Request(base + "/oauth/request_token", method="POST")))
    assert status == 200, body
    temporary = dict(parse_qsl(body))
    status, _, page = call(urllib.request.Request(f"{base}/oauth/authorize?oauth_token={temporary['oauth_token']}"))
    verifier = page.split('id="oauth_verifier">')[1].split("<")[0]
    client = client.replace(callback=None, token=temporary["oauth_token"], token_secret=temporary["oauth_token_secret"],
                            verifier=verifier)
    status, _, body = call(sign_request(client, urllib.request.Request(base + "/oauth/access_token", method="POST")))
    assert status == 200, body
    access = dict(parse_qsl(body))
    return client.replace(token=access["oauth_token"], token_secret=access["oauth_token_secret"], verifier=None)


def raw(server: RunningServer, method: str, path: str, headers: List[Tuple[str, str]],
        body: bytes = b"") -> Tuple[int, Dict[str, str], bytes]:
    """Send exactly these header lines (duplicates included) over a fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_placements_over_http(server: RunningServer) -> None:
    for placement in ("header", "query", "body"):
        client = flow(server.url, placement)
        method = "POST" if placement == "body" else "GET"
        status, _, body = call(sign_request(client, urllib.request.Request(server.url + "/api/whoami?x=1",
                                                                           method=method, data=None)))
        assert (status, json.loads(body)) == (200, {"user": "alice", "consumer_key": "c1"}), placement


def test_form_body_and_body_hash_over_http(server: RunningServer) -> None:
    client = flow(server.url)
    # A body without a Content-Type: urllib would send it as a form; the adapter signs it as one.
    request = urllib.request.Request(server.url + "/api/whoami", data=b"photo=1&size=large", method="POST")
    assert call(sign_request(client, request))[0] == 200
    hashed = client.replace(body_hash=True)
    request = urllib.request.Request(server.url + "/api/whoami", data=b'{"photo": 1}', method="POST",
                                     headers={"Content-Type": "application/json"})
    signed = sign_request(hashed, request)
    assert "oauth_body_hash=" in signed.get_header("Authorization", "")
    assert call(signed)[0] == 200
    swapped = urllib.request.Request(signed.full_url, data=b'{"photo": 2}', method="POST",
                                     headers=dict(signed.header_items()))
    status, headers, _ = call(swapped)
    assert status == 401 and 'oauth_problem="signature_invalid"' in headers["WWW-Authenticate"]


def test_sign_request_leaves_the_original_alone() -> None:
    client = Client("c1", SECRETS["c1"], token="t", token_secret="ts")
    original = urllib.request.Request("http://sp.example.net/api/whoami?x=1", data=b"a=1", method="PUT",
                                      headers={"X-Trace": "1", "Authorization": "Bearer old"})
    signed = sign_request(client, original)
    assert original.get_header("Authorization") == "Bearer old" and original.get_header("Content-type") is None
    assert signed is not original and signed.get_method() == "PUT" and signed.data == b"a=1"
    assert signed.get_header("X-trace") == "1"
    assert signed.get_header("Content-type") == "application/x-www-form-urlencoded"
    # Unredirected: urllib does not carry it to another location on a redirect.
    assert "Authorization" in signed.unredirected_hdrs and "Authorization" not in signed.headers
    assert signed.unredirected_hdrs["Authorization"].startswith("OAuth ")
    with pytest.raises(TypeError):
        sign_request(client, urllib.request.Request("http://sp.example.net/", data=io.BytesIO(b"x")))  # type: ignore[arg-type]


def test_sign_request_query_and_body_placements() -> None:
    query = sign_request(Client("c1", "s", placement="query"), urllib.request.Request("http://sp.example.net/p?x=1"))
    params = dict(parse_qsl(urlsplit(query.full_url).query))
    assert params["x"] == "1" and params["oauth_consumer_key"] == "c1" and "oauth_signature" in params
    assert query.get_header("Authorization") is None and query.unredirected_hdrs == {}
    body = sign_request(Client("c1", "s", placement="body"), urllib.request.Request("http://sp.example.net/p",
                                                                                      data=b"x=1", method="POST"))
    assert isinstance(body.data, bytes) and b"oauth_signature=" in body.data and body.data.startswith(b"x=1&")


def test_store_down_means_503_and_the_server_keeps_running(server: RunningServer, store: FlakyStore) -> None:
    client = flow(server.url)
    store.down = True
    for request in (
        sign_request(client, urllib.request.Request(server.url + "/api/whoami")),
        sign_request(Client("c1", SECRETS["c1"], callback="oob"),
                     urllib.request.Request(server.url + "/oauth/request_token", method="POST")),
        urllib.request.Request(server.url + "/oauth/authorize?oauth_token=x"),
    ):
        status, headers, body = call(request)
        assert status == 503 and headers["Retry-After"] == "5"
        assert dict(parse_qsl(body))["oauth_problem"] == "temporarily_unavailable"
    store.down = False
    status, _, body = call(sign_request(client, urllib.request.Request(server.url + "/api/whoami")))
    assert status == 200 and json.loads(body)["user"] == "alice"


def test_duplicate_headers_on_the_wire(server: RunningServer) -> None:
    client = flow(server.url)
    signed = client.sign("GET", server.url + "/api/whoami")
    host = urlsplit(server.url).netloc
    status, _, _ = raw(server, "GET", "/api/whoami", [("Host", host), ("Authorization", signed.headers["Authorization"])])
    assert status == 200
    signed = client.sign("GET", server.url + "/api/whoami")
    status, headers, body = raw(server, "GET", "/api/whoami", [
        ("Host", host), ("Authorization", signed.headers["Authorization"]), ("Authorization", "OAuth realm=\"x\"")])
    assert status == 400 and b"oauth_problem=parameter_rejected" in body
    status, _, _ = raw(server, "GET", "/api/whoami", [("Host", host), ("Host", "other")])
    assert status == 400


def test_body_framing(server: RunningServer) -> None:
    host = urlsplit(server.url).netloc
    status, _, _ = raw(server, "POST", "/oauth/request_token", [("Host", host), ("Transfer-Encoding", "chunked")],
                       b"0\r\n\r\n")
    assert status == 411
    status, _, _ = raw(server, "POST", "/oauth/request_token", [("Host", host), ("Content-Length", "-1")])
    assert status == 400
    status, _, _ = raw(server, "POST", "/oauth/request_token", [("Host", host), ("Content-Length", "1"),
                                                                ("Content-Length", "2")], b"ab")
    assert status == 400
    status, _, _ = raw(server, "POST", "/oauth/request_token", [("Host", host), ("Content-Length", str(10**9))])
    assert status == 413
    status, _, _ = raw(server, "POST", "/oauth/request_token", [("Host", host), ("Content-Length", "+3")], b"abc")
    assert status == 400


def test_no_host_header(server: RunningServer) -> None:
    """HTTP/1.1 requires one Host (RFC 9112 section 3.2): 400. An HTTP/1.0 request without one is
    taken as addressed to the server's own address."""
    client = flow(server.url)
    signed = client.sign("GET", server.url + "/api/whoami")
    status, _, _ = raw(server, "GET", "/api/whoami", [("Authorization", signed.headers["Authorization"])])
    assert status == 400
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"GET /api/whoami HTTP/1.0\r\nAuthorization: " + signed.headers["Authorization"].encode()
                     + b"\r\n\r\n")
        answer = read_to_end(sock)
    assert answer.startswith(b"HTTP/1.1 200 ") and json.loads(answer.split(b"\r\n\r\n", 1)[1])["user"] == "alice"


def test_keep_alive_serves_several_requests(server: RunningServer) -> None:
    client = flow(server.url)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        for _ in range(3):
            signed = client.sign("GET", server.url + "/api/whoami")
            connection.request("GET", "/api/whoami", headers=signed.headers)
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read())["consumer_key"] == "c1"
    finally:
        connection.close()


def test_internal_error_is_500_and_the_server_survives(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug with a secret inside: hunter2")

    monkeypatch.setattr(server.app, "respond", broken)
    status, _, body = call(urllib.request.Request(server.url + "/api/whoami"))
    assert status == 500 and "hunter2" not in body
    monkeypatch.undo()
    assert call(urllib.request.Request(server.url + "/nothing"))[0] == 404


def test_base_url_is_what_clients_sign_for(store: FlakyStore) -> None:
    app = ProviderApp(Provider(consumers(), store), auto_approve="alice", base_url="https://api.example.com/")
    assert app.base_url == "https://api.example.com"
    with pytest.raises(ValueError):
        ProviderApp(Provider(consumers(), store), base_url="https://api.example.com/v1")
    with pytest.raises(ValueError):
        ProviderApp(Provider(consumers(), store), base_url="ftp://api.example.com")
    client = Client("c1", SECRETS["c1"], callback="oob")
    signed = client.sign("POST", "https://api.example.com/oauth/request_token")
    response = app.handle("POST", "/oauth/request_token", list(signed.headers.items()), b"",
                          default_host="127.0.0.1:1")
    assert response.status == 200
    signed = client.sign("POST", "http://127.0.0.1:1/oauth/request_token")
    response = app.handle("POST", "/oauth/request_token", list(signed.headers.items()), b"",
                          default_host="127.0.0.1:1")
    assert response.status == 401


def test_html_is_escaped(store: FlakyStore) -> None:
    from oauth1core.server import Consumer

    provider = Provider({"<b>app</b>": Consumer("<b>app</b>", "s", name="<script>x</script>")}, store)
    app = ProviderApp(provider, users={"alice": "pw"})
    client = Client("<b>app</b>", "s", callback="oob")
    signed = client.sign("POST", "http://h/oauth/request_token")
    response = app.handle("POST", "/oauth/request_token", [("Host", "h")] + list(signed.headers.items()), b"")
    token = dict(parse_qsl(response.body.decode()))["oauth_token"]
    page = app.handle("GET", f"/oauth/authorize?oauth_token={token}", [("Host", "h")], b"").body.decode()
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page and "&lt;b&gt;app&lt;/b&gt;" in page
