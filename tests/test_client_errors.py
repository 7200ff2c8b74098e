"""Errors a client developer can act on: no answer from the provider is a library error with the
origin and the cause (oauth1core.transport.NetworkError), an unknown signature method names the
value and the supported ones. Real sockets on loopback; about 1 s (one 0.5 s timeout)."""

from __future__ import annotations

import socket
import threading
from typing import Iterator, Tuple

import pytest

from oauth1core import Client
from oauth1core.errors import OAuthError, SignatureMethodRejected
from oauth1core.flow import Endpoints, ThreeLeggedFlow
from oauth1core.methods import STANDARD_METHODS
from oauth1core.transport import NetworkError, UrllibTransport, obtain_temporary_credentials


@pytest.fixture()
def listener() -> Iterator[Tuple[socket.socket, int]]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    try:
        yield server, server.getsockname()[1]
    finally:
        server.close()


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()  # nothing listens there now: the connection is refused
    return port


def _send(url: str, timeout: float = 10) -> NetworkError:
    client = Client("key", "secret", signature_method="PLAINTEXT")
    with pytest.raises(NetworkError) as info:
        UrllibTransport(proxies={}, timeout=timeout).send(client.sign("POST", url))
    return info.value


def test_refused_connection() -> None:
    port = _closed_port()
    error = _send(f"http://127.0.0.1:{port}/initiate?oauth_signature=secret%26")
    assert isinstance(error, OAuthError) and error.status == 502
    assert error.origin == f"http://127.0.0.1:{port}"
    assert isinstance(error.cause, OSError) and error.__cause__ is error.cause
    assert str(error).startswith(f"cannot reach http://127.0.0.1:{port}: ")
    assert "Connection refused" in str(error) and "secret" not in str(error) and "HTTP 502" not in str(error)


def test_connection_closed_without_an_answer(listener: Tuple[socket.socket, int]) -> None:
    server, port = listener

    def hang_up() -> None:
        connection, _ = server.accept()
        connection.recv(65536)
        connection.close()

    thread = threading.Thread(target=hang_up)
    thread.start()
    error = _send(f"http://127.0.0.1:{port}/initiate")
    thread.join(10)
    assert error.origin == f"http://127.0.0.1:{port}" and "RemoteDisconnected" in type(error.cause).__name__


def test_timeout(listener: Tuple[socket.socket, int]) -> None:
    _, port = listener  # accepts (the kernel's backlog) but never answers
    error = _send(f"http://127.0.0.1:{port}/initiate", timeout=0.5)
    assert "timed out" in str(error)


def test_the_flow_helpers_raise_it_too() -> None:
    port = _closed_port()
    base = f"http://127.0.0.1:{port}"
    flow = ThreeLeggedFlow(Client("key", "secret"), Endpoints(base + "/i", base + "/a", base + "/t"), callback="oob")
    with pytest.raises(NetworkError, match=f"cannot reach http://127.0.0.1:{port}"):
        obtain_temporary_credentials(flow, UrllibTransport(proxies={}))


@pytest.mark.parametrize("given,meant", [("hmac-sha1", "HMAC-SHA1"), ("Rsa-Sha256 ", "RSA-SHA256"), ("HMAC-MD5", None),
                                         ("x" * 100, None)])
def test_unknown_signature_method_names_the_value_and_the_supported_ones(given: str, meant: str) -> None:
    with pytest.raises(SignatureMethodRejected) as info:
        Client("key", "secret", signature_method=given)
    message = info.value.message
    assert repr(given[:40]) in message and ", ".join(STANDARD_METHODS) in message
    assert (f"case-sensitive: {meant!r}?" in message) is (meant is not None)
    assert len(message) < 250


@pytest.mark.parametrize("library", ["requests", "httpx", "aiohttp"])
def test_an_adapter_without_its_library_names_the_extra(library: str) -> None:
    import subprocess
    import sys

    code = f"import sys; sys.modules[{library!r}] = None\nimport oauth1core.adapters.{library}"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"ModuleNotFoundError: oauth1core.adapters.{library} needs {library}: pip install 'oauth1core[{library}]'")
