"""The store test suite, shared by every implementation of :class:`oauth1core.stores.Store`.

A store's test module subclasses :class:`StoreSuite` and provides the ``make_store`` fixture, a
factory returning a new, empty store (each call another one, sharing nothing)::

    class TestMemoryStore(StoreSuite):
        @pytest.fixture
        def make_store(self):
            yield MemoryStore

``make_store(same_as=other)`` must return a second handle on ``other``'s data: another
connection for a database (SQLite, Redis), or the same object for the in-memory store.

The module also holds small helpers the provider tests share (a fake clock, consumers, a signed
three-legged flow).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

from oauth1core.client import Client
from oauth1core.errors import OAuthError
from oauth1core.server import Consumer, Provider
from oauth1core.stores import Store, TokenRecord
from oauth1core.tokens import TokenState

S = TokenState
T0 = 1_700_000_000.0

# -- helpers for the provider tests ----------------------------------------------------------


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


SECRETS = {"c1": "secret-one", "c2": "secret-two"}
BASE = "http://sp.example.net"


def consumers(**extra: Consumer) -> Dict[str, Consumer]:
    found = {key: Consumer(key, secret) for key, secret in SECRETS.items()}
    found.update(extra)
    return found


def signed(client: Client, method: str, uri: str, headers: Optional[Dict[str, str]] = None,
           body: Any = None, **kwargs: Any) -> Tuple[str, str, Dict[str, str], Any]:
    request = client.sign(method, uri, headers, body, **kwargs)
    return request.method, request.uri, request.headers, request.body


def three_legged(provider: Provider, consumer_key: str = "c1", *, user: str = "alice",
                 callback: str = "oob") -> Tuple[TokenRecord, Client]:
    """Run the whole flow through ``provider``; returns the access token and a client for it."""
    clock = provider.clock
    client = Client(consumer_key, SECRETS[consumer_key], callback=callback, clock=clock)
    temporary = provider.issue_request_token(*signed(client, "POST", BASE + "/oauth/request_token"))
    authorization = provider.authorize(temporary.token, user)
    client = client.replace(callback=None, token=temporary.token, token_secret=temporary.secret,
                            verifier=authorization.verifier)
    access = provider.issue_access_token(*signed(client, "POST", BASE + "/oauth/access_token"))
    return access, client.replace(token=access.token, token_secret=access.secret, verifier=None)


def problem_of(call: Callable[[], Any]) -> Tuple[int, str]:
    """``(status, oauth_problem)`` of the error ``call`` raises (fails if it does not raise)."""
    try:
        call()
    except OAuthError as error:
        return error.status, error.problem
    raise AssertionError("expected an OAuthError")


def record(token: str = "tok", state: TokenState = S.TEMPORARY, *, expires_at: Optional[float] = T0 + 600,
           consumer_key: str = "c1", **fields: Any) -> TokenRecord:
    return TokenRecord(token=token, secret="secret-" + token, consumer_key=consumer_key, state=state,
                       created_at=T0, expires_at=expires_at, **fields)


def race(count: int, work: Callable[[int], Any]) -> List[Any]:
    """Run ``work(i)`` in ``count`` threads released together; returns the results in order."""
    barrier = threading.Barrier(count)
    results: List[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait(timeout=60)
        try:
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


# -- the suite --------------------------------------------------------------------------------


class StoreSuite:
    """Every behaviour :class:`oauth1core.stores.Store` promises. Subclass and provide ``make_store``."""

    @pytest.fixture
    def store(self, make_store: Callable[..., Store]) -> Store:
        return make_store()

    # nonces (RFC 5849 section 3.3)

    def test_nonce_is_accepted_once(self, store: Store) -> None:
        assert store.add_nonce("c1", "tok", "n1", now=T0, expires_at=T0 + 300) is True
        assert store.add_nonce("c1", "tok", "n1", now=T0 + 1, expires_at=T0 + 301) is False
        assert store.add_nonce("c1", "tok", "n1", now=T0 + 299, expires_at=T0 + 599) is False

    def test_nonce_key_is_consumer_token_and_nonce(self, store: Store) -> None:
        assert store.add_nonce("c1", "", "n", now=T0, expires_at=T0 + 300)
        assert store.add_nonce("c2", "", "n", now=T0, expires_at=T0 + 300)
        assert store.add_nonce("c1", "tok", "n", now=T0, expires_at=T0 + 300)
        assert store.add_nonce("c1", "", "m", now=T0, expires_at=T0 + 300)
        assert not store.add_nonce("c1", "", "n", now=T0, expires_at=T0 + 300)
        assert not store.add_nonce("c1", "tok", "n", now=T0, expires_at=T0 + 300)

    def test_nonce_key_parts_do_not_run_together(self, store: Store) -> None:
        assert store.add_nonce("ab", "c", "d", now=T0, expires_at=T0 + 300)
        assert store.add_nonce("a", "bc", "d", now=T0, expires_at=T0 + 300)
        assert store.add_nonce("a", "b", "cd", now=T0, expires_at=T0 + 300)
        assert store.add_nonce("a:b", "", "c", now=T0, expires_at=T0 + 300)
        assert store.add_nonce("a", "b:", "c", now=T0, expires_at=T0 + 300)

    def test_expired_nonce_can_be_recorded_again(self, store: Store) -> None:
        assert store.add_nonce("c1", "", "n", now=T0, expires_at=T0 + 300)
        assert not store.add_nonce("c1", "", "n", now=T0 + 299.5, expires_at=T0 + 600)
        assert store.add_nonce("c1", "", "n", now=T0 + 300, expires_at=T0 + 600)
        assert not store.add_nonce("c1", "", "n", now=T0 + 301, expires_at=T0 + 601)

    def test_nonce_with_any_text(self, store: Store) -> None:
        odd = ["%", "'; DROP TABLE oauth1_nonces; --", "é", "\u2028", "a" * 255, "*", "?"]
        for nonce in odd:
            assert store.add_nonce("c1", "", nonce, now=T0, expires_at=T0 + 300)
        for nonce in odd:
            assert not store.add_nonce("c1", "", nonce, now=T0, expires_at=T0 + 300)

    def test_one_nonce_sixteen_threads_one_winner(self, store: Store) -> None:
        results = race(16, lambda i: store.add_nonce("c1", "tok", "raced", now=T0, expires_at=T0 + 300))
        assert sorted(results, key=str) == [False] * 15 + [True]

    # tokens

    def test_token_round_trip(self, store: Store) -> None:
        temporary = record("t1", callback="https://client.example/cb?x=1", user=None)
        authorized = record("t2", S.AUTHORIZED, callback="oob", verifier_hash="ab" * 32, user="zoë")
        access = record("t3", S.ACTIVE, expires_at=None, user="zoë", parent="t0")
        for item in (temporary, authorized, access):
            assert store.add_token(item) is True
        for item in (temporary, authorized, access):
            found = store.get_token(item.token)
            assert found == item
            assert found is not None and found.secret == item.secret and found.verifier_hash == item.verifier_hash
            assert found.state is item.state

    def test_unknown_token(self, store: Store) -> None:
        assert store.get_token("nope") is None
        assert store.get_token("") is None

    def test_token_identifier_taken(self, store: Store) -> None:
        first = record("t1")
        assert store.add_token(first)
        assert store.add_token(record("t1", S.ACTIVE, consumer_key="c2")) is False
        assert store.get_token("t1") == first

    def test_transition_compare_and_set(self, store: Store) -> None:
        first = record("t1")
        store.add_token(first)
        authorized = first.replace(state=S.AUTHORIZED, user="alice", verifier_hash="00" * 32)
        assert store.transition("t1", S.TEMPORARY, authorized, now=T0) is True
        assert store.get_token("t1") == authorized
        # The state moved on: the same compare-and-set now fails and changes nothing.
        assert store.transition("t1", S.TEMPORARY, first.replace(state=S.DENIED), now=T0) is False
        assert store.get_token("t1") == authorized

    def test_transition_of_unknown_token(self, store: Store) -> None:
        assert store.transition("ghost", S.TEMPORARY, record("ghost", S.AUTHORIZED), now=T0) is False
        assert store.get_token("ghost") is None

    def test_transition_refused_once_expired(self, store: Store) -> None:
        first = record("t1", expires_at=T0 + 600)
        store.add_token(first)
        assert store.transition("t1", S.TEMPORARY, first.replace(state=S.AUTHORIZED), now=T0 + 600) is False
        assert store.transition("t1", S.TEMPORARY, first.replace(state=S.AUTHORIZED), now=T0 + 700) is False
        assert store.get_token("t1") == first
        assert store.transition("t1", S.TEMPORARY, first.replace(state=S.AUTHORIZED), now=T0 + 599.5) is True

    def test_transition_keeps_the_identifier(self, store: Store) -> None:
        store.add_token(record("t1"))
        with pytest.raises(ValueError):
            store.transition("t1", S.TEMPORARY, record("t2", S.AUTHORIZED), now=T0)
        assert store.get_token("t1") == record("t1")
        assert store.get_token("t2") is None

    def test_exchange_issues_atomically(self, store: Store) -> None:
        request = record("rt", S.AUTHORIZED, user="alice")
        store.add_token(request)
        access = record("at", S.ACTIVE, expires_at=None, user="alice", parent="rt")
        exchanged = request.replace(state=S.EXCHANGED)
        assert store.transition("rt", S.AUTHORIZED, exchanged, now=T0, issue=access) is True
        assert store.get_token("rt") == exchanged
        assert store.get_token("at") == access
        # A second exchange loses and issues nothing.
        again = record("at2", S.ACTIVE, expires_at=None, parent="rt")
        assert store.transition("rt", S.AUTHORIZED, exchanged, now=T0, issue=again) is False
        assert store.get_token("at2") is None

    def test_exchange_with_a_taken_identifier_changes_nothing(self, store: Store) -> None:
        request = record("rt", S.AUTHORIZED)
        taken = record("at", S.ACTIVE, expires_at=None, consumer_key="c2")
        store.add_token(request)
        store.add_token(taken)
        clash = record("at", S.ACTIVE, expires_at=None, parent="rt")
        assert store.transition("rt", S.AUTHORIZED, request.replace(state=S.EXCHANGED), now=T0, issue=clash) is False
        assert store.get_token("rt") == request
        assert store.get_token("at") == taken

    def test_eight_threads_one_exchange(self, store: Store) -> None:
        request = record("rt", S.AUTHORIZED)
        store.add_token(request)

        def exchange(i: int) -> bool:
            access = record(f"at{i}", S.ACTIVE, expires_at=None, parent="rt")
            return store.transition("rt", S.AUTHORIZED, request.replace(state=S.EXCHANGED), now=T0, issue=access)

        results = race(8, exchange)
        assert sorted(results, key=str) == [False] * 7 + [True]
        issued = [i for i in range(8) if store.get_token(f"at{i}") is not None]
        assert issued == [results.index(True)]

    # the quota of undecided temporary credentials per consumer

    def test_request_token_quota(self, store: Store) -> None:
        assert store.add_request_token(record("q1"), limit=2, now=T0) == "added"
        assert store.add_request_token(record("q2"), limit=2, now=T0) == "added"
        assert store.add_request_token(record("q3"), limit=2, now=T0) == "quota"
        assert store.get_token("q3") is None
        # another consumer has its own quota; a taken identifier is "taken"
        assert store.add_request_token(record("q4", consumer_key="c2"), limit=2, now=T0) == "added"
        assert store.add_request_token(record("q1", consumer_key="c2"), limit=2, now=T0) == "taken"
        # a decided token no longer counts
        assert store.transition("q1", S.TEMPORARY, record("q1", S.AUTHORIZED), now=T0)
        assert store.add_request_token(record("q5"), limit=2, now=T0) == "added"
        assert store.add_request_token(record("q6"), limit=2, now=T0) == "quota"
        # nor does an expired one (q2 and q5 expire at T0 + 600)
        assert store.add_request_token(record("q7", expires_at=T0 + 1200), limit=2, now=T0 + 600) == "added"
        assert store.get_token("q7") == record("q7", expires_at=T0 + 1200)

    def test_request_token_quota_under_a_race(self, store: Store) -> None:
        results = race(8, lambda i: store.add_request_token(record(f"r{i}"), limit=3, now=T0))
        assert sorted(results) == ["added"] * 3 + ["quota"] * 5
        assert sum(store.get_token(f"r{i}") is not None for i in range(8)) == 3

    # sweeping

    def test_sweep(self, store: Store) -> None:
        store.add_nonce("c1", "", "old", now=T0, expires_at=T0 + 10)
        store.add_nonce("c1", "", "new", now=T0, expires_at=T0 + 1000)
        store.add_token(record("short", expires_at=T0 + 10))
        store.add_token(record("long", expires_at=T0 + 1000))
        store.add_token(record("forever", S.ACTIVE, expires_at=None))
        assert store.sweep(T0 + 5) == 0
        assert store.sweep(T0 + 10) == 2
        assert store.get_token("short") is None
        assert store.get_token("long") == record("long", expires_at=T0 + 1000)
        assert store.get_token("forever") is not None
        assert store.add_nonce("c1", "", "old", now=T0 + 10, expires_at=T0 + 20)
        assert not store.add_nonce("c1", "", "new", now=T0 + 10, expires_at=T0 + 20)
        assert store.sweep(T0 + 10**9) == 3  # two nonces and the token 'long'
        assert store.get_token("forever") is not None

    # a second handle on the same data (another connection, process or host)

    def test_second_handle_sees_the_same_data(self, make_store: Callable[..., Store]) -> None:
        first = make_store()
        second = make_store(same_as=first)
        assert first.add_nonce("c1", "", "n", now=T0, expires_at=T0 + 300)
        assert not second.add_nonce("c1", "", "n", now=T0, expires_at=T0 + 300)
        first.add_token(record("t1"))
        assert second.transition("t1", S.TEMPORARY, record("t1", S.AUTHORIZED), now=T0)
        assert first.get_token("t1") == record("t1", S.AUTHORIZED)

    # through the provider

    def test_provider_flow(self, store: Store) -> None:
        clock = FakeClock()
        provider = Provider(consumers(), store, clock=clock)
        access, client = three_legged(provider)
        verified = provider.verify_request(*signed(client, "GET", BASE + "/api/whoami"))
        assert verified.access.user == "alice" and verified.consumer.key == "c1"
        assert store.get_token(access.token) == access
        assert access.parent is not None
        parent = store.get_token(access.parent)
        assert parent is not None and parent.state is S.EXCHANGED


# -- HTTP: a `python -m oauth1core serve` process, and a client call that never follows redirects ----


def http_call(request: Any) -> Tuple[int, Dict[str, str], str]:
    """Send a :class:`urllib.request.Request` (no proxy, redirects handed back, not followed);
    returns ``(status, headers, body text)`` whatever the status."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers.items()), error.read().decode()


ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def read_to_end(sock: Any) -> bytes:
    """Everything a socket receives until the peer closes it."""
    received = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return received
        received += chunk


