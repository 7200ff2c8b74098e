#!/usr/bin/env bash
# Everything CI runs, from a fresh clone: a private virtual environment with the test extras,
# pytest, mypy --strict, the vector checker, the core tests under PyPy 3.9, and the benchmark
# smoke run. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

step() { printf '\n== %s\n' "$*"; }

need_apt=()
command -v pypy3 >/dev/null 2>&1 || need_apt+=(pypy3)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)  # the conformance kit's Node adapter
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)  # probe tests: a throwaway certificate
if [ ${#need_apt[@]} -gt 0 ]; then
    step "installing ${need_apt[*]} (Debian packages)"
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        echo "cannot install ${need_apt[*]}: not root or no apt-get" >&2
        exit 1
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    step "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
step "installing the test extras"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'

step "mypy --strict oauth1core"
"$VENV/bin/python" -m mypy --strict oauth1core

step "vectors"
"$VENV/bin/python" -m oauth1core vectors

step "stdlib-only tests under PyPy ($(pypy3 --version 2>&1 | tail -n 1))"
# Every test file that needs no third-party package (tests/stdlib_only.py lists them), under
# Debian's PyPy 3.9: 3.10+ syntax or standard-library calls cannot slip in.
PYPY_VENV=${PYPY_VENV:-.venv-pypy}
if [ ! -x "$PYPY_VENV/bin/python" ]; then
    pypy3 -m venv "$PYPY_VENV"
fi
"$PYPY_VENV/bin/python" -m pip install -q --disable-pip-version-check 'pytest>=7' 'hypothesis>=6.80'
"$PYPY_VENV/bin/python" -m oauth1core vectors
# shellcheck disable=SC2046
"$PYPY_VENV/bin/python" -m pytest -q -m "not peers" -p no:cacheprovider $("$VENV/bin/python" tests/stdlib_only.py)

step "pytest (CPython)"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests
