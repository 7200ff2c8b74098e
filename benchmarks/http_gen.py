"""The load generator of the HTTP benchmark: standard library only.

A pool of generator processes (forked once, reused), each running threads; each thread keeps
one ``http.client.HTTPConnection`` (kept alive when the server allows it; gunicorn's sync
workers close after every response, and ``http.client`` then opens the next connection) and
sends ``GET`` requests back to back.

Signed requests are signed before the timed window: each thread gets its own list of
``Authorization`` headers, each with a nonce of its own (24 hexadecimal digits, from
``secrets``, inside every peer's default format) and the timestamp of when it was signed.
Nothing is ever sent twice, since a provider refuses a replay. A thread that runs out signs
more on the spot (counted as ``signed_late``; the list holds 3x a thread's even share of what
the ceiling measured just before allows, so this is rare).

A measurement: the processes prepare (sign, connect) and say so; then all threads start at one
instant ``T`` (``time.monotonic`` is one clock for every process on Linux), send during a
warm-up and then during ``duration`` seconds; only requests sent and answered inside
``[T + warmup, T + warmup + duration]`` count. Each process reports its CPU time over that
window, so the generator's own load is known (see ``http_load.py``).
"""

from __future__ import annotations

import array
import http.client
import math
import multiprocessing
import re
import secrets
import socket
import threading
import time
from collections import Counter
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

Signing = Tuple[str, str, str, str, str]  # consumer key, secret, token, token secret, URI


class Job(NamedTuple):
    port: int
    path: str
    signing: Optional[Signing]
    threads: int
    presign: int  # signed requests prepared per thread
    warmup: float
    duration: float
    client: str  # a key of CLIENTS


class Outcome(NamedTuple):
    latencies: bytes  # array('d') of seconds, counted requests only
    statuses: Dict[int, int]
    errors: int
    signed_late: int
    cpu_seconds: float


def _signer(signing: Signing) -> Any:
    from oauth1core import Client

    key, secret, token, token_secret, uri = signing
    client = Client(key, secret, token=token, token_secret=token_secret)

    def sign() -> Dict[str, str]:
        return {"Authorization": client.sign("GET", uri, nonce=secrets.token_hex(12)).headers["Authorization"]}

    return sign


class HttpClientConnection:
    """``http.client``: kept alive, reopened by ``http.client`` after a ``Connection: close``."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str, header: Dict[str, str]) -> int:
        self.connection.request("GET", path, headers=header)
        response = self.connection.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.connection.close()


class RawConnection:
    """A leaner client on ``socket`` alone (``--client raw``): the request's bytes are built
    here, the answer is read by its ``Content-Length`` (or to the end of the connection);
    kept alive unless the server says ``Connection: close``."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.host = f"Host: 127.0.0.1:{port}\r\n".encode("ascii")
        self.sock: Optional[socket.socket] = None

    def get(self, path: str, header: Dict[str, str]) -> int:
        lines = b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in header.items())
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock = self.sock
        sock.sendall(b"GET " + path.encode("ascii") + b" HTTP/1.1\r\n" + self.host + lines + b"\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("closed before the answer")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lowered = head.lower()
        found = _LENGTH.search(lowered)
        if b"\r\ntransfer-encoding:" in lowered:  # no chunked reader here: counted as an error
            self.close()
            raise ValueError("a chunked answer")
        if found is None:  # no length: the body ends with the connection
            while sock.recv(65536):
                pass
            self.close()
        else:
            length = int(found.group(1))
            while len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionResetError("closed inside the body")
                body += chunk
            if b"\r\nconnection: close" in lowered:
                self.close()
        return int(head[9:12])

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)")
CLIENTS = {"http.client": HttpClientConnection, "raw": RawConnection}


class _Thread:
    """One connection's loop; its counters are read after ``join``."""

    def __init__(self, job: Job, headers: List[Dict[str, str]]) -> None:
        self.job = job
        self.headers = headers
        self.latencies = array.array("d")
        self.statuses: Counter[int] = Counter()
        self.errors = 0
        self.signed_late = 0
        self.connection = CLIENTS[job.client](job.port)

    def run(self, start: float) -> None:
        job, connection, headers = self.job, self.connection, self.headers
        sign = _signer(job.signing) if job.signing else None
        count_from, end = start + job.warmup, start + job.warmup + job.duration
        headers.reverse()  # pop() from the end is O(1)
        append, monotonic, path, get = self.latencies.append, time.monotonic, job.path, connection.get
        time.sleep(max(0.0, start - monotonic()))
        while True:
            if sign is None:
                header: Dict[str, str] = {}
            elif headers:
                header = headers.pop()
            else:
                header = sign()
                self.signed_late += 1
            sent = monotonic()
            if sent >= end:
                break
            try:
                status = get(path, header)
            except (OSError, ValueError, http.client.HTTPException):
                connection.close()
                if sent >= count_from:
                    self.errors += 1
                continue
            done = monotonic()
            if sent >= count_from and done <= end:
                append(done - sent)
                self.statuses[status] += 1
        connection.close()


