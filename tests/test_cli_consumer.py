"""``python -m oauth1core authorize`` and ``request``: the interactive flow against ``serve`` (a PIN,
or the pasted callback URL), the credentials file (0600, atomic, no secret on the terminal), signed
requests with it, provider presets, and errors as one line."""

from __future__ import annotations

import json
import os
import select
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

import pytest
from store_suite import ROOT, ServeProcess, http_call

from oauth1core.cli import main
from oauth1core.cli.consumer import FORMAT, load_credentials, save_credentials
from oauth1core.cli._common import CliError
from oauth1core.presets import PRESETS

SECRET = "cli-secret-value"


@pytest.fixture(scope="module")
def serve() -> Iterator[ServeProcess]:
    with ServeProcess("--consumer", f"cli-app:{SECRET}", "--auto-approve", "alice", "--realm", "CLI") as process:
        yield process


@pytest.fixture(scope="module")
def serve_smugmug() -> Iterator[ServeProcess]:
    with ServeProcess("--consumer", f"cli-app:{SECRET}", "--auto-approve", "alice", "--preset", "smugmug") as process:
        yield process


def environment() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["OAUTH_CLIENT_SECRET"] = SECRET
    return env


def run_authorize(args: List[str], answer: Callable[[str], str]) -> Tuple[int, str, str]:
    """Run ``authorize`` in a child process; when it prints the authorization URL, type in what
    ``answer(url)`` returns."""
    process = subprocess.Popen([sys.executable, "-m", "oauth1core", "authorize", "--no-proxy", *args], cwd=str(ROOT),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=environment())
    try:
        assert process.stdout is not None and process.stdin is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        url = process.stdout.readline().strip() if ready else ""
        if url:
            process.stdin.write(answer(url) + "\n")
            process.stdin.flush()
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:  # pragma: no cover - a hung child
            process.kill()
            process.wait(30)
    return process.returncode, url + "\n" + out, err


def pin_from_page(url: str) -> str:
    page = http_call(urllib.request.Request(url))[2]
    return page.split('id="oauth_verifier">')[1].split("<")[0]


def callback_location(url: str) -> str:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + "?" + parts.query)
        response = connection.getresponse()
        assert response.status == 302
        return response.getheader("Location") or ""
    finally:
        connection.close()


def endpoint_args(base: str, paths: Dict[str, str]) -> List[str]:
    return ["--request-token-url", base + paths["request_token"], "--authorize-url", base + paths["authorize"],
            "--access-token-url", base + paths["access_token"]]


DEFAULT_PATHS = {"request_token": "/oauth/request_token", "authorize": "/oauth/authorize",
                 "access_token": "/oauth/access_token"}


