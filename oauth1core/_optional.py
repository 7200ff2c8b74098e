"""Optional libraries: an adapter or store that needs one says which, and how to install it.

Each such module calls :func:`require` before it imports its library, so a missing library gives
one line naming the extra (``pip install 'oauth1core[requests]'``) instead of a bare
``ModuleNotFoundError``. The core never calls it: it needs nothing but the standard library.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require", "MissingDependency"]


class MissingDependency(ModuleNotFoundError):
    """An optional library is not installed (a :class:`ModuleNotFoundError`, so code that
    already catches that keeps working); the message says which extra installs it."""


def require(module: str, extra: str, user: str = "") -> ModuleType:
    """Import ``module`` (top-level name of the library) or raise :class:`MissingDependency`
    whose message names the extra that installs it. ``user`` is who needs it (for the message)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        who = user or f"oauth1core[{extra}]"
        raise MissingDependency(
            f"{who} needs the {module!r} package, which is not installed: pip install 'oauth1core[{extra}]'",
            name=module,
        ) from exc
