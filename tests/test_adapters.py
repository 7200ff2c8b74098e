"""The HTTP adapters (urllib handler, requests, httpx sync and async, aiohttp) over loopback: the
three-legged flow through each and every placement against ``python -m oauth1core serve``; the
body hash of JSON bodies, redirects (re-signed within the origin with a fresh nonce; nothing of ours
sent to another origin, another loopback port included) and the clock correction (retried once,
never more) against serve's application under WSGI, with a redirecting route and a skewed clock."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from email.utils import formatdate
from typing import Any, Dict, Iterable, Iterator, List, Tuple
from urllib.parse import quote, unquote

import pytest
from peer_providers import (
    Driver,
    ProviderWSGI,
    Recorder,
    driver_params,
    serve_wsgi,
    skewed_clock,
    three_legged_with,
)
from store_suite import SECRETS, ServeProcess, consumers, three_legged

from oauth1core.client import Client
from oauth1core.httpserver import ProviderApp
from oauth1core.server import Provider

DRIVERS = driver_params()


def redirect_cases(cases: List[Tuple[str, str, int]]) -> List[Any]:
    """Each driver with each (placement, method, status), but urllib, which refuses to redirect a
    request with a body on 307/308, only where it follows."""
    params = []
    for param in DRIVERS:
        driver = param.values[0]
        for placement, method, code in cases:
            if method != "GET" and code in (307, 308) and not driver.follows_post_307:
                continue
            params.append(pytest.param(driver, placement, method, code, marks=param.marks,
                                       id=f"{driver.name}-{placement}-{method}-{code}"))
    return params
PATHS = {"request_token": "/oauth/request_token", "authorize": "/oauth/authorize", "access_token": "/oauth/access_token"}


@pytest.fixture
def wsgi() -> ProviderWSGI:
    return ProviderWSGI(ProviderApp(Provider(consumers()), auto_approve="alice"))


@pytest.fixture
def provider(wsgi: ProviderWSGI) -> Iterator[Tuple[str, ProviderWSGI]]:
    with serve_wsgi(wsgi) as base:
        yield base, wsgi


def access_client(wsgi: ProviderWSGI, placement: str = "header", **kwargs: Any) -> Client:
    """Token credentials issued in-process; a client for them."""
    _, client = three_legged(wsgi.app.provider)
    return client.replace(placement=placement, **kwargs)


def header(headers: List[Tuple[str, str]], name: str) -> str:
    return dict(headers).get(name, "")


@pytest.fixture(scope="module")
def serve() -> Iterator[ServeProcess]:
    """``python -m oauth1core serve`` itself, in a child process."""
    with ServeProcess("--consumer", f"c1:{SECRETS['c1']}", "--auto-approve", "alice") as process:
        yield process


@pytest.mark.parametrize("driver", DRIVERS)
def test_three_legged_flow_through_each_adapter(driver: Driver, serve: ServeProcess) -> None:
    client = three_legged_with(driver, Client("c1", SECRETS["c1"]), serve.url, paths=PATHS)
    status, _, body = driver.send(driver.auth(client), "GET", serve.url + "/api/whoami")
    assert status == 200 and json.loads(body) == {"user": "alice", "consumer_key": "c1"}


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("placement", ["header", "query", "body"])
def test_placements_and_bodies(driver: Driver, placement: str, serve: ServeProcess) -> None:
    base = serve.url
    client = three_legged_with(driver, Client("c1", SECRETS["c1"]), base, paths=PATHS)
    auth = driver.auth(client.replace(placement=placement))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    if placement != "body":
        status, _, body = driver.send(auth, "GET", base + "/api/whoami?size=large&tag=a%20b")
        assert (status, json.loads(body)["user"]) == (200, "alice"), body
    status, _, body = driver.send(auth, "POST", base + "/api/whoami?x=1", form, b"caption=Tom%20%26%20Jerry&n=%E2%9C%93")
    assert status == 200, body
    status, _, body = driver.send(auth, "POST", base + "/api/whoami", form)  # an empty form
    assert status == 200, body


@pytest.mark.parametrize("driver", DRIVERS)
def test_json_body_hash(driver: Driver, provider: Tuple[str, ProviderWSGI]) -> None:
    base, wsgi = provider
    auth = driver.auth(access_client(wsgi, body_hash=True))
    as_json = {"Content-Type": "application/json"}
    status, _, body = driver.send(auth, "POST", base + "/api/whoami", as_json, b'{"title": "Vacation"}')
    assert status == 200, body
    status, _, body = driver.send(auth, "GET", base + "/api/whoami")  # no body: the hash of nothing
    assert status == 200, body
    hashes = [re.search(r'oauth_body_hash="([^"]+)"', headers["Authorization"]).group(1)  # type: ignore[union-attr]
              for _, _, headers, _ in wsgi.requests]
    assert [unquote(value) for value in hashes] == [
        base64.b64encode(hashlib.sha1(b'{"title": "Vacation"}').digest()).decode(),
        base64.b64encode(hashlib.sha1(b"").digest()).decode()]


@pytest.mark.parametrize("driver,placement,method,code", redirect_cases([
    ("header", "GET", 302), ("query", "GET", 301), ("header", "POST", 307), ("body", "POST", 307),
    ("body", "POST", 303), ("query", "POST", 308)]))
def test_same_origin_redirect_is_signed_again(driver: Driver, placement: str, method: str, code: int,
                                              provider: Tuple[str, ProviderWSGI]) -> None:
    base, wsgi = provider
    auth = driver.auth(access_client(wsgi, placement))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    data = b"a=1&b=two" if method != "GET" else None
    url = f"{base}/hop?code={code}&to={quote('/api/whoami?after=redirect', safe='')}"
    status, _, body = driver.send(auth, method, url, form if data else None, data)
    assert status == 200 and json.loads(body)["user"] == "alice", body
    hops = [entry for entry in wsgi.seen if entry[1] in ("/hop", "/api/whoami")]
    expected = method if code in (307, 308) else "GET"
    assert [(m, p) for m, p, _ in hops] == [(method, "/hop"), (expected, "/api/whoami")]
    assert hops[0][2] and hops[1][2] and hops[0][2] != hops[1][2]  # a fresh nonce


@pytest.mark.parametrize("driver,placement,method,code", redirect_cases([
    ("header", "GET", 302), ("query", "GET", 302), ("body", "POST", 303), ("body", "POST", 307),
    ("header", "POST", 307), ("query", "GET", 307)]))
def test_other_origin_gets_nothing_of_ours(driver: Driver, placement: str, method: str, code: int,
                                           provider: Tuple[str, ProviderWSGI]) -> None:
    base, wsgi = provider
    client = access_client(wsgi, placement, signature_method="PLAINTEXT")  # the signature is the secrets
    recorder = Recorder()
    with serve_wsgi(recorder) as other:  # another port: another origin
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        data = b"a=1" if method != "GET" else None
        url = f"{base}/hop?code={code}&to={quote(other + '/record?z=1', safe='')}"
        status, _, body = driver.send(driver.auth(client), method, url, form if data else None, data)
    assert (status, body) == (200, b"recorded")
    assert len(recorder.requests) == 1
    seen_method, uri, headers, seen_body = recorder.requests[0]
    assert uri == other + "/record?z=1"
    assert "Authorization" not in headers and "oauth_" not in seen_body.decode()
    for secret in (SECRETS["c1"], client.token_secret):
        assert secret not in json.dumps(headers) and secret.encode() not in seen_body
    if code == 307:
        assert seen_method == method and seen_body == (data or b"")
    # The request to the provider itself was signed.
    assert wsgi.seen[-1][1] == "/hop" and wsgi.seen[-1][2]


@pytest.mark.parametrize("driver", DRIVERS)
def test_redirect_to_another_origin_and_back(driver: Driver, provider: Tuple[str, ProviderWSGI]) -> None:
    """A chain that leaves the origin and comes back is signed again at home, never abroad."""
    base, wsgi = provider
    auth = driver.auth(access_client(wsgi))
    back = f"{base}/api/whoami"
    with serve_wsgi(ProviderWSGI(ProviderApp(Provider(consumers())))) as other:
        away = f"{other}/hop?code=302&to={quote(back, safe='')}"
        status, _, body = driver.send(auth, "GET", f"{base}/hop?code=302&to={quote(away, safe='')}")
    if driver.name == "requests":
        # requests follows a chain that left the origin itself: the return leg goes unsigned, and
        # the provider asks for its parameters.
        assert status == 400 and b"parameter_absent" in body
    else:
        assert status == 200 and json.loads(body)["user"] == "alice"


# -- the provider's clock (section 3.3) -----------------------------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("bare", [False, True], ids=["timestamp_refused", "bare-401-and-Date"])
def test_clock_skew_is_corrected_once(driver: Driver, bare: bool) -> None:
    skew = skewed_clock(3600)
    wsgi = ProviderWSGI(ProviderApp(Provider(consumers(), clock=skew)), date_clock=skew, bare_401=bare)
    _, client = three_legged(wsgi.app.provider)
    client = client.replace(clock=time.time)  # our clock: an hour behind the provider's
    with serve_wsgi(wsgi) as base:
        auth = driver.auth(client)
        status, _, body = driver.send(auth, "GET", base + "/api/whoami")
        assert status == 200 and json.loads(body)["user"] == "alice", body
        assert abs(driver.client_of(auth).clock_offset - 3600) <= 2
        assert [path for _, path, _ in wsgi.seen] == ["/api/whoami", "/api/whoami"]
        # The correction stays: the next request goes through at once.
        status, _, _ = driver.send(auth, "GET", base + "/api/whoami")
        assert status == 200 and len(wsgi.seen) == 3


@pytest.mark.parametrize("driver", DRIVERS)
def test_clock_retry_never_loops(driver: Driver) -> None:
    calls: List[str] = []

    def always_late(environ: Dict[str, Any], start_response: Any) -> Iterable[bytes]:
        calls.append(environ["PATH_INFO"])
        date = formatdate(time.time() + 3600 * len(calls), usegmt=True)
        start_response("401 Unauthorized", [("Date", date), ("WWW-Authenticate", 'OAuth oauth_problem="timestamp_refused"'),
                                            ("Content-Type", "text/plain")])
        return [b"oauth_problem=timestamp_refused"]

    auth = driver.auth(Client("c1", "s", token="t", token_secret="ts"))
    with serve_wsgi(always_late) as base:
        status, _, body = driver.send(auth, "GET", base + "/api/whoami")
    assert status == 401 and b"timestamp_refused" in body
    assert calls == ["/api/whoami", "/api/whoami"]


@pytest.mark.parametrize("driver", DRIVERS)
def test_other_refusals_are_not_retried(driver: Driver, provider: Tuple[str, ProviderWSGI]) -> None:
    base, wsgi = provider
    auth = driver.auth(access_client(wsgi).replace(token_secret="wrong"))
    status, headers, _ = driver.send(auth, "GET", base + "/api/whoami")
    assert status == 401 and 'oauth_problem="signature_invalid"' in header(headers, "www-authenticate")
    assert [path for _, path, _ in wsgi.seen].count("/api/whoami") == 1


def test_adapter_names_and_types() -> None:
    from oauth1core.adapters.urllib import OAuth1Handler, sign_request

    assert callable(sign_request) and OAuth1Handler(Client("k")).client.client_key == "k"


@pytest.mark.peers
def test_third_party_adapter_names() -> None:
    import httpx
    import requests.auth

    from oauth1core.adapters.aiohttp import OAuth1Middleware
    from oauth1core.adapters.httpx import OAuth1Auth as HttpxAuth
    from oauth1core.adapters.requests import OAuth1Auth as RequestsAuth

    client = Client("k", "s")
    assert isinstance(RequestsAuth(client), requests.auth.AuthBase)
    assert isinstance(HttpxAuth(client), httpx.Auth)
    assert OAuth1Middleware(client, origin="https://api.example.com").origin == ("https", "api.example.com", 443)
    for factory in (RequestsAuth, HttpxAuth, OAuth1Middleware):
        with pytest.raises(TypeError):
            factory("not a client")  # type: ignore[arg-type]
        assert "***" in repr(factory(Client("k", "secret-value"))) and "secret-value" not in repr(factory(client))


@pytest.mark.peers
def test_httpx_client_that_follows_redirects_itself(provider: Tuple[str, ProviderWSGI]) -> None:
    """httpx's own redirect following sends the first signature again; the auth signs the refused
    final request afresh, once."""
    import httpx

    from oauth1core.adapters.httpx import OAuth1Auth

    base, wsgi = provider
    auth = OAuth1Auth(access_client(wsgi), follow_redirects=False)
    with httpx.Client(auth=auth, follow_redirects=True, trust_env=False) as http:
        response = http.get(f"{base}/hop?code=302&to=%2Fapi%2Fwhoami")
    assert response.status_code == 200 and response.json()["user"] == "alice"
    assert [path for _, path, _ in wsgi.seen] == ["/hop", "/api/whoami", "/api/whoami"]
    nonces = [nonce for _, _, nonce in wsgi.seen]
    assert nonces[0] == nonces[1] != nonces[2]  # the stale signature, then a fresh one
