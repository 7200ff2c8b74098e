"""The sans-I/O provider (oauth1core.server): the flow, the policies, the responses, and the
promises verification makes (same work for unknown consumers and tokens, no mutation on failure,
nonces recorded only after the signature, 503 rather than an accept when the store fails)."""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_suite import BASE, SECRETS, T0, FakeClock, S, consumers, problem_of, signed, three_legged

from oauth1core.client import Client
from oauth1core.errors import OAuthError, ServiceUnavailable, TimestampRefused
from oauth1core.methods import HmacMethod
from oauth1core.server import Consumer, Provider, Response, check_callback, error_response
from oauth1core.stores import TokenRecord
from oauth1core.stores.memory import MemoryStore

WHOAMI = BASE + "/api/whoami"
REQUEST_TOKEN = BASE + "/oauth/request_token"
ACCESS_TOKEN = BASE + "/oauth/access_token"


def _pem_pair() -> Tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@pytest.fixture(scope="module")
def rsa_keys() -> Tuple[str, str, str]:
    private, public = _pem_pair()
    other_private, _ = _pem_pair()
    return private, public, other_private


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def provider(store: MemoryStore, clock: FakeClock) -> Provider:
    return Provider(consumers(), store, clock=clock)


def form(response: Response) -> Dict[str, str]:
    return dict(parse_qsl(response.body.decode(), keep_blank_values=True, strict_parsing=True))


def header(response: Response, name: str) -> Optional[str]:
    values = [v for k, v in response.headers if k.lower() == name.lower()]
    assert len(values) <= 1
    return values[0] if values else None


# -- the flow ----------------------------------------------------------------------------------


def test_three_legged_flow_responses(provider: Provider, clock: FakeClock) -> None:
    client = Client("c1", SECRETS["c1"], callback="https://client.example/cb?x=1", clock=clock)
    response = provider.request_token_endpoint(*signed(client, "POST", REQUEST_TOKEN))
    assert response.status == 200
    assert header(response, "Content-Type") == "application/x-www-form-urlencoded"
    assert header(response, "Cache-Control") == "no-store"
    temporary = form(response)
    assert sorted(temporary) == ["oauth_callback_confirmed", "oauth_token", "oauth_token_secret"]
    assert temporary["oauth_callback_confirmed"] == "true"
    assert len(temporary["oauth_token"]) >= 32 and len(temporary["oauth_token_secret"]) >= 32

    authorization = provider.authorize(temporary["oauth_token"], "alice")
    redirect = urlsplit(authorization.redirect_uri or "")
    assert (redirect.scheme, redirect.netloc, redirect.path) == ("https", "client.example", "/cb")
    assert parse_qsl(redirect.query) == [("x", "1"), ("oauth_token", temporary["oauth_token"]),
                                         ("oauth_verifier", authorization.verifier)]

    client = client.replace(callback=None, token=temporary["oauth_token"],
                            token_secret=temporary["oauth_token_secret"], verifier=authorization.verifier)
    response = provider.access_token_endpoint(*signed(client, "POST", ACCESS_TOKEN))
    assert response.status == 200
    access = form(response)
    assert sorted(access) == ["oauth_token", "oauth_token_secret"]
    assert access["oauth_token"] != temporary["oauth_token"]

    client = client.replace(token=access["oauth_token"], token_secret=access["oauth_token_secret"], verifier=None)
    verified = provider.verify_request(*signed(client, "GET", WHOAMI + "?size=large"))
    assert verified.consumer.key == "c1" and verified.consumer_key == "c1"
    assert verified.token == access["oauth_token"]
    assert verified.access.user == "alice" and verified.access.state is S.ACTIVE
    assert ("size", "large") in verified.params


def test_oob_shows_the_verifier_instead_of_redirecting(provider: Provider, clock: FakeClock) -> None:
    client = Client("c1", SECRETS["c1"], callback="oob", clock=clock)
    temporary = provider.issue_request_token(*signed(client, "POST", REQUEST_TOKEN))
    authorization = provider.authorize(temporary.token, "alice")
    assert authorization.redirect_uri is None and authorization.callback == "oob"
    assert len(authorization.verifier) >= 22


def test_verifier_is_stored_only_as_a_hash(provider: Provider, store: MemoryStore, clock: FakeClock) -> None:
    client = Client("c1", SECRETS["c1"], callback="oob", clock=clock)
    temporary = provider.issue_request_token(*signed(client, "POST", REQUEST_TOKEN))
    authorization = provider.authorize(temporary.token, "alice")
    stored = store.get_token(temporary.token)
    assert stored is not None and stored.verifier_hash is not None
    assert authorization.verifier not in repr(store._tokens) and authorization.verifier != stored.verifier_hash
    assert len(stored.verifier_hash) == 64


