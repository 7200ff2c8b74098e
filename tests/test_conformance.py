"""The conformance kit: the published matrix is what the adapters give, failures are explained,
and a broken implementation stops the run with exit 2. Cost: about 10 s on a loaded 2-core machine
(five adapters over the vectors, a mistaken signer, five broken commands on a one-case file)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from oauth1core.audit.conformance import KINDS, Case, compare
from oauth1core.cli.audit import main_conformance

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "docs" / "examples" / "conformance"
PY = sys.executable
ADAPTERS = {
    "oauth1core (reference)": [PY, str(EXAMPLES / "oauth1core_adapter.py")],
    "oauthlib": [PY, str(EXAMPLES / "oauthlib_adapter.py")],
    "Authlib": [PY, str(EXAMPLES / "authlib_adapter.py")],
    "requests-oauthlib (signer)": [PY, str(EXAMPLES / "requests_oauthlib_adapter.py")],
    "Node.js example": ["node", str(EXAMPLES / "node_adapter.js")],
}


def conformance(command: List[str], *args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([PY, "-m", "oauth1core", "conformance", "--exec", subprocess.list2cmdline(command), *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def published_matrix() -> Dict[str, List[str]]:
    """The rows of the matrix in docs/audit.md: implementation -> cells ("passed / failed / unsupported")."""
    rows = {}
    for line in (ROOT / "docs" / "audit.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] in ADAPTERS:
            rows[cells[0]] = cells[1:]
    return rows


def row_of(by_kind: Dict[str, Dict[str, int]], totals: Dict[str, int]) -> List[str]:
    return [f"{c['passed']} / {c['failed']} / {c['unsupported']}" for c in [by_kind[k] for k in KINDS] + [totals]]


@pytest.mark.peers
def test_the_published_matrix_is_what_the_adapters_give() -> None:
    published = published_matrix()
    assert set(published) == set(ADAPTERS)
    measured = {}
    for name, command in ADAPTERS.items():
        done = conformance(command, "--json")
        assert done.returncode in (0, 1), (name, done.stderr)
        report = json.loads(done.stdout)
        measured[name] = row_of(report["by_kind"], report["totals"])
        assert done.returncode == (1 if report["totals"]["failed"] else 0)
    table = "\n".join(f"| {name} | " + " | ".join(cells) + " |" for name, cells in measured.items())
    assert measured == published, "docs/audit.md's matrix is stale; the rows now are:\n" + table
    assert measured["oauth1core (reference)"][-1].split(" / ")[1] == "0"


def test_failures_show_expected_actual_and_the_mistake() -> None:
    done = conformance([PY, str(ROOT / "tests" / "conformance_mistaken.py")])
    assert done.returncode == 1
    out = done.stdout
    assert re.search(r"^\d+ passed, [1-9]\d* failed, \d+ unsupported$", out.splitlines()[-1])
    block = out.split("FAIL twitter.json: base-string-v1  [signature_base_string]\n", 1)[1].split("FAIL", 1)[0]
    assert block.startswith('  expected: "POST&https%3A%2F%2Fapi.twitter.com') and "request%2521" in block
    assert 'request%21"' in block.splitlines()[1] and block.splitlines()[1].startswith("  actual:   ")
    assert "  diagnose: reserved-not-encoded: at the parameter level" in block
    assert "FAIL rfc5849.json: signature-1.2-initiate  [signature]" in out
    assert "diagnose: key-ampersand-missing" in out.split("signature-1.2-initiate", 1)[1].split("FAIL", 1)[0]


@pytest.fixture()
def one_case(tmp_path: Path) -> Path:
    path = tmp_path / "one.json"
    case = {"id": "c1", "kind": "percent_encode", "input": {"value": "a b"}, "expect": "a%20b"}
    path.write_text(json.dumps({"format": 1, "source": "test", "cases": [case]}))
    return path


BROKEN: List[Tuple[str, str]] = [
    ("import sys; sys.stdin.readline(); sys.stderr.write('boom\\n'); sys.exit(3)", "stopped (exit status 3)"),
    ("import sys; sys.stdin.readline(); print('hello', flush=True)", "is not JSON: 'hello'"),
    ("import sys; sys.stdin.readline(); print('{\"id\": \"x\", \"output\": 1}', flush=True)", "expected an answer for 'one.json/c1'"),
    ("import sys, time; sys.stdin.readline(); time.sleep(30)", "no answer to 'one.json/c1' within 0.5 s"),
]


def in_process(capsys: pytest.CaptureFixture[str], command: List[str], *args: str) -> Tuple[int, str, str]:
    """The command in this process (the implementation is still a process of its own)."""
    status = main_conformance(["--exec", subprocess.list2cmdline(command), *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("code,message", BROKEN)
def test_a_broken_implementation_stops_the_run(code: str, message: str, one_case: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = in_process(capsys, [PY, "-c", code], "--only", str(one_case), "--timeout", "0.5")
    assert status == 2 and out == ""
    assert err.startswith("oauth1core: ") and message in err, err
    if "exit status 3" in message:
        assert "boom" in err


def test_given_files_and_a_missing_command(one_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    echo = "import sys, json\nfor l in sys.stdin: print(json.dumps({'id': json.loads(l)['id'], 'output': 'a%20b'}), flush=True)"
    assert in_process(capsys, [PY, "-c", echo], "--only", str(one_case)) == (0, "1 passed, 0 failed, 0 unsupported\n", "")
    status, _, err = in_process(capsys, ["no-such-command-p15"], "--only", str(one_case))
    assert status == 2 and "cannot run" in err


def test_compare_is_sans_io() -> None:
    case = Case("f.json", "r", "request", {}, {"valid": True, "base_string": "B"})
    assert compare(case, {"id": "f.json/r", "output": {"valid": True, "base_string": "B"}}).verdict == "passed"
    failed = compare(case, {"id": "f.json/r", "output": {"valid": False}})
    assert failed.verdict == "failed" and failed.problems == ("base_string: expected 'B', got '(missing)'",
                                                              "valid: expected True, got False")
    assert compare(case, {"id": "f.json/r", "unsupported": True}).verdict == "unsupported"
    error_case = Case("f.json", "e", "percent_decode", {"value": "%zz"}, {"error": True})
    assert compare(error_case, {"id": "f.json/e", "error": "bad escape"}).verdict == "passed"
    assert compare(error_case, {"id": "f.json/e", "output": "%zz"}).verdict == "failed"
