"""Requests per second over real HTTP: ``python -m oauth1core bench --http [--json] [--quick]``.

For each stack (http_stacks.py) under each server, on loopback: the protected route
``GET /api/whoami`` with requests signed beforehand, and the unsigned route of the same server
(``GET /ping``; ``serve`` has none, so its ceiling is ``GET /`` answered 404 by the same
router), alternately at each concurrency level. Each protected figure is also a fraction of
that ceiling. The generator (http_gen.py) is a pool of standard-library processes; its CPU
time, the servers' and the machine's are read for each measurement, and ``wrk`` (when it is
installed) measures each server's ceiling again, as a check that the generator is not what
limits it. README.md in this directory says how to read the results.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from . import http_gen, http_procs, http_stacks
from .http_procs import Process, child_env, free_port, python, wait_http

__all__ = ["main"]

FULL_LEVELS = (1, 8, 32)
QUICK_LEVELS = (4,)


class Config(NamedTuple):
    stack: str  # http_stacks.STACKS key, or "oauth1core-serve"
    server: str  # serve | gunicorn-sync | gunicorn-gthread | uvicorn
    store: str  # memory | sqlite | redis (oauth1core's store; the peers keep sets in memory)
    workers: int
    threads: int = 1


def matrix(quick: bool, cores: int) -> List[Config]:
    """The configurations measured: every stack, server and store of the issue (full), or one
    of each stack and store (quick)."""
    w = cores
    if quick:
        return [
            Config("oauth1core-serve", "serve", "memory", 1),
            Config("oauth1core-wsgi", "gunicorn-sync", "memory", w),
            Config("oauth1core-wsgi", "gunicorn-gthread", "redis", w, 4),
            Config("oauth1core-asgi", "uvicorn", "sqlite", w),
            Config("flask+oauth1core", "gunicorn-sync", "memory", w),
            Config("flask+oauthlib", "gunicorn-sync", "memory", w),
            Config("flask+authlib", "gunicorn-sync", "memory", w),
        ]
    configs = [Config("oauth1core-serve", "serve", store, 1) for store in ("memory", "sqlite")]
    for server, threads in (("gunicorn-sync", 1), ("gunicorn-gthread", 4)):
        configs += [Config("oauth1core-wsgi", server, store, w, threads) for store in ("memory", "sqlite", "redis")]
        configs += [Config(stack, server, "memory", w, threads)
                    for stack in ("flask+oauth1core", "flask+oauthlib", "flask+authlib")]
    configs += [Config("oauth1core-asgi", "uvicorn", store, w) for store in ("memory", "sqlite", "redis")]
    return configs


# -- servers ------------------------------------------------------------------------------------


class Running(NamedTuple):
    process: Process
    port: int
    ceiling_path: str
    credentials: Tuple[str, str, str, str]


def _random_name(length: int = 24) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _store_url(store: str, workdir: str, redis_url: str) -> str:
    if store == "sqlite":
        return "sqlite:" + os.path.join(workdir, f"bench-{secrets.token_hex(4)}.db")
    return redis_url + f"?prefix=bench{secrets.token_hex(4)}:" if store == "redis" else "memory"


def _server_command(config: Config, port: int, store_url: str, key: str, secret: str) -> Tuple[List[str], str]:
    """The command line and the ceiling path."""
    if config.server == "serve":
        return ([python(), "-m", "oauth1core", "serve", "--host", "127.0.0.1", "--port", str(port), "--consumer",
                 f"{key}:{secret}", "--user", f"{http_stacks.USER}:{_random_name()}", "--auto-approve",
                 http_stacks.USER, "--store", store_url, "--quiet"], "/")
    factory, _ = http_stacks.STACKS[config.stack]
    if config.server == "uvicorn":
        return ([python(), "-m", "uvicorn", "--factory", f"benchmarks.http_stacks:{factory}", "--host", "127.0.0.1",
                 "--port", str(port), "--workers", str(config.workers), "--log-level", "warning", "--no-access-log",
                 "--backlog", "2048"], http_stacks.UNSIGNED)
    kind = config.server.split("-")[1]
    command = [python(), "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(config.workers),
               "--worker-class", kind, "--backlog", "2048", "--log-level", "warning", "--graceful-timeout", "3",
               "--timeout", "120"]
    if kind == "gthread":
        command += ["--threads", str(config.threads), "--keep-alive", "5"]
    return command + [f"benchmarks.http_stacks:{factory}()"], http_stacks.UNSIGNED


def start(config: Config, workdir: str, redis_url: str) -> Running:
    key, secret = _random_name(), _random_name()
    token, token_secret = _random_name(), _random_name()
    store_url = _store_url(config.store, workdir, redis_url)
    port = free_port()
    command, ceiling_path = _server_command(config, port, store_url, key, secret)
    env = child_env({"BENCH_CONSUMER": f"{key}:{secret}", "BENCH_TOKEN": f"{token}:{token_secret}",
                     "BENCH_STORE": store_url})
    process = Process(f"{config.stack}-{config.server}-{config.store}", command, env)
    try:
        wait_http(process, port, ceiling_path)
        if config.server == "serve":
            token, token_secret = three_legs(port, key, secret)
    except BaseException:
        process.stop()
        raise
    return Running(process, port, ceiling_path, (key, secret, token, token_secret))


def _fetch(port: int, method: str, target: str, headers: Dict[str, str]) -> Tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, target, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def three_legs(port: int, key: str, secret: str) -> Tuple[str, str]:
    """Token credentials from ``serve`` (started with ``--auto-approve``), over HTTP (RFC 5849 2.1-2.3)."""
    from urllib.parse import parse_qsl

    from oauth1core import Client

    base = f"http://127.0.0.1:{port}"
    client = Client(key, secret, callback="oob")
    status, body = _fetch(port, "POST", "/oauth/request_token",
                          client.sign("POST", base + "/oauth/request_token").headers)
    temporary = dict(parse_qsl(body))
    if status != 200:
        raise RuntimeError(f"serve: request_token answered {status}: {body[:200]}")
    status, page = _fetch(port, "GET", f"/oauth/authorize?oauth_token={temporary['oauth_token']}", {})
    found = re.search(r'id="oauth_verifier">([^<]+)<', page)
    if found is None:
        raise RuntimeError(f"serve: the authorize page shows no verifier ({status})")
    client = client.replace(callback=None, token=temporary["oauth_token"],
                            token_secret=temporary["oauth_token_secret"], verifier=found.group(1))
    status, body = _fetch(port, "POST", "/oauth/access_token", client.sign("POST", base + "/oauth/access_token").headers)
    if status != 200:
        raise RuntimeError(f"serve: access_token answered {status}: {body[:200]}")
    access = dict(parse_qsl(body))
    return access["oauth_token"], access["oauth_token_secret"]


def probe(running: Running) -> Dict[str, Any]:
    """Before timing: a signed request gets 2xx and the right user, one without credentials and
    one with a changed signature get refused (their statuses are reported)."""
    from oauth1core import Client

    key, secret, token, token_secret = running.credentials
    uri = f"http://127.0.0.1:{running.port}{http_stacks.PROTECTED}"
    client = Client(key, secret, token=token, token_secret=token_secret)
    status, body = _fetch(running.port, "GET", http_stacks.PROTECTED,
                          client.sign("GET", uri, nonce=secrets.token_hex(12)).headers)
    document = json.loads(body) if status == 200 else {}
    header = client.sign("GET", uri, nonce=secrets.token_hex(12)).headers["Authorization"]
    at = header.index('oauth_signature="') + len('oauth_signature="')
    tampered = header[:at] + ("B" if header[at] != "B" else "C") + header[at + 1:]
    return {
        "signed": status,
        "signed_user_ok": document.get("user") == http_stacks.USER and document.get("consumer_key") == key,
        "unsigned": _fetch(running.port, "GET", http_stacks.PROTECTED, {})[0],
        "bad_signature": _fetch(running.port, "GET", http_stacks.PROTECTED, {"Authorization": tampered})[0],
        "ceiling": _fetch(running.port, "GET", running.ceiling_path, {})[0],
    }


# -- measuring ----------------------------------------------------------------------------------


class Settings(NamedTuple):
    levels: Tuple[int, ...]
    warmup: float
    duration: float  # seconds per sample; each figure sums ``rounds`` samples
    rounds: int
    wrk: bool
    client: str  # http_gen.CLIENTS
    profile: bool = False  # py-spy on one worker during a protected sample (http_profile.py)


class Sample(NamedTuple):
    outcome: http_gen.Outcome
    processes: int  # generator processes that had connections
    server_cpu: float  # seconds, over ``wall``
    wall: float  # seconds from the start of the warm-up to the end
    busy: int  # jiffies of the machine's CPUs, over ``wall``
    total: int


def _snapshot(pgids: List[int]) -> Tuple[float, float, int, int]:
    busy, total = http_procs.machine_cpu()
    return time.monotonic(), http_procs.groups_cpu(pgids), busy, total


def sample(pool: http_gen.Pool, running: Running, settings: Settings, level: int, protected: bool,
           expected_rps: float, pgids: List[int]) -> Sample:
    """``level`` connections for one warm-up and one ``duration``, on the protected route
    (signed) or the ceiling route."""
    key, secret, token, token_secret = running.credentials
    path = http_stacks.PROTECTED if protected else running.ceiling_path
    signing = (key, secret, token, token_secret, f"http://127.0.0.1:{running.port}{path}") if protected else None
    outcome, per_process, before, after = pool.run(
        running.port, path, signing, level, warmup=settings.warmup, duration=settings.duration,
        expected_rps=expected_rps, client=settings.client, sample=lambda: _snapshot(pgids))
    return Sample(outcome, sum(1 for o in per_process if o.cpu_seconds), after[1] - before[1], after[0] - before[0],
                  after[2] - before[2], after[3] - before[3])


def summarize(config: Config, level: int, protected: bool, samples: List[Sample], settings: Settings) -> Dict[str, Any]:
    """One row from the samples of one route at one level."""
    outcome = http_gen.merge([s.outcome for s in samples])
    requests = len(outcome.latencies) // 8
    seconds = settings.duration * len(samples)
    p50, p99 = http_gen.percentiles(outcome.latencies)
    served = sum(len(s.outcome.latencies) // 8 * s.wall / settings.duration for s in samples)  # over the walls
    wall, total = sum(s.wall for s in samples), sum(s.total for s in samples)
    return {
        "stack": config.stack, "server": config.server, "store": config.store, "workers": config.workers,
        "threads": config.threads, "concurrency": level, "route": "protected" if protected else "unsigned",
        "requests_per_second": requests / seconds, "p50_ms": p50, "p99_ms": p99,
        "ceiling_fraction": 1.0 if not protected else None, "requests": requests, "seconds": seconds,
        "rounds_rps": [len(s.outcome.latencies) // 8 / settings.duration for s in samples],
        "statuses": {str(k): v for k, v in outcome.statuses.items()},
        "errors": outcome.errors, "signed_late": outcome.signed_late,
        "generator_processes": max(s.processes for s in samples),
        "generator_cpu_cores": outcome.cpu_seconds / seconds,
        "generator_cpu_us_per_request": outcome.cpu_seconds / requests * 1e6 if requests else None,
        "server_cpu_cores": sum(s.server_cpu for s in samples) / wall if wall > 0 else None,
        "server_cpu_us_per_request": sum(s.server_cpu for s in samples) / served * 1e6 if served else None,
        "machine_busy_fraction": sum(s.busy for s in samples) / total if total else None,
    }


def measure_level(pool: http_gen.Pool, running: Running, config: Config, settings: Settings, level: int,
                  pgids: List[int]) -> List[Dict[str, Any]]:
    """The protected row and its ceiling at ``level``: ``rounds`` samples of each, alternated
    (ceiling first in even rounds, protected first in odd ones) so that both see the same drift
    of a shared machine."""
    samples: Dict[bool, List[Sample]] = {False: [], True: []}
    for index in range(settings.rounds):
        for protected in ((False, True) if index % 2 == 0 else (True, False)):
            last = samples[False][-1].outcome if samples[False] else None
            expected = len(last.latencies) // 8 / settings.duration if last else 0.0
            samples[protected].append(sample(pool, running, settings, level, protected, expected, pgids))
    ceiling = summarize(config, level, False, samples[False], settings)
    row = summarize(config, level, True, samples[True], settings)
    row["ceiling_rps"] = ceiling["requests_per_second"]
    if ceiling["requests_per_second"]:
        row["ceiling_fraction"] = row["requests_per_second"] / ceiling["requests_per_second"]
    if row["server_cpu_us_per_request"] and ceiling["server_cpu_us_per_request"]:
        row["cpu_ceiling_fraction"] = ceiling["server_cpu_us_per_request"] / row["server_cpu_us_per_request"]
        row["added_server_cpu_us"] = row["server_cpu_us_per_request"] - ceiling["server_cpu_us_per_request"]
    return [row, ceiling]


def profile_worker(pool: http_gen.Pool, running: Running, settings: Settings, pgids: List[int]) -> Dict[str, Any]:
    """py-spy on one worker during one more protected sample at the highest level."""
    from .http_profile import Profiler, worker_pid

    level = max(settings.levels)
    expected = sample(pool, running, settings, level, False, 0.0, pgids)
    longer = settings._replace(duration=max(3.0, settings.duration))
    profiler = Profiler(worker_pid(running.process.pgid), longer.warmup + longer.duration)
    sample(pool, running, longer, level, True, len(expected.outcome.latencies) / 8 / settings.duration, pgids)
    return dict(profiler.result(), concurrency=level)


def client_check(pool: http_gen.Pool, running: Running, settings: Settings, pgids: List[int]) -> Dict[str, Any]:
    """The ceiling at the highest level measured once more with the other HTTP client of the
    generator: how much the generator's own cost moves the ceiling."""
    other = "http.client" if settings.client == "raw" else "raw"
    level = max(settings.levels)
    taken = sample(pool, running, settings._replace(client=other), level, False, 0.0, pgids)
    requests = len(taken.outcome.latencies) // 8
    return {"client": other, "concurrency": level, "requests_per_second": requests / settings.duration,
            "generator_cpu_us_per_request": taken.outcome.cpu_seconds / requests * 1e6 if requests else None}


