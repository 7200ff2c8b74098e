"""A fleet: two ``python -m oauth1core serve`` processes sharing one real redis-server, as API
servers behind a load balancer would (both sign-checked for one public address, ``--base-url``).

A request replayed to the other server is refused (``nonce_used``); 16 racers with one nonce
across both: one accept; 8 concurrent exchanges of one request token across both: one access
token, and Redis holds exactly one. Redis killed mid-run: 503s, never an accept, both servers
keep running; Redis back (with its append-only file): service resumes, replay protection and
tokens intact."""

from __future__ import annotations

import re
import urllib.request
from typing import Dict, Iterator, List, Tuple
from urllib.parse import parse_qsl, quote

import pytest
import redis
from redis_fixture import RedisServer, redis_server, unique_prefix  # noqa: F401 - a fixture
from store_suite import ServeProcess, http_call, race

from oauth1core.client import Client, SignedRequest

PUBLIC = "http://api.fleet.example"
CONSUMER, SECRET = "fleet-app", "fleet-secret"
Answer = Tuple[int, Dict[str, str], str]


def serve(store_url: str) -> ServeProcess:
    return ServeProcess("--consumer", f"{CONSUMER}:{SECRET}", "--store", store_url, "--auto-approve", "alice",
                        "--base-url", PUBLIC)


def send(server: ServeProcess, request: SignedRequest) -> Answer:
    """Send a request signed for the public address to one server of the fleet."""
    assert request.uri.startswith(PUBLIC + "/")
    body = request.body.encode() if isinstance(request.body, str) else request.body
    wire = urllib.request.Request(server.url + request.uri[len(PUBLIC):], data=body, method=request.method,
                                  headers=request.headers)
    return http_call(wire)


def problem(answer: Answer) -> str:
    return dict(parse_qsl(answer[2])).get("oauth_problem", "")


def authorized(first: ServeProcess, second: ServeProcess) -> Client:
    """Temporary credentials from ``first``, approved on ``second``: a client ready to exchange."""
    client = Client(CONSUMER, SECRET, callback="oob")
    status, _, body = send(first, client.sign("POST", PUBLIC + "/oauth/request_token"))
    assert status == 200, body
    temporary = dict(parse_qsl(body))
    status, _, page = http_call(urllib.request.Request(
        f"{second.url}/oauth/authorize?oauth_token={quote(temporary['oauth_token'], safe='')}"))
    assert status == 200, page
    match = re.search(r'id="oauth_verifier">([^<]+)<', page)
    assert match is not None
    return client.replace(callback=None, token=temporary["oauth_token"], token_secret=temporary["oauth_token_secret"],
                          verifier=match.group(1))


def access(first: ServeProcess, second: ServeProcess) -> Client:
    """The whole flow across the two servers; a client holding token credentials."""
    client = authorized(first, second)
    status, _, body = send(first, client.sign("POST", PUBLIC + "/oauth/access_token"))
    assert status == 200, body
    credentials = dict(parse_qsl(body))
    return client.replace(token=credentials["oauth_token"], token_secret=credentials["oauth_token_secret"],
                          verifier=None)


def whoami(client: Client) -> SignedRequest:
    return client.sign("GET", PUBLIC + "/api/whoami")


@pytest.fixture(scope="module")
def fleet(redis_server: RedisServer) -> Iterator[Tuple[ServeProcess, ServeProcess, str]]:  # noqa: F811
    prefix = unique_prefix()
    url = f"{redis_server.url}?prefix={prefix}"
    with serve(url) as first, serve(url) as second:
        yield first, second, prefix
        assert first.process.poll() is None and second.process.poll() is None


def test_replay_to_the_other_server_is_refused(fleet: Tuple[ServeProcess, ServeProcess, str]) -> None:
    a, b, _ = fleet
    client = access(a, b)
    request = whoami(client)
    status, _, body = send(a, request)
    assert status == 200 and '"user": "alice"' in body
    status, headers, _ = send(b, request)
    assert status == 401
    assert headers["WWW-Authenticate"] == 'OAuth realm="oauth1core", oauth_problem="nonce_used"'
    # Without a token too (the nonce key is consumer, "" and nonce), the other way round.
    asking = Client(CONSUMER, SECRET, callback="oob").sign("POST", PUBLIC + "/oauth/request_token")
    assert send(b, asking)[0] == 200
    refused = send(a, asking)
    assert refused[0] == 401 and problem(refused) == "nonce_used"