def test_token_credentials_lifetime(store: MemoryStore, clock: FakeClock) -> None:
    provider = Provider(consumers(), store, clock=clock, access_token_ttl=3600, request_token_ttl=60)
    access, client = three_legged(provider)
    assert access.expires_at == clock.now + 3600
    clock.advance(3600)
    assert problem_of(lambda: provider.verify_request(*signed(client, "GET", WHOAMI))) == (401, "token_expired")
    provider.sweep()
    # a forgotten token is an unknown one: signature_invalid with the default uniform answers
    assert problem_of(lambda: provider.verify_request(*signed(client, "GET", WHOAMI))) == (401, "signature_invalid")


def test_access_tokens_do_not_expire_by_default(provider: Provider, clock: FakeClock) -> None:
    access, client = three_legged(provider)
    assert access.expires_at is None
    clock.advance(10 * 365 * 86400)
    assert provider.verify_request(*signed(client, "GET", WHOAMI)).access.user == "alice"


def test_temporary_credentials_expire(provider: Provider, clock: FakeClock) -> None:
    client = Client("c1", SECRETS["c1"], callback="oob", clock=clock)
    temporary = provider.issue_request_token(*signed(client, "POST", REQUEST_TOKEN))
    assert temporary.expires_at == clock.now + 600
    clock.advance(600)
    assert problem_of(lambda: provider.authorize(temporary.token, "alice")) == (401, "token_expired")
    assert problem_of(lambda: provider.pending_authorization(temporary.token)) == (401, "token_expired")


def test_authorized_but_not_exchanged_in_time(provider: Provider, clock: FakeClock) -> None:
    client = Client("c1", SECRETS["c1"], callback="oob", clock=clock)
    temporary = provider.issue_request_token(*signed(client, "POST", REQUEST_TOKEN))
    verifier = provider.authorize(temporary.token, "alice").verifier
    clock.advance(601)
    client = client.replace(callback=None, token=temporary.token, token_secret=temporary.secret, verifier=verifier)
    assert problem_of(lambda: provider.issue_access_token(*signed(client, "POST", ACCESS_TOKEN))) == (
        401, "token_expired")


def test_exchange_outcomes(provider: Provider, clock: FakeClock) -> None:
    def temporary(decide: Optional[str]) -> Tuple[Client, str]:
        client = Client("c1", SECRETS["c1"], callback="oob", clock=clock)
        record = provider.issue_request_token(*signed(client, "POST", REQUEST_TOKEN))
        verifier = "x"
        if decide == "approve":
            verifier = provider.authorize(record.token, "alice").verifier
        elif decide == "deny":
            provider.deny(record.token)
        return client.replace(callback=None, token=record.token, token_secret=record.secret), verifier

    def exchange(client: Client, verifier: str) -> Tuple[int, str]:
        return problem_of(lambda: provider.issue_access_token(*signed(client.replace(verifier=verifier), "POST",
                                                                         ACCESS_TOKEN)))

    client, _ = temporary(None)
    assert exchange(client, "anything") == (401, "verifier_invalid")
    client, _ = temporary("deny")
    assert exchange(client, "anything") == (401, "permission_denied")
    client, verifier = temporary("approve")
    assert exchange(client, verifier + "x") == (401, "verifier_invalid")
    assert exchange(client, "") == (401, "verifier_invalid")
    provider.issue_access_token(*signed(client.replace(verifier=verifier), "POST", ACCESS_TOKEN))
    assert exchange(client, verifier) == (401, "token_used")


def test_authorize_decides_once(provider: Provider, clock: FakeClock) -> None:
    client = Client("c1", SECRETS["c1"], callback="oob", clock=clock)
    record = provider.issue_request_token(*signed(client, "POST", REQUEST_TOKEN))
    provider.deny(record.token)
    assert problem_of(lambda: provider.authorize(record.token, "alice")) == (401, "token_used")
    assert problem_of(lambda: provider.deny(record.token)) == (401, "token_used")
    assert problem_of(lambda: provider.authorize("no-such-token", "alice")) == (401, "token_rejected")
    assert problem_of(lambda: provider.pending_authorization("")) == (401, "token_rejected")


