"""``probe`` against real providers, each its own process on a free loopback port.

oauthlib's and Authlib's stock endpoints (default settings, https with a throwaway certificate),
a deliberately lax provider, and ``serve``. The findings asserted here are the ones found by
hand first (docs/audit.md, "What probe found"). Cost: about 5 s (four provider processes, six
probes of about 20 requests each).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from oauth1core.audit.probe import FINDINGS, Check, Target, Variant, build, judge, plan

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from probe_providers import CLIENT_KEY, CLIENT_SECRET, TOKEN, TOKEN_SECRET  # noqa: E402

CREDENTIALS = ["--client-key", CLIENT_KEY, "--client-secret", CLIENT_SECRET, "--token", TOKEN,
               "--token-secret", TOKEN_SECRET]

#: What probe finds in each provider (checked by hand: see docs/audit.md).
EXPECTED = {
    "oauthlib": {"non-ascii-timestamp-accepted", "body-hash-not-verified", "server-error", "unknown-parameter-accepted"},
    "authlib": {"future-timestamp-accepted", "non-ascii-timestamp-accepted", "body-hash-not-verified", "server-error",
                "unknown-parameter-accepted", "unsupported-version-accepted"},
    "lax": {"replay-accepted", "stale-timestamp-accepted", "future-timestamp-accepted", "body-hash-not-verified"},
}


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tuple[str, str]:
    """A throwaway self-signed certificate for 127.0.0.1 (openssl must be installed)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def _start(argv: List[str]) -> Tuple["subprocess.Popen[str]", str]:
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=HERE.parent)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "://127.0.0.1:" in line, line
    return process, "http" + line.split("http", 1)[1].split()[0].rstrip(",")


@contextlib.contextmanager
def _provider(name: str, tls: Optional[Tuple[str, str]] = None) -> Iterator[str]:
    """``tests/probe_providers.py NAME`` as a process; yields the URL of its /whoami."""
    process, url = _start([sys.executable, str(HERE / "probe_providers.py"), name]
                          + (["--cert", tls[0], "--key", tls[1]] if tls else []))
    try:
        yield url + "/whoami"
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(10)


@pytest.fixture(scope="module")
def lax() -> Iterator[str]:
    with _provider("lax") as url:
        yield url


@pytest.fixture(scope="module")
def peers(tls: Tuple[str, str], lax: str) -> Iterator[Dict[str, str]]:
    with _provider("oauthlib", tls) as oauthlib, _provider("authlib", tls) as authlib:
        yield {"oauthlib": oauthlib, "authlib": authlib, "lax": lax}


def probe(url: str, *extra: str) -> Tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "oauth1core", "probe", url, "--delay", "0", *extra],
                          capture_output=True, text=True, timeout=120, cwd=HERE.parent)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.peers
@pytest.mark.parametrize("name", ["oauthlib", "authlib", "lax"])
def test_findings_of_each_provider(name: str, peers: Dict[str, str], tls: Tuple[str, str]) -> None:
    ca = ["--cafile", tls[0]] if name != "lax" else []
    status, out, err = probe(peers[name], "--method", "POST", "--json", *CREDENTIALS, *ca)
    report = json.loads(out)
    assert status == 1, err
    assert {finding["id"] for finding in report["findings"]} == EXPECTED[name]
    assert report["baseline"]["accepted"] is True
    assert report["requests"] == 1 + len([c for c in plan() if not (c.needs_http and name != "lax")])
    for secret in (CLIENT_SECRET, TOKEN_SECRET):
        assert secret not in out and secret not in err
    if name == "lax":
        passed = {entry["check"] for entry in report["passed"]}
        assert {"protocol parameters in the query", "form values that need encoding", "PLAINTEXT over http"} <= passed


def _token_credentials(base: str) -> Tuple[str, str]:
    """The three-legged flow against ``serve --auto-approve alice`` (oauth1core's own flow)."""
    import urllib.request

    from oauth1core import Client
    from oauth1core.flow import Endpoints, ThreeLeggedFlow
    from oauth1core.transport import obtain_temporary_credentials, obtain_token_credentials

    flow = ThreeLeggedFlow(Client(CLIENT_KEY, CLIENT_SECRET), Endpoints(
        base + "/oauth/request_token", base + "/oauth/authorize", base + "/oauth/access_token"))
    state = obtain_temporary_credentials(flow)
    page = urllib.request.urlopen(flow.authorization_url(state), timeout=30).read().decode()
    verifier = page.split('id="oauth_verifier">')[1].split("<")[0]
    token = obtain_token_credentials(flow, flow.enter_verifier(state, verifier))
    return token.token, token.token_secret


