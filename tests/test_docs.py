"""Every code block of README.md, vectors/README.md and docs/*.md runs, or is visibly a sketch.

One test per markdown file (a new file under docs/ is picked up by itself). Its blocks run in the
order they appear:

* ```python blocks run in one namespace per file (a block may use the names of the blocks above
  it); a block with a top-level ``await`` / ``async with`` runs in the file's event loop. A block
  whose first line is ``# sketch: <why>`` is compiled, not run.
* ```sh / ```bash / ```shell blocks run with bash (``set -euo pipefail``) and must exit 0.
  ```console blocks are ``$ command`` lines followed by their output: each command runs (in one
  bash session) and every line of output shown must appear, in that
  order, in what it prints (a line ``...`` stands for anything). A shell block whose first line
  is ``# sketch: <why>`` is only parsed (``bash -n``).
  The shell blocks of a file are one terminal session: a variable one of them exports is set in
  the ones below it.
* Other blocks (```http, ```json, plain ```) are data, not programs.

What a block may count on, besides the package and its ``test`` extra (``python`` and
``oauth1core`` are on the PATH):

* the working directory is a fresh temporary folder per file, as the top of a checkout: a copy
  of ``oauth1core/`` (so ``python -m oauth1core`` runs it), ``rejected.http`` (the
  file's last ```http block, the captured request the audit examples read), ``private.pem`` and
  ``consumer-cert.pem`` (an RSA private key and its X.509 certificate: the OAuth test cases' key);
* a provider runs on loopback (``python -m oauth1core serve``, consumer ``photo-app`` /
  ``app-secret``, ``--auto-approve alice``), and the namespace of the python blocks starts with:
  ``key``, ``secret`` (that consumer), ``endpoints`` (its three endpoints, an
  ``oauth1core.flow.Endpoints``), ``client`` (an ``oauth1core.Client`` holding token credentials
  it issued, from a three-legged flow run beforehand) and ``url`` (its protected resource,
  ``/api/whoami``). Shell blocks get the provider's address as ``$OAUTH1CORE_DOCS_PROVIDER``.

A block that neither runs nor is marked fails with its ``file:line``. About 10 s in all. Marked
``peers``: blocks use requests, httpx and aiohttp (the ``test`` extra).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from peer_providers import UrllibDriver, three_legged_with
from store_suite import ServeProcess

pytestmark = pytest.mark.peers

ROOT = Path(__file__).resolve().parent.parent
PYTHON = {"python", "py", "python3"}
SHELL = {"sh", "bash", "shell", "console", "shell-session"}
SKETCH = re.compile(r"#\s*sketch:\s*\S")
CONSUMER = ("photo-app", "app-secret")
SHELL_TIMEOUT = 60
# The shell blocks of a file are one terminal session: what one exports, the next ones see.
SESSION_IN = "if [ -f .docs-session ]; then . ./.docs-session; fi\n"
SESSION_OUT = "\nexport -p > .docs-session\n"
PATHS = {"request_token": "/oauth/request_token", "authorize": "/oauth/authorize", "access_token": "/oauth/access_token"}


@dataclass(frozen=True)
class Block:
    path: str  # relative to the repository
    line: int  # the line of the opening fence (1-based)
    lang: str
    code: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def sketch(self) -> bool:
        first = self.code.lstrip("\n").split("\n", 1)[0].strip()
        return SKETCH.match(first) is not None


def markdown_files() -> List[Path]:
    return [ROOT / "README.md", ROOT / "vectors" / "README.md"] + sorted((ROOT / "docs").glob("*.md"))


def blocks(path: Path) -> Iterator[Block]:
    """The fenced blocks of a markdown file, with the line each starts on."""
    rel = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").split("\n")
    index = 0
    while index < len(lines):
        opening = re.match(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)", lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence, lang = opening.group(1), opening.group(2), opening.group(3).lower()
        start, body = index, []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index][len(indent):] if lines[index].startswith(indent) else lines[index].lstrip())
            index += 1
        if index >= len(lines):
            raise AssertionError(f"{rel}:{start + 1}: a code block that is never closed")
        index += 1
        yield Block(rel, start + 1, lang, "\n".join(body) + "\n")


# -- the fixtures: a provider, an authorized client, a working directory ------------------------------


@pytest.fixture(scope="module")
def provider() -> Iterator[Dict[str, Any]]:
    from oauth1core import Client
    from oauth1core.flow import Endpoints

    with ServeProcess("--consumer", ":".join(CONSUMER), "--auto-approve", "alice") as process:
        base = process.url.rstrip("/")
        client = three_legged_with(UrllibDriver(), Client(*CONSUMER), base, paths=PATHS)
        yield {
            "key": CONSUMER[0],
            "secret": CONSUMER[1],
            "endpoints": Endpoints(*(base + PATHS[leg] for leg in ("request_token", "authorize", "access_token"))),
            "client": client,
            "url": base + "/api/whoami",
        }


def _workdir(tmp: Path, path: Path) -> Path:
    shutil.copytree(ROOT / "oauth1core", tmp / "oauth1core", ignore=shutil.ignore_patterns("__pycache__"))
    rsa = json.loads((ROOT / "vectors" / "rsa.json").read_text(encoding="utf-8"))
    keyed = next(c["input"] for c in rsa["cases"] if "rsa_private_key" in c["input"] and "certificate" in c["input"])
    (tmp / "private.pem").write_text(keyed["rsa_private_key"], encoding="utf-8")
    (tmp / "consumer-cert.pem").write_text(keyed["certificate"], encoding="utf-8")
    for block in blocks(path):
        if block.lang == "http":
            (tmp / "rejected.http").write_text(block.code, encoding="utf-8")
    return tmp


def _shell_env(provider: Dict[str, Any]) -> Dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["OAUTH1CORE_DOCS_PROVIDER"] = provider["url"].rsplit("/api/", 1)[0]
    for name in ("OAUTH_CLIENT_SECRET", "OAUTH_TOKEN_SECRET"):
        env.pop(name, None)
    return env


# -- running the blocks -----------------------------------------------------------------------------------


def _fail(block: Block, what: str) -> None:
    pytest.fail(
        f"{block.where}: this ```{block.lang} block {what}\n"
        f"Make it run (tests/test_docs.py says what a block may count on), or start it with "
        f"'# sketch: <why it cannot run>'.",
        pytrace=False,
    )


def _compile(block: Block) -> Any:
    source = "\n" * block.line + block.code  # tracebacks then give the markdown file's line numbers
    try:
        return compile(source, block.path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as exc:
        _fail(block, f"is not valid Python: {exc}")


def run_python(block: Block, namespace: Dict[str, Any], loop: asyncio.AbstractEventLoop) -> None:
    code = _compile(block)
    if block.sketch:
        return
    try:
        if code.co_flags & inspect.CO_COROUTINE:
            loop.run_until_complete(eval(code, namespace))
        else:
            exec(code, namespace)
    except Exception as exc:  # any failure of a block is reported with its place
        shown = traceback.format_exception(type(exc), exc, exc.__traceback__)
        failure = f"raised {type(exc).__name__}: {exc}\n" + "".join(shown[-6:])
    else:
        return
    _fail(block, failure)


def _console(code: str) -> List[Tuple[str, List[str]]]:
    """``$ command`` lines (with their ``\\`` continuations) and the output shown after each."""
    steps: List[Tuple[str, List[str]]] = []
    lines = code.rstrip("\n").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("$ "):
            command = [line[2:]]
            while command[-1].endswith("\\") and index + 1 < len(lines):
                index += 1
                command.append(lines[index])
            steps.append(("\n".join(command), []))
        elif steps:
            steps[-1][1].append(line)
        index += 1
    return steps


def _shows(expected: List[str], actual: str) -> str:
    """'' when every expected line appears in ``actual`` in order (``...`` matches anything), else
    the first line that does not."""
    got = [line.rstrip() for line in actual.split("\n")]
    position = 0
    for line in expected:
        if line.strip() in ("", "..."):
            continue
        while position < len(got) and got[position] != line.rstrip():
            position += 1
        if position == len(got):
            return line
        position += 1
    return ""


def _bash(block: Block, command: List[str], cwd: Path, env: Dict[str, str]) -> "subprocess.CompletedProcess[str]":
    try:
        return subprocess.run(command, cwd=str(cwd), env=env, capture_output=True, text=True, timeout=SHELL_TIMEOUT)
    except subprocess.TimeoutExpired:
        _fail(block, f"was still running after {SHELL_TIMEOUT} s (a server? mark it '# sketch: ...')")
        raise


def run_shell(block: Block, cwd: Path, env: Dict[str, str]) -> None:
    console = block.lang in ("console", "shell-session")
    steps = _console(block.code) if console else []
    script = "\n".join(command for command, _ in steps) if console else block.code
    if console and not steps and not block.sketch:
        _fail(block, "shows no '$ command' line to run")
    if block.sketch or not script.strip():  # a console sketch: only its '$' commands are parsed
        result = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
        if result.returncode != 0:
            _fail(block, f"is not valid shell: {result.stderr.strip()}")
        return
    if not steps:
        result = _bash(block, ["bash", "-euo", "pipefail", "-c", SESSION_IN + script + SESSION_OUT], cwd, env)
        if result.returncode != 0:
            _fail(block, f"exited {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        return
    marker = "--- oauth1core docs: next command ---"
    # after each command: the marker, then its exit status restored (so '$ echo $?' shows it)
    program = "\n".join(f"{command}\nstatus=$?; echo '{marker}'; (exit $status)" for command, _ in steps)
    result = _bash(block, ["bash", "-c", SESSION_IN + program + SESSION_OUT], cwd, env)
    outputs = result.stdout.split(marker + "\n")
    for (command, expected), actual in zip(steps, outputs):
        missing = _shows(expected, actual)
        if missing:
            _fail(block, f"does not print what it shows: '$ {command}' printed\n{actual[-3000:]}\n"
                  f"{result.stderr[-1000:]}\nwithout the line\n{missing}")


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_block_runs_or_is_a_sketch(path: Path, provider: Dict[str, Any], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = _workdir(tmp_path, path)
    monkeypatch.chdir(cwd)
    namespace: Dict[str, Any] = {"__name__": "__docs__", **provider}
    env = _shell_env(provider)
    loop = asyncio.new_event_loop()
    ran = 0
    try:
        for block in blocks(path):
            if block.lang in PYTHON:
                run_python(block, namespace, loop)
            elif block.lang in SHELL:
                run_shell(block, cwd, env)
            else:
                continue
            ran += 1
    finally:
        loop.close()
    assert ran or not any(b.lang in PYTHON | SHELL for b in blocks(path))


def test_the_runner_finds_the_blocks_and_reads_console_sessions() -> None:
    readme = list(blocks(ROOT / "README.md"))
    assert readme and all(b.path == "README.md" and b.line >= 1 for b in readme)
    first = readme[0]
    assert (ROOT / "README.md").read_text(encoding="utf-8").split("\n")[first.line - 1].startswith("```")
    steps = _console("$ echo a \\\n  b\na b\n$ false\n")
    assert steps == [("echo a \\\n  b", ["a b"]), ("false", [])]
    assert _shows(["x", "...", "z"], "x\ny\nz\n") == ""
    assert _shows(["z", "x"], "x\ny\nz\n") == "x"
    assert Block("a.md", 1, "python", "# sketch: needs a person\nx").sketch
    assert not Block("a.md", 1, "python", "x = 1  # sketch: no\n").sketch
