"""``python -m oauth1core serve`` as a real process: the three-legged flow over HTTP with the
library's client and urllib adapter, the login page, the options, the logs, and a clean stop."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest
from store_suite import ROOT, ServeProcess, http_call

from oauth1core.adapters.urllib import sign_request
from oauth1core.client import Client
from oauth1core.parameters import encode_form

Answer = Tuple[int, Dict[str, str], str]
call = http_call


def post_form(url: str, pairs: Dict[str, str]) -> Answer:
    return call(urllib.request.Request(url, data=encode_form(pairs.items()).encode(), method="POST",
                                       headers={"Content-Type": "application/x-www-form-urlencoded"}))


def request_token(base: str, client: Client) -> Dict[str, str]:
    status, headers, body = call(sign_request(client, urllib.request.Request(base + "/oauth/request_token",
                                                                             method="POST")))
    assert status == 200, body
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    values = dict(parse_qsl(body))
    assert values["oauth_callback_confirmed"] == "true"
    return values


def exchange(base: str, client: Client, temporary: Dict[str, str], verifier: str) -> Tuple[Client, Answer]:
    client = client.replace(callback=None, token=temporary["oauth_token"],
                            token_secret=temporary["oauth_token_secret"], verifier=verifier)
    answer = call(sign_request(client, urllib.request.Request(base + "/oauth/access_token", method="POST")))
    return client, answer


def whoami(base: str, client: Client) -> Tuple[urllib.request.Request, Answer]:
    request = sign_request(client, urllib.request.Request(base + "/api/whoami"))
    return request, call(request)


def test_flow_with_the_login_page(tmp_path: Path) -> None:
    with ServeProcess("--consumer", "photo-app:app-secret", "--user", "alice:wonderland",
                      "--store", f"sqlite:{tmp_path / 'p.db'}", "--realm", "Photos") as server:
        base = server.url
        client = Client("photo-app", "app-secret", callback="http://127.0.0.1:9/cb?from=test")
        temporary = request_token(base, client)

        page_url = f"{base}/oauth/authorize?oauth_token={temporary['oauth_token']}"
        status, headers, page = call(urllib.request.Request(page_url))
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["Cache-Control"] == "no-store"
        assert 'name="password"' in page and "photo-app" in page and temporary["oauth_token"] in page

        decision = {"oauth_token": temporary["oauth_token"], "username": "alice", "password": "wrong",
                    "decision": "approve"}
        status, _, page = post_form(base + "/oauth/authorize", decision)
        assert status == 403 and "Wrong user name or password" in page
        status, _, _ = post_form(base + "/oauth/authorize", dict(decision, username="nobody"))
        assert status == 403
        status, headers, _ = post_form(base + "/oauth/authorize", dict(decision, password="wonderland"))
        assert status == 302
        location = urlsplit(headers["Location"])
        assert location.netloc == "127.0.0.1:9" and location.path == "/cb"
        returned = parse_qsl(location.query)
        assert returned[0] == ("from", "test") and returned[1] == ("oauth_token", temporary["oauth_token"])
        verifier = dict(returned)["oauth_verifier"]

        client, (status, _, body) = exchange(base, client, temporary, verifier)
        assert status == 200, body
        access = dict(parse_qsl(body))
        client = client.replace(token=access["oauth_token"], token_secret=access["oauth_token_secret"], verifier=None)
        request, (status, headers, body) = whoami(base, client)
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"user": "alice", "consumer_key": "photo-app"}

        status, headers, body = call(request)
        assert status == 401
        assert headers["WWW-Authenticate"] == 'OAuth realm="Photos", oauth_problem="nonce_used"'
        assert dict(parse_qsl(body))["oauth_problem"] == "nonce_used"

        # The decision is taken once; the exchange happens once.
        status, _, _ = post_form(base + "/oauth/authorize", dict(decision, password="wonderland"))
        assert status == 401
        _, (status, headers, _) = exchange(base, client, temporary, verifier)
        assert status == 401 and 'oauth_problem="token_used"' in headers["WWW-Authenticate"]
        assert server.stop() == 0

    # The SQLite store keeps the access token across a restart.
    with ServeProcess("--consumer", "photo-app:app-secret", "--store", f"sqlite:{tmp_path / 'p.db'}") as server:
        _, (status, _, body) = whoami(server.url, client)
        assert status == 200 and json.loads(body)["user"] == "alice"


def test_auto_approve_and_oob(tmp_path: Path) -> None:
    with ServeProcess("--consumer", "k:s", "--auto-approve", "bob") as server:
        client = Client("k", "s", callback="oob")
        temporary = request_token(server.url, client)
        status, _, page = call(urllib.request.Request(
            f"{server.url}/oauth/authorize?oauth_token={temporary['oauth_token']}"))
        assert status == 200
        match = re.search(r'id="oauth_verifier">([^<]+)<', page)
        assert match is not None
        client, (status, _, body) = exchange(server.url, client, temporary, match.group(1))
        assert status == 200
        access = dict(parse_qsl(body))
        client = client.replace(token=access["oauth_token"], token_secret=access["oauth_token_secret"], verifier=None)
        _, (status, _, body) = whoami(server.url, client)
        assert json.loads(body) == {"user": "bob", "consumer_key": "k"}


def test_auto_approve_redirects_to_the_callback() -> None:
    with ServeProcess("--consumer", "k:s", "--auto-approve", "bob") as server:
        client = Client("k", "s", callback="https://client.example/done")
        temporary = request_token(server.url, client)
        status, headers, _ = call(urllib.request.Request(
            f"{server.url}/oauth/authorize?oauth_token={temporary['oauth_token']}"))
        assert status == 302 and headers["Location"].startswith("https://client.example/done?oauth_token=")


def test_deny() -> None:
    with ServeProcess("--consumer", "k:s", "--user", "alice:pw") as server:
        client = Client("k", "s", callback="oob")
        temporary = request_token(server.url, client)
        status, _, page = post_form(server.url + "/oauth/authorize", {
            "oauth_token": temporary["oauth_token"], "username": "alice", "password": "pw", "decision": "deny"})
        assert status == 200 and "denied" in page
        _, (status, headers, _) = exchange(server.url, client, temporary, "anything")
        assert status == 401 and 'oauth_problem="permission_denied"' in headers["WWW-Authenticate"]


def test_registered_callbacks_and_window() -> None:
    with ServeProcess("--consumer", "k:s", "--callback", "https://client.example/cb", "--timestamp-window", "5",
                      "--auto-approve", "bob") as server:
        status, headers, body = call(sign_request(Client("k", "s", callback="https://client.example/other"),
                                                  urllib.request.Request(server.url + "/oauth/request_token",
                                                                         method="POST")))
        assert status == 400 and 'oauth_problem="parameter_rejected"' in headers["WWW-Authenticate"]
        assert dict(parse_qsl(body))["oauth_parameters_rejected"] == "oauth_callback"
        request_token(server.url, Client("k", "s", callback="https://client.example/cb"))
        request_token(server.url, Client("k", "s", callback="oob"))
        late = Client("k", "s", callback="oob", clock_offset=-10)
        status, headers, body = call(sign_request(late, urllib.request.Request(server.url + "/oauth/request_token",
                                                                               method="POST")))
        assert status == 401 and 'oauth_problem="timestamp_refused"' in headers["WWW-Authenticate"]
        low, high = map(int, dict(parse_qsl(body))["oauth_acceptable_timestamps"].split("-"))
        assert high - low == 10 and low <= time.time() <= high + 1


@pytest.mark.peers
def test_rsa_consumer(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    (tmp_path / "app.pem").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    with ServeProcess("--rsa-consumer", f"rsa-app:{tmp_path / 'app.pem'}", "--auto-approve", "carol") as server:
        client = Client("rsa-app", signature_method="RSA-SHA256", rsa_key=private, callback="oob")
        temporary = request_token(server.url, client)
        _, _, page = call(urllib.request.Request(f"{server.url}/oauth/authorize?oauth_token={temporary['oauth_token']}"))
        match = re.search(r'id="oauth_verifier">([^<]+)<', page)
        assert match is not None
        client, (status, _, body) = exchange(server.url, client, temporary, match.group(1))
        access = dict(parse_qsl(body))
        client = client.replace(token=access["oauth_token"], token_secret=access["oauth_token_secret"], verifier=None)
        _, (status, _, body) = whoami(server.url, client)
        assert json.loads(body) == {"user": "carol", "consumer_key": "rsa-app"}
        # An HMAC request from this consumer (which has no shared secret) is refused.
        status, headers, _ = call(sign_request(Client("rsa-app", "", callback="oob"), urllib.request.Request(
            server.url + "/oauth/request_token", method="POST")))
        assert status == 400 and 'oauth_problem="signature_method_rejected"' in headers["WWW-Authenticate"]


def test_routes_and_methods() -> None:
    with ServeProcess("--consumer", "k:s") as server:
        status, _, _ = call(urllib.request.Request(server.url + "/nothing-here"))
        assert status == 404
        status, headers, _ = call(urllib.request.Request(server.url + "/oauth/access_token"))
        assert status == 405 and headers["Allow"] == "POST, OPTIONS"
        status, headers, body = call(urllib.request.Request(server.url + "/api/whoami"))
        assert status == 400 and headers["WWW-Authenticate"] == (
            'OAuth realm="oauth1core", oauth_problem="parameter_absent"')
        assert headers["Content-Type"] == "text/plain; charset=utf-8"


def test_logs_hold_no_query_and_no_secret() -> None:
    server = ServeProcess("--consumer", "k:very-secret-value", "--auto-approve", "bob", quiet=False)
    try:
        client = Client("k", "very-secret-value", callback="oob", placement="query")
        temporary = request_token(server.url, client)
        call(urllib.request.Request(f"{server.url}/oauth/authorize?oauth_token={temporary['oauth_token']}"))
        call(urllib.request.Request(server.url + "/api/whoami?oauth_signature=PLAINTEXTSECRET"))
    finally:
        assert server.stop() == 0
    log = server.stderr
    assert "POST /oauth/request_token 200" in log and "GET /oauth/authorize 200" in log
    for secret in ("very-secret-value", temporary["oauth_token_secret"], temporary["oauth_token"], "PLAINTEXTSECRET",
                   "oauth_signature"):
        assert secret not in log


def test_sigint_stops_cleanly() -> None:
    server = ServeProcess("--consumer", "k:s")
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=30) == 0
    assert server.stop() == 0
    assert "stopped" in server.stderr


def _run(*args: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run([sys.executable, "-m", "oauth1core", "serve", "--port", "0", *args], cwd=str(ROOT),
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args,message", [
    ((), "at least one --consumer"),
    (("--consumer", "no-colon"), "NAME:VALUE"),
    (("--consumer", "k:"), "the secret is empty"),
    (("--consumer", "k:s", "--store", "postgres://x"), "unknown store"),
    (("--consumer", "k:s", "--store", "sqlite:/nonexistent-folder/x.db"), "cannot open"),
    (("--rsa-consumer", "k:/nonexistent.pem"), "cannot read"),
    (("--consumer", "k:s", "--base-url", "https://host/with/path"), "base_url"),
    (("--consumer", "k:s", "--user", "nopassword"), "NAME:VALUE"),
    (("--consumer", "k:s", "--user", "mallory:"), "the password is empty"),
    (("--consumer", "k:s", "--tolerate", "anything"), "unknown tolerance"),
])
def test_option_errors(args: Tuple[str, ...], message: str) -> None:
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_store_password_is_never_printed() -> None:
    # Nothing listens on port 1: the store cannot open, and the message must not carry the password.
    result = _run("--consumer", "k:s", "--store", "redis://:hunter2@127.0.0.1:1/0?password=hunter3")
    assert result.returncode == 2 and "cannot open the store" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout and "hunter3" not in result.stderr + result.stdout
    assert "redis://:***@127.0.0.1:1/0?password=***" in result.stderr


def test_mask_url() -> None:
    from oauth1core.stores import mask_url

    assert mask_url("rediss://:hunter2@h:6380/0") == "rediss://:***@h:6380/0"
    assert mask_url("redis://user:pw@h/0?prefix=x&password=pw") == "redis://user:***@h/0?prefix=x&password=***"
    assert mask_url("redis+unix:///run/redis.sock?db=1&password=hunter2") == "redis+unix:///run/redis.sock?db=1&password=***"
    assert mask_url("sqlite:/var/db/p.db") == "sqlite:/var/db/p.db"
    assert mask_url("memory") == "memory"


def test_bad_rsa_key_file(tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    result = _run("--rsa-consumer", f"k:{tmp_path / 'bad.pem'}")
    assert result.returncode == 2 and "invalid consumer" in result.stderr and "Traceback" not in result.stderr


def test_port_in_use() -> None:
    with ServeProcess("--consumer", "k:s") as server:
        port = urlsplit(server.url).port
        result = subprocess.run([sys.executable, "-m", "oauth1core", "serve", "--port", str(port), "--consumer", "k:s"],
                                cwd=str(ROOT), capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and "cannot listen" in result.stderr


def test_help() -> None:
    result = subprocess.run([sys.executable, "-m", "oauth1core", "serve", "--help"], cwd=str(ROOT),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for option in ("--consumer", "--rsa-consumer", "--user", "--auto-approve", "--store", "--timestamp-window",
                   "--realm", "--callback"):
        assert option in result.stdout

