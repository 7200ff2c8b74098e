"""kill -9 a writer of the SQLite store: nothing it acknowledged is lost, and no token is left
half-transitioned (an exchanged request token always has its one access token, and the reverse)."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest
from store_suite import ROOT

from oauth1core.stores.sqlite import SQLiteStore
from oauth1core.tokens import TokenState

WRITER = r"""
import sys
from oauth1core.client import Client
from oauth1core.server import Consumer, Provider
from oauth1core.stores.sqlite import SQLiteStore

store = SQLiteStore(sys.argv[1])
provider = Provider({"c1": Consumer("c1", "s1")}, store)
base = "http://sp.example.net"
ack = sys.stdout
while True:
    client = Client("c1", "s1", callback="oob")
    request = client.sign("POST", base + "/oauth/request_token")
    record = provider.issue_request_token(request.method, request.uri, request.headers)
    ack.write(f"issued {record.token}\n"); ack.flush()
    verifier = provider.authorize(record.token, "alice").verifier
    ack.write(f"authorized {record.token}\n"); ack.flush()
    client = client.replace(callback=None, token=record.token, token_secret=record.secret, verifier=verifier)
    request = client.sign("POST", base + "/oauth/access_token")
    access = provider.issue_access_token(request.method, request.uri, request.headers)
    ack.write(f"exchanged {record.token} {access.token}\n"); ack.flush()
    client = client.replace(token=access.token, token_secret=access.secret, verifier=None)
    nonce = client.nonce_source()
    request = client.sign("GET", base + "/api/whoami", nonce=nonce)
    provider.verify_request(request.method, request.uri, request.headers)
    ack.write(f"nonce {access.token} {nonce}\n"); ack.flush()
"""


def _run_and_kill(path: str, acks_before_kill: int) -> List[str]:
    """Start the writer, read acknowledgements, SIGKILL it; returns every line acknowledged."""
    process = subprocess.Popen([sys.executable, "-c", WRITER, path], cwd=str(ROOT), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    lines: List[str] = []
    assert process.stdout is not None
    buffer = b""
    try:
        deadline = time.monotonic() + 60
        while len(lines) < acks_before_kill and time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 1)
            if ready:
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    break
                buffer += chunk
                *complete, buffer = buffer.split(b"\n")
                lines.extend(line.decode() for line in complete)
        process.send_signal(signal.SIGKILL)  # mid-flight: the writer never stops on its own
        process.wait(30)
        # Whatever it printed before dying was acknowledged too.
        rest = process.stdout.read()
        lines.extend(line.decode() for line in (buffer + rest).split(b"\n")[:-1])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
        process.stdout.close()
        assert process.stderr is not None
        stderr = process.stderr.read()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL, stderr
    assert len(lines) >= acks_before_kill, stderr
    return lines


def _check(path: str, lines: List[str]) -> None:
    store = SQLiteStore(path)
    try:
        for line in lines:
            kind, *values = line.split()
            if kind == "issued":
                assert store.get_token(values[0]) is not None, line
            elif kind == "authorized":
                record = store.get_token(values[0])
                assert record is not None and record.state in (TokenState.AUTHORIZED, TokenState.EXCHANGED), line
            elif kind == "exchanged":
                request, access = store.get_token(values[0]), store.get_token(values[1])
                assert request is not None and request.state is TokenState.EXCHANGED, line
                assert access is not None and access.state is TokenState.ACTIVE and access.parent == values[0], line
            elif kind == "nonce":
                now = time.time()
                assert not store.add_nonce("c1", values[0], values[1], now=now, expires_at=now + 300), line
            else:
                raise AssertionError(f"unexpected line {line!r}")
    finally:
        store.close()
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        states = {row[0] for row in connection.execute("SELECT state FROM oauth1_tokens")}
        assert states <= {"temporary", "authorized", "exchanged", "active"}
        # No half transition: exchanged <=> exactly one access token pointing at it.
        exchanged = {row[0] for row in connection.execute("SELECT token FROM oauth1_tokens WHERE state = 'exchanged'")}
        parents = [row[0] for row in connection.execute("SELECT parent FROM oauth1_tokens WHERE state = 'active'")]
        assert sorted(parents) == sorted(exchanged)
        # Authorized tokens carry their verifier hash and user; exchanged ones dropped the hash.
        for verifier_hash, user in connection.execute(
                "SELECT verifier_hash, user FROM oauth1_tokens WHERE state = 'authorized'"):
            assert verifier_hash and user == "alice"
    finally:
        connection.close()


@pytest.mark.parametrize("acks", [1, 7, 30, 61])
def test_kill_9_loses_nothing_acknowledged(tmp_path: Path, acks: int) -> None:
    path = str(tmp_path / "crash.db")
    SQLiteStore(path).close()  # the schema exists before the writer starts
    lines = _run_and_kill(path, acks)
    _check(path, lines)
    # A second writer on the same file after the crash, killed again: still consistent.
    more = _run_and_kill(path, acks + 3)
    _check(path, lines + more)
