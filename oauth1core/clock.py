"""Nonces and timestamps (RFC 5849 section 3.3), with injectable sources.

The client takes a ``clock`` (a callable returning seconds since the epoch) and a
``nonce_source`` (a callable returning a fresh nonce), so tests and auditors can reproduce a
signature exactly; by default they are :func:`time.time` and :func:`generate_nonce`.
"""

from __future__ import annotations

import time

__all__ = ["Clock", "NonceSource", "generate_nonce", "generate_timestamp", "generate_token"]

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: signing never needs it
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable

    Clock = Callable[[], float]
    NonceSource = Callable[[], str]


def __getattr__(name: str) -> Any:
    """PEP 562: the type aliases ``Clock`` and ``NonceSource`` for the modules that import them at
    run time, built on first use (signing never imports :mod:`typing`)."""
    if name in ("Clock", "NonceSource"):
        from typing import Callable

        return Callable[[], float] if name == "Clock" else Callable[[], str]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def generate_nonce() -> str:
    """A fresh nonce (section 3.3): 128 random bits from :mod:`secrets`, as 32 hex digits.

    Hex digits are unreserved (section 3.6), so a nonce never needs encoding. :mod:`secrets`
    is imported on first use: importing the package stays fast.
    """
    import secrets

    return secrets.token_hex(16)


def generate_timestamp(clock: Clock = time.time, offset: int = 0) -> str:
    """The timestamp (section 3.3): a positive integer, seconds since 1970-01-01 00:00:00 GMT.

    ``offset`` corrects a known skew between this clock and the server's.
    """
    return str(int(clock()) + offset)


def generate_token(nbytes: int = 24) -> str:
    """A random token or secret for a server to issue (sections 2.1, 2.3), from :mod:`secrets`.

    URL-safe base64 of ``nbytes`` random octets: only unreserved characters.
    """
    import secrets

    return secrets.token_urlsafe(nbytes)
