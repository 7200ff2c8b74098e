"""The adversarial suite: hostile or broken requests, each with the status and ``oauth_problem`` it
must get, through the provider's HTTP application (routing, header handling and all).

Every case starts from a working three-legged setup (an access token for consumer ``c1``, an
authorized request token, a denied one); a case builds one request, sends it, and checks the
answer. After each refused request, no token has changed.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl

import pytest
from store_suite import SECRETS, FakeClock, consumers, signed

from oauth1core.base_string import signature_base_string
from oauth1core.client import Client
from oauth1core.httpserver import ProviderApp
from oauth1core.methods import HMAC_SHA1
from oauth1core.parameters import build_authorization_header, encode_form
from oauth1core.server import Consumer, Provider, Response
from oauth1core.stores.memory import MemoryStore

HOST = "sp.example.net"
BASE = "http://" + HOST
FORM = "application/x-www-form-urlencoded"

Request = Tuple[str, str, List[Tuple[str, str]], bytes]


class World:
    """A provider with tokens in every interesting state, and clients for them."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.store = MemoryStore()
        self.provider = Provider(
            consumers(plain=Consumer("plain", "pw", signature_methods=["PLAINTEXT", "HMAC-SHA1"])),
            self.store, clock=self.clock)
        self.app = ProviderApp(self.provider, users={"alice": "wonderland"})
        c1 = Client("c1", SECRETS["c1"], callback="oob", clock=self.clock)
        self.c1 = c1

        def temporary() -> Tuple[str, str]:
            response = self.send(self.request(c1, "POST", "/oauth/request_token"))
            assert response.status == 200, response
            values = dict(parse_qsl(response.body.decode()))
            return values["oauth_token"], values["oauth_token_secret"]

        token, secret = temporary()
        self.pending = c1.replace(callback=None, token=token, token_secret=secret)
        token, secret = temporary()
        self.verifier = self.provider.authorize(token, "alice").verifier
        self.authorized = c1.replace(callback=None, token=token, token_secret=secret, verifier=self.verifier)
        token, secret = temporary()
        self.provider.deny(token)
        self.denied = c1.replace(callback=None, token=token, token_secret=secret, verifier="x")
        token, secret = temporary()
        verifier = self.provider.authorize(token, "alice").verifier
        exchange = c1.replace(callback=None, token=token, token_secret=secret, verifier=verifier)
        response = self.send(self.request(exchange, "POST", "/oauth/access_token"))
        assert response.status == 200, response
        self.exchanged = exchange
        values = dict(parse_qsl(response.body.decode()))
        self.access = c1.replace(callback=None, token=values["oauth_token"], token_secret=values["oauth_token_secret"])
        self.c2 = Client("c2", SECRETS["c2"], clock=self.clock)

    def request(self, client: Client, method: str, path: str, headers: Optional[Dict[str, str]] = None,
                body: Any = None, **kwargs: Any) -> Request:
        m, uri, h, b = signed(client, method, BASE + path, headers, body, **kwargs)
        if isinstance(b, str):
            b = b.encode("utf-8")
        return m, uri[len(BASE):], [("Host", HOST)] + list(h.items()), b or b""

    def send(self, request: Request) -> Response:
        method, target, headers, body = request
        return self.app.handle(method, target, headers, body)


def set_auth(request: Request, transform: Callable[[str], str]) -> Request:
    method, target, headers, body = request
    new = [(k, transform(v) if k == "Authorization" else v) for k, v in headers]
    return method, target, new, body


def add_header(request: Request, name: str, value: str) -> Request:
    method, target, headers, body = request
    return method, target, headers + [(name, value)], body


def replace_param(name: str, value: str) -> Callable[[str], str]:
    """Rewrite one parameter of an Authorization header (the signature no longer matters)."""
    def transform(header: str) -> str:
        parts = header[len("OAuth "):].split(", ")
        out = [f'{name}="{value}"' if p.startswith(name + "=") else p for p in parts]
        return "OAuth " + ", ".join(out)
    return transform