def test_access_token_is_not_a_request_token_and_back(provider: Provider, clock: FakeClock) -> None:
    access, client = three_legged(provider)
    # Token credentials cannot be authorized or exchanged; temporary credentials cannot call.
    assert problem_of(lambda: provider.authorize(access.token, "mallory")) == (401, "token_rejected")
    assert problem_of(lambda: provider.issue_access_token(
        *signed(client.replace(verifier="v"), "POST", ACCESS_TOKEN))) == (401, "token_rejected")
    assert access.parent is not None
    parent = provider.store.get_token(access.parent)
    assert parent is not None
    old = client.replace(token=parent.token, token_secret=parent.secret)
    assert problem_of(lambda: provider.verify_request(*signed(old, "GET", WHOAMI))) == (401, "token_rejected")


def test_revoke(provider: Provider, clock: FakeClock) -> None:
    access, client = three_legged(provider)
    provider.revoke(access.token)
    assert problem_of(lambda: provider.verify_request(*signed(client, "GET", WHOAMI))) == (401, "token_rejected")
    assert problem_of(lambda: provider.revoke(access.token)) == (401, "token_rejected")
    assert problem_of(lambda: provider.revoke("unknown")) == (401, "token_rejected")


def test_two_legged_requests_when_allowed(provider: Provider, clock: FakeClock) -> None:
    client = Client("c1", SECRETS["c1"], clock=clock)
    assert problem_of(lambda: provider.verify_request(*signed(client, "GET", WHOAMI))) == (400, "parameter_absent")
    verified = provider.verify_request(*signed(client, "GET", WHOAMI), require_token=False)
    assert verified.access is None and verified.token is None and verified.consumer.key == "c1"


# -- the timestamp window and the nonce (section 3.3) --------------------------------------------


@pytest.mark.parametrize("offset,accepted", [(-301, False), (-300, True), (0, True), (300, True), (301, False)])
def test_two_sided_window(provider: Provider, clock: FakeClock, offset: int, accepted: bool) -> None:
    _, client = three_legged(provider)
    request = signed(client, "GET", WHOAMI, timestamp=int(clock.now) + offset)
    if accepted:
        assert provider.verify_request(*request).timestamp == int(clock.now) + offset
    else:
        assert problem_of(lambda: provider.verify_request(*request)) == (401, "timestamp_refused")


def test_window_is_configurable(store: MemoryStore, clock: FakeClock) -> None:
    provider = Provider(consumers(), store, clock=clock, timestamp_window=30)
    _, client = three_legged(provider)
    assert problem_of(lambda: provider.verify_request(*signed(client, "GET", WHOAMI, timestamp=int(clock.now) - 31))
                      ) == (401, "timestamp_refused")
    provider.verify_request(*signed(client, "GET", WHOAMI, timestamp=int(clock.now) - 30))


def test_timestamp_refused_says_what_is_acceptable(provider: Provider, clock: FakeClock) -> None:
    response = provider.error_response(TimestampRefused("old"))
    assert form(response)["oauth_acceptable_timestamps"] == f"{int(clock.now) - 300}-{int(clock.now) + 300}"


def test_nonce_is_kept_as_long_as_its_timestamp_can_pass(provider: Provider, store: MemoryStore,
                                                        clock: FakeClock) -> None:
    _, client = three_legged(provider)
    request = signed(client, "GET", WHOAMI, timestamp=int(clock.now) + 300, nonce="future")
    provider.verify_request(*request)
    for step in (1, 299, 300, 599):  # the timestamp stays acceptable until now = T + 600
        clock.now = T0 + step
        provider.sweep()
        assert problem_of(lambda: provider.verify_request(*request)) == (401, "nonce_used")
    clock.now = T0 + 601
    assert problem_of(lambda: provider.verify_request(*request)) == (401, "timestamp_refused")


def test_nonce_is_recorded_only_after_the_signature(provider: Provider, clock: FakeClock) -> None:
    access, client = three_legged(provider)
    forged = client.replace(token_secret="guess")
    for bad in (forged, client.replace(client_key="unknown"), client.replace(token="unknown")):
        request = signed(bad, "GET", WHOAMI, nonce="precious")
        status, _ = problem_of(lambda: provider.verify_request(*request))
        assert status == 401
    # The nonce was never burnt: the genuine client can still use it.
    provider.verify_request(*signed(client, "GET", WHOAMI, nonce="precious"))
    assert problem_of(lambda: provider.verify_request(*signed(client, "GET", WHOAMI, nonce="precious"))) == (
        401, "nonce_used")


def test_body_hash_failure_does_not_burn_the_nonce(provider: Provider, clock: FakeClock) -> None:
    _, client = three_legged(provider)
    client = client.replace(body_hash=True)
    headers = {"Content-Type": "application/json"}
    method, uri, signed_headers, body = signed(client, "POST", WHOAMI, headers, b'{"a": 1}', nonce="n1")
    assert problem_of(lambda: provider.verify_request(method, uri, signed_headers, b'{"a": 2}')) == (
        401, "signature_invalid")
    assert provider.verify_request(method, uri, signed_headers, body).access.user == "alice"