def _prepare(job: Job) -> List[_Thread]:
    sign = _signer(job.signing) if job.signing else None
    threads = []
    for _ in range(job.threads):
        headers = [sign() for _ in range(job.presign)] if sign is not None else []
        threads.append(_Thread(job, headers))
    return threads


def _measure(threads: List[_Thread], start: float) -> Outcome:
    runners = [threading.Thread(target=t.run, args=(start,), daemon=True) for t in threads]
    for runner in runners:
        runner.start()
    time.sleep(max(0.0, start + threads[0].job.warmup - time.monotonic()))
    cpu = time.process_time()
    for runner in runners:
        runner.join()
    cpu = time.process_time() - cpu
    latencies = array.array("d")
    statuses: Counter[int] = Counter()
    for t in threads:
        latencies.extend(t.latencies)
        statuses.update(t.statuses)
    return Outcome(latencies.tobytes(), dict(statuses), sum(t.errors for t in threads),
                   sum(t.signed_late for t in threads), cpu)


def _serve(pipe: Any) -> None:
    """A generator process: ``Job`` -> prepare, say ``ready``, receive the start time, measure.
    Ends on ``None``, on Ctrl-C, or when the parent goes away."""
    try:
        _serve_jobs(pipe)
    except (KeyboardInterrupt, EOFError, OSError):
        pass


def _serve_jobs(pipe: Any) -> None:
    while True:
        job = pipe.recv()
        if job is None:
            return
        threads = _prepare(job) if job.threads else []
        pipe.send("ready")
        start = pipe.recv()
        pipe.send(_measure(threads, start) if threads else Outcome(b"", {}, 0, 0, 0.0))


class Pool:
    """``processes`` generator processes, forked now and reused for every measurement."""

    def __init__(self, processes: int) -> None:
        context = multiprocessing.get_context("fork")
        self.pipes = []
        self.workers = []
        for _ in range(processes):
            mine, theirs = context.Pipe()
            worker = context.Process(target=_serve, args=(theirs,), daemon=True)
            worker.start()
            self.pipes.append(mine)
            self.workers.append(worker)

    def run(self, port: int, path: str, signing: Optional[Signing], concurrency: int, *,
            warmup: float, duration: float, expected_rps: float, client: str = "http.client",
            sample: Callable[[], Any] = lambda: None) -> "Tuple[Outcome, List[Outcome], Any, Any]":
        """Measure ``concurrency`` connections spread over the processes: the merged outcome,
        each process's, and what ``sample()`` returned when the threads started and when all
        had ended (e.g. CPU counters)."""
        share = [concurrency // len(self.pipes) + (1 if i < concurrency % len(self.pipes) else 0)
                 for i in range(len(self.pipes))]
        # 3x the even share: connections are not served evenly (gthread, keep-alive)
        presign = int(expected_rps * (warmup + duration) * 3 / max(concurrency, 1)) + 50 if signing else 0
        for pipe, threads in zip(self.pipes, share):
            pipe.send(Job(port, path, signing, threads, presign, warmup, duration, client))
        for pipe in self.pipes:
            if pipe.recv() != "ready":
                raise RuntimeError("a generator process failed")
        start = time.monotonic() + 0.05
        for pipe in self.pipes:
            pipe.send(start)
        time.sleep(max(0.0, start - time.monotonic()))
        before = sample()
        outcomes = [pipe.recv() for pipe in self.pipes]
        return merge(outcomes), outcomes, before, sample()

    def close(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(None)
            except OSError:
                pass
        for worker in self.workers:
            worker.join(5)
            if worker.is_alive():
                worker.terminate()
                worker.join(5)


def merge(outcomes: List[Outcome]) -> Outcome:
    latencies = array.array("d")
    statuses: Counter[int] = Counter()
    for outcome in outcomes:
        latencies.frombytes(outcome.latencies)
        statuses.update(outcome.statuses)
    return Outcome(latencies.tobytes(), dict(statuses), sum(o.errors for o in outcomes),
                   sum(o.signed_late for o in outcomes), sum(o.cpu_seconds for o in outcomes))


def percentiles(latencies: bytes) -> Tuple[Optional[float], Optional[float]]:
    """p50 and p99 in milliseconds (nearest rank), or ``None`` without requests."""
    values = sorted(array.array("d", latencies))
    if not values:
        return None, None

    def rank(p: float) -> float:
        return values[min(len(values), max(1, math.ceil(p * len(values)))) - 1] * 1000

    return rank(0.50), rank(0.99)