def _wrk(port: int, path: str, level: int, duration: float, script: str = "") -> Optional[Dict[str, Any]]:
    """``wrk`` (one thread, ``level`` connections) on ``path``: its requests per second."""
    binary = shutil.which("wrk")
    if binary is None:
        return None
    command = [binary, "-t1", f"-c{level}", f"-d{max(1, round(duration))}s", "--latency"]
    command += (["-s", script] if script else []) + [f"http://127.0.0.1:{port}{path}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    found = re.search(r"Requests/sec:\s+([0-9.]+)", result.stdout)
    bad = re.search(r"Non-2xx or 3xx responses:\s+([0-9]+)", result.stdout)
    errors = re.search(r"Socket errors:(.*)", result.stdout)
    if found is None:
        return {"error": (result.stdout + result.stderr)[-300:]}
    return {"requests_per_second": float(found.group(1)), "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1).strip() if errors else ""}


def _wrk_signed_script(running: Running, count: int, directory: str) -> str:
    """A wrk Lua script sending ``count`` requests signed now, each once, in order."""
    sign = http_gen._signer(running.credentials + (f"http://127.0.0.1:{running.port}{http_stacks.PROTECTED}",))
    path = os.path.join(directory, f"wrk-{secrets.token_hex(4)}.lua")
    with open(path, "w", encoding="ascii") as handle:
        handle.write("local h = {\n")
        for _ in range(count):
            handle.write('"' + sign()["Authorization"].replace('"', '\\"') + '",\n')
        handle.write("}\nlocal i = 0\nrequest = function()\n  i = i + 1\n"
                     "  return wrk.format('GET', '%s', {Authorization = h[i]})\nend\n" % http_stacks.PROTECTED)
    return path


def _wrk_protected(running: Running, level: int, duration: float, expected_rps: float, workdir: str) -> Dict[str, Any]:
    count = int(expected_rps * (round(duration) + 1) * 1.5) + 100
    script = _wrk_signed_script(running, count, workdir)
    try:
        result = _wrk(running.port, http_stacks.PROTECTED, level, duration, script) or {}
    finally:
        os.unlink(script)
    return dict(result, signed_requests_prepared=count)


def wrk_check(running: Running, settings: Settings, workdir: str) -> Optional[Dict[str, Any]]:
    """wrk on the ceiling and on the protected route at the highest level, alternated (C P P C):
    a second generator, written in C, that costs the machine far less CPU per request."""
    if not settings.wrk or shutil.which("wrk") is None:
        return None
    level = max(settings.levels)
    runs: Dict[str, List[Dict[str, Any]]] = {"ceiling": [], "protected": []}
    for kind in ("ceiling", "protected", "protected", "ceiling"):
        if kind == "ceiling":
            result = _wrk(running.port, running.ceiling_path, level, settings.duration) or {}
        else:
            result = _wrk_protected(running, level, settings.duration,
                                    runs["ceiling"][-1].get("requests_per_second", 0.0), workdir)
        if "requests_per_second" not in result:
            return {"concurrency": level, "error": result.get("error", "no figure")}
        runs[kind].append(result)
    ceiling = sum(r["requests_per_second"] for r in runs["ceiling"]) / 2
    protected = sum(r["requests_per_second"] for r in runs["protected"]) / 2
    return {"concurrency": level, "ceiling_rps": ceiling, "protected_rps": protected,
            "ceiling_fraction": protected / ceiling if ceiling else None,
            "protected_non_2xx": sum(r["non_2xx"] for r in runs["protected"]), "runs": runs}


def run_config(pool: http_gen.Pool, config: Config, settings: Settings, workdir: str, redis: Optional[Process],
               redis_url: str, progress: Any) -> Dict[str, Any]:
    """Start the server, check it, measure each level (ceiling, then protected), stop it."""
    progress(f"{config.stack} on {config.server} ({config.workers} workers), store {config.store}")
    running = start(config, workdir, redis_url)
    try:
        progress(f"server process group {running.process.pgid} on port {running.port}")
        checks = probe(running)
        pgids = [running.process.pgid] + ([redis.pgid] if redis is not None and config.store == "redis" else [])
        rows = [row for level in settings.levels for row in measure_level(pool, running, config, settings, level, pgids)]
        profile = profile_worker(pool, running, settings, pgids) if settings.profile else None
        wrk = wrk_check(running, settings, workdir)
        other_client = client_check(pool, running, settings, pgids) if settings.wrk else None
        alive = running.process.process.poll() is None
    finally:
        running.process.stop()
    return {"config": config._asdict(), "checks": checks, "rows": rows, "wrk": wrk, "other_client": other_client,
            "profile": profile,
            "server_alive_at_end": alive, "pgid": running.process.pgid, "port": running.port}


# -- the report ---------------------------------------------------------------------------------


def _versions() -> Dict[str, Optional[str]]:
    from importlib import metadata

    found: Dict[str, Optional[str]] = {}
    for name in ("oauth1core", "gunicorn", "uvicorn", "httptools", "Flask", "Werkzeug", "oauthlib", "Authlib", "redis"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    redis_server = shutil.which("redis-server")
    if redis_server:
        out = subprocess.run([redis_server, "--version"], capture_output=True, text=True).stdout
        found["redis-server"] = (re.findall(r"v=(\S+)", out) or [None])[0]
    wrk = shutil.which("wrk")
    if wrk:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True)
        found["wrk"] = (re.findall(r"wrk (\S+)", out.stdout + out.stderr) or [None])[0]
    return found


def _machine() -> Dict[str, Any]:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "system": f"{platform.system()} {platform.release()}",
            "python": f"{sys.implementation.name} {platform.python_version()}",
            "load_average_at_start": list(os.getloadavg())}


def _find(rows: List[Dict[str, Any]], **want: Any) -> List[Dict[str, Any]]:
    return [row for row in rows if all(row.get(k) == v for k, v in want.items())]


def _by_level(rows: List[Dict[str, Any]], key: str) -> Dict[int, float]:
    return {row["concurrency"]: row[key] for row in rows if row.get(key) is not None}


def targets(rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The issue's three targets from this run's rows. A ratio is taken at each concurrency
    level (both sides measured in alternated rounds) and the target is judged on the median
    over the levels; the built-in server on its best level."""
    results = []
    protected = [row for row in rows if row["route"] == "protected"]
    for server in ("gunicorn-sync", "gunicorn-gthread"):
        ours = _find(protected, stack="oauth1core-wsgi", server=server, store="memory")
        if ours:
            levels = _by_level(ours, "ceiling_fraction")
            value = statistics.median(levels.values())
            results.append({"target": f"oauth1core WSGI under {server}, memory store: >= 0.8 of the unsigned ceiling",
                            "value": value, "limit": 0.8, "met": value >= 0.8, "by_concurrency": levels,
                            "cpu_fraction_by_concurrency": _by_level(ours, "cpu_ceiling_fraction")})
        peer = {row["concurrency"]: row for row in _find(protected, stack="flask+oauthlib", server=server)}
        for stack in ("oauth1core-wsgi", "flask+oauth1core"):
            mine = [row for row in _find(protected, stack=stack, server=server, store="memory")
                    if peer.get(row["concurrency"], {}).get("requests_per_second")]
            levels = {row["concurrency"]: row["requests_per_second"] / peer[row["concurrency"]]["requests_per_second"]
                      for row in mine}
            cpu = {row["concurrency"]: peer[row["concurrency"]]["server_cpu_us_per_request"]
                   / row["server_cpu_us_per_request"] for row in mine
                   if row.get("server_cpu_us_per_request") and peer[row["concurrency"]].get("server_cpu_us_per_request")}
            if levels:
                value = statistics.median(levels.values())
                results.append({"target": f"{stack} under {server}: >= 2x the rps of flask+oauthlib",
                                "value": value, "limit": 2.0, "met": value >= 2.0, "by_concurrency": levels,
                                "cpu_ratio_by_concurrency": cpu})
    serve = _find(protected, stack="oauth1core-serve", store="memory")
    if serve:
        best = max(serve, key=lambda row: row["requests_per_second"])
        results.append({"target": "built-in server (serve), memory store: >= 2,000 requests per second",
                        "value": best["requests_per_second"], "limit": 2000.0,
                        "met": best["requests_per_second"] >= 2000, "by_concurrency": _by_level(serve, "requests_per_second")})
    return results


def generator_check(configs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Per server: the ceiling at the highest level as this generator measured it, as wrk
    measured it, and with the generator's other client; and the generator's CPU per request."""
    checks = []
    for result in configs:
        rows = [row for row in result["rows"] if row["route"] == "unsigned"]
        if not rows or not (result.get("wrk") or result.get("other_client")):
            continue
        top = max(rows, key=lambda row: row["concurrency"])
        wrk = result.get("wrk") or {}
        other = result.get("other_client") or {}
        checks.append({
            **{k: result["config"][k] for k in ("stack", "server", "store")}, "concurrency": top["concurrency"],
            "ceiling_rps": top["requests_per_second"], "generator_cpu_us_per_request": top["generator_cpu_us_per_request"],
            "server_cpu_us_per_request": top["server_cpu_us_per_request"], "wrk_ceiling_rps": wrk.get("ceiling_rps"),
            "wrk_ceiling_fraction": wrk.get("ceiling_fraction"), "other_client": other.get("client"),
            "other_client_ceiling_rps": other.get("requests_per_second"),
            "other_client_cpu_us_per_request": other.get("generator_cpu_us_per_request"),
        })
    return checks


def _fmt(value: Optional[float], spec: str) -> str:
    return "-" if value is None else format(value, spec)


def render(report: Dict[str, Any]) -> str:
    lines = [f"HTTP benchmark: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
             f"{report['machine']['python']}; {report['settings']['rounds']} x {report['settings']['duration']} s per figure, "
             f"client {report['settings']['client']}"]
    lines.append(f"{'stack':<17} {'server':<17} {'store':<7} {'w':>2} {'conc':>4} {'route':<9} {'rps':>7} "
                 f"{'p50 ms':>7} {'p99 ms':>7} {'x ceil':>6} {'srv us':>7} {'x cpu':>5} {'gen us':>6} {'busy':>5}")
    for row in report["rows"]:
        lines.append(
            f"{row['stack']:<17} {row['server']:<17} {row['store']:<7} {row['workers']:>2} {row['concurrency']:>4} "
            f"{row['route']:<9} {row['requests_per_second']:>7.0f} {_fmt(row['p50_ms'], '.2f'):>7} "
            f"{_fmt(row['p99_ms'], '.2f'):>7} {_fmt(row['ceiling_fraction'], '.2f'):>6} "
            f"{_fmt(row['server_cpu_us_per_request'], '.0f'):>7} {_fmt(row.get('cpu_ceiling_fraction'), '.2f'):>5} "
            f"{_fmt(row['generator_cpu_us_per_request'], '.0f'):>6} {_fmt(row['machine_busy_fraction'], '.2f'):>5}")
    lines.append("x ceil: rps / the unsigned route's rps; srv us: the server's CPU microseconds per request; "
                 "x cpu: the unsigned route's srv us / this row's; gen us: the generator's; busy: the machine's CPUs")
    lines.append("\nchecks (status of a signed request, one without credentials, one with a changed signature):")
    for config in report["configs"]:
        c, k = config["config"], config["checks"]
        wrk = config.get("wrk") or {}
        wrk_text = ""
        if wrk.get("ceiling_rps"):
            wrk_text = (f"; wrk at {wrk['concurrency']}: ceiling {wrk['ceiling_rps']:.0f}, protected "
                        f"{wrk['protected_rps']:.0f} rps (x {_fmt(wrk['ceiling_fraction'], '.2f')}, "
                        f"non-2xx {wrk['protected_non_2xx']})")
        other = config.get("other_client")
        if other:
            wrk_text += f"; ceiling with {other['client']}: {other['requests_per_second']:.0f} rps"
        lines.append(f"  {c['stack']} / {c['server']} / {c['store']}: {k['signed']}, {k['unsigned']}, "
                     f"{k['bad_signature']}{wrk_text}")
    if report.get("generator_check"):
        lines.append("\ngenerator check (unsigned route, highest level): this generator, wrk, the other client; "
                     "generator and server CPU microseconds per request")
        for g in report["generator_check"]:
            lines.append(f"  {g['stack']} / {g['server']} / {g['store']}: {g['ceiling_rps']:.0f} rps, wrk "
                         f"{_fmt(g['wrk_ceiling_rps'], '.0f')}, {g['other_client']} "
                         f"{_fmt(g['other_client_ceiling_rps'], '.0f')}; generator "
                         f"{_fmt(g['generator_cpu_us_per_request'], '.0f')} us ({g['other_client']} "
                         f"{_fmt(g['other_client_cpu_us_per_request'], '.0f')} us), server "
                         f"{_fmt(g['server_cpu_us_per_request'], '.0f')} us")
    profiled = [c for c in report["configs"] if c.get("profile")]
    if profiled:
        lines.append("\nwhere a worker's time goes (py-spy, protected route, share of its busy samples):")
    for config in profiled:
        c, p = config["config"], config["profile"]
        shares = ", ".join(f"{k} {v:.0%}" for k, v in p.get("components", {}).items()) or p.get("error", "")
        lines.append(f"  {c['stack']} / {c['server']} / {c['store']} ({p.get('samples', 0)} samples): {shares}")
    lines.append("\ntargets (this run):")
    for target in report["targets"]:
        levels = ", ".join(f"{k}: {v:.2f}" for k, v in target["by_concurrency"].items())
        lines.append(f"  {'met ' if target['met'] else 'MISS'} {target['target']}: {target['value']:.2f} ({levels})")
    return "\n".join(lines)


def render_markdown(report: Dict[str, Any]) -> str:
    """The protected rows as benchmarks/README.md's table, then the targets."""
    machine, settings = report["machine"], report["settings"]
    versions = ", ".join(f"{k} {v}" for k, v in report["versions"].items() if v)
    lines = [f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['system']}, {machine['python']} "
             f"(load average at the start: {', '.join(f'{x:.1f}' for x in machine['load_average_at_start'])}). "
             f"Versions: {versions}. Each figure: {settings['rounds']} samples of {settings['duration']} s after "
             f"{settings['warmup']} s of warm-up, alternated with its ceiling's; client {settings['client']}, "
             f"{settings['generator_processes']} generator processes; {report['seconds'] / 60:.1f} minutes in all.", "",
             "| stack | server | store | connections | rps | p50 ms | p99 ms | x ceiling | x ceiling (CPU) | "
             "ceiling rps | added server CPU us |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in report["rows"]:
        if row["route"] != "protected":
            continue
        lines.append(f"| {row['stack']} | {row['server']} | {row['store']} | {row['concurrency']} | "
                     f"{row['requests_per_second']:.0f} | {_fmt(row['p50_ms'], '.2f')} | {_fmt(row['p99_ms'], '.2f')} | "
                     f"{_fmt(row['ceiling_fraction'], '.2f')} | {_fmt(row.get('cpu_ceiling_fraction'), '.2f')} | "
                     f"{_fmt(row.get('ceiling_rps'), '.0f')} | {_fmt(row.get('added_server_cpu_us'), '.0f')} |")
    lines += ["", "| target | this run (median over the levels) | by connections | from CPU per request | |",
              "|---|---|---|---|---|"]
    for target in report["targets"]:
        levels = ", ".join(f"{k}: {v:.2f}" for k, v in target["by_concurrency"].items())
        cpu = target.get("cpu_fraction_by_concurrency") or target.get("cpu_ratio_by_concurrency") or {}
        cpu_text = ", ".join(f"{k}: {v:.2f}" for k, v in cpu.items())
        lines.append(f"| {target['target']} | {target['value']:.2f} | {levels} | {cpu_text} | "
                     f"{'met' if target['met'] else '**missed**'} |")
    return "\n".join(lines)


def run(quick: bool, settings: Settings, stacks: Optional[List[str]], processes: int, progress: Any) -> Dict[str, Any]:
    cores = os.cpu_count() or 1
    configs = [c for c in matrix(quick, cores) if not stacks or c.stack in stacks]
    started = time.monotonic()
    report: Dict[str, Any] = {"suite": "oauth1core HTTP benchmark", "quick": quick, "machine": _machine(),
                              "versions": _versions(), "settings": dict(settings._asdict(), generator_processes=processes)}
    workdir = tempfile.mkdtemp(prefix="oauth1core-bench-http-")
    pool = http_gen.Pool(processes)
    redis: Optional[Process] = None
    results: List[Dict[str, Any]] = []
    try:
        redis_url = ""
        if any(c.store == "redis" for c in configs):
            redis, redis_url = http_procs.start_redis(workdir)
            progress(f"redis-server process group {redis.pgid}")
        for config in configs:
            results.append(run_config(pool, config, settings, workdir, redis, redis_url, progress))
    finally:
        pool.close()
        http_procs.stop_all()  # redis-server, and any server an interruption left
        shutil.rmtree(workdir, ignore_errors=True)
    report["configs"] = results
    report["rows"] = [row for result in results for row in result["rows"]]
    report["targets"] = targets(report["rows"])
    report["generator_check"] = generator_check(results)
    report["process_groups"] = [result["pgid"] for result in results] + ([redis.pgid] if redis else [])
    report["ports"] = [result["port"] for result in results]
    report["seconds"] = time.monotonic() - started
    return report


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m oauth1core bench --http",
        description="Requests per second over real HTTP on loopback: the built-in server, the WSGI and ASGI "
        "integrations under gunicorn and uvicorn, and Flask with oauthlib and Authlib, each against the unsigned "
        "ceiling of the same server.")
    parser.add_argument("--json", action="store_true", help="print the report as JSON (rows: one object each)")
    parser.add_argument("--quick", action="store_true", help="one of each stack, one level, short: a smoke test")
    parser.add_argument("--output", metavar="FILE", help="also write the JSON report to FILE")
    parser.add_argument("--from-json", metavar="FILE", help="render a saved report (--output) instead of running")
    parser.add_argument("--markdown", action="store_true", help="print the protected rows and the targets as "
                        "benchmarks/README.md's tables")
    parser.add_argument("--duration", type=float, help="seconds per sample (default 1; quick: 0.4)")
    parser.add_argument("--rounds", type=int, help="samples per figure, ceiling and protected alternated (default 3; "
                        "quick: 1)")
    parser.add_argument("--client", choices=sorted(http_gen.CLIENTS), default="raw",
                        help="the generator's HTTP client: raw (default: socket alone, about half the CPU per "
                        "request) or http.client")
    parser.add_argument("--warmup", type=float, help="seconds before each sample (default 0.3; quick: 0.1)")
    parser.add_argument("--concurrency", help="comma-separated levels (default 1,8,32; quick: 4)")
    parser.add_argument("--stack", action="append", choices=["oauth1core-serve", *http_stacks.STACKS],
                        help="only these stacks (repeatable)")
    parser.add_argument("--processes", type=int, default=2, help="generator processes (default 2)")
    parser.add_argument("--profile", action="store_true", help="py-spy on one worker of each server during one "
                        "more protected sample: where its time goes (pip install py-spy)")
    parser.add_argument("--no-wrk", action="store_true", help="skip the cross-checks of the generator (wrk, and "
                        "the ceiling with the other client)")
    args = parser.parse_args(argv)
    levels = tuple(int(v) for v in args.concurrency.split(",")) if args.concurrency else (
        QUICK_LEVELS if args.quick else FULL_LEVELS)
    settings = Settings(levels, args.warmup if args.warmup is not None else (0.1 if args.quick else 0.3),
                        args.duration if args.duration is not None else (0.4 if args.quick else 1.0),
                        args.rounds or (1 if args.quick else 3), not args.no_wrk and not args.quick, args.client,
                        args.profile)

    if args.from_json:
        with open(args.from_json, encoding="utf-8") as handle:
            saved = json.load(handle)
        saved["targets"] = targets(saved["rows"])
        print(render_markdown(saved) if args.markdown else render(saved))
        return 0

    def progress(text: str) -> None:
        print(f"  {text}", file=sys.stderr, flush=True)

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    # Ctrl-C stops every process started, even when this one was started with SIGINT ignored
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        report = run(args.quick, settings, args.stack, max(1, args.processes), progress)
    except KeyboardInterrupt:
        print("interrupted: every server, redis-server and generator process was stopped", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=1)
    print(json.dumps(report, indent=1) if args.json else render_markdown(report) if args.markdown else render(report))
    return 0
