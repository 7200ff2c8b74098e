"""Smoke test of the benchmark suite (benchmarks/): it runs, once, in its quick mode.

No timing is asserted: the figures of a quick run mean nothing. What is checked is that every
row runs, oauth1core's cases pass their correctness checks (a case that fails its check is
reported as an error instead of being timed), and the JSON report has its documented shape.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any, Dict, List

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GROUPS = ["twitter", "photos", "large", "json-body-hash", "methods", "components", "import"]


def _bench(executable: str, *args: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [executable, "-m", "oauth1core", "bench", "--quick", *args],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )


def _check_report(report: Dict[str, Any], *, groups: List[str]) -> None:
    for key in ("suite", "format", "quick", "machine", "python", "versions", "method", "rows", "targets", "seconds"):
        assert key in report, key
    assert report["quick"] is True
    assert report["versions"]["oauth1core"]
    assert report["method"]["rounds"] >= 1 and report["method"]["loop_overhead_us"] > 0
    rows = report["rows"]
    assert rows
    assert {row["workload"].split("/")[0] for row in rows} >= {g for g in groups if g not in ("methods", "components", "import")}
    for row in rows:
        assert set(row) >= {"operation", "workload", "title", "results", "errors", "notes"}
        assert "oauth1core" not in row["errors"], (row["title"], row["errors"])
        names = [result["implementation"] for result in row["results"]]
        assert "oauth1core" in names, row["title"]
        for result in row["results"]:
            assert 0 < result["min_us"] <= result["median_us"] <= result["max_us"], result
            assert result["q1_us"] <= result["q3_us"]
            assert result["samples"] >= 1 and result["calls_per_sample"] >= 1
            for ratio in ("ratio_to_floor", "ratio_to_oauth1core"):
                if ratio in result:
                    assert result[ratio] > 0
    operations = {(row["operation"], row["workload"]) for row in rows}
    if "twitter" in groups:
        assert {("sign", "twitter"), ("verify", "twitter"), ("provider", "twitter")} <= operations
    if "methods" in groups:
        assert ("rsa sign", "photos/RSA-SHA1") in operations and ("verify", "photos/RSA-SHA512") in operations
    assert len(report["targets"]) == 9
    for target in report["targets"]:
        assert set(target) >= {"target", "value", "limit", "met", "detail"}
        assert target["value"] is None or target["value"] > 0


@pytest.mark.peers  # --compare measures the peers (oauthlib's import time among them)
def test_quick_run_with_peers_json() -> None:
    result = _bench(sys.executable, "--compare", "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    _check_report(report, groups=GROUPS)
    assert report["compare"] is True
    imports = report["import_time"]
    assert imports["oauth1core"]["median_ms"] > 0
    # Importing the package loads what signing needs, and nothing of the provider, RSA or adapters.
    loaded = set(imports["oauth1core_modules"])
    assert not {"oauth1core.server", "oauth1core.methods.rsa", "oauth1core.verify", "oauth1core.parsing"} & loaded
    assert not any(name.split(".")[1] in ("adapters", "stores", "cli", "audit") for name in loaded if "." in name)


def test_quick_run_text() -> None:
    result = _bench(sys.executable, "--workload", "components")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "targets (this run)" in result.stdout
    assert "HMAC-SHA1 signature of the precomputed base string" in result.stdout


@pytest.mark.skipif(shutil.which("pypy3") is None, reason="pypy3 is not installed")
def test_quick_run_under_pypy() -> None:
    pypy = shutil.which("pypy3")
    assert pypy is not None
    result = _bench(pypy, "--json", "--workload", "twitter", "--workload", "methods")
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["python"]["implementation"] == "pypy"
    _check_report(report, groups=["twitter", "methods"])
