"""``python -m oauth1core verify | explain | diagnose`` as a user runs them: raw, HAR and option
input, --json, exit statuses 0/1/2, secrets never printed, no traceback on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from oauth1core import Client
from oauth1core.cli.audit import main

ROOT = Path(__file__).resolve().parent.parent
CLIENT_SECRET, TOKEN_SECRET = "cl1ent-s3cret/Xy", "t0ken s3cret+Zq"
SECRETS = ["--client-secret", CLIENT_SECRET, "--token-secret", TOKEN_SECRET]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def run(*args: str, env: Optional[Dict[str, str]] = None, stdin: Optional[bytes] = None) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OAUTH_")}
    environment.update(env or {})
    result = subprocess.run([sys.executable, "-m", "oauth1core", *args], cwd=ROOT, env=environment, input=stdin,
                            capture_output=True, timeout=60)  # fmt: skip
    for secret in (CLIENT_SECRET, TOKEN_SECRET, "cl1ent-s3cret%2FXy", "t0ken%20s3cret%2BZq"):
        assert secret.encode() not in result.stdout + result.stderr
    assert b"Traceback" not in result.stderr
    return result


def raw_request(signed_method: str, uri: str, headers: Dict[str, str], body: str = "") -> bytes:
    scheme_host, _, rest = uri.partition("://")[2].partition("/")
    lines = [f"{signed_method} /{rest} HTTP/1.1", f"Host: {scheme_host}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


@pytest.fixture()
def over_http(tmp_path: Path) -> Path:
    """A request the client signed for http://, captured as https (the default --scheme)."""
    client = Client("ck", CLIENT_SECRET, token="tk", token_secret=TOKEN_SECRET, realm="Example")
    signed = client.sign("POST", "http://api.example.com/1/update.json?include=true", FORM, "status=hello%20there")
    path = tmp_path / "request.http"
    path.write_bytes(raw_request("POST", signed.uri, signed.headers, signed.body or ""))  # type: ignore[arg-type]
    return path


def test_raw_request_valid_with_the_right_scheme(over_http: Path) -> None:
    result = run("verify", str(over_http), "--scheme", "http", *SECRETS)
    assert result.returncode == 0 and result.stdout.startswith(b"valid: the HMAC-SHA1 signature verifies")
    result = run("diagnose", str(over_http), "--scheme", "http", *SECRETS, "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0 and data["valid"] is True and data["findings"] == []


def test_raw_request_diagnosed(over_http: Path) -> None:
    result = run("verify", str(over_http), *SECRETS)
    assert result.returncode == 1 and b"signature_invalid" in result.stdout and b"diagnose" in result.stdout
    result = run("diagnose", str(over_http), *SECRETS)
    assert result.returncode == 1
    text = result.stdout.decode()
    assert "INVALID" in text and "[1] wrong-scheme" in text and "TLS-terminating proxy" in text
    assert "- uri    https%3A%2F%2Fapi.example.com" in text and "+ uri    http%3A%2F%2Fapi.example.com" in text


def test_diagnose_json_shape(over_http: Path) -> None:
    result = run("diagnose", str(over_http), *SECRETS, "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert isinstance(data["valid"], bool) and data["valid"] is False
    for key in ("base_string", "signature", "provided_signature"):
        assert isinstance(data[key], str) and data[key]
    assert data["base_string"].startswith("POST&https%3A%2F%2Fapi.example.com%2F1%2Fupdate.json&")
    assert [f["id"] for f in data["findings"]] == ["wrong-scheme"]
    finding = data["findings"][0]
    assert set(finding) >= {"id", "explanation", "base_string"}
    assert all(isinstance(finding[k], str) for k in ("id", "explanation", "base_string"))
    assert finding["base_string"].startswith("POST&http%3A%2F%2Fapi.example.com")


def test_secrets_from_the_environment_and_from_files(over_http: Path, tmp_path: Path) -> None:
    env = {"OAUTH_CLIENT_SECRET": CLIENT_SECRET, "OAUTH_TOKEN_SECRET": TOKEN_SECRET}
    assert run("verify", str(over_http), "--scheme", "http", env=env).returncode == 0
    (tmp_path / "cs").write_text(CLIENT_SECRET + "\n")
    (tmp_path / "ts").write_text(TOKEN_SECRET + "\n")
    result = run("explain", str(over_http), "--scheme", "http", "--client-secret-file", str(tmp_path / "cs"),
                 "--token-secret-file", str(tmp_path / "ts"))  # fmt: skip
    assert result.returncode == 0 and b"the signature matches" in result.stdout
    assert b"***(18 chars)&***(19 chars)" in result.stdout  # the encoded secrets' lengths


def test_token_secret_missing_from_standard_input() -> None:
    client = Client("ck", CLIENT_SECRET, token="tk")  # the client lost its token secret
    signed = client.sign("GET", "https://api.example.com/x?a=b%20c")
    result = run("diagnose", "-", *SECRETS, "--json", stdin=raw_request("GET", signed.uri, signed.headers))
    assert result.returncode == 1
    assert [f["id"] for f in json.loads(result.stdout)["findings"]] == ["token-secret-missing"]


def _har(tmp_path: Path, requests: List[Dict[str, object]]) -> Path:
    path = tmp_path / "session.har"
    entries = [{"startedDateTime": "2024-01-01T00:00:00Z", "request": r, "response": {"status": 401}} for r in requests]
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}}))
    return path


