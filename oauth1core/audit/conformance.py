"""A conformance kit for any OAuth 1.0a implementation: the test vectors over a line protocol.

Theory of operation. The implementation under test is a command that reads one JSON object per
line on its standard input, ``{"id", "kind", "input"}`` (the kinds and inputs of the vector
format, ``vectors/README.md``), and writes one per line on its standard output: ``{"id",
"output"}``, ``{"id", "error"}`` when it refuses the input, or ``{"id", "unsupported": true}``.
The kit asks one case at a time and waits for its answer (:class:`Implementation`, the only
part that does I/O); :func:`compare` turns a case and an answer into an :class:`Outcome`
(passed, failed or unsupported), and for a wrong signature or base string names the
:mod:`diagnose <oauth1core.audit.diagnose>` mistake that reproduces it, when one does.

An answer that is not a protocol answer, a command that exits early or stays silent past the
timeout is a :class:`ConformanceError`: the run stops, since no verdict after it can be trusted.
"""

from __future__ import annotations

import json
import os
import queue
import shlex
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..errors import OAuthError
from .capture import from_parts
from .diagnose import diagnose, explain_base_string, explain_signature
from .observe import observe

__all__ = ["Case", "Outcome", "ConformanceError", "KINDS", "load_cases", "compare", "Implementation", "run",
           "totals", "by_kind"]

KINDS = ("percent_encode", "percent_decode", "base_string_uri", "normalize_parameters", "signature_base_string",
         "signature", "request")
_ERROR = {"error": True}


class ConformanceError(Exception):
    """The run cannot go on: an unreadable vector file, or an implementation that crashed,
    timed out or wrote something that is not a protocol answer (exit status 2)."""


@dataclass(frozen=True)
class Case:
    file: str
    id: str
    kind: str
    input: Dict[str, Any]
    expect: Any

    @property
    def key(self) -> str:
        """The id sent over the protocol: unique across files."""
        return f"{self.file}/{self.id}"

    def message(self) -> str:
        return json.dumps({"id": self.key, "kind": self.kind, "input": self.input})


@dataclass(frozen=True)
class Outcome:
    case: Case
    verdict: str  # "passed", "failed", "unsupported"
    actual: Any = None
    problems: Tuple[str, ...] = ()
    diagnosis: Tuple[str, ...] = field(default=())

    def to_dict(self) -> Dict[str, Any]:
        return {"file": self.case.file, "id": self.case.id, "kind": self.case.kind, "verdict": self.verdict,
                "expected": self.case.expect, "actual": self.actual, "problems": list(self.problems),
                "diagnosis": list(self.diagnosis)}


def load_cases(paths: List[str]) -> List[Case]:
    """Every case of every file (format 1); a file that does not follow it is an error."""
    cases: List[Case] = []
    for path in paths:
        name = os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ConformanceError(f"{name}: not a readable JSON file: {exc.__class__.__name__}") from None
        if not isinstance(document, dict) or document.get("format") != 1 or not isinstance(document.get("cases"), list):
            raise ConformanceError(f"{name}: not a vector file of format 1")
        for index, case in enumerate(document["cases"]):
            if not (isinstance(case, dict) and {"id", "kind", "input", "expect"} <= set(case)
                    and case["kind"] in KINDS and isinstance(case["input"], dict)):
                raise ConformanceError(f"{name}: case #{index} does not follow the format")
            cases.append(Case(name, str(case["id"]), case["kind"], case["input"], case["expect"]))
    return cases


def _answer_kind(case: Case, answer: Any) -> str:
    """Which answer this is ("output", "error", "unsupported"); raises on anything else."""
    if not isinstance(answer, dict) or answer.get("id") != case.key:
        raise ConformanceError(f"expected an answer for {case.key!r}, got {_excerpt(answer)}")
    kinds = [k for k in ("output", "error", "unsupported") if k in answer]
    if len(kinds) != 1 or (kinds == ["unsupported"] and answer["unsupported"] is not True):
        raise ConformanceError(f"the answer to {case.key!r} needs exactly one of output, error, "
                               f"unsupported: true; got {_excerpt(answer)}")
    return kinds[0]


