"""The credential lifecycle as one transition table (RFC 5849 sections 2.1 to 2.3).

A token is in exactly one :class:`TokenState`. Temporary credentials (section 2.1) and token
credentials (section 2.3) share the table; the state says which kind a token is::

    issue ──> TEMPORARY ──authorize──> AUTHORIZED ──exchange──> EXCHANGED   (+ a new ACTIVE token)
                  │                         │
                  ├──deny──> DENIED         ├──expire──> EXPIRED
                  └──expire──> EXPIRED      └──withdraw──> DENIED

    exchange creates ──> ACTIVE ──access──> ACTIVE
                           ├──revoke──> REVOKED
                           └──expire──> EXPIRED

:data:`TRANSITIONS` holds every legal ``(state, event) -> new state``; anything else is refused
with the typed error :func:`refusal` names (a subclass of
:class:`~oauth1core.errors.Unauthorized`, status 401). Issuing creates a token in
:data:`ISSUED_STATE` (temporary credentials) or :data:`EXCHANGE_ISSUES` (token credentials).

``EXPIRED`` is never stored: it is what a stored ``TEMPORARY``, ``AUTHORIZED`` or ``ACTIVE``
token becomes once its expiry time has passed (:func:`current_state`). ``DENIED``,
``EXCHANGED`` and ``REVOKED`` are final; they are kept until the token's expiry so that a second
attempt is told why (``token_used``, ``permission_denied``), then swept.

This module is pure: no clock, no store. The provider (:mod:`oauth1core.server`) looks a token up,
asks :func:`advance` whether an event is legal, and then asks the store to make the change
atomically, only if the token is still in the state it read (compare-and-set).
"""

from __future__ import annotations

from enum import Enum
from typing import Dict, FrozenSet, Optional, Tuple, Type

from .errors import OAuthError, PermissionDenied, TokenExpired, TokenRejected, TokenUsed, VerifierInvalid

__all__ = ["TokenState", "Event", "TRANSITIONS", "advance", "refusal"]


class TokenState(Enum):
    """Where a token is in its life. The value is what stores persist."""

    TEMPORARY = "temporary"  # temporary credentials issued, awaiting the resource owner (2.1)
    AUTHORIZED = "authorized"  # the resource owner approved; a verifier is bound to it (2.2)
    DENIED = "denied"  # the resource owner refused (2.2)
    EXCHANGED = "exchanged"  # exchanged for token credentials, once (2.3)
    ACTIVE = "active"  # token credentials, usable on protected resources (3)
    REVOKED = "revoked"  # token credentials withdrawn
    EXPIRED = "expired"  # past its expiry time (derived, never stored)

    @property
    def is_request_token(self) -> bool:
        """Temporary credentials (section 2.1), whatever became of them."""
        return self in REQUEST_STATES


class Event(Enum):
    """What can happen to a token."""

    AUTHORIZE = "authorize"  # the resource owner approves (2.2)
    DENY = "deny"  # the resource owner refuses (2.2)
    EXCHANGE = "exchange"  # the client trades temporary credentials for token credentials (2.3)
    ACCESS = "access"  # the client calls a protected resource with token credentials (3)
    REVOKE = "revoke"  # the provider or resource owner withdraws token credentials
    EXPIRE = "expire"  # the expiry time passes
    WITHDRAW = "withdraw"  # the approval's redirect could not be delivered: the provider takes it back


_S = TokenState
_E = Event

#: The one transition table: every legal ``(state, event) -> new state``.
TRANSITIONS: Dict[Tuple[TokenState, Event], TokenState] = {
    (_S.TEMPORARY, _E.AUTHORIZE): _S.AUTHORIZED,
    (_S.TEMPORARY, _E.DENY): _S.DENIED,
    (_S.TEMPORARY, _E.EXPIRE): _S.EXPIRED,
    (_S.AUTHORIZED, _E.EXCHANGE): _S.EXCHANGED,
    (_S.AUTHORIZED, _E.EXPIRE): _S.EXPIRED,
    (_S.AUTHORIZED, _E.WITHDRAW): _S.DENIED,
    (_S.ACTIVE, _E.ACCESS): _S.ACTIVE,
    (_S.ACTIVE, _E.REVOKE): _S.REVOKED,
    (_S.ACTIVE, _E.EXPIRE): _S.EXPIRED,
}

#: The state a temporary credentials request (2.1) creates.
ISSUED_STATE = _S.TEMPORARY
#: The state of the token credentials an ``EXCHANGE`` creates (2.3), in the same atomic step.
EXCHANGE_ISSUES = _S.ACTIVE

REQUEST_STATES: FrozenSet[TokenState] = frozenset({_S.TEMPORARY, _S.AUTHORIZED, _S.DENIED, _S.EXCHANGED})
ACCESS_STATES: FrozenSet[TokenState] = frozenset({_S.ACTIVE, _S.REVOKED})

#: Why an illegal ``(state, event)`` is refused, where the reason is more precise than
#: ``token_rejected``. ``EXPIRED`` is always ``token_expired``.
REFUSALS: Dict[Tuple[TokenState, Event], Type[OAuthError]] = {
    # Section 2.3: temporary credentials are exchanged once, after the resource owner approved.
    (_S.TEMPORARY, _E.EXCHANGE): VerifierInvalid,  # nobody approved: no verifier can be right
    (_S.DENIED, _E.EXCHANGE): PermissionDenied,
    (_S.EXCHANGED, _E.EXCHANGE): TokenUsed,
    # Section 2.2: the resource owner decides once.
    (_S.AUTHORIZED, _E.AUTHORIZE): TokenUsed,
    (_S.AUTHORIZED, _E.DENY): TokenUsed,
    (_S.DENIED, _E.AUTHORIZE): TokenUsed,
    (_S.DENIED, _E.DENY): TokenUsed,
    (_S.EXCHANGED, _E.AUTHORIZE): TokenUsed,
    (_S.EXCHANGED, _E.DENY): TokenUsed,
}

_MESSAGES: Dict[Type[OAuthError], str] = {
    VerifierInvalid: "the temporary credentials have not been authorized",
    PermissionDenied: "the resource owner denied the authorization request",
    TokenUsed: "the temporary credentials were already used",
    TokenExpired: "the token has expired",
    TokenRejected: "the token cannot be used for this request",
}


def refusal(state: TokenState, event: Event) -> OAuthError:
    """The typed error for an illegal ``event`` in ``state`` (401, never a state change)."""
    if state is _S.EXPIRED:
        kind: Type[OAuthError] = TokenExpired
    else:
        kind = REFUSALS.get((state, event), TokenRejected)
    parameter = "oauth_verifier" if kind is VerifierInvalid else "oauth_token"
    return kind(f"{_MESSAGES[kind]} ({state.value}, cannot {event.value})", parameter=parameter)


def advance(state: TokenState, event: Event) -> TokenState:
    """The state after ``event`` (the table), or raise :func:`refusal` for an illegal one."""
    new = TRANSITIONS.get((state, event))
    if new is None:
        raise refusal(state, event)
    return new


def current_state(state: TokenState, expires_at: Optional[float], now: float) -> TokenState:
    """The state a stored token is in at ``now``: ``EXPIRED`` once ``expires_at`` has passed,
    for the states the table lets expire; the stored state otherwise."""
    if expires_at is not None and now >= expires_at and (state, _E.EXPIRE) in TRANSITIONS:
        return _S.EXPIRED
    return state
