"""Processes of the HTTP benchmark: servers (serve, gunicorn, uvicorn) and a private redis-server,
each in a process group of its own on a free loopback port, stopped (group and all) at the end.

Standard library only. CPU time of a process group is read from ``/proc`` (Linux).
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    """A loopback TCP port nobody listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _proc_stats() -> List[List[str]]:
    """The fields after ``(comm)`` of every ``/proc/PID/stat``, with the pid first."""
    rows = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        rows.append([name] + text[text.rindex(")") + 2:].split())
    return rows


def group_members(pgid: int) -> List[int]:
    """Live (not zombie) processes of the process group ``pgid``."""
    return [int(row[0]) for row in _proc_stats() if int(row[3]) == pgid and row[1] != "Z"]


def groups_cpu(pgids: Sequence[int]) -> float:
    """CPU seconds (user + system) used so far by the live processes of these groups."""
    wanted = set(pgids)
    ticks = sum(int(row[12]) + int(row[13]) for row in _proc_stats() if int(row[3]) in wanted)
    return ticks / CLOCK_TICKS


def groups_cpu_of(pid: int) -> float:
    """CPU seconds used so far by the process ``pid`` alone (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_cpu() -> tuple:  # type: ignore[type-arg]
    """``(busy, total)`` jiffies of all CPUs since boot (``/proc/stat``)."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


#: every Process started and not yet stopped (stop_all ends them, e.g. after Ctrl-C)
LIVE: List["Process"] = []


def stop_all() -> None:
    """Stop every process started here that is not stopped yet."""
    while LIVE:
        LIVE[-1].stop()


class Process:
    """A child in a new session (its own process group); ``stop`` ends the whole group."""

    def __init__(self, name: str, command: List[str], env: Optional[Dict[str, str]] = None) -> None:
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"oauth1core-bench-{name}-", suffix=".log", delete=False)
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env=env, cwd=ROOT, start_new_session=True)
        self.pgid = self.process.pid
        LIVE.append(self)

    def tail(self) -> str:
        try:
            with open(self.log.name, encoding="utf-8", errors="replace") as handle:
                return handle.read()[-1500:].strip()
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to the group, SIGKILL to whatever of it is left after 5 s; then reap."""
        if self not in LIVE:
            return
        for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and group_members(self.pgid):
                time.sleep(0.05)
            if not group_members(self.pgid):
                break
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()
        os.unlink(self.log.name)
        LIVE.remove(self)


def wait_http(process: Process, port: int, path: str, timeout: float = 40.0) -> int:
    """Wait until ``GET path`` on ``port`` answers; its status. Raises RuntimeError (with the
    child's output) when it exits first or does not answer in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.process.poll() is not None:
            break
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
        finally:
            connection.close()
    raise RuntimeError(f"{process.name} did not answer on 127.0.0.1:{port}: {process.tail()}")


def start_redis(directory: str) -> "tuple[Process, str]":
    """A private ``redis-server`` (no persistence) on a free port: ``(process, redis:// URL)``."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = Process("redis", [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                "no", "--dir", directory, "--daemonize", "no", "--loglevel", "warning"])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(64).startswith(b"+PONG"):
                    return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.stop()
    raise RuntimeError(f"redis-server did not start: {process.tail()}")


def child_env(extra: Dict[str, str]) -> Dict[str, str]:
    """The environment of a server: this one, the checkout on ``PYTHONPATH``, and ``extra``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def python() -> str:
    return sys.executable
