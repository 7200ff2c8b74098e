"""The command line: ``oauth1core COMMAND [options]`` (the console script an install puts on the
PATH) or ``python -m oauth1core COMMAND [options]`` (the same, also from a checkout).

Each command lives in its own module of this package, imported only when it runs, and exposes
``main(argv: list[str]) -> int``. Errors the user can fix are printed as one line, never as a
traceback; secrets are never printed.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Dict, List, Optional, Tuple

__all__ = ["main", "COMMANDS"]

#: command -> (module in this package, one-line summary)
COMMANDS: Dict[str, Tuple[str, str]] = {
    "demo": ("demo", "run a provider and the three-legged flow against it on loopback"),
    "vectors": ("vectors", "check test-vector files (default: the published vectors)"),
    "sign": ("sign", "sign a request and print its Authorization header (or --json)"),
    "verify": ("audit", "say whether a captured request's signature verifies, and why not"),
    "explain": ("audit", "print every step of a captured request's signature"),
    "diagnose": ("audit", "find which known client mistake reproduces a rejected signature"),
    "probe": ("audit", "probe a provider you are allowed to test: a report card against RFC 5849"),
    "conformance": ("audit", "run the test vectors against another implementation (JSON line protocol)"),
    "serve": ("serve", "run an OAuth 1.0a service provider (threaded HTTP server)"),
    "bench": ("bench", "run the benchmark suite"),
    "authorize": ("consumer", "run the three-legged flow interactively and save the token credentials"),
    "request": ("consumer", "send a signed request with saved credentials"),
}

USAGE = """usage: {prog} COMMAND [options]

commands:
{commands}

Run '{prog} COMMAND --help' for a command's options and an example.
"""


def _prog() -> str:
    """``oauth1core`` when run as the console script, else ``python -m oauth1core``."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "oauth1core" if name in ("oauth1core", "oauth1core.exe") else "python -m oauth1core"


def _usage() -> str:
    width = max(len(name) for name in COMMANDS)
    return USAGE.format(prog=_prog(), commands="\n".join(f"  {name:<{width}} {summary}" for name, (_, summary) in COMMANDS.items()))


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0 if args else 2
    if args[0] == "--version":
        from .. import __version__

        print(__version__)
        return 0
    entry = COMMANDS.get(args[0])
    if entry is None:
        print(f"oauth1core: unknown command {args[0]!r}\n", file=sys.stderr)
        print(_usage(), file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(f".{entry[0]}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith(__name__):
            print(f"oauth1core: the {args[0]!r} command is not available in this version", file=sys.stderr)
            return 2
        raise
    command_main = getattr(module, "main_" + args[0].replace("-", "_"), None) or module.main
    try:
        return int(command_main(args[1:]))
    except KeyboardInterrupt:
        return 130
