"""A hypothesis state machine over the whole token lifecycle, run against both stores.

Rules drive the provider the way clients and resource owners do (issue, approve or deny,
exchange with the right or a wrong verifier, from the right or the wrong consumer, call a
protected resource, revoke, replay, let time pass, sweep); a model predicts each answer, and the
invariants compare every token in the store with the model after each step.
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Dict, List, Optional, Tuple

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, precondition, rule
from store_suite import BASE, SECRETS, FakeClock, consumers, signed

from oauth1core.client import Client
from oauth1core.errors import OAuthError
from oauth1core.server import Provider
from oauth1core.stores import Store
from oauth1core.stores.memory import MemoryStore
from oauth1core.stores.sqlite import SQLiteStore
from oauth1core.tokens import TokenState

S = TokenState
WINDOW = 300
REQUEST_TTL = 600
ACCESS_TTL = 3600
OTHER = {"c1": "c2", "c2": "c1"}


class Model:
    """What the test believes about one token."""

    def __init__(self, consumer: str, secret: str, state: TokenState, expires_at: Optional[float],
                 user: Optional[str] = None) -> None:
        self.consumer = consumer
        self.secret = secret
        self.state = state
        self.expires_at = expires_at
        self.user = user
        self.verifier: Optional[str] = None
        self.swept = False

    def state_at(self, now: float) -> Optional[TokenState]:
        if self.swept:
            return None
        if self.expires_at is not None and now >= self.expires_at and self.state in (S.TEMPORARY, S.AUTHORIZED, S.ACTIVE):
            return S.EXPIRED
        return self.state


def _outcome(call) -> Tuple[Optional[str], object]:  # type: ignore[no-untyped-def]
    try:
        return None, call()
    except OAuthError as error:
        return error.problem, None


class Lifecycle(RuleBasedStateMachine):
    request_tokens = Bundle("request_tokens")
    access_tokens = Bundle("access_tokens")

    def make_store(self) -> Store:  # overridden per store
        raise NotImplementedError

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.store = self.make_store()
        self.provider = Provider(consumers(), self.store, clock=self.clock, timestamp_window=WINDOW,
                                 request_token_ttl=REQUEST_TTL, access_token_ttl=ACCESS_TTL)
        self.model: Dict[str, Model] = {}
        self.accepted: List[Tuple[Tuple[object, ...], str, int]] = []  # (request, endpoint, timestamp)

    def teardown(self) -> None:
        self.store.close()

    def _client(self, consumer: str, **kwargs: object) -> Client:
        return Client(consumer, SECRETS[consumer], clock=self.clock, **kwargs)  # type: ignore[arg-type]

    def _remember(self, request: Tuple[object, ...], endpoint: str) -> None:
        self.accepted.append((request, endpoint, int(self.clock.now)))

    # -- rules ----------------------------------------------------------------------------------

    @rule(target=request_tokens, consumer=st.sampled_from(["c1", "c2"]),
          callback=st.sampled_from(["oob", "https://client.example/cb", "http://127.0.0.1:8000/cb?x=1"]))
    def issue(self, consumer: str, callback: str) -> str:
        request = signed(self._client(consumer, callback=callback), "POST", BASE + "/oauth/request_token")
        record = self.provider.issue_request_token(*request)
        assert record.state is S.TEMPORARY and record.callback == callback and record.consumer_key == consumer
        assert record.token not in self.model
        self.model[record.token] = Model(consumer, record.secret, S.TEMPORARY, self.clock.now + REQUEST_TTL)
        self._remember(request, "request_token")
        return record.token

    @rule(token=request_tokens, approve=st.booleans(), user=st.sampled_from(["alice", "bob"]))
    def decide(self, token: str, approve: bool, user: str) -> None:
        model = self.model[token]
        state = model.state_at(self.clock.now)
        call = (lambda: self.provider.authorize(token, user)) if approve else (lambda: self.provider.deny(token))
        problem, result = _outcome(call)
        if state is S.TEMPORARY:
            assert problem is None
            if approve:
                model.state, model.user, model.verifier = S.AUTHORIZED, user, result.verifier  # type: ignore[attr-defined]
            else:
                model.state = S.DENIED
        elif state is None:
            assert problem == "token_rejected"
        elif state is S.EXPIRED:
            assert problem == "token_expired"
        else:
            assert problem == "token_used"

    @rule(target=access_tokens, token=request_tokens, right_verifier=st.booleans(), same_consumer=st.booleans())
    def exchange(self, token: str, right_verifier: bool, same_consumer: bool):  # type: ignore[no-untyped-def]
        model = self.model[token]
        consumer = model.consumer if same_consumer else OTHER[model.consumer]
        verifier = model.verifier if right_verifier and model.verifier else "not-the-verifier"
        request = signed(self._client(consumer, token=token, token_secret=model.secret, verifier=verifier),
                         "POST", BASE + "/oauth/access_token")
        problem, access = _outcome(lambda: self.provider.issue_access_token(*request))
        state = model.state_at(self.clock.now)
        if not same_consumer or state is None:
            expected: Optional[str] = "signature_invalid"  # uniform answers for token ids (the default)
        elif state is S.AUTHORIZED:
            expected = None if verifier == model.verifier else "verifier_invalid"
        else:
            expected = {S.TEMPORARY: "verifier_invalid", S.DENIED: "permission_denied", S.EXCHANGED: "token_used",
                        S.EXPIRED: "token_expired"}[state]
        assert problem == expected
        if problem is None:
            model.state = S.EXCHANGED
            assert access.parent == token and access.user == model.user  # type: ignore[attr-defined]
            self.model[access.token] = Model(consumer, access.secret, S.ACTIVE,  # type: ignore[attr-defined]
                                             self.clock.now + ACCESS_TTL, model.user)
            self._remember(request, "access_token")
            return access.token  # type: ignore[attr-defined]
        return multiple()

    @rule(token=access_tokens, same_consumer=st.booleans())
    def call_resource(self, token: str, same_consumer: bool) -> None:
        model = self.model[token]
        consumer = model.consumer if same_consumer else OTHER[model.consumer]
        request = signed(self._client(consumer, token=token, token_secret=model.secret), "GET", BASE + "/api/whoami")
        problem, verified = _outcome(lambda: self.provider.verify_request(*request))
        state = model.state_at(self.clock.now)
        if not same_consumer or state is None:
            assert problem == "signature_invalid"  # uniform answers for token ids (the default)
        elif state is S.REVOKED:
            assert problem == "token_rejected"
        elif state is S.EXPIRED:
            assert problem == "token_expired"
        else:
            assert problem is None and state is S.ACTIVE
            assert verified.access.user == model.user and verified.consumer_key == consumer  # type: ignore[attr-defined]
            self._remember(request, "resource")

    @rule(token=access_tokens)
    def revoke(self, token: str) -> None:
        model = self.model[token]
        problem, _ = _outcome(lambda: self.provider.revoke(token))
        state = model.state_at(self.clock.now)
        if state is S.ACTIVE:
            assert problem is None
            model.state = S.REVOKED
        elif state is S.EXPIRED:
            assert problem == "token_expired"
        else:
            assert problem == "token_rejected"

    @precondition(lambda self: bool(self.accepted))
    @rule(pick=st.integers(min_value=0))
    def replay(self, pick: int) -> None:
        request, endpoint, timestamp = self.accepted[pick % len(self.accepted)]
        call = {"request_token": self.provider.issue_request_token, "access_token": self.provider.issue_access_token,
                "resource": self.provider.verify_request}[endpoint]
        problem, _ = _outcome(lambda: call(*request))
        if abs(self.clock.now - timestamp) > WINDOW:
            assert problem == "timestamp_refused"
        else:
            assert problem == "nonce_used"

    @rule(seconds=st.sampled_from([0.5, 1, 60, 299, 301, 599, 601, 3599, 3601]))
    def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @rule()
    def sweep(self) -> None:
        self.provider.sweep()
        for model in self.model.values():
            if model.expires_at is not None and model.expires_at <= self.clock.now:
                model.swept = True

    # -- invariants -------------------------------------------------------------------------------

    @invariant()
    def store_matches_model(self) -> None:
        now = self.clock.now
        for token, model in self.model.items():
            record = self.store.get_token(token)
            if model.swept:
                assert record is None
                continue
            assert record is not None
            assert record.state_at(now) is model.state_at(now)
            assert record.consumer_key == model.consumer
            assert record.user == model.user

    @invariant()
    def one_access_token_per_request_token(self) -> None:
        parents = [self.store.get_token(t) for t, m in self.model.items() if m.state in (S.ACTIVE, S.REVOKED)]
        seen = [r.parent for r in parents if r is not None]
        assert len(seen) == len(set(seen))


SETTINGS = settings(max_examples=100, stateful_step_count=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


class MemoryLifecycle(Lifecycle):
    def make_store(self) -> Store:
        return MemoryStore()


class SQLiteLifecycle(Lifecycle):
    def make_store(self) -> Store:
        self._folder = tempfile.mkdtemp(prefix="oauth1core-lifecycle-")
        return SQLiteStore(self._folder + "/store.db", synchronous="NORMAL")

    def teardown(self) -> None:
        super().teardown()
        shutil.rmtree(self._folder, ignore_errors=True)


TestLifecycleMemory = MemoryLifecycle.TestCase
TestLifecycleMemory.settings = SETTINGS
TestLifecycleSQLite = SQLiteLifecycle.TestCase
TestLifecycleSQLite.settings = SETTINGS
