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


_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

#: The default nonce's length: 24 characters of ``[A-Za-z0-9]`` (log2(62) * 24 = 142.9 bits).
_NONCE_LENGTH = 24


def generate_nonce() -> str:
    """A fresh nonce (section 3.3): 24 ASCII letters and digits, uniform, from :mod:`secrets`.

    Section 3.3 asks only for a random string unique per timestamp; providers add their own
    limits, and the default must pass every published one (checked in tests/test_interop_matrix.py
    against the stock peers):

    * oauthlib's default ``RequestValidator.check_nonce``: ``safe_characters`` = ASCII letters
      and digits, ``nonce_length`` = (20, 30), both ends included (our earlier default, 32 hex
      digits, was refused with "Invalid nonce format");
    * Authlib's servers (``BaseServer.validate_timestamp_and_nonce``): any non-empty value,
      unique per client and timestamp (``exists_nonce``);
    * the providers of :mod:`oauth1core.presets`, as their notes record: X wants ASCII,
      NetSuite at least 6 characters; none publishes a maximum;
    * the Ruby oauth gem: servers only look the nonce up for replays; its client sends base64
      of random octets with the non-word characters removed (letters and digits, ~42 long);
    * Go (dghubble/oauth1, mrjones/oauth; the goa1 and oauthv server helpers): no format
      check, the nonce store is the caller's.

    So: letters and digits only (unreserved, section 3.6: never percent-encoded), length 24, the
    middle of (20, 30). Base64 of 24 random octets with ``+`` and ``/`` deleted keeps every
    remaining character uniform over the 62; 24 of them carry 142 bits (at least 128 asked).
    :mod:`secrets` and :mod:`base64` are imported on first use: importing the package stays fast.
    """
    import base64
    import secrets

    while True:  # 32 characters, of which 24 are needed: a second round has odds below 1e-9
        text = base64.b64encode(secrets.token_bytes(24)).translate(None, b"+/")
        if len(text) >= _NONCE_LENGTH:
            return text[:_NONCE_LENGTH].decode("ascii")


def generate_timestamp(clock: Clock = time.time, offset: int = 0) -> str:
    """The timestamp (section 3.3): a positive integer, seconds since 1970-01-01 00:00:00 GMT.

    ``offset`` corrects a known skew between this clock and the server's.
    """
    return str(int(clock()) + offset)


def generate_token(nbytes: int = 24) -> str:
    """A random token, secret or verifier for a server to issue (sections 2.1, 2.3), from
    :mod:`secrets`: at least ``nbytes`` random octets' worth of bits (192 by default), as ASCII
    letters and digits only (33 characters by default).

    Letters and digits are unreserved (section 3.6), so a token is never percent-encoded; they are
    what oauthlib's default ``safe_characters`` allow; and a token never begins with ``-``, which a
    command line (``--token -Abc...``) would take for an option (URL-safe base64 did, one token in 64).
    """
    import secrets

    length = -(-nbytes * 8 * 1000 // 5954)  # ceil(bits / log2(62))
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))
