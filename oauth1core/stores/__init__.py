"""Token and nonce storage for the provider: a protocol of seven methods and its record type.

The provider (:mod:`oauth1core.server`) needs only this from storage:

* :meth:`Store.add_nonce`: record a nonce (RFC 5849 section 3.3) in one atomic check-and-insert;
* :meth:`Store.add_token`: record newly issued temporary credentials (section 2.1);
* :meth:`Store.add_request_token`: the same under a quota of undecided ones per consumer;
* :meth:`Store.get_token`: read a token's record by its identifier;
* :meth:`Store.transition`: move a token from the state it was read in to its next one
  (:mod:`oauth1core.tokens`), compare-and-set, optionally issuing another token in the same
  atomic step (the exchange of section 2.3);
* :meth:`Store.sweep`: forget expired nonces and tokens;
* :meth:`Store.close`.

Implementations: :class:`~oauth1core.stores.memory.MemoryStore` (the default) and
:class:`~oauth1core.stores.sqlite.SQLiteStore` (standard library ``sqlite3``). A store that cannot
answer (its database is down) raises :class:`~oauth1core.errors.ServiceUnavailable` (503); the
provider never turns that into an accept. :func:`open_store` builds one from a URL
(``memory``, ``sqlite:PATH``; more schemes plug in as modules of this package).

Consumers (client credentials) are not kept here: the provider takes them as a plain mapping
(see :class:`oauth1core.server.Consumer`), which may be backed by anything.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any, Dict, Literal, Optional, Protocol

from ..tokens import TokenState, current_state

__all__ = ["Store", "TokenRecord", "AddResult", "open_store", "STORE_SCHEMES"]


@dataclasses.dataclass(frozen=True)
class TokenRecord:
    """One token as stored: temporary credentials (2.1) or token credentials (2.3).

    ``token`` is the identifier (the key), ``secret`` its shared-secret, ``consumer_key`` the
    client it was issued to, ``state`` its stored :class:`~oauth1core.tokens.TokenState`,
    ``created_at`` and ``expires_at`` (``None``: never) seconds since the epoch. Temporary
    credentials carry their ``callback`` and, once authorized, the ``user`` who approved and
    ``verifier_hash`` (SHA-256 hex of the verifier: the verifier itself is never stored). Token
    credentials carry the ``user`` and ``parent``, the temporary credentials they replaced.
    ``repr`` shows neither the secret nor the verifier hash.
    """

    token: str
    secret: str = dataclasses.field(repr=False)
    consumer_key: str
    state: TokenState
    created_at: float
    expires_at: Optional[float]
    callback: Optional[str] = None
    verifier_hash: Optional[str] = dataclasses.field(default=None, repr=False)
    user: Optional[str] = None
    parent: Optional[str] = None

    def state_at(self, now: float) -> TokenState:
        """The state at ``now``: ``EXPIRED`` once past ``expires_at`` (see :func:`current_state`)."""
        return current_state(self.state, self.expires_at, now)

    def replace(self, **changes: Any) -> "TokenRecord":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


#: What :meth:`Store.add_request_token` answers.
AddResult = Literal["added", "taken", "quota"]


class Store(Protocol):
    """What the provider needs from storage. Every method is atomic and thread-safe.

    ``now`` is the provider's clock (seconds since the epoch), passed in so that tests control
    time; a store never reads a clock of its own.
    """

    def add_nonce(self, consumer_key: str, token: str, nonce: str, *, now: float, expires_at: float) -> bool:
        """Record the nonce key ``(consumer_key, token, nonce)`` (``token`` is ``""`` when the
        request has none) until ``expires_at``. One atomic check-and-insert: returns ``True``
        when it was not recorded (or its record had expired at ``now``), ``False`` when it was."""
        ...

    def add_token(self, record: TokenRecord) -> bool:
        """Store a new token; ``False`` (and no change) when its identifier is taken."""
        ...

    def add_request_token(self, record: TokenRecord, *, limit: int, now: float) -> "AddResult":
        """Store new temporary credentials (``state`` ``TEMPORARY``) unless their consumer
        already holds ``limit`` tokens still ``TEMPORARY`` and unexpired at ``now``: one atomic
        step. Returns ``"added"``, ``"taken"`` (the identifier is in use) or ``"quota"``;
        nothing changes unless ``"added"``."""
        ...

    def get_token(self, token: str) -> Optional[TokenRecord]:
        """The record of ``token`` (whatever its state, expired included until swept), or ``None``."""
        ...

    def transition(
        self,
        token: str,
        expected: TokenState,
        new: TokenRecord,
        *,
        now: float,
        issue: Optional[TokenRecord] = None,
    ) -> bool:
        """Compare-and-set: when ``token`` is stored in state ``expected`` and not expired at
        ``now``, replace its record with ``new`` (same identifier) and, with ``issue``, add that
        new token (whose identifier must be free) in the same atomic step. Returns whether it
        happened; when not, nothing changed. Raises :class:`ValueError` when ``new.token`` is
        not ``token``."""
        ...

    def sweep(self, now: float) -> int:
        """Forget nonces and tokens whose expiry is at or before ``now``; returns how many."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...


#: URL scheme -> module of this package with ``from_url(url) -> Store``. Plain data: a new
#: backend is a new module and a new row, not a registration at import time.
STORE_SCHEMES: Dict[str, str] = {
    "memory": "memory",
    "sqlite": "sqlite",
    "redis": "redis",
    "rediss": "redis",
    "redis+unix": "redis",
}


def mask_url(url: str) -> str:
    """A store URL as it may be shown: its password (in the authority, or a ``password=``
    option) replaced by ``***``. Never raises: logs and error messages call it."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url if "@" not in url and "password" not in url.lower() else "<store URL hidden>"
    authority, slash, tail = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if at and ":" in userinfo:
        authority = userinfo.partition(":")[0] + ":***@" + host
    path, question, query = tail.partition("?")
    if question:
        query = "&".join(
            item.partition("=")[0] + "=***" if item.partition("=")[0].lower() == "password" else item
            for item in query.split("&")
        )
    return scheme + "://" + authority + slash + path + question + query


def open_store(url: str) -> Store:
    """A store from a URL: ``memory``, ``sqlite:PATH`` (``sqlite:///abs/path`` too), or any
    scheme of :data:`STORE_SCHEMES`. Raises :class:`ValueError` for an unknown or unavailable
    scheme or a malformed URL."""
    scheme = url.partition(":")[0].lower()
    module_name = STORE_SCHEMES.get(scheme)
    if module_name is None:
        raise ValueError(f"unknown store {scheme!r}: use one of {', '.join(sorted(STORE_SCHEMES))}")
    try:
        module = importlib.import_module(f".{module_name}", __name__)
    except ModuleNotFoundError as exc:
        raise ValueError(f"the {scheme!r} store is not available ({exc.name} is not installed)") from None
    store: Store = module.from_url(url)
    return store