def test_serve_gives_no_finding() -> None:
    """Both kinds of endpoint: temporary credentials (with a callback) and a protected resource
    (signed with HMAC-SHA512, its body hash with SHA-512)."""
    process, url = _start([sys.executable, "-m", "oauth1core", "serve", "--port", "0", "--quiet",
                           "--consumer", f"{CLIENT_KEY}:{CLIENT_SECRET}", "--auto-approve", "alice"])
    try:
        token, token_secret = _token_credentials(url)
        outcomes = [probe(url + "/oauth/request_token", "--method", "POST", "--callback", "oob",
                          "--client-key", CLIENT_KEY, "--client-secret", CLIENT_SECRET),
                    probe(url + "/api/whoami", "--method", "POST", "--signature-method", "HMAC-SHA512", "--client-key",
                          CLIENT_KEY, "--client-secret", CLIENT_SECRET, "--token", token, "--token-secret", token_secret)]
    finally:
        process.terminate()
        process.wait(10)
    for status, out, err in outcomes:
        assert status == 0, out + err
        assert out.rstrip().endswith("0 findings")
        assert "skipped" not in out and CLIENT_SECRET not in out and token_secret not in out


def _received(whoami: str) -> int:
    import urllib.request

    return int(urllib.request.urlopen(whoami.replace("/whoami", "/count"), timeout=30).read())


def test_limits_and_refusals(lax: str) -> None:
    before = _received(lax)
    status, out, _ = probe(lax, "--max-requests", "5", "--json", *CREDENTIALS)
    report = json.loads(out)
    assert report["requests"] == 5 and _received(lax) - before == 5  # counted by the provider too
    assert sum("--max-requests 5" in entry["note"] for entry in report["skipped"]) == len(plan()) - 4 - 4
    assert [entry["note"] for entry in report["skipped"]].count("needs a body: probe with --method POST") == 4
    before = _received(lax)
    status, out, err = probe(lax, "--client-key", CLIENT_KEY, "--client-secret", "wrong-secret-123",
                             "--token", TOKEN, "--token-secret", TOKEN_SECRET)
    assert (status, out, _received(lax) - before) == (2, "", 1)
    assert "not accepted (401 signature_invalid: the credentials are wrong" in err and "nothing else was sent" in err
    assert TOKEN_SECRET not in err and "wrong-secret-123" not in err
    status, _, err = probe("ftp://127.0.0.1/x", *CREDENTIALS)
    assert status == 2 and "http:// or https://" in err


def test_checks_are_data() -> None:
    """Sans-I/O: the same variant and nonce build the same octets; the verdicts follow the table."""
    target = Target("http://127.0.0.1:9/r?a=1", "key", "secret", "tok", "tsecret")
    first = build(target, Variant(placement="split"), 1700000000, "n" * 24)
    assert first == build(target, Variant(placement="split"), 1700000000, "n" * 24)
    assert "oauth_nonce=nnnn" in first.url and "oauth_timestamp=1700000000" in first.url
    assert "oauth_nonce" not in dict(first.headers)["Authorization"]
    arabic = build(target, Variant(arabic_digits=True), 1700000000, "n" * 24)
    assert "oauth_timestamp=\"%D9%A1%D9%A7" in dict(arabic.headers)["Authorization"]
    refuse = Check("x", "refuse", "3.3", "replay-accepted")
    accept = Check("y", "accept", "3.5.3", "valid-request-refused")
    verdicts: List[Any] = [judge(refuse, 401).verdict, judge(refuse, 200).finding, judge(refuse, 502).finding,
                           judge(accept, 204).verdict, judge(accept, 400).finding, judge(accept, 400).note]
    assert verdicts == ["pass", "replay-accepted", "server-error", "pass", "valid-request-refused", "y"]
    assert {check.finding for check in plan()} <= set(FINDINGS) and len(FINDINGS) == 14


PAIRS = st.lists(st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=12)), max_size=4)


@settings(max_examples=60, deadline=None)
@given(placement=st.sampled_from(["header", "query", "body"]), form=PAIRS, query=PAIRS,
       realm=st.one_of(st.none(), st.text(alphabet="abc XYZ-/", max_size=10)))
@example(placement="header", form=[("realm", "")], query=[], realm=None)  # a form field named realm is signed
def test_every_built_request_verifies(placement: str, form: List[Tuple[str, str]], query: List[Tuple[str, str]],
                                      realm: Optional[str]) -> None:
    """Round trip: whatever the values, the probe's correct requests verify under oauth1core."""
    from oauth1core.verify import verify_request

    form = [(n, v) for n, v in form if not n.startswith("oauth_")]
    query = [(n, v) for n, v in query if not n.startswith("oauth_")]
    target = Target("https://api.example.com/r", "key", "s3cret+/", "tok", "t0ken&")
    variant = Variant(placement=placement, form=tuple(form), query=tuple(query),
                      realm=realm if placement == "header" else None)
    wire = build(target, variant, 1700000000, "n" * 24)
    verified = verify_request(wire.method, wire.url, dict(wire.headers), wire.body, client_secret="s3cret+/",
                              token_secret="t0ken&")
    assert verified.nonce == "n" * 24 and verified.timestamp == 1700000000