def test_nonce_key_includes_the_token(provider: Provider, clock: FakeClock) -> None:
    _, alice = three_legged(provider, user="alice")
    _, bob = three_legged(provider, user="bob")
    provider.verify_request(*signed(alice, "GET", WHOAMI, nonce="shared"))
    provider.verify_request(*signed(bob, "GET", WHOAMI, nonce="shared"))
    _, other = three_legged(provider, "c2")
    provider.verify_request(*signed(other, "GET", WHOAMI, nonce="shared"))


def test_a_verified_request_consumes_its_nonce_even_when_refused_later(provider: Provider,
                                                                     clock: FakeClock) -> None:
    client = Client("c1", SECRETS["c1"], callback="oob", clock=clock)
    record = provider.issue_request_token(*signed(client, "POST", REQUEST_TOKEN))
    verifier = provider.authorize(record.token, "alice").verifier
    client = client.replace(callback=None, token=record.token, token_secret=record.secret, verifier="wrong")
    request = signed(client, "POST", ACCESS_TOKEN, nonce="once")
    assert problem_of(lambda: provider.issue_access_token(*request)) == (401, "verifier_invalid")
    assert problem_of(lambda: provider.issue_access_token(*request)) == (401, "nonce_used")
    provider.issue_access_token(*signed(client.replace(verifier=verifier), "POST", ACCESS_TOKEN))


# -- signature methods per consumer ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512"])
def test_hmac_methods(provider: Provider, clock: FakeClock, method: str) -> None:
    _, client = three_legged(provider)
    client = client.replace(signature_method=method)
    assert provider.verify_request(*signed(client, "GET", WHOAMI)).signature_method == method


def test_plaintext_is_off_unless_enabled_and_https_only(store: MemoryStore, clock: FakeClock) -> None:
    provider = Provider(consumers(plain=Consumer("plain", "pw", signature_methods=["PLAINTEXT", "HMAC-SHA1"])),
                        store, clock=clock)
    c1 = Client("c1", SECRETS["c1"], signature_method="PLAINTEXT", clock=clock)
    assert problem_of(lambda: provider.verify_request(*signed(c1, "GET", "https://sp.example.net/api/whoami"),
                                                      require_token=False)) == (400, "signature_method_rejected")
    plain = Client("plain", "pw", signature_method="PLAINTEXT", clock=clock)
    assert problem_of(lambda: provider.verify_request(*signed(plain, "GET", "http://sp.example.net/api/whoami"),
                                                      require_token=False)) == (400, "signature_method_rejected")
    verified = provider.verify_request(*signed(plain, "GET", "https://sp.example.net/api/whoami"),
                                       require_token=False)
    assert verified.signature_method == "PLAINTEXT"
    wrong = plain.replace(client_secret="px")
    assert problem_of(lambda: provider.verify_request(*signed(wrong, "GET", "https://sp.example.net/x"),
                                                      require_token=False)) == (401, "signature_invalid")


def test_plaintext_also_needs_timestamp_and_nonce(store: MemoryStore, clock: FakeClock) -> None:
    provider = Provider({"plain": Consumer("plain", "pw", signature_methods=["PLAINTEXT"])}, store, clock=clock)
    uri = "https://sp.example.net/api/whoami"
    header = 'OAuth oauth_consumer_key="plain", oauth_signature_method="PLAINTEXT", oauth_signature="pw%26"'
    assert problem_of(lambda: provider.verify_request("GET", uri, {"Authorization": header}, require_token=False)
                      ) == (400, "parameter_absent")


@pytest.mark.peers
def test_rsa_consumers_verify_with_their_public_key(store: MemoryStore, clock: FakeClock,
                                                    rsa_keys: Tuple[str, str, str]) -> None:
    private, public, other_private = rsa_keys
    provider = Provider(consumers(rsa=Consumer("rsa", rsa_public_key=public)), store, clock=clock)
    for method in ("RSA-SHA1", "RSA-SHA256", "RSA-SHA512"):
        client = Client("rsa", signature_method=method, rsa_key=private, clock=clock)
        assert provider.verify_request(*signed(client, "GET", WHOAMI), require_token=False).signature_method == method
    impostor = Client("rsa", signature_method="RSA-SHA1", rsa_key=other_private, clock=clock)
    assert problem_of(lambda: provider.verify_request(*signed(impostor, "GET", WHOAMI), require_token=False)) == (
        401, "signature_invalid")
    # The consumer has no shared secret: HMAC and PLAINTEXT can never pass, even signed with "".
    for method in ("HMAC-SHA1", "PLAINTEXT"):
        keyless = Client("rsa", "", signature_method=method, clock=clock)
        uri = "https://sp.example.net/api/whoami"
        assert problem_of(lambda: provider.verify_request(*signed(keyless, "GET", uri), require_token=False)) == (
            400, "signature_method_rejected")


