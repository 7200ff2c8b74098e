"""Where a server worker's time goes during a measurement of the HTTP benchmark
(``bench --http --profile``): ``py-spy`` (``pip install py-spy``) samples one worker while the
protected route is loaded, and the samples are grouped by component and by function.

Only samples where a thread of the worker holds the GIL are taken (``py-spy --gil``): the
shares are of the time the worker runs Python code, not of its system calls (accept, send,
close: on loopback, the kernel's TCP work) nor of its waits. Samples whose innermost frame
waits for work anyway (a selector, a lock, a queue) are left out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections import Counter
from typing import Any, Dict, List, Optional

from . import http_procs

#: component -> substrings of a frame's file that belong to it (first match wins)
COMPONENTS = (
    ("oauth1core store", ("oauth1core/stores/", "redis/", "sqlite3/")),
    ("oauth1core middleware", ("oauth1core/wsgi.py", "oauth1core/asgi.py", "oauth1core/gateway.py")),
    ("oauth1core verification", ("oauth1core/",)),
    ("oauthlib", ("oauthlib/",)),
    ("Authlib", ("authlib/",)),
    ("Flask and Werkzeug", ("flask/", "werkzeug/")),
    ("the benchmark's app", ("benchmarks/",)),
    ("server (gunicorn, uvicorn, http.server)", ("gunicorn/", "uvicorn/", "http/server.py", "socketserver.py",
                                                 "asyncio/", "httptools", "email/")),
)


def worker_pid(pgid: int) -> int:
    """The busiest process (most CPU time so far) of the server whose process group is ``pgid``:
    a worker, not the arbiter or a helper such as multiprocessing's resource tracker."""
    members = http_procs.group_members(pgid)
    return max(members, key=lambda pid: http_procs.groups_cpu_of(pid)) if members else pgid


class Profiler:
    """``py-spy record`` on one process for ``seconds``; :meth:`result` waits and summarizes."""

    def __init__(self, pid: int, seconds: float) -> None:
        binary = shutil.which("py-spy") or os.path.join(os.path.dirname(http_procs.python()), "py-spy")
        self.output = tempfile.NamedTemporaryFile(prefix="oauth1core-bench-pyspy-", suffix=".txt", delete=False).name
        self.process: Optional[subprocess.Popen] = None  # type: ignore[type-arg]
        if os.path.exists(binary):
            self.process = subprocess.Popen(
                [binary, "record", "--gil", "--format", "raw", "--rate", "250", "--duration", str(max(1, round(seconds))),
                 "--output", self.output, "--pid", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def result(self) -> Dict[str, Any]:
        if self.process is None:
            return {"error": "py-spy is not installed (pip install py-spy)"}
        try:
            self.process.wait(timeout=60)
            with open(self.output, encoding="utf-8", errors="replace") as handle:
                return summarize(handle.read().splitlines())
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.process.kill()
            return {"error": f"py-spy: {exc}"}
        finally:
            if os.path.exists(self.output):
                os.unlink(self.output)


#: innermost frames that wait for work rather than do it
_IDLE = ("selectors.py", "(threading.py", "(queue.py", "wait (", "sleep (", "_run_once (asyncio", "accept (socket.py")


def _component(frame: str) -> Optional[str]:
    for name, parts in COMPONENTS:
        if any(part in frame for part in parts):
            return name
    return None


def summarize(lines: List[str], top: int = 12) -> Dict[str, Any]:
    """Shares of the samples: by component (a sample counts for the innermost frame that
    belongs to one) and by oauth1core function (inclusive)."""
    total = 0
    components: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = stack.split(";")
        if any(idle in frames[-1] for idle in _IDLE):
            continue
        total += samples
        owner = next((c for c in map(_component, reversed(frames)) if c is not None), "other")
        components[owner] += samples
        for frame in set(frames):
            if "oauth1core/" in frame:
                functions[frame] += samples
    if not total:
        return {"error": "no samples"}
    return {"samples": total,
            "components": {name: count / total for name, count in components.most_common()},
            "oauth1core_functions": {name: count / total for name, count in functions.most_common(top)}}
