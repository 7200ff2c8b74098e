"""The consumer commands check before they act (one line, exit 2, no traceback, no provider-style
suffix on a local mistake), ``sign`` warns about empty secrets and shows its steps with ``-v``,
``request`` takes its credentials from options, the environment or a hand-written file. One
``serve`` process; about 2 s."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from store_suite import ServeProcess

from oauth1core.cli import main

SECRET = "checks-secret-value"
KEY = "checks-app"


@pytest.fixture(autouse=True)
def _no_credentials_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OAUTH_CLIENT_KEY", "OAUTH_CONSUMER_KEY", "OAUTH_CLIENT_SECRET", "OAUTH_CONSUMER_SECRET",
                 "OAUTH_TOKEN", "OAUTH_TOKEN_SECRET"):
        monkeypatch.delenv(name, raising=False)


def _fails(argv: List[str], message: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err and "HTTP 400" not in err and "RFC 5849 section" not in err
    return err


@pytest.mark.parametrize("argv,message", [
    (["sign", "GE T", "http://sp.example/", "--client-key", "k"], "'GE T' is not an HTTP method"),
    (["sign", "GET", "ftp://sp.example/", "--client-key", "k"], "absolute http(s) URL"),
    (["sign", "GET", "/photos", "--client-key", "k"], "absolute http(s) URL"),
    (["sign", "GET", "http://sp.example:99999/", "--client-key", "k"], "not a valid URL"),
    (["sign", "GET", "http://sp.example/", "--client-key", "k", "--callback", "cb"], "absolute URI"),
    (["sign", "GET", "http://sp.example/", "--client-key", "k", "--signature-method", "hmac-sha1"],
     "case-sensitive: 'HMAC-SHA1'?"),
    (["request", "GE T", "http://sp.example/", "--client-key", "k"], "not an HTTP method"),
    (["request", "GET", "file:///etc/passwd", "--client-key", "k"], "absolute http(s) URL"),
    (["authorize", "--client-key", "k", "--request-token-url", "ftp://sp.example/rt", "--access-token-url",
      "http://sp.example/at"], "--request-token-url must be an absolute http(s) URL"),
    (["authorize", "--client-key", "k", "--provider", "x", "--callback", "/callback"], "'oob' or an absolute URI"),
    (["serve", "--port", "70000", "--consumer", "a:b"], "--port must be 1-65535"),
    (["serve", "--consumer", "a:b", "--consumer", "a:c"], "the same client key is given twice"),
])
def test_local_mistakes_are_one_line(argv: List[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    _fails(argv, message, capsys)


def test_unwritable_output_is_refused_before_the_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Checked before any request: the endpoints below do not answer (port 9 on loopback), so a
    check made after the first leg would report the network instead."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    endpoints = ["--request-token-url", "http://127.0.0.1:9/rt", "--access-token-url", "http://127.0.0.1:9/at",
                 "--no-proxy"]
    _fails(["authorize", "--client-key", "k", *endpoints, "--output", str(blocker / "creds.json")],
           "is not a writable directory", capsys)
    _fails(["authorize", "--client-key", "k", *endpoints, "--output", str(tmp_path)], "it is a directory", capsys)


def test_a_malformed_rsa_key_is_a_local_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    _fails(["authorize", "--client-key", "k", "--request-token-url", "http://127.0.0.1:9/rt", "--access-token-url",
            "http://127.0.0.1:9/at", "--signature-method", "RSA-SHA1", "--rsa-key-file", str(key)], "malformed PEM", capsys)


def test_sign_warns_about_empty_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sign", "GET", "http://sp.example/", "--client-key", "k", "--token", "t"]) == 0
    err = capsys.readouterr().err
    assert "warning: client-secret-empty: signing HMAC-SHA1 with an empty client secret" in err
    assert "warning: token-secret-missing: --token without a token secret" in err
    assert main(["sign", "GET", "http://sp.example/", "--client-key", "k", "--client-secret", "s", "--token", "t",
                 "--token-secret", "u"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_sign_verbose_shows_every_step_with_secrets_masked(capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTH_CLIENT_SECRET", "kd94hf93k423kf44")
    monkeypatch.setenv("OAUTH_TOKEN_SECRET", "pfkkdhi9sl3r4s00")
    argv = ["sign", "GET", "http://photos.example.net/photos?file=vacation.jpg&size=original", "--client-key",
            "dpf43f3p2l4k3l03", "--token", "nnch734d00sl2jdk", "--nonce", "kllo9940pd9333jh", "--timestamp",
            "1191242096", "--realm", "Photos", "-v"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "kd94hf93k423kf44" not in out + err and "pfkkdhi9sl3r4s00" not in out + err
    lines = err.splitlines()
    assert lines[0] == "parameters (sorted, encoded, section 3.4.1.3):"
    assert lines[1:9] == ["  file=vacation.jpg", "  oauth_consumer_key=dpf43f3p2l4k3l03", "  oauth_nonce=kllo9940pd9333jh",
                          "  oauth_signature_method=HMAC-SHA1", "  oauth_timestamp=1191242096",
                          "  oauth_token=nnch734d00sl2jdk", "  oauth_version=1.0", "  size=original"]
    assert "key (3.4.2): ***(16 chars)&***(16 chars)" in err
    # The example of the OAuth 1.0 guide (the same credentials): its published signature.
    assert "signature (HMAC-SHA1): tR3+Ty81lMeYAr/Fid0kMTYa/WM=" in err
    assert out.startswith('Authorization: OAuth realm="Photos"') and f"Authorization: {out.split(': ', 1)[1]}" in err


# -- request: credentials from options, the environment, a hand-written file -------------------------


@pytest.fixture(scope="module")
def tokens() -> Iterator[Dict[str, str]]:
    """Token credentials from ``serve``, through the standard-library flow (this module also runs
    under PyPy, with no third-party package)."""
    from peer_providers import _no_redirect_get

    from oauth1core import Client
    from oauth1core.flow import Endpoints, ThreeLeggedFlow
    from oauth1core.transport import UrllibTransport, obtain_temporary_credentials, obtain_token_credentials

    with ServeProcess("--consumer", f"{KEY}:{SECRET}", "--auto-approve", "alice") as server:
        base = server.url + "/oauth/"
        flow = ThreeLeggedFlow(Client(KEY, SECRET), Endpoints(base + "request_token", base + "authorize",
                                                              base + "access_token"), callback="http://127.0.0.1:9/cb")
        transport = UrllibTransport(proxies={})
        state = obtain_temporary_credentials(flow, transport)
        _, headers, _ = _no_redirect_get(flow.authorization_url(state))
        credentials = obtain_token_credentials(flow, flow.parse_callback(state, dict(headers)["location"]), transport)
        yield {"url": server.url + "/api/whoami", "oauth_token": credentials.token,
               "oauth_token_secret": credentials.token_secret}


def _whoami(argv: List[str], capsys: pytest.CaptureFixture[str]) -> Dict[str, str]:
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_request_with_a_hand_written_file(tokens: Dict[str, str], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"consumer_key": KEY, "consumer_secret": SECRET, "token": tokens["oauth_token"],
                                "token_secret": tokens["oauth_token_secret"]}))
    argv = ["request", "GET", tokens["url"], "--credentials", str(path), "--no-proxy"]
    assert _whoami(argv, capsys) == {"user": "alice", "consumer_key": KEY}
    # An option takes precedence over the file: a wrong token secret is refused (exit 1).
    assert main([*argv, "--token-secret", "wrong"]) == 1
    assert "signature_invalid" in capsys.readouterr().out


def test_request_with_options_and_environment(tokens: Dict[str, str], capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no default credentials file
    argv = ["request", "GET", tokens["url"], "--no-proxy", "--client-key", KEY, "--token", tokens["oauth_token"]]
    monkeypatch.setenv("OAUTH_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("OAUTH_TOKEN_SECRET", tokens["oauth_token_secret"])
    assert _whoami(argv, capsys)["user"] == "alice"
    monkeypatch.setenv("OAUTH_CLIENT_KEY", KEY)
    monkeypatch.setenv("OAUTH_TOKEN", tokens["oauth_token"])
    assert _whoami(["request", "GET", tokens["url"], "--no-proxy"], capsys)["consumer_key"] == KEY
    # A default file, when there is one, wins over a client key from the environment alone.
    default = tmp_path / "oauth1core" / "credentials.json"
    default.parent.mkdir()
    default.write_text(json.dumps({"client_key": KEY, "client_secret": SECRET, "token": tokens["oauth_token"],
                                   "token_secret": "wrong"}))
    assert main(["request", "GET", tokens["url"], "--no-proxy"]) == 1
    assert "signature_invalid" in capsys.readouterr().out