def signed_by_hand(world: World, method: str, path: str, extra: List[Tuple[str, str]],
                   body: List[Tuple[str, str]]) -> Request:
    """A correctly signed request whose protocol parameters no client would send (HMAC-SHA1,
    the access token of ``c1``, ``extra`` protocol parameters, a form ``body``)."""
    client = world.access
    oauth = client.oauth_parameters() + extra
    base = signature_base_string(method, BASE + path, oauth + body)
    oauth.append(("oauth_signature", HMAC_SHA1.sign(base, client.client_secret, client.token_secret)))
    headers = [("Host", HOST), ("Authorization", build_authorization_header(oauth))]
    if body:
        headers.append(("Content-Type", FORM))
    return method, path, headers, encode_form(body).encode()


W = World  # the cases below take a fresh World


def _resource(w: W, **kwargs: Any) -> Request:
    return w.request(w.access, "GET", "/api/whoami", **kwargs)


CASES: Dict[str, Tuple[Callable[[W], Request], int, str]] = {
    # -- the Authorization header -------------------------------------------------------------
    "unquoted value": (lambda w: set_auth(_resource(w), lambda h: h.replace('oauth_version="1.0"',
                                                                            "oauth_version=1.0")),
                       400, "parameter_rejected"),
    "single-quoted value": (lambda w: set_auth(_resource(w), lambda h: h.replace('oauth_version="1.0"',
                                                                                 "oauth_version='1.0'")),
                            400, "parameter_rejected"),
    "missing comma": (lambda w: set_auth(_resource(w), lambda h: h.replace(", oauth_version", " oauth_version")),
                      400, "parameter_rejected"),
    "trailing comma": (lambda w: set_auth(_resource(w), lambda h: h + ","), 400, "parameter_rejected"),
    "parameter twice in the header": (lambda w: set_auth(_resource(w), lambda h: h + ', oauth_nonce="again"'),
                                      400, "parameter_rejected"),
    "realm twice": (lambda w: set_auth(_resource(w), lambda h: h.replace("OAuth ", 'OAuth realm="a", realm="b", ')),
                    400, "parameter_rejected"),
    "two Authorization headers": (lambda w: add_header(_resource(w), "Authorization", 'OAuth oauth_nonce="x"'),
                                  400, "parameter_rejected"),
    "two Content-Type headers": (lambda w: add_header(add_header(_resource(w), "Content-Type", FORM),
                                                      "content-type", "text/plain"), 400, "parameter_rejected"),
    "two Host headers": (lambda w: add_header(_resource(w), "Host", "evil.example"), 400, "parameter_rejected"),
    "another scheme": (lambda w: set_auth(_resource(w), lambda h: "Basic YWxpY2U6cHc="), 400, "parameter_absent"),
    "header too large": (lambda w: set_auth(_resource(w), lambda h: h + ', x="' + "a" * 9000 + '"'),
                         400, "parameter_rejected"),
    "value not percent-encoded": (lambda w: set_auth(_resource(w), replace_param("oauth_nonce", "a b")),
                                  400, "parameter_rejected"),
    "invalid percent-encoding": (lambda w: set_auth(_resource(w), replace_param("oauth_nonce", "%zz")),
                                 400, "parameter_rejected"),
    "percent-encoded invalid UTF-8": (lambda w: set_auth(_resource(w), replace_param("oauth_nonce", "%C3%28")),
                                      400, "parameter_rejected"),
    "non-ASCII byte in the header": (lambda w: set_auth(_resource(w), replace_param("oauth_nonce", "\xe9")),
                                     400, "parameter_rejected"),
    # -- protocol parameters from more than one place ----------------------------------------
    "header and query": (lambda w: _resource(w, ) [:1] + (_resource(w)[1] + "?oauth_nonce=x",)
                         + _resource(w)[2:], 400, "parameter_rejected"),
    "header and body": (lambda w: w.request(w.access, "POST", "/api/whoami", {"Content-Type": FORM},
                                            "oauth_token=x"), 400, "parameter_rejected"),
    "query twice": (lambda w: w.request(w.access.replace(placement="query"), "GET", "/api/whoami?oauth_nonce=n1"),
                    400, "parameter_rejected"),
    "body twice": (lambda w: w.request(w.access.replace(placement="body"), "POST", "/api/whoami",
                                       {"Content-Type": FORM}, "oauth_nonce=n1"), 400, "parameter_rejected"),
    # -- required, unsupported and unknown parameters ----------------------------------------
    "no OAuth at all": (lambda w: ("GET", "/api/whoami", [("Host", HOST)], b""), 400, "parameter_absent"),
    "no signature": (lambda w: set_auth(_resource(w), lambda h: h.split(", oauth_signature=")[0]),
                     400, "parameter_absent"),
    "no token at a protected resource": (lambda w: w.request(w.c2, "GET", "/api/whoami"), 400, "parameter_absent"),
    "no timestamp": (lambda w: set_auth(_resource(w), lambda h: ", ".join(
        p for p in h.split(", ") if not p.startswith("oauth_timestamp"))), 400, "parameter_absent"),
    "no nonce": (lambda w: set_auth(_resource(w), lambda h: ", ".join(
        p for p in h.split(", ") if not p.startswith("oauth_nonce"))), 400, "parameter_absent"),
    "oauth_version 2.0": (lambda w: set_auth(_resource(w), replace_param("oauth_version", "2.0")),
                          400, "version_rejected"),
    "unknown signature method": (lambda w: set_auth(_resource(w), replace_param("oauth_signature_method",
                                                                                "HMAC-MD5")),
                                 400, "signature_method_rejected"),
    "lower-case signature method": (lambda w: set_auth(_resource(w), replace_param("oauth_signature_method",
                                                                                   "hmac-sha1")),
                                    400, "signature_method_rejected"),
    "unknown oauth_ parameter": (lambda w: set_auth(_resource(w), lambda h: h + ', oauth_scope="all"'),
                                 400, "parameter_rejected"),
    "verifier at a protected resource": (lambda w: w.request(w.access.replace(verifier="v"), "GET", "/api/whoami"),
                                         400, "parameter_rejected"),
    # -- timestamps --------------------------------------------------------------------------
    **{f"timestamp {label}": ((lambda value: lambda w: _resource(w, timestamp=value))(value),
                              400, "parameter_rejected")
       for label, value in [("with a sign", "+1700000000"), ("negative", "-1700000000"),
                            ("with a space", " 1700000000"), ("with an underscore", "1_700_000_000"),
                            ("with a leading zero", "01700000000"), ("in full-width digits", "１７００００００００"),
                            ("in Arabic-Indic digits", "١٧٠٠٠٠٠٠٠٠"), ("zero", "0"), ("empty", ""),
                            ("decimal", "1700000000.5"), ("exponent", "17e8"), ("hex", "0x6553f100"),
                            ("huge", "9" * 40)]},
    "timestamp too old": (lambda w: _resource(w, timestamp=int(w.clock.now) - 301), 401, "timestamp_refused"),
    "timestamp in the future": (lambda w: _resource(w, timestamp=int(w.clock.now) + 301), 401, "timestamp_refused"),
    # -- nonces ------------------------------------------------------------------------------
    **{f"nonce {label}": ((lambda value: lambda w: _resource(w, nonce=value))(value), 400, "parameter_rejected")
       for label, value in [("empty", ""), ("non-ASCII", "nönce"), ("too long", "n" * 256), ("with a space", "a b"),
                            ("with a control character", "a\x01b"), ("with a NUL", "a\x00b"),
                            ("with a line break", "a\nb")]},
    # -- encodings and sizes in the query and the body ---------------------------------------
    "invalid percent-encoding in the query": (lambda w: (lambda r: (r[0], r[1] + "?q=%E9", r[2], r[3]))(
        _resource(w)), 400, "parameter_rejected"),
    "invalid UTF-8 form body": (lambda w: w.request(w.access, "POST", "/api/whoami", {"Content-Type": FORM},
                                                    b"")[:3] + (b"name=\xff\xfe",), 400, "parameter_rejected"),
    "too many parameters": (lambda w: w.request(w.access, "GET", "/api/whoami?" + "&".join(
        f"p{i}=1" for i in range(1001))), 400, "parameter_rejected"),
    "protocol value too long": (lambda w: set_auth(_resource(w), replace_param("oauth_token", "t" * 5000)),
                                400, "parameter_rejected"),
    "URI too long": (lambda w: w.request(w.access, "GET", "/api/whoami?q=" + "a" * 17000), 400,
                     "parameter_rejected"),
    # -- PLAINTEXT -----------------------------------------------------------------------------
    "PLAINTEXT over http": (lambda w: w.request(Client("plain", "pw", signature_method="PLAINTEXT", callback="oob",
                                                       clock=w.clock), "POST", "/oauth/request_token"),
                            400, "signature_method_rejected"),
    "PLAINTEXT for a consumer without it": (lambda w: w.request(w.access.replace(signature_method="PLAINTEXT"),
                                                                "GET", "/api/whoami"),
                                            400, "signature_method_rejected"),
    # -- the signature -----------------------------------------------------------------------
    "form body swapped after signing": (lambda w: w.request(w.access, "POST", "/api/whoami", {"Content-Type": FORM},
                                                            "amount=1")[:3] + (b"amount=1000",),
                                        401, "signature_invalid"),
    "body hash, body swapped after signing": (
        lambda w: w.request(w.access.replace(body_hash=True), "POST", "/api/whoami",
                            {"Content-Type": "application/json"}, b'{"amount": 1}')[:3] + (b'{"amount": 1000}',),
        401, "signature_invalid"),
    "body hash with a form body": (lambda w: signed_by_hand(
        w, "POST", "/api/whoami", [("oauth_body_hash", "2jmj7l5rSw0yVb/vlWAYkK/YBwk=")], [("a", "1")]),
        400, "parameter_rejected"),
    "method changed": (lambda w: ("POST",) + _resource(w)[1:], 401, "signature_invalid"),
    "path changed": (lambda w: (lambda r: (r[0], "/api/whoami/", r[2], r[3]))(_resource(w)), 404, ""),
    "query parameter added": (lambda w: (lambda r: (r[0], r[1] + "?admin=1", r[2], r[3]))(_resource(w)),
                              401, "signature_invalid"),
    "host changed": (lambda w: (lambda r: (r[0], r[1], [("Host", "other.example")] + r[2][1:], r[3]))(_resource(w)),
                     401, "signature_invalid"),
    "port changed": (lambda w: (lambda r: (r[0], r[1], [("Host", HOST + ":8080")] + r[2][1:], r[3]))(_resource(w)),
                     401, "signature_invalid"),
    "empty signature": (lambda w: set_auth(_resource(w), replace_param("oauth_signature", "")),
                        401, "signature_invalid"),
    "signature of another secret": (lambda w: w.request(w.access.replace(client_secret="guess"), "GET",
                                                        "/api/whoami"), 401, "signature_invalid"),
    "signature without the token secret": (lambda w: w.request(w.access.replace(token_secret=""), "GET",
                                                               "/api/whoami"), 401, "signature_invalid"),
    "non-ASCII signature": (lambda w: set_auth(_resource(w), replace_param("oauth_signature", "%C3%A9")),
                            401, "signature_invalid"),
    # -- consumers and tokens ----------------------------------------------------------------
    "unknown consumer": (lambda w: w.request(w.access.replace(client_key="nobody"), "GET", "/api/whoami"),
                         401, "consumer_key_unknown"),
    "unknown token": (lambda w: w.request(w.access.replace(token="nothing"), "GET", "/api/whoami"),
                      401, "signature_invalid"),  # uniform answers for token ids (the default)
    "another consumer's token": (lambda w: w.request(w.access.replace(client_key="c2", client_secret=SECRETS["c2"]),
                                                     "GET", "/api/whoami"), 401, "signature_invalid"),
    "request token at a protected resource": (lambda w: w.request(w.authorized.replace(verifier=None), "GET",
                                                                  "/api/whoami"), 401, "token_rejected"),
    # -- the token endpoints -----------------------------------------------------------------
    "request token without a callback": (lambda w: w.request(w.c1.replace(callback=None), "POST",
                                                             "/oauth/request_token"), 400, "parameter_absent"),
    "request token with a token": (lambda w: w.request(w.access.replace(callback="oob"), "POST",
                                                       "/oauth/request_token"), 400, "parameter_rejected"),
    "callback on another host over http": (lambda w: w.request(w.c1.replace(callback="http://evil.example/cb"),
                                                               "POST", "/oauth/request_token"),
                                           400, "parameter_rejected"),
    "javascript callback": (lambda w: w.request(w.c1.replace(callback="javascript:alert(1)"), "POST",
                                                "/oauth/request_token"), 400, "parameter_rejected"),
    "request token with GET": (lambda w: w.request(w.c1, "GET", "/oauth/request_token"), 405, ""),
    "exchange without a verifier": (lambda w: w.request(w.authorized.replace(verifier=None), "POST",
                                                        "/oauth/access_token"), 400, "parameter_absent"),
    "exchange with a wrong verifier": (lambda w: w.request(w.authorized.replace(verifier="guess"), "POST",
                                                           "/oauth/access_token"), 401, "verifier_invalid"),
    "exchange before authorization": (lambda w: w.request(w.pending.replace(verifier="guess"), "POST",
                                                          "/oauth/access_token"), 401, "verifier_invalid"),
    "exchange after denial": (lambda w: w.request(w.denied, "POST", "/oauth/access_token"), 401, "permission_denied"),
    "second exchange": (lambda w: w.request(w.exchanged, "POST", "/oauth/access_token"), 401, "token_used"),
    "exchange by another consumer": (lambda w: w.request(w.authorized.replace(client_key="c2",
                                                                              client_secret=SECRETS["c2"]),
                                                         "POST", "/oauth/access_token"), 401, "signature_invalid"),
    "exchange of an access token": (lambda w: w.request(w.access.replace(verifier="v"), "POST",
                                                        "/oauth/access_token"), 401, "token_rejected"),
    # -- the authorization page --------------------------------------------------------------
    "authorize an unknown token": (lambda w: ("GET", "/oauth/authorize?oauth_token=nothing", [("Host", HOST)], b""),
                                   401, "token_rejected"),
    "authorize without a token": (lambda w: ("GET", "/oauth/authorize", [("Host", HOST)], b""), 400,
                                  "parameter_absent"),
    "authorize a token twice in the query": (lambda w: ("GET", "/oauth/authorize?oauth_token=a&oauth_token=b",
                                                        [("Host", HOST)], b""), 400, "parameter_rejected"),
    "authorize an access token": (lambda w: ("GET", "/oauth/authorize?oauth_token=" + (w.access.token or ""),
                                             [("Host", HOST)], b""), 401, "token_rejected"),
    "decide on an authorized token": (lambda w: ("POST", "/oauth/authorize", [("Host", HOST), ("Content-Type", FORM)],
                                                 encode_form([("oauth_token", w.authorized.token or ""),
                                                              ("username", "alice"), ("password", "wonderland"),
                                                              ("decision", "approve")]).encode()),
                                      401, "token_used"),
    "decision not form-encoded": (lambda w: ("POST", "/oauth/authorize", [("Host", HOST),
                                                                          ("Content-Type", "application/json")],
                                             b"{}"), 400, "parameter_rejected"),
    "bad Host header": (lambda w: ("GET", "/api/whoami", [("Host", "a/b")], b""), 400, ""),
    "absolute-form target": (lambda w: ("GET", "http://evil.example/api/whoami", [("Host", HOST)], b""), 400, ""),
}


