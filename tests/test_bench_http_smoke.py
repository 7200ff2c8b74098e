"""Smoke test of the HTTP benchmark (benchmarks/http_load.py): its quick mode, once.

No timing is asserted. What is checked: every stack (the built-in server, oauth1core's WSGI and
ASGI integrations, Flask with oauth1core, oauthlib and Authlib) started under its server,
answered 200 with the right user to a signed request, refused one without credentials (400 or
401: RFC 5849 section 3.2 says 400 for a missing parameter) and one with a changed signature
(401); every pre-signed request of the timed window was accepted (so nonces were fresh and
timestamps current); the rows have the documented fields; and no server, redis-server or
generator process is left, after a full run and after Ctrl-C in the middle of one.
About 25 s on the 2-core machine.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from typing import Any, Dict, List

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIELDS = {"stack", "server", "store", "workers", "concurrency", "requests_per_second", "p50_ms", "p99_ms",
          "ceiling_fraction"}
STACKS = {"oauth1core-serve", "oauth1core-wsgi", "oauth1core-asgi", "flask+oauth1core", "flask+oauthlib",
          "flask+authlib"}


def _command(*args: str) -> List[str]:
    return [sys.executable, "-m", "oauth1core", "bench", "--http", "--quick", *args]


def _env() -> Dict[str, str]:
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _group_alive(pgid: int) -> List[int]:
    """Live (not zombie) processes whose process group is ``pgid``."""
    alive = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(name))
    return alive


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _check_row(row: Dict[str, Any]) -> None:
    assert FIELDS <= set(row), row
    assert row["stack"] in STACKS and row["store"] in ("memory", "sqlite", "redis")
    assert row["server"] in ("serve", "gunicorn-sync", "gunicorn-gthread", "uvicorn")
    assert row["workers"] >= 1 and row["concurrency"] == 4
    assert row["requests"] > 0 and row["requests_per_second"] > 0, row
    assert 0 < row["p50_ms"] <= row["p99_ms"], row
    assert row["ceiling_fraction"] > 0
    ok = {"200"} if row["route"] == "protected" or row["stack"] != "oauth1core-serve" else {"404"}
    # every request of the window answered as expected: no replayed nonce, no stale timestamp
    assert set(row["statuses"]) == ok, row
    assert row["generator_cpu_cores"] > 0


@pytest.mark.peers  # gunicorn, uvicorn, Flask, oauthlib, Authlib (the test extra)
@pytest.mark.slow
def test_quick_http_benchmark() -> None:
    result = subprocess.run(_command("--json"), capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["quick"] is True and report["versions"]["oauth1core"]
    configs = report["configs"]
    assert {c["config"]["stack"] for c in configs} == STACKS
    assert {c["config"]["store"] for c in configs} == {"memory", "sqlite", "redis"}
    assert {c["config"]["server"] for c in configs} == {"serve", "gunicorn-sync", "gunicorn-gthread", "uvicorn"}
    for config in configs:
        checks = config["checks"]
        assert checks["signed"] == 200 and checks["signed_user_ok"], config
        assert checks["unsigned"] in (400, 401) and checks["bad_signature"] == 401, config
        assert config["server_alive_at_end"], config
    rows = report["rows"]
    assert len(rows) == 2 * len(configs)
    for row in rows:
        _check_row(row)
    assert {t["target"].split(":")[0] for t in report["targets"]}  # computed, whatever the figures
    for pgid in report["process_groups"]:
        assert not _group_alive(pgid), pgid
    for port in report["ports"]:
        assert not _listening(port), port


@pytest.mark.peers
@pytest.mark.slow
def test_ctrl_c_stops_everything() -> None:
    bench = subprocess.Popen(_command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             env=_env(), start_new_session=True)
    groups: List[int] = []
    try:
        deadline = time.monotonic() + 120
        assert bench.stderr is not None
        while time.monotonic() < deadline and len(groups) < 3:  # redis, serve, then gunicorn: mid-run
            line = bench.stderr.readline()
            if not line:
                break
            groups += [int(g) for g in re.findall(r"process group (\d+)", line)]
        assert len(groups) == 3, groups
        os.killpg(bench.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the foreground group
        assert bench.wait(timeout=60) == 130
    finally:
        if bench.poll() is None:
            bench.kill()
            bench.wait()
    for pgid in groups + [bench.pid]:
        deadline = time.monotonic() + 5
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _group_alive(pgid), pgid
