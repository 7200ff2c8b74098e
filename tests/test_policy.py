"""Provider policy (issue 12, part 3): the login throttle's transition table over every state x
event, its back-off, and each policy finding through the provider and the HTTP application."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple
from urllib.parse import parse_qsl

import pytest
from store_suite import BASE, SECRETS, T0, FakeClock, consumers, problem_of, record, signed

from oauth1core.client import Client
from oauth1core.httpserver import ProviderApp
from oauth1core.parameters import encode_form
from oauth1core.server import Consumer, Provider, Response
from oauth1core.stores.memory import MemoryStore
from oauth1core.tokens import TokenState

FORM = "application/x-www-form-urlencoded"


def _policy_module() -> Any:
    import oauth1core.policy

    return oauth1core.policy


# -- the login throttle: the table, like tests/test_tokens.py ------------------------------------


def test_every_state_and_event() -> None:
    policy = _policy_module()
    L, E = policy.LoginState, policy.LoginEvent
    legal = {
        (L.CLEAR, E.ATTEMPT): L.CLEAR, (L.CLEAR, E.SUCCESS): L.CLEAR, (L.CLEAR, E.FAILURE): L.COUNTING,
        (L.CLEAR, E.LAST_FAILURE): L.BACKING_OFF, (L.CLEAR, E.ELAPSED): L.CLEAR,
        (L.COUNTING, E.ATTEMPT): L.COUNTING, (L.COUNTING, E.SUCCESS): L.CLEAR,
        (L.COUNTING, E.FAILURE): L.COUNTING, (L.COUNTING, E.LAST_FAILURE): L.BACKING_OFF,
        (L.COUNTING, E.ELAPSED): L.CLEAR, (L.BACKING_OFF, E.ELAPSED): L.COUNTING,
    }
    assert policy.TRANSITIONS == legal
    for state in L:
        for event in E:
            if (state, event) in legal:
                assert policy.advance(state, event) is legal[(state, event)]
            else:
                with pytest.raises(policy.Throttled) as caught:
                    policy.advance(state, event, 7.0)
                assert caught.value.retry_after == 7.0


def test_exponential_back_off_and_forgetting() -> None:
    policy = _policy_module()
    clock = FakeClock(0.0)
    throttle = policy.LoginThrottle(policy.Policy(login_free_failures=3, login_base_delay=1.0, login_max_delay=8.0,
                                                  login_forget_after=100.0), clock)
    key = "account:alice"
    assert throttle.failed(key) == () and throttle.failed(key) == ()
    throttle.check(key)  # two failures: still allowed
    assert throttle.failed(key) == (key,)
    delays = []
    for _ in range(5):
        with pytest.raises(policy.Throttled) as caught:
            throttle.check(key)
        delays.append(caught.value.retry_after)
        clock.advance(caught.value.retry_after)
        throttle.check(key)  # the back-off is over: one more try
        throttle.failed(key)
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0]  # doubling, capped at login_max_delay
    clock.advance(8.0)
    throttle.succeeded(key)
    assert throttle.state(key).state is policy.LoginState.CLEAR and len(throttle) == 0
    throttle.failed(key)
    clock.advance(100.0)
    assert throttle.state(key) == policy.Entry()  # quiet for login_forget_after: forgotten


def test_the_throttle_memory_is_bounded() -> None:
    policy = _policy_module()
    clock = FakeClock(0.0)
    throttle = policy.LoginThrottle(policy.Policy(login_free_failures=2), clock, max_entries=100)
    throttle.failed("account:victim")
    throttle.failed("account:victim")  # backing off
    for i in range(1000):
        throttle.failed(f"account:invented{i}")
    assert len(throttle) <= 100
    assert throttle.state("account:victim").state is policy.LoginState.BACKING_OFF


def test_policy_knobs_are_checked() -> None:
    policy = _policy_module()
    with pytest.raises(ValueError, match="unknown tolerance"):
        policy.Policy(tolerate=frozenset({"anything-goes"}))
    for bad in ({"max_pending_per_consumer": 0}, {"token_max_failures": 0}, {"login_base_delay": 0}):
        with pytest.raises(ValueError):
            policy.Policy(**bad)
    assert policy.DEFAULT_POLICY.uniform_token_errors and not policy.DEFAULT_POLICY.uniform_consumer_errors
    assert policy.DEFAULT_POLICY.tolerate == frozenset()


# -- password guessing ---------------------------------------------------------------------------


class Site:
    """A provider and its HTTP application, driven through ``handle`` (sans-I/O)."""

    def __init__(self, **provider_options: Any) -> None:
        self.clock = FakeClock()
        self.store = MemoryStore()
        self.provider = Provider(consumers(**provider_options.pop("extra", {})), self.store, clock=self.clock,
                                 **provider_options)
        self.app = ProviderApp(self.provider, users={"alice": "wonderland"})

    def request_token(self, callback: str = "oob", key: str = "c1") -> Response:
        client = Client(key, SECRETS.get(key, "s"), callback=callback, clock=self.clock)
        method, uri, headers, _ = signed(client, "POST", BASE + "/oauth/request_token")
        return self.app.handle(method, uri[len(BASE):], [("Host", "sp.example.net")] + list(headers.items()), b"")

    def token(self, callback: str = "oob") -> str:
        response = self.request_token(callback)
        assert response.status == 200, response
        return dict(parse_qsl(response.body.decode()))["oauth_token"]

    def decide(self, token: str, password: str, address: str = "192.0.2.1", user: str = "alice") -> Response:
        body = encode_form([("oauth_token", token), ("username", user), ("password", password),
                            ("decision", "approve")]).encode()
        return self.app.handle("POST", "/oauth/authorize", [("Host", "sp.example.net"), ("Content-Type", FORM)],
                               body, client_address=address)


def test_a_pending_token_is_denied_after_a_few_wrong_passwords() -> None:
    # Finding: 300 wrong passwords ran unthrottled, the token stayed pending, and the right
    # password then approved it.
    site = Site()
    token = site.token()
    answers = [site.decide(token, f"guess-{i}").status for i in range(300)]
    assert answers[:3] == [403, 403, 403]  # token_max_failures = 3, then the token is denied
    assert set(answers[3:]) == {401}
    assert site.store.get_token(token).state is TokenState.DENIED  # type: ignore[union-attr]
    assert site.decide(token, "wonderland").status == 401  # the right password comes too late


def test_account_and_address_back_off() -> None:
    site = Site()
    statuses = [site.decide(site.token(), "wrong", address=f"198.51.100.{i}").status for i in range(8)]
    assert statuses[:5] == [403] * 5 and statuses[5:] == [429] * 3  # per account: 5 free failures
    throttled = site.decide(site.token(), "wonderland", address="198.51.100.99")
    assert throttled.status == 429 and ("Retry-After", "1") in throttled.headers
    assert b"Too many failed logins" in throttled.body
    # Another account from one address: the address's 20 free failures, then back-off.
    other = Site()
    codes = [other.decide(other.token(), "wrong", user=f"user{i}").status for i in range(22)]
    assert codes[:20] == [403] * 20 and codes[20:] == [429, 429]


def test_the_right_password_still_works_and_clears() -> None:
    site = Site()
    for _ in range(2):
        assert site.decide(site.token(), "wrong").status == 403
    assert site.decide(site.token(), "wonderland").status == 200  # oob: the verifier page
    throttle = site.provider.login_throttle
    assert throttle.state("account:alice").failures == 0 and throttle.state("address:192.0.2.1").failures == 0


def test_empty_passwords_are_refused() -> None:
    with pytest.raises(ValueError, match="empty password"):
        ProviderApp(Provider(consumers()), users={"mallory": ""})


# -- callbacks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("callback", ["https://client.example/cb/\u2603", "https://client.example/cb/\xe9",
                                      "https://client.example/cb/\x85", "https://client.example/cb/%zz",
                                      "https://client.example/a b", "https://client.example/cb#frag"])
def test_callbacks_are_ascii_absolute_uris_at_issuance(callback: str) -> None:
    site = Site()
    response = site.request_token(callback)
    assert response.status == 400 and dict(parse_qsl(response.body.decode()))["oauth_problem"] == "parameter_rejected"
    assert len(site.store._tokens) == 0


def test_percent_encoded_callbacks_are_fine_and_registered_ones_are_checked() -> None:
    site = Site()
    token = site.token("https://client.example/cb/%E2%98%83?x=%C3%A9")
    location = dict(site.decide(token, "wonderland").headers)["Location"]
    assert location.startswith("https://client.example/cb/%E2%98%83?x=%C3%A9&oauth_token=") and location.isascii()
    with pytest.raises(ValueError, match="registered callback"):
        Consumer("k", "s", callbacks=["https://client.example/\u2603"])
    assert Consumer("k", "s", callbacks=["oob", "myapp:/cb"]).callbacks == ("oob", "myapp:/cb")


def test_a_stored_callback_that_cannot_be_sent_leaves_the_token_pending() -> None:
    site = Site()
    site.store.add_token(record("legacy", callback="https://client.example/cb/\u2603", expires_at=T0 + 600))
    response = site.decide("legacy", "wonderland")
    assert response.status == 400 and "Location" not in dict(response.headers)
    assert site.store.get_token("legacy").state is TokenState.TEMPORARY  # type: ignore[union-attr]


def test_an_undelivered_approval_is_withdrawn() -> None:
    site = Site()
    token = site.token("https://client.example/cb")
    body = encode_form([("oauth_token", token), ("username", "alice"), ("password", "wonderland"),
                        ("decision", "approve")]).encode()
    response, undelivered = site.app.respond("POST", "/oauth/authorize", [("Content-Type", FORM)], body)
    assert response.status == 302 and undelivered is not None
    assert site.store.get_token(token).state is TokenState.AUTHORIZED  # type: ignore[union-attr]
    undelivered()  # the front end could not send it
    assert site.store.get_token(token).state is TokenState.DENIED  # type: ignore[union-attr]


# -- the consent page (RFC 5849 section 4.7) ---------------------------------------------------


def test_the_page_shows_the_consumer_name_and_the_callback_origin() -> None:
    site = Site(extra={"named": Consumer("named", "s", name="Photo Printer")})
    client = Client("named", "s", callback="https://printer.example:8443/return?x=1", clock=site.clock)
    method, uri, headers, _ = signed(client, "POST", BASE + "/oauth/request_token")
    issued = site.app.handle(method, uri[len(BASE):], [("Host", "sp.example.net")] + list(headers.items()), b"")
    token = dict(parse_qsl(issued.body.decode()))["oauth_token"]
    page = site.app.handle("GET", f"/oauth/authorize?oauth_token={token}", [("Host", "h")], b"").body.decode()
    assert "Photo Printer" in page and "https://printer.example:8443</strong>" in page
    oob = site.app.handle("GET", f"/oauth/authorize?oauth_token={site.token()}", [("Host", "h")], b"").body.decode()
    assert "a verification code will be shown" in oob


# -- uniform answers and decoys ----------------------------------------------------------------


def _whoami_problem(provider: Provider, client: Client) -> Tuple[int, str]:
    return problem_of(lambda: provider.verify_request(*signed(client, "GET", BASE + "/api/whoami")))


def test_uniform_answers() -> None:
    from oauth1core.policy import Policy
    from store_suite import three_legged

    clock = FakeClock()
    provider = Provider(consumers(), MemoryStore(), clock=clock)
    _, client = three_legged(provider)
    _, other = three_legged(provider, "c2")
    # Token ids: uniform by default (an unknown token, or another consumer's, looks like a bad signature).
    assert _whoami_problem(provider, client.replace(token="no-such-token")) == (401, "signature_invalid")
    assert _whoami_problem(provider, client.replace(token=other.token, token_secret=other.token_secret)) == (
        401, "signature_invalid")
    assert _whoami_problem(provider, client.replace(client_key="nobody")) == (401, "consumer_key_unknown")
    strict = Provider(consumers(), provider.store, clock=clock, policy=Policy(uniform_consumer_errors=True,
                                                                              uniform_token_errors=False))
    assert _whoami_problem(strict, client.replace(client_key="nobody")) == (401, "signature_invalid")
    assert _whoami_problem(strict, client.replace(token="no-such-token")) == (401, "token_rejected")
    assert _whoami_problem(strict, client.replace(signature_method="HMAC-SHA256", client_secret="x")) == (
        401, "signature_invalid")


@pytest.mark.peers
def test_rsa_decoys_have_every_key_size_in_use(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa

    from oauth1core.methods.rsa import RsaMethod, RsaPublicKey

    sizes: List[int] = []
    original = RsaMethod.verify

    def verify(method: RsaMethod, *args: Any) -> bool:
        sizes.append(method.public_key.size if method.public_key else 0)
        return original(method, *args)

    monkeypatch.setattr(RsaMethod, "verify", verify)
    big = RsaPublicKey(n=(1 << 3071) | 12345677, e=65537)
    clock = FakeClock()
    provider = Provider(consumers(big=Consumer("big", rsa_public_key=big)), MemoryStore(), clock=clock)
    private = crypto_rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    for name in ("stranger-1", "stranger-2", "stranger-3"):
        stranger = Client(name, signature_method="RSA-SHA256", rsa_key=private, clock=clock)
        assert problem_of(lambda: provider.verify_request(*signed(stranger, "GET", BASE + "/x"),
                                                          require_token=False)) == (401, "consumer_key_unknown")
    assert sizes == [3072] * 3  # the one size in use, not a fixed 2048
    mixed: Dict[str, Consumer] = consumers(big=Consumer("big", rsa_public_key=big),
                                           small=Consumer("small", rsa_public_key=RsaPublicKey(n=(1 << 2047) | 3,
                                                                                               e=65537)))
    provider = Provider(mixed, MemoryStore(), clock=clock)
    sizes.clear()
    for i in range(40):
        stranger = Client(f"s{i}", signature_method="RSA-SHA256", rsa_key=private, clock=clock)
        problem_of(lambda: provider.verify_request(*signed(stranger, "GET", BASE + "/x"), require_token=False))
    assert set(sizes) == {2048, 3072}


# -- the quota of pending request tokens -------------------------------------------------------


def test_pending_request_token_quota() -> None:
    from oauth1core.policy import Policy

    site = Site(policy=Policy(max_pending_per_consumer=3))
    tokens = [site.token() for _ in range(3)]
    refused = site.request_token()
    assert refused.status == 503 and b"oauth_problem=temporarily_unavailable" in refused.body
    assert site.request_token(key="c2").status == 200  # another consumer has its own quota
    site.provider.deny(tokens[0])  # a decided token no longer counts
    assert site.request_token().status == 200
    site.clock.advance(600)  # nor do expired ones
    assert site.request_token().status == 200


# -- tolerances: harmless deviations, off by default -------------------------------------------


def _raw_base64(site: Site, *, raw_nonce: bool = False) -> Response:
    """A request token request whose header carries its signature in raw base64 (``+/=`` not
    percent-encoded), as some real clients send it; with ``raw_nonce``, the nonce too."""
    client = Client("c1", SECRETS["c1"], callback="oob", clock=site.clock)
    for attempt in range(200):  # a signature with a + or a / in it (every HMAC-SHA1 one ends in =)
        method, uri, headers, _ = signed(client, "POST", BASE + "/oauth/request_token", nonce=f"n+{attempt}")
        header = headers["Authorization"]
        signature = header.split('oauth_signature="')[1].split('"')[0]
        if "%2B" in signature or "%2F" in signature:
            break
    raw = signature.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
    header = header.replace(signature, raw)
    if raw_nonce:
        header = header.replace(f'oauth_nonce="n%2B{attempt}"', f'oauth_nonce="n+{attempt}"')
    return site.app.handle(method, uri[len(BASE):], [("Host", "sp.example.net"), ("Authorization", header)], b"")


def test_raw_base64_signature_is_a_tolerance() -> None:
    from oauth1core.policy import Policy

    assert _raw_base64(Site()).status == 400
    tolerant = Site(policy=Policy(tolerate=frozenset({"raw-base64-signature"})))
    assert _raw_base64(tolerant).status == 200
    # Nothing signed is ever tolerated: a raw + in the nonce is still refused.
    assert _raw_base64(tolerant, raw_nonce=True).status == 400