def _excerpt(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return repr(text[:200] + ("..." if len(text) > 200 else ""))


def compare(case: Case, answer: Any) -> Outcome:
    """The verdict on one answer (sans-I/O)."""
    kind = _answer_kind(case, answer)
    if kind == "unsupported":
        return Outcome(case, "unsupported")
    expect = case.expect
    if kind == "error":
        actual: Any = {"error": answer["error"]}
        ok = expect == _ERROR
        return Outcome(case, "passed" if ok else "failed", actual, () if ok else ("refused the input",))
    actual = answer["output"]
    if case.kind != "request" or expect == _ERROR:
        if actual == expect:
            return Outcome(case, "passed", actual)
        return Outcome(case, "failed", actual, ("wrong output",), tuple(_diagnose(case, actual)))
    if not isinstance(actual, dict):
        return Outcome(case, "failed", actual, ("the output of a request case is an object",))
    problems = tuple(f"{key}: expected {expect[key]!r}, got {actual.get(key, '(missing)')!r}"
                     for key in sorted(expect) if actual.get(key) != expect[key])
    if not problems:
        return Outcome(case, "passed", actual)
    return Outcome(case, "failed", actual, problems, tuple(_diagnose(case, actual)))


def _diagnose(case: Case, actual: Any) -> List[str]:
    """The known client mistakes that reproduce a wrong base string or signature."""
    try:
        return _diagnosis_of(case, actual)
    except (OAuthError, ValueError, TypeError, KeyError, AttributeError):
        return []  # an input the diagnosis cannot read: no explanation, not a crash


def _diagnosis_of(case: Case, actual: Any) -> List[str]:
    inp = case.input
    if case.kind == "signature" and isinstance(actual, str):
        return explain_signature(inp["signature_method"], inp["base_string"], inp.get("client_secret", ""),
                                 inp.get("token_secret", ""), actual)
    if case.kind == "signature_base_string" and isinstance(actual, str):
        oauth = [(n, v) for n, v in inp["params"] if n.startswith("oauth_")]
        form = [(n, v) for n, v in inp["params"] if not n.startswith("oauth_")]
        return _ids(explain_base_string(observe(_capture(inp["method"], inp["uri"], oauth, form)), actual))
    if case.kind != "request" or not isinstance(actual, dict):
        return []
    observed = observe(from_parts(inp["method"], inp["uri"], inp.get("headers") or {}, inp.get("body")))
    if isinstance(actual.get("base_string"), str) and actual["base_string"] != case.expect.get("base_string", actual["base_string"]):
        return _ids(explain_base_string(observed, actual["base_string"]))
    if isinstance(actual.get("signature"), str) and actual["signature"] != case.expect.get("signature", actual["signature"]):
        result = diagnose(observed, client_secret=inp.get("client_secret", ""), token_secret=inp.get("token_secret", ""),
                          signature=actual["signature"])
        return _ids(result.findings)
    return []


def _capture(method: str, uri: str, oauth: List[Tuple[str, str]], form: List[Tuple[str, str]]) -> Any:
    from ..parameters import build_authorization_header, encode_form

    headers = {"Authorization": build_authorization_header(oauth)} if oauth else {}
    if form:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return from_parts(method, uri, headers, encode_form(form) if form else None)


def _ids(findings: List[Any]) -> List[str]:
    return [f"{f.id}: {'; '.join(d for d in f.details if d)}" if any(f.details) else f.id for f in findings]


class Implementation:
    """The command under test, spoken to over the line protocol, one case at a time."""

    def __init__(self, command: str, timeout: float = 10.0) -> None:
        self.command, self.timeout = command, timeout
        try:
            argv = shlex.split(command)
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
        except (OSError, ValueError) as exc:
            raise ConformanceError(f"cannot run {command!r}: {exc.__class__.__name__}: {exc}") from None
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self.stderr: List[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr = (self.stderr + [line.rstrip()])[-5:]

    def ask(self, case: Case) -> Any:
        """Send one case, return its answer (parsed JSON); raises :class:`ConformanceError`."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(case.message() + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise ConformanceError(self._gone(case)) from None
        try:
            line = self.lines.get(timeout=self.timeout)
        except queue.Empty:
            self.process.kill()  # silent: nothing more to wait for
            raise ConformanceError(f"no answer to {case.key!r} within {self.timeout:g} s") from None
        if line is None:
            raise ConformanceError(self._gone(case))
        try:
            return json.loads(line)
        except ValueError:
            raise ConformanceError(f"the answer to {case.key!r} is not JSON: {_excerpt(line.rstrip())}") from None

    def _gone(self, case: Case) -> str:
        code = self.process.poll()
        if code is None:
            try:
                code = self.process.wait(1)
            except subprocess.TimeoutExpired:
                code = None
        if code is not None:
            self._drainer.join(1)  # the stopped command's last error output, read to its end
        tail = ("; its last error output: " + " | ".join(self.stderr)) if self.stderr else ""
        return f"the command stopped (exit status {code}) before answering {case.key!r}{tail}"

    def close(self) -> None:
        for stream in (self.process.stdin,):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run(cases: List[Case], ask: Callable[[Case], Any]) -> List[Outcome]:
    """Every case, in order, through ``ask`` (an :class:`Implementation`'s, or any function)."""
    return [compare(case, ask(case)) for case in cases]


def totals(outcomes: List[Outcome]) -> Dict[str, int]:
    counts = {"passed": 0, "failed": 0, "unsupported": 0}
    for outcome in outcomes:
        counts[outcome.verdict] += 1
    return counts


def by_kind(outcomes: List[Outcome]) -> Dict[str, Dict[str, int]]:
    """The matrix row of one implementation: kind -> passed/failed/unsupported."""
    return {kind: totals([o for o in outcomes if o.case.kind == kind]) for kind in KINDS}