class ServeProcess:
    """``python -m oauth1core serve --port 0 ARGS`` in a child process; ``url`` once listening.

    Use as a context manager: the process is always stopped (SIGTERM, then SIGKILL) on exit.
    """

    def __init__(self, *args: str, quiet: bool = True, nofile: Optional[int] = None) -> None:
        import subprocess
        import sys

        def limit_descriptors() -> None:  # in the child: a soft RLIMIT_NOFILE of ``nofile``
            import resource

            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))

        command = [sys.executable, "-m", "oauth1core", "serve", "--host", "127.0.0.1", "--port", "0", *args]
        if quiet:
            command.append("--quiet")
        self.process = subprocess.Popen(command, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, preexec_fn=limit_descriptors if nofile else None)
        self.stdout = self.stderr = ""
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        import re
        import select

        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        match = re.search(r"listening on (http://\S+)", line)
        if match is None:
            self.stop()
            raise AssertionError(f"serve did not start: {line!r} {self.stderr!r}")
        return match.group(1)

    def stop(self) -> int:
        import subprocess

        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hung server
                self.process.kill()
                self.process.wait(timeout=30)
        out, err = self.process.communicate(timeout=30)
        self.stdout, self.stderr = out, err
        return self.process.returncode

    def __enter__(self) -> "ServeProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
