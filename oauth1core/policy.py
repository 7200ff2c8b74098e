"""Provider policy: the knobs beyond RFC 5849, and login throttling as a transition table.

RFC 5849 section 4.10 (spoofing by counterfeit servers aside) leaves rate limiting to the
provider, and section 2.2 leaves the resource owner's authentication to it. This module holds:

* :class:`Policy`, the provider's documented knobs (frozen, checked when built), read by
  :class:`~oauth1core.server.Provider` and by every HTTP front end (``serve``, WSGI, ASGI);
* the login throttle, modelled like :mod:`oauth1core.tokens`: each throttled key (an account, a
  client address, a pending token) is in one :class:`LoginState`, and :data:`TRANSITIONS` holds
  every legal ``(state, event) -> new state``::

      CLEAR ──failure──> COUNTING ──failure (the last free one)──> BACKING_OFF
        ^                  │  ^                                        │
        └────elapsed───────┘  └──────────────elapsed───────────────────┘
      success (from CLEAR or COUNTING) ──> CLEAR;  attempt while BACKING_OFF: refused

  While ``BACKING_OFF`` no password is even checked; the wait doubles with every failure past
  the free ones (exponential back-off, capped), and a key that stays quiet for
  ``forget_after`` seconds is forgotten (``COUNTING -> CLEAR``).

Theory of operation: :class:`LoginThrottle` keeps one :class:`Entry` per key in memory behind a
lock; :func:`advance` is pure, the throttle only stores what it returns. Counters are per
process: a fleet of ``n`` workers allows at most ``n`` times the attempts (documented).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from enum import Enum
from typing import Callable, Dict, FrozenSet, Optional, Tuple

__all__ = ["Policy", "DEFAULT_POLICY", "TOLERANCES", "LoginState", "LoginEvent", "TRANSITIONS", "Throttled",
           "LoginThrottle", "advance"]

#: Harmless client deviations the provider may be told to tolerate (none by default). Neither
#: changes what is signed: the signature value is not part of the base string (3.4.1), and a
#: folded header line is the same header (RFC 9112 section 5.2).
TOLERANCES: FrozenSet[str] = frozenset({"raw-base64-signature", "folded-header"})


@dataclasses.dataclass(frozen=True)
class Policy:
    """The provider's policy knobs (defaults in brackets); see docs/provider.md.

    * ``uniform_consumer_errors`` [False]: an unknown consumer key gets ``signature_invalid``
      like a bad signature, instead of ``consumer_key_unknown``;
    * ``uniform_token_errors`` [True]: an unknown token, or one issued to another consumer, gets
      ``signature_invalid`` instead of ``token_rejected``;
    * ``max_pending_per_consumer`` [100]: temporary credentials a consumer may hold undecided
      (``None``: no quota); past it, ``temporarily_unavailable`` (503);
    * ``login_free_failures`` [5] per account, ``address_free_failures`` [20] per client address:
      wrong passwords allowed before back-off; ``login_base_delay`` [1 s] doubles with each
      later failure up to ``login_max_delay`` [300 s]; ``login_forget_after`` [900 s] of quiet
      clears a key;
    * ``token_max_failures`` [3]: wrong passwords for one pending token before it is denied;
    * ``tolerate`` [empty]: names from :data:`TOLERANCES`.
    """

    uniform_consumer_errors: bool = False
    uniform_token_errors: bool = True
    max_pending_per_consumer: Optional[int] = 100
    login_free_failures: int = 5
    address_free_failures: int = 20
    login_base_delay: float = 1.0
    login_max_delay: float = 300.0
    login_forget_after: float = 900.0
    token_max_failures: int = 3
    tolerate: FrozenSet[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tolerate", frozenset(self.tolerate))
        unknown = self.tolerate - TOLERANCES
        if unknown:
            raise ValueError(f"unknown tolerance {sorted(unknown)[0]!r}: use {', '.join(sorted(TOLERANCES))}")
        if self.max_pending_per_consumer is not None and self.max_pending_per_consumer < 1:
            raise ValueError("max_pending_per_consumer must be at least 1 (or None)")
        if min(self.login_free_failures, self.address_free_failures, self.token_max_failures) < 1:
            raise ValueError("the failure limits must be at least 1")
        if not 0 < self.login_base_delay <= self.login_max_delay or self.login_forget_after <= 0:
            raise ValueError("login delays must be positive, base <= max")


DEFAULT_POLICY = Policy()


class LoginState(Enum):
    """Where one throttled key is."""

    CLEAR = "clear"  # no failure remembered
    COUNTING = "counting"  # some failures, below the free ones
    BACKING_OFF = "backing_off"  # must wait until ``Entry.until``; attempts are refused unchecked


class LoginEvent(Enum):
    """What can happen to a key."""

    ATTEMPT = "attempt"  # a login is tried (before the password is checked)
    SUCCESS = "success"  # the password was right
    FAILURE = "failure"  # a wrong password, still within the free ones
    LAST_FAILURE = "last_failure"  # a wrong password that uses up the free ones
    ELAPSED = "elapsed"  # the key's waiting time passed (back-off over, or quiet long enough)


_L, _V = LoginState, LoginEvent

#: Every legal ``(state, event) -> new state``; anything else is refused (:class:`Throttled`).
TRANSITIONS: Dict[Tuple[LoginState, LoginEvent], LoginState] = {
    (_L.CLEAR, _V.ATTEMPT): _L.CLEAR,
    (_L.CLEAR, _V.SUCCESS): _L.CLEAR,
    (_L.CLEAR, _V.FAILURE): _L.COUNTING,
    (_L.CLEAR, _V.LAST_FAILURE): _L.BACKING_OFF,
    (_L.CLEAR, _V.ELAPSED): _L.CLEAR,
    (_L.COUNTING, _V.ATTEMPT): _L.COUNTING,
    (_L.COUNTING, _V.SUCCESS): _L.CLEAR,
    (_L.COUNTING, _V.FAILURE): _L.COUNTING,
    (_L.COUNTING, _V.LAST_FAILURE): _L.BACKING_OFF,
    (_L.COUNTING, _V.ELAPSED): _L.CLEAR,
    (_L.BACKING_OFF, _V.ELAPSED): _L.COUNTING,
}


class Throttled(Exception):
    """A login refused without checking the password: wait ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many failed logins; retry in {retry_after:.0f} s")
        self.retry_after = retry_after