@pytest.mark.parametrize("name", list(CASES))
def test_case(name: str) -> None:
    build, status, problem = CASES[name]
    world = World()
    request = build(world)
    before = copy.deepcopy(world.store._tokens)
    response = world.send(request)
    assert response.status == status, (response.status, response.body)
    challenge = [v for k, v in response.headers if k == "WWW-Authenticate"]
    if problem:
        assert challenge == [f'OAuth realm="oauth1core", oauth_problem="{problem}"']
        assert dict(parse_qsl(response.body.decode()))["oauth_problem"] == problem
    else:
        assert challenge == []
    assert world.store._tokens == before, "a refused request changed a token"


def test_a_resent_callback_is_signed_and_ignored() -> None:
    """Authlib's client resends oauth_callback with every request: outside the temporary
    credentials request it is accepted if the signature covers it, and changes nothing."""
    world = World()
    before = copy.deepcopy(world.store._tokens)
    assert world.send(world.request(world.access.replace(callback="https://evil.example/cb"), "GET",
                                    "/api/whoami")).status == 200
    assert world.store._tokens == before
    forged = world.request(world.access, "GET", "/api/whoami")
    method, target, headers, body = forged
    headers = [(k, v.replace("OAuth ", 'OAuth oauth_callback="oob", ') if k == "Authorization" else v)
               for k, v in headers]
    assert world.send((method, target, headers, body)).status == 401  # not signed: signature_invalid
    exchange = world.send(world.request(world.authorized.replace(callback="oob"), "POST", "/oauth/access_token"))
    assert exchange.status == 200 and b"oauth_token_secret=" in exchange.body


