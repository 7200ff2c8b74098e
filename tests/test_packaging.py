"""The package as a user gets it: one build of the wheel and the sdist (``python -m build``: the
sdist first, then the wheel built from the unpacked sdist), ``twine check`` on both, and a fresh
virtual environment holding only the wheel, where the console script's commands must work.

About 30 s on one core (most of it the isolated build environment and the fresh venv). Marked
``peers``: it needs ``build`` and ``twine`` (the ``test`` extra), which the stdlib-only runs of
./test.sh do not install.
"""

from __future__ import annotations

import email
import fnmatch
import json
import os
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest

pytestmark = pytest.mark.peers

ROOT = Path(__file__).resolve().parent.parent
CLASSIFIER = re.compile(r'"Programming Language :: Python :: (3\.\d+)"')


def _run(args: List[str], cwd: Path, timeout: float = 300, env: "Dict[str, str] | None" = None) -> str:
    result = subprocess.run(args, cwd=str(cwd), capture_output=True, text=True, timeout=timeout, env=env)
    assert result.returncode == 0, f"{args} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], ROOT)
    wheels, sdists = sorted(out.glob("*.whl")), sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0], "dir": out}


@pytest.fixture(scope="module")
def wheel_venv(dist: Dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with nothing but the wheel (no dependency could come along)."""
    target = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(str(target))
    python = target / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", str(dist["wheel"])], target)
    return target


def _installed(wheel_venv: Path) -> List[str]:
    out = _run([str(wheel_venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"], wheel_venv)
    return sorted(line.split("==")[0].lower() for line in out.split())


def test_twine_check_passes_on_both(dist: Dict[str, Path]) -> None:
    out = _run([sys.executable, "-m", "twine", "check", "--strict", str(dist["wheel"]), str(dist["sdist"])], ROOT)
    assert out.count("PASSED") == 2, out


def test_wheel_metadata_and_contents(dist: Dict[str, Path]) -> None:
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_string(wheel.read(info).decode("utf-8"))
        entry_points = wheel.read(info.replace("METADATA", "entry_points.txt")).decode("utf-8")
    # No runtime dependency: every Requires-Dist belongs to an extra.
    requires = metadata.get_all("Requires-Dist") or []
    assert requires and all("extra ==" in r for r in requires), requires
    assert {"requests", "httpx", "aiohttp", "redis", "test"} <= set(metadata.get_all("Provides-Extra") or [])
    assert metadata["License-Expression"] == "MIT" and metadata["Requires-Python"] == ">=3.9"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    claimed = CLASSIFIER.findall((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    classifiers = metadata.get_all("Classifier") or []
    assert claimed == ["3.9", "3.10", "3.11", "3.12", "3.13"]
    assert all(f"Programming Language :: Python :: {v}" in classifiers for v in claimed)
    assert "Programming Language :: Python :: Implementation :: PyPy" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers) and metadata["Keywords"]
    assert re.search(r"^oauth1core\s*=\s*oauth1core\.cli:main$", entry_points, re.M), entry_points
    # Every module of the source tree, py.typed, the vectors (and their format) and the benchmarks.
    source = {p.relative_to(ROOT).as_posix() for p in (ROOT / "oauth1core").rglob("*.py") if "__pycache__" not in p.parts}
    assert source <= names, sorted(source - names)
    assert "oauth1core/py.typed" in names
    vectors = {"oauth1core/_vectors/" + p.name for p in (ROOT / "vectors").iterdir() if p.suffix in (".json", ".md")}
    assert "oauth1core/_vectors/README.md" in vectors and vectors <= names, sorted(vectors - names)
    bench = {"oauth1core/_bench/" + p.name for p in (ROOT / "benchmarks").glob("*.py")}
    assert "oauth1core/_bench/suite.py" in bench and bench <= names, sorted(bench - names)


def _tracked_files() -> List[str]:
    """The repository's files: ``git ls-files`` in a checkout, else (in an unpacked sdist) the tree."""
    if (ROOT / ".git").exists():
        out = subprocess.run(["git", "ls-files"], cwd=str(ROOT), capture_output=True, text=True, check=True).stdout
        return [f for f in out.splitlines() if (ROOT / f).is_file()]
    ignored = [line.strip().strip("/") for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")]
    files = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if path.is_file() and not any(fnmatch.fnmatch(part, pattern) for part in rel.parts for pattern in ignored):
            files.append(rel.as_posix())
    return [f for f in files if f != "PKG-INFO" and f != "setup.cfg"]


def test_sdist_is_the_whole_repository_and_its_tests_collect(dist: Dict[str, Path], tmp_path: Path) -> None:
    with tarfile.open(dist["sdist"]) as sdist:
        if hasattr(tarfile, "data_filter"):
            sdist.extractall(tmp_path, filter="data")
        else:  # pragma: no cover - a Python without PEP 706's filters
            sdist.extractall(tmp_path)
    (top,) = list(tmp_path.iterdir())
    shipped = {p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file()}
    missing = sorted(set(_tracked_files()) - shipped)
    assert not missing, f"tracked files missing from the sdist (see MANIFEST.in): {missing}"
    assert os.access(top / "test.sh", os.X_OK)
    # Its tests, collected from the unpacked tree itself (not this checkout): no collection error.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = _run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"], top, env=env)
    assert re.match(r"\d+ tests collected in ", out.strip().splitlines()[-1]), out[-2000:]
    where = _run([sys.executable, "-c", "import oauth1core; print(oauth1core.__file__)"], top, env=env)
    assert where.strip().startswith(str(top)), where


def test_the_wheel_alone_installs_nothing_else(wheel_venv: Path) -> None:
    assert [p for p in _installed(wheel_venv) if p not in ("pip", "setuptools")] == ["oauth1core"]


def test_console_script_help(wheel_venv: Path) -> None:
    out = _run([str(wheel_venv / "bin" / "oauth1core"), "--help"], wheel_venv)
    assert out.startswith("usage: oauth1core COMMAND")
    for command in ("demo", "vectors", "sign", "verify", "serve", "bench"):
        assert re.search(rf"^  {command}\s", out, re.M), command


def test_console_script_demo(wheel_venv: Path) -> None:
    out = _run([str(wheel_venv / "bin" / "oauth1core"), "demo"], wheel_venv, timeout=120)
    assert "The three-legged flow completed, and the replay was refused." in out, out


def test_console_script_vectors_checks_the_published_vectors(wheel_venv: Path) -> None:
    out = _run([str(wheel_venv / "bin" / "oauth1core"), "vectors"], wheel_venv)
    published = sum(1 for p in (ROOT / "vectors").glob("*.json"))
    match = re.search(r"^(\d+) passed, 0 failed$", out, re.M)
    assert match and int(match.group(1)) >= 250 and published >= 4, out


def test_console_script_bench_quick(wheel_venv: Path) -> None:
    out = _run([str(wheel_venv / "bin" / "oauth1core"), "bench", "--quick", "--json"], wheel_venv)
    report = json.loads(out)
    assert report["quick"] is True and report["rows"]
    assert report["python"]["executable"].startswith(str(wheel_venv))
    assert all("oauth1core" not in row["errors"] for row in report["rows"])
