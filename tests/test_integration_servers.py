"""The three examples of docs/examples under real gunicorn and uvicorn, 2 workers each, with the
SQLite and the Redis store, started with the exact commands of docs/provider.md (a free loopback
port instead of 8000).

For each of the 12 fleets (3 examples x 2 servers x 2 stores): requests-oauthlib (stock) and our
client complete the three legs and call ``/api/whoami``; one signed request raced 12 times at the
fleet is accepted exactly once; a bad signature, an expired timestamp, no signature and a spoofed
``X-Forwarded-Proto`` get the right 4xx with ``WWW-Authenticate``; a worker killed with SIGKILL
mid-run loses nothing that was acknowledged (every issued token is still pending, every accepted
nonce is still recorded). Two more fleets behind a (simulated) proxy: OAUTH1CORE_TRUSTED_PROXIES
and OAUTH1CORE_BASE_URL make the public https URI the one verified, end to end."""

from __future__ import annotations

import http.client
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl, quote

import pytest
from redis_fixture import free_port, unique_prefix
from requests_oauthlib import OAuth1Session
from store_suite import http_call as raw_call
from store_suite import race

from oauth1core.client import Client, SignedRequest

pytestmark = [pytest.mark.slow, pytest.mark.peers]

ROOT = Path(__file__).resolve().parent.parent
KEY, SECRET, USER, PASSWORD = "fleet-app", "fleet-secret", "alice", "wonderland"
REALM = 'OAuth realm="oauth1core"'
Answer = Tuple[int, Dict[str, str], str]


def documented_commands() -> Dict[Tuple[str, str], List[str]]:
    """(example, server) -> argv, from the gunicorn/uvicorn lines of docs/provider.md's block of commands."""
    text = (ROOT / "docs" / "provider.md").read_text(encoding="utf-8")
    block = text.split("# sketch: tests/test_integration_servers.py runs each command below", 1)[1].split("```", 1)[0]
    commands: Dict[Tuple[str, str], List[str]] = {}
    for line in re.findall(r"^(?:gunicorn|uvicorn) .*$", block, flags=re.MULTILINE):
        argv = shlex.split(line)
        example = re.search(r"(flask|django|fastapi)_provider:", line)
        assert example is not None, line
        commands[(example.group(1), argv[0])] = argv
    assert len(commands) == 6, sorted(commands)
    return commands


COMMANDS = documented_commands()
FLEETS = [(example, server, store) for (example, server) in sorted(COMMANDS) for store in ("sqlite", "redis")]


def _children(pid: int) -> List[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            state, parent = stat.rpartition(")")[2].split()[:2]
            if int(parent) == pid and state != "Z" and b"resource_tracker" not in cmdline:
                found.append(int(entry))
    return found


class Fleet:
    """One documented command on a free port, in its own session (stopped as a group)."""

    def __init__(self, argv: List[str], env: Dict[str, str], log: Path) -> None:
        self.port = free_port()
        binary = Path(sys.executable).parent / argv[0]
        self.argv = [str(binary)] + [arg.replace("8000", str(self.port)) for arg in argv[1:]]
        self.url = f"http://127.0.0.1:{self.port}"
        self.public = self.url  # the address clients sign for
        self.forwarded: Dict[str, str] = {}  # what a proxy in front would add
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(self.argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if http_call(urllib.request.Request(self.url + "/api/whoami"))[0] == 400 and len(self.workers()) == 2:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.close()
        pytest.fail(f"{' '.join(self.argv)} did not start:\n{self.log.read_text(errors='replace')[-2000:]}")

    def workers(self) -> List[int]:
        return _children(self.process.pid)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)


def start(request: Any, tmp_path_factory: Any, example: str, server: str, store: str, **settings: str) -> Fleet:
    """The documented command of ``(example, server)`` with ``store`` and the settings given."""
    directory = tmp_path_factory.mktemp(f"{example}-{server}-{store}")
    if store == "sqlite":
        store_url = f"sqlite:{directory / 'provider.db'}"
    else:
        store_url = f"{request.getfixturevalue('redis_server').url}?prefix={unique_prefix()}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OAUTH1CORE_", "WEB_CONCURRENCY"))}
    env.update(OAUTH1CORE_CONSUMERS=f"{KEY}:{SECRET}", OAUTH1CORE_USERS=f"{USER}:{PASSWORD},bob:builder",
               OAUTH1CORE_STORE=store_url, PYTHONPATH=str(ROOT), NO_PROXY="*", **settings)
    return Fleet(COMMANDS[(example, server)], env, directory / "server.log")


@pytest.fixture(scope="module", params=FLEETS, ids=["-".join(fleet) for fleet in FLEETS])
def fleet(request: Any, tmp_path_factory: Any) -> Iterator[Fleet]:
    running = start(request, tmp_path_factory, *request.param)
    try:
        yield running
    finally:
        running.close()