def test_the_baseline_requests_are_accepted() -> None:
    """Each case mutates a request that, unmutated, is accepted: the refusals come from the mutation."""
    world = World()
    assert world.send(_resource(world)).status == 200
    assert world.send(world.request(world.access, "POST", "/api/whoami", {"Content-Type": FORM},
                                    "amount=1")).status == 200
    assert world.send(world.request(world.access.replace(body_hash=True), "POST", "/api/whoami",
                                    {"Content-Type": "application/json"}, b'{"amount": 1}')).status == 200
    assert world.send(world.request(world.access.replace(placement="query"), "GET", "/api/whoami?x=1")).status == 200
    assert world.send(world.request(world.access.replace(placement="body"), "POST", "/api/whoami",
                                    {"Content-Type": FORM}, "x=1")).status == 200
    assert world.send(world.request(world.authorized, "POST", "/oauth/access_token")).status == 200
    assert world.send(world.request(world.c1.replace(callback="https://client.example/cb"), "POST",
                                    "/oauth/request_token")).status == 200
    assert world.send(_resource(world, timestamp=int(world.clock.now) - 300)).status == 200
    assert world.send(_resource(world, nonce="~" * 255)).status == 200
    plain = Client("plain", "pw", signature_method="PLAINTEXT", callback="oob", clock=world.clock)
    m, uri, h, b = signed(plain, "POST", "https://" + HOST + "/oauth/request_token")
    assert world.provider.request_token_endpoint(m, uri, h, b).status == 200


def test_replay_is_refused() -> None:
    world = World()
    request = _resource(world)
    assert world.send(request).status == 200
    response = world.send(request)
    assert response.status == 401
    assert ("WWW-Authenticate", 'OAuth realm="oauth1core", oauth_problem="nonce_used"') in response.headers
