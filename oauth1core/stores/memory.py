"""The in-memory store (the default): dictionaries behind one lock.

Thread-safe within one process; nothing survives the process. For several processes, or tokens
that must outlive a restart, use :class:`~oauth1core.stores.sqlite.SQLiteStore`.
"""

from __future__ import annotations

import threading
from typing import Dict, Optional, Set, Tuple

from ..tokens import TokenState
from . import AddResult, TokenRecord

__all__ = ["MemoryStore", "from_url"]

NonceKey = Tuple[str, str, str]


class MemoryStore:
    """Implements :class:`~oauth1core.stores.Store` with dictionaries and a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._nonces: Dict[NonceKey, float] = {}
        self._tokens: Dict[str, TokenRecord] = {}
        self._pending: Dict[str, Set[str]] = {}  # consumer key -> tokens issued under a quota

    def add_nonce(self, consumer_key: str, token: str, nonce: str, *, now: float, expires_at: float) -> bool:
        key = (consumer_key, token, nonce)
        with self._lock:
            current = self._nonces.get(key)
            if current is not None and current > now:
                return False
            self._nonces[key] = expires_at
            return True

    def add_token(self, record: TokenRecord) -> bool:
        with self._lock:
            if record.token in self._tokens:
                return False
            self._tokens[record.token] = record
            return True

    def add_request_token(self, record: TokenRecord, *, limit: int, now: float) -> AddResult:
        with self._lock:
            if record.token in self._tokens:
                return "taken"
            pending = self._pending.setdefault(record.consumer_key, set())
            for token in list(pending):
                held = self._tokens.get(token)
                if held is None or held.state is not TokenState.TEMPORARY or held.state_at(now) is not TokenState.TEMPORARY:
                    pending.discard(token)
            if len(pending) >= limit:
                return "quota"
            self._tokens[record.token] = record
            pending.add(record.token)
            return "added"

    def get_token(self, token: str) -> Optional[TokenRecord]:
        with self._lock:
            return self._tokens.get(token)

    def transition(
        self,
        token: str,
        expected: TokenState,
        new: TokenRecord,
        *,
        now: float,
        issue: Optional[TokenRecord] = None,
    ) -> bool:
        if new.token != token:
            raise ValueError("a transition keeps the token's identifier")
        with self._lock:
            current = self._tokens.get(token)
            if (
                current is None
                or current.state is not expected
                or (current.expires_at is not None and current.expires_at <= now)
            ):
                return False
            if issue is not None and issue.token in self._tokens:
                return False
            self._tokens[token] = new
            if issue is not None:
                self._tokens[issue.token] = issue
            return True

    def sweep(self, now: float) -> int:
        with self._lock:
            nonces = [key for key, expires_at in self._nonces.items() if expires_at <= now]
            for key in nonces:
                del self._nonces[key]
            tokens = [
                token for token, record in self._tokens.items()
                if record.expires_at is not None and record.expires_at <= now
            ]
            for token in tokens:
                del self._tokens[token]
            return len(nonces) + len(tokens)

    def close(self) -> None:
        with self._lock:
            self._nonces.clear()
            self._tokens.clear()
            self._pending.clear()

    def __len__(self) -> int:
        """How many nonces and tokens are held (for tests and monitoring)."""
        with self._lock:
            return len(self._nonces) + len(self._tokens)

    def __repr__(self) -> str:
        return f"<MemoryStore {len(self._tokens)} tokens, {len(self._nonces)} nonces>"


def from_url(url: str) -> MemoryStore:
    """``memory`` (or ``memory:``): a new, empty :class:`MemoryStore`."""
    if url.lower() not in ("memory", "memory:", "memory://"):
        raise ValueError("the memory store takes no options: use 'memory'")
    return MemoryStore()
