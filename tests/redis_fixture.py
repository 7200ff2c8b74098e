"""A private ``redis-server`` for the Redis tests: loopback only, a free port, no persistence
unless asked, stopped afterwards. Never skipped: without ``redis-server`` the tests fail and
say how to install it (``./test.sh`` installs Debian's package when it is missing).

Import the fixture into a test module (``from redis_fixture import redis_server``); each module
that does gets its own server for the session.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from typing import Iterator, List, Optional

import pytest

__all__ = ["RedisServer", "redis_server", "free_port", "unique_prefix"]


def free_port() -> int:
    """A loopback TCP port nobody listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unique_prefix() -> str:
    """A key prefix of its own for one test, so tests sharing a server share no data."""
    return f"t{uuid.uuid4().hex[:12]}:"


def _ping(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _tail(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            return log.read()[-500:].strip()
    except OSError:
        return ""


class RedisServer:
    """``redis-server`` in a child process on ``127.0.0.1:port`` (and a unix socket).

    ``persistent=True`` turns on the append-only file with ``appendfsync always`` (what
    docs/fleet.md advises for replay protection across a Redis restart). :meth:`stop` kills it,
    :meth:`start` starts it again on the same port and directory; :meth:`close` stops it for good.
    """

    def __init__(self, *, persistent: bool = False) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: run ./test.sh, or apt-get install redis-server", pytrace=False)
        self.binary = binary
        self.persistent = persistent
        self.directory = tempfile.mkdtemp(prefix="oauth1core-redis-")
        self.socket_path = os.path.join(self.directory, "redis.sock")
        self.log_path = os.path.join(self.directory, "redis.log")
        self.port = 0
        self.process: Optional[subprocess.Popen[bytes]] = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _command(self) -> List[str]:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--daemonize", "no", "--dir", self.directory, "--unixsocket", self.socket_path,
                   "--unixsocketperm", "700", "--loglevel", "warning", "--logfile", self.log_path]
        if self.persistent:
            command += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            command += ["--appendonly", "no"]
        return command

    def start(self) -> None:
        """Start (or restart, on the same port) and wait until it answers ``PING``."""
        assert self.process is None or self.process.poll() is not None, "already running"
        attempts = 1 if self.port else 5  # a fresh port may be taken in between: pick another
        output = ""
        for _ in range(attempts):
            if attempts > 1:
                self.port = free_port()
            self.process = subprocess.Popen(self._command(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and self.process.poll() is None:
                if _ping(self.port):
                    return
                time.sleep(0.02)
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout=10)
            output = _tail(self.log_path)
        pytest.fail(f"redis-server did not start on 127.0.0.1:{self.port}: {output}", pytrace=False)

    def stop(self, sig: int = signal.SIGKILL) -> None:
        """Stop the server (SIGKILL by default: a crash) and wait until it is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)

    def pause(self) -> None:
        """SIGSTOP: the server holds its connections but answers nothing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> "RedisServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        yield server
    finally:
        server.close()