def test_authorize_with_a_pin_then_request(serve: ServeProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "new-folder" / "creds.json"
    code, out, err = run_authorize(["--client-key", "cli-app", *endpoint_args(serve.url, DEFAULT_PATHS),
                                    "--output", str(output)], pin_from_page)
    assert code == 0, err
    assert out.startswith(serve.url + "/oauth/authorize?oauth_token=")
    assert "Enter the verifier" in err and f"Saved to {output}" in err
    document = json.loads(output.read_text())
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert stat.S_IMODE(output.parent.stat().st_mode) == 0o700
    assert os.listdir(output.parent) == ["creds.json"]  # no temporary file left behind
    assert document["format"] == FORMAT and document["client_key"] == "cli-app" and document["client_secret"] == SECRET
    assert document["provider"] is None and document["signature_method"] == "HMAC-SHA1"
    for secret in (SECRET, document["token_secret"]):
        assert secret not in out + err

    # A signed request with the saved credentials.
    assert main(["request", "GET", serve.url + "/api/whoami?x=1", "--credentials", str(output), "--no-proxy"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed) == {"user": "alice", "consumer_key": "cli-app"}
    assert main(["request", "POST", serve.url + "/api/whoami", "--credentials", str(output), "--no-proxy",
                 "-d", "caption=Tom%20%26%20Jerry", "-i"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("HTTP 200 OK\n") and "Content-Type: application/json" in printed
    assert main(["request", "POST", serve.url + "/api/whoami", "--credentials", str(output), "--no-proxy",
                 "--json", "-d", '{"a": 1}', "--body-hash"]) == 0
    capsys.readouterr()
    # An error answer: exit status 1, the answer printed.
    document["token_secret"] = "wrong"
    save_credentials(str(output), document)
    assert main(["request", "GET", serve.url + "/api/whoami", "--credentials", str(output), "--no-proxy", "-i"]) == 1
    printed = capsys.readouterr().out
    assert printed.startswith("HTTP 401") and 'oauth_problem="signature_invalid"' in printed and "wrong" not in printed


def test_authorize_with_the_pasted_callback_url(serve: ServeProcess, tmp_path: Path) -> None:
    output = tmp_path / "creds.json"
    code, _, err = run_authorize(["--client-key", "cli-app", *endpoint_args(serve.url, DEFAULT_PATHS), "--output",
                                  str(output), "--callback", "http://127.0.0.1:9/cb", "--no-save-client-secret"],
                                 callback_location)
    assert code == 0, err
    assert "Paste the URL" in err
    document = load_credentials(str(output))
    assert document["client_secret"] is None and document["token"]


def test_a_forged_callback_is_refused(serve: ServeProcess, tmp_path: Path) -> None:
    output = tmp_path / "creds.json"
    code, _, err = run_authorize(
        ["--client-key", "cli-app", *endpoint_args(serve.url, DEFAULT_PATHS), "--output", str(output),
         "--callback", "http://127.0.0.1:9/cb"],
        lambda url: "http://127.0.0.1:9/cb?oauth_token=someone-elses&oauth_verifier=x")
    assert code == 2 and "not the one this flow asked for" in err and "Traceback" not in err
    assert not output.exists()


def test_provider_preset_with_local_endpoints(serve_smugmug: ServeProcess, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "smugmug.json"
    paths = PRESETS["smugmug"].routes()[0]
    code, out, err = run_authorize(["--provider", "smugmug", "--client-key", "cli-app", "--output", str(output),
                                    "--authorize-param", "Access=Full", "--authorize-param", "Permissions=Modify",
                                    *endpoint_args(serve_smugmug.url, paths)], pin_from_page)
    assert code == 0, err
    assert "&Access=Full&Permissions=Modify" in out.splitlines()[0]
    document = load_credentials(str(output))
    assert document["provider"] == "smugmug" and document["api_base_url"] == "https://api.smugmug.com/api/v2"
    assert main(["request", "GET", serve_smugmug.url + "/api/whoami", "--credentials", str(output), "--no-proxy"]) == 0
    assert json.loads(capsys.readouterr().out)["user"] == "alice"


def test_default_path_follows_the_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from oauth1core.cli.consumer import default_credentials_path

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_credentials_path("flickr") == str(tmp_path / "oauth1core" / "flickr.json")
    assert main(["request", "GET", "/photos", "--provider", "flickr"]) == 2
    assert "cannot read the credentials file" in capsys.readouterr().err


def test_save_credentials_replaces_atomically(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    path.write_text("old")
    os.chmod(path, 0o644)
    save_credentials(str(path), {"format": FORMAT, "version": 1})
    assert json.loads(path.read_text())["format"] == FORMAT and stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(TypeError):
        save_credentials(str(path), {"not": object()})
    assert json.loads(path.read_text())["format"] == FORMAT  # the old file, whole
    assert sorted(os.listdir(tmp_path)) == ["creds.json"]
    path.write_text('{"format": "something else"}')
    with pytest.raises(CliError):
        load_credentials(str(path))


@pytest.mark.parametrize("argv,message", [
    (["authorize", "--provider", "smugmug"], "client key is needed"),
    (["authorize", "--client-key", "k", "--provider", "myspace"], "unknown provider preset 'myspace'"),
    (["authorize", "--client-key", "k", "--provider", "mastercard"], "one-legged"),
    (["authorize", "--client-key", "k", "--provider", "netsuite"], "needs account"),
    (["authorize", "--client-key", "k"], "give --provider NAME"),
    (["authorize", "--client-key", "k", "--provider", "x", "--authorize-param", "nope"], "NAME=VALUE"),
    (["authorize", "--client-key", "k", "--provider", "x", "--authorize-param", "perms=read"], "not 'perms'"),
    (["authorize", "--client-key", "k", "--request-token-url", "http://127.0.0.1:9/rt", "--access-token-url",
      "http://127.0.0.1:9/at", "--no-proxy", "--timeout", "5"], "cannot reach the provider"),
    (["request", "GET", "/relative", "--credentials", "/nonexistent/creds.json"], "cannot read the credentials file"),
])
def test_errors_are_one_line(argv: List[str], message: str, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OAUTH_CLIENT_KEY", raising=False)
    monkeypatch.delenv("OAUTH_CONSUMER_KEY", raising=False)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_relative_url_needs_an_api_base(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "creds.json"
    save_credentials(str(path), {"format": FORMAT, "version": 1, "client_key": "k", "client_secret": "s", "token": "t",
                                 "token_secret": "ts", "signature_method": "HMAC-SHA1", "placement": "header",
                                 "api_base_url": None})
    assert main(["request", "GET", "/photos", "--credentials", str(path)]) == 2
    assert "relative URL" in capsys.readouterr().err


def test_list_providers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["authorize", "--list-providers"]) == 0
    listing = capsys.readouterr().out
    for name, preset in PRESETS.items():
        assert name in listing and preset.docs[0] in listing
    assert "needs --base-url" in listing and "needs --account" in listing


def test_commands_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    usage = capsys.readouterr().out
    assert "authorize" in usage and "request" in usage
