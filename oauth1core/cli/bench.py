"""``python -m oauth1core bench``: run the benchmark suite of the repository's ``benchmarks/``.

The suite lives outside the package (it measures the package, and the peer libraries it compares
with are no dependency of it), so this command finds it beside the package, in a checkout.
``bench --http`` runs its HTTP benchmark instead (``benchmarks/http_load.py``).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import List

__all__ = ["main", "find_suite"]

_PACKAGE = "oauth1core_benchmarks"


def find_suite() -> str:
    """The ``benchmarks`` directory of the checkout this package was imported from, or ``""``."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "benchmarks")
    return path if os.path.isfile(os.path.join(path, "suite.py")) else ""


def main(argv: List[str]) -> int:
    path = find_suite()
    if not path:
        print(
            "oauth1core: the benchmark suite is the benchmarks/ directory of a checkout of the repository; "
            "this installation has none",
            file=sys.stderr,
        )
        return 2
    if _PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            _PACKAGE, os.path.join(path, "__init__.py"), submodule_search_locations=[path]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[_PACKAGE] = package
        spec.loader.exec_module(package)
    if "--http" in argv:  # requests per second over real HTTP (benchmarks/http_load.py)
        http_load = importlib.import_module(_PACKAGE + ".http_load")
        return int(http_load.main([arg for arg in argv if arg != "--http"]))
    suite = importlib.import_module(_PACKAGE + ".suite")
    return int(suite.main(argv))