from redis_fixture import redis_server  # noqa: E402,F401 - a fixture, used through getfixturevalue


def http_call(request: urllib.request.Request) -> Answer:
    """:func:`store_suite.http_call` with header names in lower case (uvicorn sends them so)."""
    status, headers, body = raw_call(request)
    return status, {name.lower(): value for name, value in headers.items()}, body


def send(fleet: Fleet, request: SignedRequest, extra: Optional[Dict[str, str]] = None, *,
         forwarded: bool = True) -> Answer:
    """Send ``request`` to the fleet (over http, whatever it was signed for), with the headers a
    proxy in front would add (``fleet.forwarded``) unless ``forwarded=False``."""
    body = request.body.encode() if isinstance(request.body, str) else request.body
    if request.method == "POST" and body is None:
        body = b""
    headers = {**request.headers, **(fleet.forwarded if forwarded else {}), **(extra or {})}
    wire = urllib.request.Request(fleet.url + "/" + request.uri.split("/", 3)[3], data=body, method=request.method,
                                  headers=headers)
    return http_call(wire)


def problem(answer: Answer) -> str:
    return dict(parse_qsl(answer[2])).get("oauth_problem", "")


def approve(fleet: Fleet, token: str) -> Answer:
    """The resource owner logs in on the example's own page and approves."""
    status, _, page = http_call(urllib.request.Request(f"{fleet.url}/oauth/authorize?oauth_token={quote(token)}"))
    assert status == 200 and KEY in page and 'name="password"' in page, page
    form = f"oauth_token={quote(token)}&username={USER}&password={PASSWORD}&decision=approve".encode()
    return http_call(urllib.request.Request(f"{fleet.url}/oauth/authorize", data=form, method="POST",
                                            headers={"Content-Type": "application/x-www-form-urlencoded"}))


def our_client(fleet: Fleet) -> Client:
    """The three legs with our client (oob: the verifier is read from the page)."""
    client = Client(KEY, SECRET, callback="oob")
    status, _, body = send(fleet, client.sign("POST", fleet.public + "/oauth/request_token"))
    assert status == 200, body
    temporary = dict(parse_qsl(body))
    assert temporary["oauth_callback_confirmed"] == "true"
    status, _, page = approve(fleet, temporary["oauth_token"])
    match = re.search(r'id="oauth_verifier">([^<]+)<', page)
    assert status == 200 and match is not None, page
    client = client.replace(callback=None, token=temporary["oauth_token"],
                            token_secret=temporary["oauth_token_secret"], verifier=match.group(1))
    status, _, body = send(fleet, client.sign("POST", fleet.public + "/oauth/access_token"))
    assert status == 200, body
    credentials = dict(parse_qsl(body))
    return client.replace(token=credentials["oauth_token"], token_secret=credentials["oauth_token_secret"], verifier=None)


def whoami(fleet: Fleet, client: Client) -> SignedRequest:
    return client.sign("GET", fleet.public + "/api/whoami")


def test_our_client_completes_the_three_legs(fleet: Fleet) -> None:
    status, headers, body = send(fleet, whoami(fleet, our_client(fleet)))
    assert status == 200, body
    assert headers["content-type"].startswith("application/json")
    assert __import__("json").loads(body) == {"user": USER, "consumer_key": KEY}


def test_requests_oauthlib_completes_the_three_legs(fleet: Fleet) -> None:
    session = OAuth1Session(KEY, client_secret=SECRET, callback_uri="http://127.0.0.1:9/callback")
    session.trust_env = False
    temporary = session.fetch_request_token(fleet.url + "/oauth/request_token")
    status, headers, _ = approve(fleet, temporary["oauth_token"])
    assert status == 302 and headers["location"].startswith("http://127.0.0.1:9/callback?"), headers
    session.parse_authorization_response(headers["location"])
    session.fetch_access_token(fleet.url + "/oauth/access_token")
    response = session.get(fleet.url + "/api/whoami")
    assert response.status_code == 200 and response.json() == {"user": USER, "consumer_key": KEY}
    # a wrong password gets the application's own page again (403), and approves nothing
    session = OAuth1Session(KEY, client_secret=SECRET, callback_uri="oob")
    session.trust_env = False
    temporary = session.fetch_request_token(fleet.url + "/oauth/request_token")
    form = f"oauth_token={quote(temporary['oauth_token'])}&username={USER}&password=guess&decision=approve"
    status, _, page = http_call(urllib.request.Request(f"{fleet.url}/oauth/authorize", data=form.encode(), method="POST",
                                                       headers={"Content-Type": "application/x-www-form-urlencoded"}))
    assert status == 403 and "Wrong user name or password." in page
    assert 'id="oauth_verifier"' in approve(fleet, temporary["oauth_token"])[2]