def test_har_input(tmp_path: Path) -> None:
    client = Client("ck", CLIENT_SECRET, token="tk", token_secret=TOKEN_SECRET, placement="body")
    signed = client.sign("POST", "http://api.example.com/x", FORM, "a=1&b=%21")
    request = {"method": "POST", "url": "https://api.example.com/x", "httpVersion": "HTTP/1.1",
               "headers": [{"name": "Content-Type", "value": FORM["Content-Type"]}],
               "postData": {"mimeType": FORM["Content-Type"], "text": signed.body}}  # fmt: skip
    other = {"method": "GET", "url": "https://api.example.com/logo.png", "headers": []}
    har = _har(tmp_path, [other, request])
    result = run("diagnose", "--har", str(har), *SECRETS, "--json")
    assert result.returncode == 1
    assert [f["id"] for f in json.loads(result.stdout)["findings"]] == ["wrong-scheme"]
    result = run("explain", "--har", str(har), "--entry", "1", *SECRETS)
    assert b"HAR entry 1 of 2" in result.stdout and b"body    b = '!'  -> b=%21" in result.stdout
    result = run("verify", "--har", str(har), "--entry", "0", *SECRETS)
    assert result.returncode == 2 and b"no OAuth protocol parameters" in result.stderr


def test_option_input(tmp_path: Path) -> None:
    client = Client("ck", CLIENT_SECRET, token="tk", token_secret=TOKEN_SECRET)
    signed = client.sign("PUT", "https://api.example.com/items/7?x=1", FORM, "name=caf%C3%A9")
    (tmp_path / "body").write_bytes(b"name=caf%C3%A9")
    args = ["--uri", signed.uri, "--method", "PUT", "-H", "Authorization: " + signed.headers["Authorization"],
            "-H", "Content-Type: application/x-www-form-urlencoded", *SECRETS]  # fmt: skip
    result = run("verify", *args, "--data", "name=caf%C3%A9", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["valid"] is True
    assert run("diagnose", *args, "--data-file", str(tmp_path / "body")).returncode == 0
    result = run("diagnose", *args, "--data", "name=cafe", "--json")  # the body changed after signing
    data = json.loads(result.stdout)
    assert result.returncode == 1 and data["findings"] == [] and "body-not-signed" in data["tried"]


def test_nothing_reproduces_and_it_says_what_it_tried(over_http: Path) -> None:
    result = run("diagnose", str(over_http), "--client-secret", "wrong", "--token-secret", TOKEN_SECRET)
    text = result.stdout.decode()
    assert result.returncode == 1
    assert "No known client mistake reproduces" in text and "tried: token-secret-missing, wrong-scheme" in text


def test_plaintext_is_never_printed(tmp_path: Path) -> None:
    client = Client("ck", CLIENT_SECRET, token="tk", token_secret=TOKEN_SECRET, signature_method="PLAINTEXT")
    signed = client.sign("GET", "https://api.example.com/x")
    path = tmp_path / "plain.http"
    path.write_bytes(raw_request("GET", signed.uri, signed.headers))
    for command in ("verify", "explain", "diagnose"):
        for extra in ([], ["--json"]):
            result = run(command, str(path), *SECRETS, *extra)  # run() checks stdout and stderr
            assert result.returncode == 0, (command, result.stderr)
    result = run("diagnose", str(path), "--client-secret", CLIENT_SECRET, "--json")  # token secret forgotten
    assert result.returncode == 1 and json.loads(result.stdout)["provided_signature"].startswith("***")


def test_every_command_has_help_with_an_example() -> None:
    for command in ("verify", "explain", "diagnose"):
        result = run(command, "--help")
        assert result.returncode == 0 and b"example:" in result.stdout and b"--json" in result.stdout
    assert b"plus-for-space" in run("diagnose", "--help").stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["missing.http"], "cannot read the request file"),
        (["GARBAGE"], "expected a request line"),
        (["NOHOST"], "no Host header"),
        (["NOOAUTH"], "no OAuth protocol parameters"),
        (["--har", "GARBAGE"], "not valid JSON"),
        (["--har", "HAR", "--entry", "5"], "out of range"),
        ([], "give the request one way"),
        (["REQUEST", "--uri", "https://e.com/"], "give the request one way"),
        (["REQUEST", "--entry", "1"], "--entry goes with --har"),
        (["--uri", "e.com/x"], "invalid request URI"),
        (["REQUEST", "-H", "X: y"], "go with --uri"),
        (["--uri", "https://e.com/?oauth_signature=x", "-H", "no colon"], "a header must be 'Name: value'"),
        (["RSA"], "give the client's public key"),
        (["RSA", "--rsa-public-key", "GARBAGE"], "RSA"),
    ],
)
def test_unusable_input_exits_2_with_a_message(tmp_path: Path, args: List[str], message: str) -> None:
    files = {
        "GARBAGE": b"\x00\x01 this is not a request\n",
        "NOHOST": b"GET /x HTTP/1.1\nAccept: */*\n\n",
        "NOOAUTH": b"GET /x HTTP/1.1\nHost: e.com\n\n",
        "REQUEST": b"GET /x?oauth_signature=x HTTP/1.1\nHost: e.com\n\n",
        "HAR": json.dumps({"log": {"entries": [{"request": {"method": "GET", "url": "https://e.com/?oauth_signature=x"}}]}}).encode(),
        "RSA": b'GET /x HTTP/1.1\nHost: e.com\nAuthorization: OAuth oauth_signature_method="RSA-SHA1", oauth_signature="x"\n\n',
    }  # fmt: skip
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    args = [str(tmp_path / a) if a in files else a for a in args]
    for command in ("verify", "explain", "diagnose"):
        result = run(command, *args, *SECRETS)
        if command == "explain" and message == "give the client's public key":
            assert result.returncode == 0  # explain shows the steps it can
            continue
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert result.stderr.startswith(b"oauth1core: ") and message.encode() in result.stderr, result.stderr


