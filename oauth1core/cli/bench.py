"""``python -m oauth1core bench``: run the benchmark suite of the repository's ``benchmarks/``.

The suite lives outside the package in the repository (it measures the package, and the peer
libraries it compares with are no dependency of it). In a checkout or an unpacked sdist this
command finds it beside the package; an installed wheel carries a copy as ``oauth1core/_bench``
(setup.py maps the folder in). ``--quick`` is a smoke run of a few seconds; ``bench --http`` runs
its HTTP benchmark instead (``benchmarks/http_load.py``).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import List

__all__ = ["main", "find_suite"]

_PACKAGE = "oauth1core_benchmarks"


def find_suite() -> str:
    """The ``benchmarks`` folder beside the package (a checkout), else the wheel's
    ``oauth1core/_bench``; ``""`` when neither is there."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for path in (os.path.join(os.path.dirname(package), "benchmarks"), os.path.join(package, "_bench")):
        if os.path.isfile(os.path.join(path, "suite.py")):
            return path
    return ""


def main(argv: List[str]) -> int:
    path = find_suite()
    if not path:
        print(
            "oauth1core: the benchmark suite is missing (benchmarks/ in a checkout, oauth1core/_bench "
            "in an installed wheel): this copy of the package was vendored without it",
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
