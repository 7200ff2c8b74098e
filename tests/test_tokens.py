"""The transition table of oauth1core.tokens: every (state, event) pair is legal or refused with
the right typed error, and expiry is derived from time."""

from __future__ import annotations

import pytest

from oauth1core.errors import PermissionDenied, TokenExpired, TokenRejected, TokenUsed, Unauthorized, VerifierInvalid
from oauth1core.tokens import (
    ACCESS_STATES,
    EXCHANGE_ISSUES,
    ISSUED_STATE,
    REFUSALS,
    REQUEST_STATES,
    TRANSITIONS,
    Event,
    TokenState,
    advance,
    current_state,
    refusal,
)

S, E = TokenState, Event

LEGAL = {
    (S.TEMPORARY, E.AUTHORIZE): S.AUTHORIZED,
    (S.TEMPORARY, E.DENY): S.DENIED,
    (S.TEMPORARY, E.EXPIRE): S.EXPIRED,
    (S.AUTHORIZED, E.EXCHANGE): S.EXCHANGED,
    (S.AUTHORIZED, E.EXPIRE): S.EXPIRED,
    (S.AUTHORIZED, E.WITHDRAW): S.DENIED,
    (S.ACTIVE, E.ACCESS): S.ACTIVE,
    (S.ACTIVE, E.REVOKE): S.REVOKED,
    (S.ACTIVE, E.EXPIRE): S.EXPIRED,
}

# Every illegal pair that has a more precise answer than token_rejected.
PRECISE = {
    (S.TEMPORARY, E.EXCHANGE): VerifierInvalid,
    (S.DENIED, E.EXCHANGE): PermissionDenied,
    (S.EXCHANGED, E.EXCHANGE): TokenUsed,
    (S.AUTHORIZED, E.AUTHORIZE): TokenUsed,
    (S.AUTHORIZED, E.DENY): TokenUsed,
    (S.DENIED, E.AUTHORIZE): TokenUsed,
    (S.DENIED, E.DENY): TokenUsed,
    (S.EXCHANGED, E.AUTHORIZE): TokenUsed,
    (S.EXCHANGED, E.DENY): TokenUsed,
}


def test_the_table_is_exactly_the_lifecycle() -> None:
    assert TRANSITIONS == LEGAL
    assert ISSUED_STATE is S.TEMPORARY and EXCHANGE_ISSUES is S.ACTIVE


@pytest.mark.parametrize("state", list(TokenState))
@pytest.mark.parametrize("event", list(Event))
def test_every_pair(state: TokenState, event: Event) -> None:
    if (state, event) in LEGAL:
        assert advance(state, event) is LEGAL[(state, event)]
        return
    with pytest.raises(Unauthorized) as info:
        advance(state, event)
    error = info.value
    if state is S.EXPIRED:
        expected: type = TokenExpired
    else:
        expected = PRECISE.get((state, event), TokenRejected)
    assert type(error) is expected
    assert error.status == 401
    assert error.problem == {
        TokenExpired: "token_expired",
        TokenRejected: "token_rejected",
        TokenUsed: "token_used",
        VerifierInvalid: "verifier_invalid",
        PermissionDenied: "permission_denied",
    }[expected]
    assert type(refusal(state, event)) is expected


def test_refusals_are_only_for_illegal_pairs() -> None:
    assert not set(REFUSALS) & set(TRANSITIONS)
    assert REFUSALS == PRECISE


def test_final_states_have_no_way_out() -> None:
    for final in (S.DENIED, S.EXCHANGED, S.REVOKED, S.EXPIRED):
        assert not [key for key in TRANSITIONS if key[0] is final]


def test_every_state_is_reachable_from_issue() -> None:
    reached = {ISSUED_STATE, EXCHANGE_ISSUES}
    changed = True
    while changed:
        changed = False
        for (state, _), new in TRANSITIONS.items():
            if state in reached and new not in reached:
                reached.add(new)
                changed = True
    assert reached == set(TokenState)


def test_kinds() -> None:
    assert REQUEST_STATES | ACCESS_STATES | {S.EXPIRED} == set(TokenState)
    assert not REQUEST_STATES & ACCESS_STATES
    assert S.AUTHORIZED.is_request_token and not S.ACTIVE.is_request_token
    # Events of one kind of token never lead to the other kind.
    for (state, event), new in TRANSITIONS.items():
        if new is not S.EXPIRED:
            assert state.is_request_token == new.is_request_token


def test_expiry_is_derived_from_time() -> None:
    assert current_state(S.TEMPORARY, 100.0, 99.9) is S.TEMPORARY
    assert current_state(S.TEMPORARY, 100.0, 100.0) is S.EXPIRED
    assert current_state(S.AUTHORIZED, 100.0, 500.0) is S.EXPIRED
    assert current_state(S.ACTIVE, 100.0, 500.0) is S.EXPIRED
    assert current_state(S.ACTIVE, None, 10.0**12) is S.ACTIVE
    # Final states keep their meaning after expiry (until swept): the answer stays precise.
    assert current_state(S.EXCHANGED, 100.0, 500.0) is S.EXCHANGED
    assert current_state(S.DENIED, 100.0, 500.0) is S.DENIED
    assert current_state(S.REVOKED, 100.0, 500.0) is S.REVOKED


def test_refusal_names_the_parameter() -> None:
    assert refusal(S.TEMPORARY, E.EXCHANGE).parameter == "oauth_verifier"
    assert refusal(S.EXCHANGED, E.EXCHANGE).parameter == "oauth_token"
    assert "exchanged" in refusal(S.EXCHANGED, E.EXCHANGE).message