def test_a_replay_raced_at_the_fleet_is_accepted_once(fleet: Fleet) -> None:
    request = whoami(fleet, our_client(fleet))
    answers = race(12, lambda _: send(fleet, request))
    assert all(isinstance(answer, tuple) for answer in answers), answers
    assert sorted(answer[0] for answer in answers) == [200] + [401] * 11
    assert {problem(answer) for answer in answers if answer[0] == 401} == {"nonce_used"}


def test_refusals_get_the_right_4xx_with_a_challenge(fleet: Fleet) -> None:
    client = our_client(fleet)
    good = whoami(fleet, client)
    forged = re.sub(r'oauth_signature="[^"]+"', 'oauth_signature="AAAA"', good.headers["Authorization"])
    expired = client.sign("GET", fleet.url + "/api/whoami", timestamp=int(time.time()) - 3600)
    https = client.sign("GET", fleet.url.replace("http://", "https://") + "/api/whoami")
    cases = [
        (send(fleet, good, {"Authorization": forged}), 401, "signature_invalid"),
        (send(fleet, expired), 401, "timestamp_refused"),
        (http_call(urllib.request.Request(fleet.url + "/api/whoami")), 400, "parameter_absent"),
        # the servers' own proxy handling is off: a client's X-Forwarded-Proto changes nothing
        (send(fleet, https, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}), 401, "signature_invalid"),
    ]
    for answer, status, expected in cases:
        assert (answer[0], problem(answer)) == (status, expected), answer
        assert answer[1]["www-authenticate"] == f'{REALM}, oauth_problem="{expected}"'
    assert send(fleet, good)[0] == 200  # none of the refusals consumed the good request's nonce


def test_a_worker_killed_mid_run_loses_nothing_acknowledged(fleet: Fleet) -> None:
    client = our_client(fleet)
    tokens: List[str] = []
    accepted: List[SignedRequest] = []
    failures: List[BaseException] = []
    stop = threading.Event()

    def work(_: int) -> None:
        while not stop.is_set():
            try:
                status, _, body = send(fleet, Client(KEY, SECRET, callback="oob").sign(
                    "POST", fleet.url + "/oauth/request_token"))
                if status == 200:
                    tokens.append(dict(parse_qsl(body))["oauth_token"])
                request = whoami(fleet, client)
                if send(fleet, request)[0] == 200:
                    accepted.append(request)
            except (OSError, http.client.HTTPException) as exc:  # in flight on the killed worker
                failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    try:
        _wait_until(lambda: len(tokens) >= 8)
        victim = fleet.workers()[0]
        os.kill(victim, signal.SIGKILL)
        before = len(tokens)
        _wait_until(lambda: len(tokens) >= before + 8)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert victim not in fleet.workers()
    for token in tokens:  # every issued token is still there, pending
        status, _, page = http_call(urllib.request.Request(f"{fleet.url}/oauth/authorize?oauth_token={quote(token)}"))
        assert status == 200 and 'name="oauth_token"' in page, (token, page)
    for request in accepted:  # every accepted nonce is still recorded
        answer = send(fleet, request)
        assert (answer[0], problem(answer)) == (401, "nonce_used")
    assert len(accepted) >= 8


def _wait_until(condition: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)



# -- behind a reverse proxy: the settings of docs/provider.md, end to end -----------------------------------

PUBLIC = "https://api.example.com"
PROXIED = [("flask", "gunicorn", "OAUTH1CORE_TRUSTED_PROXIES", "127.0.0.1"),
           ("fastapi", "uvicorn", "OAUTH1CORE_BASE_URL", PUBLIC)]


@pytest.fixture(scope="module", params=PROXIED, ids=[f"{example}-{server}-{setting[11:].lower()}"
                                                     for example, server, setting, _ in PROXIED])
def proxied(request: Any, tmp_path_factory: Any) -> Iterator[Fleet]:
    example, server, setting, value = request.param
    running = start(request, tmp_path_factory, example, server, "sqlite", **{setting: value})
    running.public = PUBLIC
    if setting == "OAUTH1CORE_TRUSTED_PROXIES":  # the test plays nginx, on loopback
        running.forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com"}
    try:
        yield running
    finally:
        running.close()


def test_behind_a_proxy_the_public_uri_is_verified(proxied: Fleet) -> None:
    client = our_client(proxied)  # every leg signed for https://api.example.com, sent to the backend
    answer = send(proxied, whoami(proxied, client))
    assert answer[0] == 200, answer
    # signed for the backend's own address: not what the setting says the public one is
    answer = send(proxied, client.sign("GET", proxied.url + "/api/whoami"))
    assert (answer[0], problem(answer)) == (401, "signature_invalid")
    direct = send(proxied, client.sign("GET", proxied.url + "/api/whoami"), forwarded=False)
    if proxied.forwarded:  # trusted proxies: without forwarding headers, the request as received
        assert direct[0] == 200, direct
    else:  # a fixed base URL: always the public address
        assert problem(direct) == "signature_invalid"
