"""The layering of STYLE.md, checked with ast: the core imports only the standard library and the
layers above it; importing the package loads nothing it does not need to sign."""

import ast
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = os.path.join(ROOT, "oauth1core")

# Each module (or subpackage) may import only modules of lower rank: data flows one way, from
# encoding to the client and verification, then the provider and the consumer flow, then the
# adapters, HTTP server and command line.
RANK = {
    "errors": 0,
    "micro": 0,  # self-contained: imports nothing from the package (test_micro_is_self_contained)
    "encoding": 1,
    "clock": 1,
    "parameters": 2,
    "base_string": 3,
    "methods": 4,
    "answers": 3,
    "flowstate": 3,
    "skew": 4,
    "client": 5,
    "parsing": 5,
    "verify": 6,
    "flow": 6,
    "tokens": 7,
    "policy": 7,
    "audit": 7,
    "presets": 7,
    "transport": 7,
    "stores": 8,
    "adapters": 8,
    "server": 9,
    "http11": 8,
    "gateway": 10,
    "httpserver": 11,
    "wsgi": 11,
    "asgi": 11,
    "integrations": 12,
    "cli": 13,
}
THIRD_PARTY = {"requests", "httpx", "aiohttp", "cryptography", "redis", "oauthlib", "authlib", "rsa", "pyasn1", "OpenSSL",
               "flask", "django", "starlette", "fastapi"}


def module_files():
    for root, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                yield os.path.relpath(path, PACKAGE), path


def _type_checking_imports(tree):
    """Imports under ``if TYPE_CHECKING:``: annotations only, no import at run time, so they are
    exempt from the ranks (verify.py types VerifiedRequest.consumer/.access with the provider's
    records, which are built above it)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    type_only = _type_checking_imports(tree)
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield 0, alias.name
        elif isinstance(node, ast.ImportFrom):
            yield node.level, node.module or ""


def test_no_third_party_imports_outside_adapters_and_optional_stores():
    for rel, path in module_files():
        if rel.startswith(("adapters" + os.sep, "integrations" + os.sep)) or rel in (os.path.join("stores", "redis.py"), "micro.py"):
            continue
        for level, name in imports(path):
            if level == 0:
                assert name.split(".")[0] not in THIRD_PARTY, f"{rel} imports {name}"
                top = name.split(".")[0]
                assert top == "oauth1core" or top in sys.stdlib_module_names if hasattr(sys, "stdlib_module_names") else True, f"{rel} imports {name}"


def test_micro_is_self_contained():
    # Copied alone to a MicroPython board: only modules MicroPython has, nothing of the package
    # ("js" is the WebAssembly port's, imported only where os.urandom is missing).
    # "typing" is imported under `if TYPE_CHECKING:` only, for mypy.
    found = set(imports(os.path.join(PACKAGE, "micro.py"))) - {(0, "typing")}
    assert found == {(0, "hashlib"), (0, "os"), (0, "time"), (0, "js"), (0, "random")}, found


def test_layers_import_only_downwards():
    checked = 0
    for rel, path in module_files():
        parts = rel[:-3].split(os.sep)
        own = parts[0]
        if own in ("__init__", "__main__", "py"):
            continue
        assert own in RANK, f"{rel} has no place in the layering: add it to RANK"
        in_subpackage = len(parts) > 1
        for level, name in imports(path):
            if level == 0:
                if name.startswith("oauth1core."):
                    target = name.split(".")[1]
                else:
                    continue
            elif in_subpackage and level == 1:
                continue  # a sibling inside the same subpackage
            else:
                target = name.split(".")[0] if name else ""
                if not target:
                    continue  # "from .. import x": the package itself
            assert target in RANK, f"{rel} imports unknown module {target}"
            assert RANK[target] < RANK[own] or target == own, f"{rel} (rank {RANK[own]}) imports {target} (rank {RANK[target]})"
            checked += 1
    assert checked > 50


def test_import_loads_only_what_signing_needs():
    # -S: no site hooks (a .pth file may preload anything), so what is new is ours.
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import oauth1core\n"
        "new = set(sys.modules) - before\n"
        "print(' '.join(sorted(m for m in new if m.startswith('oauth1core'))))\n"
        "print(' '.join(sorted(m for m in new if not m.startswith('oauth1core'))))\n"
    )
    out = subprocess.run([sys.executable, "-S", "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    loaded = set(out[0].split())
    assert loaded == {
        "oauth1core",
        "oauth1core.errors",
        "oauth1core.encoding",
        "oauth1core.parameters",
        "oauth1core.base_string",
        "oauth1core.methods",
        "oauth1core.clock",
        "oauth1core.client",
    }, loaded
    stdlib = set(out[1].split()) if len(out) > 1 else set()
    for heavy in ("secrets", "json", "sqlite3", "http.server", "urllib.request", "argparse", "typing", "dataclasses"):
        assert heavy not in stdlib, heavy


def test_lazy_names_resolve():
    import oauth1core

    assert oauth1core.verify_request.__module__ == "oauth1core.verify"
    assert oauth1core.parse_authorization_header.__module__ == "oauth1core.parsing"
    for name in oauth1core.__all__:
        assert getattr(oauth1core, name) is not None