@pytest.mark.peers
def test_rsa_consumer_full_flow(store: MemoryStore, clock: FakeClock, rsa_keys: Tuple[str, str, str]) -> None:
    private, public, _ = rsa_keys
    provider = Provider({"rsa": Consumer("rsa", rsa_public_key=public)}, store, clock=clock)
    client = Client("rsa", signature_method="RSA-SHA256", rsa_key=private, callback="oob", clock=clock)
    record = provider.issue_request_token(*signed(client, "POST", REQUEST_TOKEN))
    verifier = provider.authorize(record.token, "carol").verifier
    client = client.replace(callback=None, token=record.token, token_secret=record.secret, verifier=verifier)
    access = provider.issue_access_token(*signed(client, "POST", ACCESS_TOKEN))
    client = client.replace(token=access.token, token_secret=access.secret, verifier=None)
    assert provider.verify_request(*signed(client, "GET", WHOAMI)).access.user == "carol"


@pytest.mark.peers
def test_consumer_construction(rsa_keys: Tuple[str, str, str]) -> None:
    _, public, _ = rsa_keys
    assert Consumer("k", "s").signature_methods == {"HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512"}
    assert Consumer("k", rsa_public_key=public).signature_methods == {"RSA-SHA1", "RSA-SHA256", "RSA-SHA512"}
    assert Consumer("k", "s", signature_methods=["HMAC-SHA256"]).signature_methods == {"HMAC-SHA256"}
    assert Consumer("k", "", rsa_public_key=public).secret is None
    for kwargs in ({}, {"secret": ""}, {"signature_methods": ["HMAC-SHA1"]},
                   {"secret": "s", "signature_methods": ["RSA-SHA1"]}, {"secret": "s", "signature_methods": ["MD5"]},
                   {"rsa_public_key": public, "signature_methods": ["PLAINTEXT"]}):
        with pytest.raises(ValueError):
            Consumer("k", **kwargs)
    with pytest.raises(OAuthError):
        Consumer("k", rsa_public_key="not a key")
    assert "s3cr3t" not in repr(Consumer("k", "s3cr3t"))


def test_body_hash(provider: Provider, clock: FakeClock) -> None:
    _, client = three_legged(provider)
    client = client.replace(body_hash=True)
    headers = {"Content-Type": "application/json"}
    request = signed(client, "POST", WHOAMI, headers, b'{"photo": 1}')
    assert provider.verify_request(*request).oauth["oauth_body_hash"]
    method, uri, signed_headers, _ = signed(client, "POST", WHOAMI, headers, b'{"photo": 1}')
    assert problem_of(lambda: provider.verify_request(method, uri, signed_headers, b'{"photo": 2}')) == (
        401, "signature_invalid")


# -- callbacks (section 2.1) --------------------------------------------------------------------


@pytest.mark.parametrize("callback", [
    "oob", "https://client.example/cb", "https://client.example:8443/cb?state=1", "http://127.0.0.1:9000/cb",
    "http://127.1.2.3/", "http://localhost/cb", "http://[::1]:8080/cb",
])
def test_callbacks_accepted(callback: str) -> None:
    check_callback(callback)


@pytest.mark.parametrize("callback", [
    "", "OOB", "http://client.example/cb", "javascript:alert(1)", "data:text/html,x", "ftp://client.example/",
    "https://", "https:///path", "https://user@client.example/cb", "https://user:pw@client.example/cb",
    "https://client.example/cb#frag", "https://client.example/c b", "https://client.example/\r\nX: y",
    "http://127.0.0.1.evil.example/", "http://localhost.evil.example/", "http://[::2]/", "http://0.0.0.0/",
    "https://client.example:99999/", "//client.example/cb", "https://" + "a" * 2050 + ".example/",
])
def test_callbacks_refused(callback: str) -> None:
    assert problem_of(lambda: check_callback(callback)) == (400, "parameter_rejected")