def advance(state: LoginState, event: LoginEvent, retry_after: float = 0.0) -> LoginState:
    """The state after ``event`` (the table), or :class:`Throttled` for an illegal pair."""
    new = TRANSITIONS.get((state, event))
    if new is None:
        raise Throttled(max(retry_after, 0.0))
    return new


@dataclasses.dataclass(frozen=True)
class Entry:
    """One key: its state, failures counted, and until when it waits (back-off or forgetting)."""

    state: LoginState = LoginState.CLEAR
    failures: int = 0
    until: float = 0.0


class LoginThrottle:
    """Per-key login throttling with exponential back-off (:class:`Policy` knobs), thread-safe.

    Keys are strings such as ``"account:alice"``, ``"address:192.0.2.1"``, ``"token:..."``;
    each kind has its own free failures. ``clock`` is injected for tests; at most
    ``max_entries`` keys are remembered (the stale and the merely counting go first)."""

    def __init__(self, policy: Policy = DEFAULT_POLICY, clock: Callable[[], float] = time.monotonic,
                 max_entries: int = 100_000) -> None:
        self.policy = policy
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: Dict[str, Entry] = {}
        self.max_entries = max_entries

    def _free(self, key: str) -> int:
        kind = key.partition(":")[0]
        if kind == "address":
            return self.policy.address_free_failures
        if kind == "token":
            return self.policy.token_max_failures
        return self.policy.login_free_failures

    def _current(self, key: str, now: float) -> Entry:
        entry = self._entries.get(key, Entry())
        if entry.state is not LoginState.CLEAR and now >= entry.until:
            forget = now + self.policy.login_forget_after
            entry = Entry(advance(entry.state, LoginEvent.ELAPSED), entry.failures, forget)
            if entry.state is LoginState.CLEAR:
                entry = Entry()
        return entry

    def check(self, *keys: str) -> None:
        """Before checking a password: raise :class:`Throttled` if any key is backing off."""
        now = self.clock()
        with self._lock:
            for key in keys:
                entry = self._current(key, now)
                self._store(key, entry)
                advance(entry.state, LoginEvent.ATTEMPT, entry.until - now)

    def failed(self, *keys: str) -> Tuple[str, ...]:
        """Count a wrong password against each key; returns the keys whose free failures are
        now used up (so the caller can, e.g., deny a pending token)."""
        now = self.clock()
        exhausted = []
        with self._lock:
            for key in keys:
                entry = self._current(key, now)
                failures = entry.failures + 1
                free = self._free(key)
                last = failures >= free
                state = advance(entry.state, LoginEvent.LAST_FAILURE if last else LoginEvent.FAILURE)
                if last:
                    exhausted.append(key)
                    delay = min(self.policy.login_base_delay * 2 ** (failures - free), self.policy.login_max_delay)
                    until = now + delay
                else:
                    until = now + self.policy.login_forget_after
                self._store(key, Entry(state, failures, until))
        return tuple(exhausted)

    def succeeded(self, *keys: str) -> None:
        """A right password: forget the keys' failures."""
        now = self.clock()
        with self._lock:
            for key in keys:
                entry = self._current(key, now)
                advance(entry.state, LoginEvent.SUCCESS, entry.until - now)
                self._store(key, Entry())

    def _store(self, key: str, entry: Entry) -> None:
        if entry.state is LoginState.CLEAR:
            self._entries.pop(key, None)
            return
        if key not in self._entries and len(self._entries) >= self.max_entries:
            self._prune()
        self._entries[key] = entry

    def _prune(self) -> None:
        """Bound memory (an attacker can invent accounts and addresses): drop what has waited
        its time, then the oldest ``counting`` keys; keys backing off are kept."""
        now = self.clock()
        for key in [key for key, entry in self._entries.items() if entry.until <= now]:
            del self._entries[key]
        counting = [key for key, entry in self._entries.items() if entry.state is LoginState.COUNTING]
        for key in counting[: max(0, len(self._entries) - self.max_entries // 2)]:
            del self._entries[key]

    def state(self, key: str) -> Entry:
        """The key's entry now (for tests and monitoring)."""
        with self._lock:
            return self._current(key, self.clock())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