def test_a_client_secret_is_required_to_verify(over_http: Path) -> None:
    for command in ("verify", "diagnose"):
        result = run(command, str(over_http))
        assert result.returncode == 2 and b"give the client secret" in result.stderr
    assert run("explain", str(over_http)).returncode == 0


def test_main_dispatches_by_command(over_http: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(over_http), "--scheme", "http", *SECRETS]) == 0
    assert main(["nope"]) == 2
    assert "usage" in capsys.readouterr().err


def test_a_plaintext_signature_in_the_query_is_masked_even_with_short_secrets() -> None:
    # Secrets too short for the last-resort redaction: the URI itself must be shown masked.
    client = Client("ck", "ab", token="tk", token_secret="cd", signature_method="PLAINTEXT", placement="query")
    signed = client.sign("GET", "https://api.example.com/x?q=1")
    assert "oauth_signature=ab%26cd" in signed.uri
    for command in ("explain", "diagnose"):
        for extra in ([], ["--json"]):
            result = run(command, "--uri", signed.uri, "--client-secret", "ab", "--token-secret", "zz", *extra)
            assert result.returncode == 1, result.stderr
            assert b"ab%26cd" not in result.stdout and b"ab&cd" not in result.stdout
            if not (command == "diagnose" and extra):  # diagnose's JSON does not repeat the URI
                assert b"oauth_signature=***" in result.stdout


def test_the_documented_example_is_true(tmp_path: Path) -> None:
    """docs/audit.md's worked example: its request, diagnosed, gives the output it shows."""
    doc = (ROOT / "docs" / "audit.md").read_text()
    request = doc.split("```http\n", 1)[1].split("```", 1)[0]
    (tmp_path / "rejected.http").write_text(request)
    env = {"OAUTH_CLIENT_SECRET": "demo-client-secret", "OAUTH_TOKEN_SECRET": "demo-token-secret"}
    shown = doc.split("$ python -m oauth1core diagnose rejected.http\n", 1)[1].split("```", 1)[0]
    result = run("diagnose", str(tmp_path / "rejected.http"), env=env)
    assert result.returncode == 1
    assert result.stdout.decode() == shown
    shown_json = doc.split("$ python -m oauth1core diagnose rejected.http --json\n", 1)[1].split("```", 1)[0]
    assert json.loads(run("diagnose", str(tmp_path / "rejected.http"), "--json", env=env).stdout) == json.loads(shown_json)
    shown_explain = doc.split("$ python -m oauth1core explain rejected.http\n", 1)[1].split("```", 1)[0]
    assert run("explain", str(tmp_path / "rejected.http"), env=env).stdout.decode() == shown_explain