def test_registered_callbacks_match_exactly() -> None:
    registered = ["https://client.example/cb", "http://client.example/legacy"]
    check_callback("https://client.example/cb", registered)
    check_callback("http://client.example/legacy", registered)  # registered: the admin's choice
    check_callback("oob", registered)
    for other in ("https://client.example/cb/", "https://client.example/cb?x=1", "https://CLIENT.example/cb",
                  "http://127.0.0.1/cb"):
        assert problem_of(lambda: check_callback(other, registered)) == (400, "parameter_rejected")


def test_refused_callback_issues_nothing(store: MemoryStore, clock: FakeClock) -> None:
    provider = Provider({"c1": Consumer("c1", SECRETS["c1"], callbacks=["https://client.example/cb"])}, store,
                        clock=clock)
    client = Client("c1", SECRETS["c1"], callback="https://evil.example/cb", clock=clock)
    response = provider.request_token_endpoint(*signed(client, "POST", REQUEST_TOKEN))
    assert response.status == 400 and form(response)["oauth_parameters_rejected"] == "oauth_callback"
    assert not store._tokens
    good = client.replace(callback="https://client.example/cb")
    assert provider.request_token_endpoint(*signed(good, "POST", REQUEST_TOKEN)).status == 200


# -- the same work for unknown consumers and tokens -------------------------------------------------


class _Counting:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: List[Tuple[str, str]] = []
        original = HmacMethod.verify

        def verify(method: HmacMethod, base_string: str, signature: str, client_secret: str,
                   token_secret: str) -> bool:
            self.calls.append((client_secret, token_secret))
            return original(method, base_string, signature, client_secret, token_secret)

        monkeypatch.setattr(HmacMethod, "verify", verify)


class _SpyStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.lookups: List[str] = []

    def get_token(self, token: str) -> Optional[TokenRecord]:
        self.lookups.append(token)
        return super().get_token(token)