def test_sixteen_racers_one_nonce_one_accept(fleet: Tuple[ServeProcess, ServeProcess, str]) -> None:
    a, b, _ = fleet
    request = whoami(access(b, a))
    answers: List[Answer] = race(16, lambda i: send((a, b)[i % 2], request))
    statuses = sorted(answer[0] for answer in answers)
    assert statuses == [200] + [401] * 15, statuses
    assert {problem(answer) for answer in answers if answer[0] == 401} == {"nonce_used"}


def test_eight_exchanges_one_access_token(fleet: Tuple[ServeProcess, ServeProcess, str],
                                          redis_server: RedisServer) -> None:  # noqa: F811
    a, b, prefix = fleet
    client = authorized(a, b)
    requests = [client.sign("POST", PUBLIC + "/oauth/access_token") for _ in range(8)]  # 8 nonces, one token
    answers: List[Answer] = race(8, lambda i: send((a, b)[i % 2], requests[i]))
    winners = [answer for answer in answers if answer[0] == 200]
    assert len(winners) == 1, [(answer[0], problem(answer)) for answer in answers]
    assert {problem(answer) for answer in answers if answer[0] != 200} == {"token_used"}
    issued = dict(parse_qsl(winners[0][2]))["oauth_token"]

    # What Redis holds: the request token exchanged, and one access token issued in its place.
    direct = redis.Redis(host="127.0.0.1", port=redis_server.port, decode_responses=True)
    try:
        assert client.token is not None
        assert direct.hget(f"{prefix}token:{quote(client.token, safe='')}", "state") == "exchanged"
        children = [key for key in direct.scan_iter(match=f"{prefix}token:*", count=1000)
                    if direct.hget(key, "parent") == client.token]
        assert children == [f"{prefix}token:{quote(issued, safe='')}"]
        assert direct.hget(children[0], "state") == "active"
        assert direct.get(f"{prefix}parent:{quote(client.token, safe='')}") == issued
    finally:
        direct.close()


def test_redis_killed_mid_run_then_back() -> None:
    with RedisServer(persistent=True) as server:
        url = f"{server.url}?socket_timeout=1&socket_connect_timeout=1"
        with serve(url) as a, serve(url) as b:
            client = access(a, b)
            before = whoami(client)
            assert send(a, before)[0] == 200

            server.stop()  # SIGKILL: a crash
            pending = Client(CONSUMER, SECRET, callback="oob")
            for target in (a, b, a, b):
                attempts = [
                    send(target, whoami(client)),
                    send(target, before),  # a replay while Redis is down: not accepted either
                    send(target, pending.sign("POST", PUBLIC + "/oauth/request_token")),
                    send(target, client.replace(verifier="x").sign("POST", PUBLIC + "/oauth/access_token")),
                    http_call(urllib.request.Request(f"{target.url}/oauth/authorize?oauth_token=abc")),
                ]
                for status, headers, body in attempts:
                    assert status == 503, (status, body)
                    assert headers["Retry-After"] == "5" and "WWW-Authenticate" not in headers
                    assert dict(parse_qsl(body))["oauth_problem"] == "temporarily_unavailable"
                    assert "127.0.0.1" not in body and str(server.port) not in body
            assert a.process.poll() is None and b.process.poll() is None

            server.start()  # same port; the append-only file (appendfsync always) brings the data back
            replay = send(b, before)
            assert replay[0] == 401 and problem(replay) == "nonce_used"
            status, _, body = send(b, whoami(client))
            assert status == 200 and '"user": "alice"' in body
            status, _, body = send(a, whoami(access(b, a)))
            assert status == 200, body

            assert a.stop() == 0 and b.stop() == 0
            assert "Traceback" not in a.stderr + b.stderr


def test_serve_refuses_to_start_without_redis() -> None:
    from redis_fixture import free_port

    with pytest.raises(AssertionError, match="serve did not start") as info:
        serve(f"redis://127.0.0.1:{free_port()}/0")
    assert "cannot open the store" in str(info.value) and "the Redis store is unavailable" in str(info.value)
