#!/usr/bin/env bash
# Everything CI runs, from a fresh clone or an unpacked sdist (the same command in both):
# - the whole suite, mypy --strict and the vector checker under the newest CPython (.venv);
# - the standard-library-only tests (tests/stdlib_only.py lists them) under every other CPython
#   from 3.9 up and under Debian's PyPy, in parallel with the whole suite (logs in .test-logs/);
# - the packaging check (tests/test_packaging.py: wheel, sdist, twine, a venv with only the wheel),
#   which is part of the whole suite.
# A Python version claimed in pyproject.toml's classifiers and missing on the machine fails the run.
# Exits non-zero when any step fails.
set -euo pipefail
cd "$(dirname "$0")"

VENV=${VENV:-.venv}
LOGS=${LOGS:-.test-logs}

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

# -- the interpreters: every CPython 3.9+ found (pyenv's, or python3.X on the PATH) ----------------
find_cpython() {  # find_cpython 3.X: the path of a CPython 3.X, or nothing
    local candidate
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$1".*/bin/python3 "$(command -v "python$1" || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] &&
            "$candidate" -c "import sys, platform; sys.exit(platform.python_implementation() != 'CPython' or '%d.%d' % sys.version_info[:2] != '$1')" 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
}
claimed=$(sed -n 's/.*"Programming Language :: Python :: \(3\.[0-9]*\)".*/\1/p' pyproject.toml)
found=()
declare -A CPYTHON=()
for minor in $(seq 9 20); do
    path=$(find_cpython "3.$minor")
    if [ -n "$path" ]; then
        found+=("3.$minor")
        CPYTHON["3.$minor"]=$path
    fi
done
missing=()
for version in $claimed; do
    [ -n "${CPYTHON[$version]:-}" ] || missing+=("$version")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "pyproject.toml claims Python ${missing[*]}, not found on this machine (pyenv's ${PYENV_ROOT:-$HOME/.pyenv}/versions/3.X.*, or python3.X on the PATH)" >&2
    exit 1
fi
newest=${found[${#found[@]}-1]}
PYTHON=${PYTHON:-${CPYTHON[$newest]}}
step "CPython found: ${found[*]} (claimed: $(echo $claimed)); the whole suite under $("$PYTHON" --version 2>&1)"

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }
if [ -x "$VENV/bin/python" ] && [ "$(version_of "$VENV/bin/python")" != "$(version_of "$PYTHON")" ]; then
    step "$VENV is another Python than $PYTHON: recreating it"
    rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
    step "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
step "installing the test extras"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'

# -- the other interpreters: the stdlib-only tests, in the background ------------------------------
mkdir -p "$LOGS"
STDLIB_TESTS=$("$VENV/bin/python" tests/stdlib_only.py)
stdlib_suite() {  # stdlib_suite NAME INTERPRETER: its own venv with pytest and hypothesis, then the tests
    local name=$1 interpreter=$2 venv=".venv-$1"
    [ -x "$venv/bin/python" ] || "$interpreter" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check 'pytest>=7' 'hypothesis>=6.80'
    "$venv/bin/python" --version
    "$venv/bin/python" -m oauth1core vectors
    # Niced: on a small machine the whole suite in the foreground (servers, races, timeouts) comes first.
    # shellcheck disable=SC2086
    nice -n 10 "$venv/bin/python" -m pytest -q -m "not peers" -p no:cacheprovider $STDLIB_TESTS
}
pids=()
names=()
logs=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT  # an interrupted run leaves nothing behind
for version in "${found[@]}"; do
    [ "$version" = "$newest" ] && continue
    stdlib_suite "$version" "${CPYTHON[$version]}" >"$LOGS/stdlib-$version.log" 2>&1 &
    pids+=($!)
    names+=("CPython $version")
    logs+=("$LOGS/stdlib-$version.log")
done
stdlib_suite pypy pypy3 >"$LOGS/stdlib-pypy.log" 2>&1 &
pids+=($!)
names+=("PyPy")
logs+=("$LOGS/stdlib-pypy.log")
step "started the stdlib-only tests under ${names[*]} (logs: $LOGS/stdlib-*.log)"

main_status=0
{
    step "mypy --strict oauth1core" && "$VENV/bin/python" -m mypy --strict oauth1core &&
    step "vectors" && "$VENV/bin/python" -m oauth1core vectors &&
    step "pytest (CPython $newest, the whole suite)" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests
} || main_status=$?

step "waiting for the stdlib-only runs"
failed=()
for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
        printf '%s: %s\n' "${names[$i]}" "$(tail -n 1 "${logs[$i]}" | tr -d '=')"
    else
        failed+=("${names[$i]}")
        printf '\n-- %s FAILED; the end of its log:\n' "${names[$i]}"
        tail -n 40 "${logs[$i]}"
    fi
done
pids=()
if [ ${#failed[@]} -gt 0 ] || [ "$main_status" != 0 ]; then
    echo "FAILED: ${failed[*]}$([ "$main_status" != 0 ] && echo " the main suite (CPython $newest)")" >&2
    exit 1
fi
step "all passed"