def test_unknown_consumer_and_token_cost_a_signature(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    store = _SpyStore()
    provider = Provider(consumers(), store, clock=clock)
    access, client = three_legged(provider)
    other_access, _ = three_legged(provider, "c2")
    counter = _Counting(monkeypatch)
    store.lookups.clear()
    cases = [
        (client, (None, None)),  # known consumer, known token
        (client.replace(client_key="nobody"), (401, "consumer_key_unknown")),
        (client.replace(token="no-such-token"), (401, "signature_invalid")),  # uniform for token ids
        (client.replace(token=other_access.token, token_secret=other_access.secret), (401, "signature_invalid")),
    ]
    for index, (who, expected) in enumerate(cases):
        request = signed(who, "GET", WHOAMI)
        if expected == (None, None):
            provider.verify_request(*request)
        else:
            assert problem_of(lambda: provider.verify_request(*request)) == expected
        assert len(counter.calls) == index + 1, "every request computes exactly one signature"
        assert len(store.lookups) == index + 1, "every request looks its token up"
        client_secret, token_secret = counter.calls[-1]
        assert client_secret and token_secret  # a decoy secret where the real one is unknown
    # The decoys never are another consumer's secrets.
    assert counter.calls[3][1] != other_access.secret
    assert counter.calls[1][0] not in SECRETS.values()


@pytest.mark.peers
def test_unknown_rsa_consumer_costs_an_rsa_verification(monkeypatch: pytest.MonkeyPatch, clock: FakeClock,
                                                        rsa_keys: Tuple[str, str, str]) -> None:
    from oauth1core.methods.rsa import RsaMethod

    private, _, _ = rsa_keys
    calls: List[int] = []
    original = RsaMethod.verify

    def verify(method: RsaMethod, *args: Any) -> bool:
        calls.append(method.public_key.size if method.public_key else 0)
        return original(method, *args)

    monkeypatch.setattr(RsaMethod, "verify", verify)
    provider = Provider(consumers(), MemoryStore(), clock=clock)
    client = Client("stranger", signature_method="RSA-SHA256", rsa_key=private, clock=clock)
    assert problem_of(lambda: provider.verify_request(*signed(client, "GET", WHOAMI), require_token=False)) == (
        401, "consumer_key_unknown")
    assert calls == [2048]


# -- a failed request never changes a token --------------------------------------------------------


def test_failed_requests_never_mutate(provider: Provider, store: MemoryStore, clock: FakeClock) -> None:
    access, client = three_legged(provider)
    pending_client = Client("c1", SECRETS["c1"], callback="oob", clock=clock)
    pending = provider.issue_request_token(*signed(pending_client, "POST", REQUEST_TOKEN))
    verifier = provider.authorize(pending.token, "alice").verifier
    exchange = pending_client.replace(callback=None, token=pending.token, token_secret=pending.secret)
    before = copy.deepcopy(store._tokens)
    failing = [
        lambda: provider.issue_access_token(*signed(exchange.replace(verifier=verifier + "x"), "POST", ACCESS_TOKEN)),
        lambda: provider.issue_access_token(*signed(exchange.replace(verifier=verifier, token_secret="x"), "POST",
                                                    ACCESS_TOKEN)),
        lambda: provider.issue_access_token(*signed(exchange.replace(verifier=verifier, client_key="c2",
                                                                     client_secret=SECRETS["c2"]),
                                                    "POST", ACCESS_TOKEN)),
        lambda: provider.issue_access_token(*signed(exchange.replace(verifier=verifier), "POST", ACCESS_TOKEN,
                                                    timestamp=int(clock.now) - 1000)),
        lambda: provider.issue_access_token("PUT", *signed(exchange.replace(verifier=verifier), "POST",
                                                           ACCESS_TOKEN)[1:]),  # method changed after signing
        lambda: provider.verify_request(*signed(client.replace(token_secret="x"), "GET", WHOAMI)),
        lambda: provider.verify_request(*signed(exchange, "GET", WHOAMI)),
        lambda: provider.issue_access_token(*signed(client.replace(verifier="v"), "POST", ACCESS_TOKEN)),
    ]
    for call in failing:
        status, _ = problem_of(call)
        assert status in (400, 401)
        assert store._tokens == before
    provider.issue_access_token(*signed(exchange.replace(verifier=verifier), "POST", ACCESS_TOKEN))
    assert store._tokens != before


# -- a failing store: 503, never an accept ---------------------------------------------------------


class _BrokenStore(MemoryStore):
    """Works until ``broken`` names a method; that one then raises ServiceUnavailable."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = ""

    def _check(self, name: str) -> None:
        if name == self.broken:
            raise ServiceUnavailable("the store is down")

    def add_nonce(self, *args: Any, **kwargs: Any) -> bool:
        self._check("add_nonce")
        return super().add_nonce(*args, **kwargs)

    def get_token(self, token: str) -> Optional[TokenRecord]:
        self._check("get_token")
        return super().get_token(token)

    def add_token(self, record: TokenRecord) -> bool:
        self._check("add_token")
        return super().add_token(record)

    def add_request_token(self, record: TokenRecord, **kwargs: Any) -> Any:
        self._check("add_token")
        return super().add_request_token(record, **kwargs)

    def transition(self, *args: Any, **kwargs: Any) -> bool:
        self._check("transition")
        return super().transition(*args, **kwargs)


# What each endpoint needs from the store: when that method fails, the answer is 503.
NEEDS = {
    "add_nonce": {"request_token", "access_token", "resource"},
    "get_token": {"access_token", "resource", "authorize"},
    "add_token": {"request_token"},
    "transition": {"access_token", "authorize"},
}


@pytest.mark.parametrize("broken", sorted(NEEDS))
def test_store_failure_is_503_never_an_accept(clock: FakeClock, broken: str) -> None:
    store = _BrokenStore()
    provider = Provider(consumers(), store, clock=clock)
    _, client = three_legged(provider)
    rt_client = Client("c1", SECRETS["c1"], callback="oob", clock=clock)
    pending = provider.issue_request_token(*signed(rt_client, "POST", REQUEST_TOKEN))
    authorized = provider.issue_request_token(*signed(rt_client, "POST", REQUEST_TOKEN))
    verifier = provider.authorize(authorized.token, "alice").verifier
    exchange = rt_client.replace(callback=None, token=authorized.token, token_secret=authorized.secret,
                                 verifier=verifier)
    store.broken = broken
    before = copy.deepcopy(store._tokens)

    def resource() -> Response:
        try:
            provider.verify_request(*signed(client, "GET", WHOAMI))
        except OAuthError as error:
            return provider.error_response(error)
        return Response(200, [], b"")

    def authorize() -> Response:
        try:
            provider.authorize(pending.token, "alice")
        except OAuthError as error:
            return provider.error_response(error)
        return Response(200, [], b"")

    answers = {
        "request_token": provider.request_token_endpoint(*signed(rt_client, "POST", REQUEST_TOKEN)),
        "access_token": provider.access_token_endpoint(*signed(exchange, "POST", ACCESS_TOKEN)),
        "resource": resource(),
        "authorize": authorize(),
    }
    for name, response in answers.items():
        if name in NEEDS[broken]:
            assert response.status == 503, name
            assert header(response, "Retry-After") == "5" and header(response, "WWW-Authenticate") is None
            assert form(response)["oauth_problem"] == "temporarily_unavailable"
        else:
            assert response.status == 200, name
    if "access_token" in NEEDS[broken]:
        assert store._tokens.get(authorized.token) == before[authorized.token]
    # Repaired, the store serves again, and the refused exchange can still happen once.
    store.broken = ""
    assert provider.verify_request(*signed(client, "GET", WHOAMI)).access.user == "alice"
    if "access_token" in NEEDS[broken]:
        provider.issue_access_token(*signed(exchange, "POST", ACCESS_TOKEN))


# -- responses -------------------------------------------------------------------------------------------


def test_error_response_format() -> None:
    from oauth1core.errors import NonceUsed, ParameterAbsent

    response = error_response(ParameterAbsent("oauth_verifier is required", parameter="oauth_verifier"),
                              'Photos "2"')
    assert response.status == 400
    assert header(response, "WWW-Authenticate") == 'OAuth realm="Photos \\"2\\"", oauth_problem="parameter_absent"'
    assert header(response, "Content-Type") == "text/plain; charset=utf-8"
    assert form(response) == {"oauth_problem": "parameter_absent", "oauth_parameters_absent": "oauth_verifier",
                              "oauth_problem_advice": "oauth_verifier is required"}
    response = error_response(NonceUsed("again"), "r")
    assert response.status == 401
    assert header(response, "WWW-Authenticate") == 'OAuth realm="r", oauth_problem="nonce_used"'


def test_no_secret_in_any_error(provider: Provider, clock: FakeClock) -> None:
    access, client = three_legged(provider)
    secrets = [SECRETS["c1"], SECRETS["c2"], access.secret, provider._decoy_secret]
    attempts = [
        client.replace(token_secret="x"), client.replace(client_secret="y"), client.replace(client_key="c2"),
        client.replace(token="unknown"), client.replace(signature_method="PLAINTEXT"),
    ]
    for attempt in attempts:
        request = signed(attempt, "GET", WHOAMI)
        try:
            provider.verify_request(*request)
        except OAuthError as error:
            text = str(error) + repr(error) + provider.error_response(error).body.decode()
            text += " ".join(value for _, value in provider.error_response(error).headers)
            assert not [secret for secret in secrets if secret in text]
        else:
            raise AssertionError("expected a refusal")


def test_provider_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        Provider(consumers(), timestamp_window=-1)
    with pytest.raises(ValueError):
        Provider(consumers(), access_token_ttl=0)
    with pytest.raises(ValueError):
        Provider(consumers(), realm="bad\nrealm")
    assert isinstance(Provider(consumers()).store, MemoryStore)


# -- total: any input gives a result or a typed error ------------------------------------------------

_text = st.text(max_size=60)
_headers = st.dictionaries(st.sampled_from(["Authorization", "authorization", "Content-Type", "X"]),
                           st.one_of(_text, st.just('OAuth oauth_consumer_key="c1", oauth_signature="x"')),
                           max_size=3)


@settings(max_examples=300, deadline=None)
@given(method=st.one_of(st.sampled_from(["GET", "POST", "get", ""]), _text),
       uri=st.one_of(st.just(WHOAMI), st.just(REQUEST_TOKEN + "?oauth_callback=oob"), _text.map(lambda t: BASE + t),
                     _text),
       headers=st.one_of(st.none(), _headers),
       body=st.one_of(st.none(), st.binary(max_size=60), _text))
def test_total(method: str, uri: str, headers: Optional[Dict[str, str]], body: Any) -> None:
    provider = Provider(consumers(), MemoryStore(), clock=FakeClock())
    for endpoint in (provider.request_token_endpoint, provider.access_token_endpoint):
        response = endpoint(method, uri, headers, body)
        assert response.status in (400, 401)
    try:
        provider.verify_request(method, uri, headers, body)
    except OAuthError as error:
        assert error.status in (400, 401)
    else:
        raise AssertionError("accepted garbage")


def test_total_with_wrong_types() -> None:
    provider = Provider(consumers(), MemoryStore(), clock=FakeClock())
    weird: List[Tuple[Any, Any, Any, Any]] = [
        (None, WHOAMI, None, None), ("GET", None, None, None), ("GET", WHOAMI, {"Authorization": b"OAuth x"}, None),
        ("GET", WHOAMI, {1: 2}, None), ("GET", WHOAMI, None, 12), ("GET", WHOAMI, ["not", "a", "mapping"], None),
        ("GET", WHOAMI, None, "\udcff"),
    ]
    for method, uri, headers, body in weird:
        assert provider.request_token_endpoint(method, uri, headers, body).status == 400
        assert problem_of(lambda: provider.verify_request(method, uri, headers, body))[0] == 400
