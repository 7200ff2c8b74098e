"""diagnose finds each known client mistake, over random requests in every placement.

The mistaken signer below is written independently of oauth1core: it encodes with
urllib.parse.quote, builds each mistaken base string by hand and signs it with hmac. Each
request carries random parameters (seeded, reproducible) and a value with every character
that the encoding mistakes treat differently. Where a mistake cannot be made in a placement,
the combination is left out of the parametrization (see ``NOT_MEANINGFUL``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
import time
from typing import Dict, List, Optional, Tuple
from urllib.parse import quote, unquote_plus

import pytest

from oauth1core import Client
from oauth1core.audit import Capture, diagnose, from_parts
from oauth1core.audit.mistakes import MISTAKES
from oauth1core.parsing import parse_request

Pair = Tuple[str, str]

DIGESTS = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256, "HMAC-SHA512": hashlib.sha512}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
PLACEMENTS = ("header", "query", "body")
ENCODER_MISTAKES = ("plus-for-space", "reserved-not-encoded", "lowercase-hex")  # also shape the wire

# (mistake, placement) pairs that cannot happen, each with the reason.
NOT_MEANINGFUL = {
    ("realm-signed", "query"): "a realm is only sent in the Authorization header",
    ("realm-signed", "body"): "a realm is only sent in the Authorization header",
    ("non-form-body-signed", "body"): "the body placement needs a form-encoded body",
    ("signature-not-encoded", "header"): "an unencoded '+' in the header reads as '+': a strict-parse problem only",
}
REQUIRED_IDS = [
    "plus-for-space", "reserved-not-encoded", "lowercase-hex", "double-encoded", "not-encoded", "port-not-dropped",
    "scheme-host-case", "query-in-base-uri", "query-not-signed", "body-not-signed", "non-form-body-signed",
    "realm-signed", "unsorted-parameters", "token-secret-missing", "secrets-not-encoded", "method-lowercase",
    "wrong-method", "wrong-scheme", "signature-method-mismatch", "oauth-signature-signed", "trailing-slash",
]  # fmt: skip
ALL_IDS = [m.id for m in MISTAKES]
SEEDS = range(4)


def enc(text: str, *, plus: bool = False, reserved: bool = False, lower: bool = False) -> str:
    """RFC 5849 section 3.6 encoding, or one of its mistaken variants, by urllib."""
    out = quote(text, safe="-._~" + ("!*'()" if reserved else ""))
    if plus:
        out = out.replace("%20", "+")
    if lower:
        out = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), out)
    return out


class Spec:
    """A request to sign: everything random is drawn here."""

    def __init__(self, rng: random.Random, mistake: str, placement: str) -> None:
        self.rng = rng
        self.placement = placement
        needs_form = placement == "body" or mistake == "body-not-signed"
        if mistake == "non-form-body-signed":
            self.method = rng.choice(["POST", "PUT"])
        elif needs_form:
            self.method = rng.choice(["POST", "PUT", "PATCH"])
        else:
            self.method = rng.choice(["GET", "POST", "DELETE"])
        self.form = self.method in ("POST", "PUT", "PATCH") and mistake != "non-form-body-signed"
        self.scheme = rng.choice(["http", "https"])
        self.scheme_written = self.scheme.upper() if mistake == "scheme-host-case" and rng.random() < 0.5 else self.scheme
        host = rng.choice(["api.example.com", "photos.example.net", "127.0.0.1", "[2001:db8::1]"])
        if mistake == "scheme-host-case" and (self.scheme_written == self.scheme or rng.random() < 0.5):
            host = "Api.Example.COM"
        self.host = host
        if mistake in ("port-not-dropped", "wrong-scheme"):
            self.port: Optional[int] = rng.choice([None, 8443] if mistake == "wrong-scheme" else [None, {"http": 80, "https": 443}[self.scheme]])
        else:
            self.port = rng.choice([None, None, 8080, {"http": 80, "https": 443}[self.scheme]])
        self.path = rng.choice(["/", "/photos", "/1/statuses/update.json", "/a%20b/c/", "/r/~x/"])
        special = ("note", "hello world !*'() a/b:c ü€ 100% x+y=z&w")  # every character the mistakes treat apart
        self.query = self.params(rng.randint(1 if mistake in ("query-in-base-uri", "query-not-signed") else 0, 3))
        self.body = self.params(rng.randint(1, 3)) if self.form else []
        if rng.random() < 0.5 or not self.form:
            self.query.insert(rng.randint(0, len(self.query)), special)
        else:
            self.body.insert(rng.randint(0, len(self.body)), special)
        self.raw_body = ""
        if mistake == "non-form-body-signed":
            self.raw_body = "&".join(enc(n) + "=" + enc(v) for n, v in self.params(rng.randint(1, 3)))
        self.client_secret = self.text("abcdefXYZ0123456789 &/%+!~", 8, 20)
        self.token_secret = self.text("abcdefXYZ0123456789 &/%+!~", 8, 20)
        self.realm: Optional[str] = None
        if placement == "header" and (mistake == "realm-signed" or rng.random() < 0.5):
            self.realm = rng.choice(["Photos", "Example Realm", "https://api.example.com/"])
        self.claimed = rng.choice(list(DIGESTS))
        self.oauth: List[Pair] = [
            ("oauth_consumer_key", self.text("abcdef0123456789", 8, 16)),
            ("oauth_token", self.text("abcdef0123456789", 8, 16)),
            ("oauth_signature_method", self.claimed),
            ("oauth_timestamp", str(rng.randint(1_000_000_000, 2_000_000_000))),
            ("oauth_nonce", self.text("abcdefghijklmnopqrstuvwxyz0123456789", 8, 32)),
        ]
        if mistake == "key-ampersand-missing":  # two-legged: no token, an empty token secret
            self.token_secret = ""
            self.oauth.pop(1)
        if rng.random() < 0.5:
            self.oauth.append(("oauth_version", "1.0"))
        if rng.random() < 0.4:
            self.oauth.append(("oauth_callback", "https://client.example/cb?state=a b!*'()&x=ü"))

    def text(self, alphabet: str, low: int, high: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(self.rng.randint(low, high)))

    def params(self, count: int) -> List[Pair]:
        names = "abcdefghijklmnopqrstuvwxyz_-."
        values = "abcXYZ019 !*'()/:?#[]@&=+%~-._üé€"
        return [(self.text(names, 1, 6), self.text(values, 0, 12)) for _ in range(count)]


def sign_with_mistake(spec: Spec, mistake: Optional[str]) -> Tuple[Capture, str]:
    """The request ``spec`` signed with ``mistake`` (None: correctly); returns the capture and
    the base string the mistaken client signed."""
    rng, m = spec.rng, mistake
    flags = {"plus": m == "plus-for-space", "reserved": m == "reserved-not-encoded", "lower": m == "lowercase-hex"}

    def E(text: str) -> str:
        return enc(text, **flags)

    def wire(text: str) -> str:  # an encoder mistake writes the request too
        return E(text) if m in ENCODER_MISTAKES else enc(text)

    default = {"http": 80, "https": 443}
    port_written = f":{spec.port}" if spec.port else ""
    query_written = "&".join(wire(n) + "=" + wire(v) for n, v in spec.query)

    # Section 3.4.1.2: the base string URI, as the client built it.
    scheme = spec.scheme
    if m == "wrong-scheme":
        scheme = "http" if scheme == "https" else "https"
    host = spec.host.lower()
    port = f":{spec.port}" if spec.port and spec.port != default[scheme] else ""
    if m == "scheme-host-case":
        scheme, host = spec.scheme_written, spec.host
    if m == "port-not-dropped":
        port = f":{spec.port or default[scheme]}"
    path = spec.path
    if m == "trailing-slash":
        path = path[:-1] if path.endswith("/") else path + "/"
    base_uri = f"{scheme}://{host}{port}{path}"
    if m == "query-in-base-uri":
        base_uri += "?" + query_written

    # Section 3.4.1.3.1: the parameters, as the client collected them, in the order they are sent.
    query_params = [] if m == "query-not-signed" else list(spec.query)
    body_params = [] if m == "body-not-signed" else list(spec.body)
    if m == "non-form-body-signed":
        body_params += [(unquote_plus(n), unquote_plus(v)) for n, _, v in (p.partition("=") for p in spec.raw_body.split("&"))]
    protocol_params = [("realm", spec.realm or "")] if m == "realm-signed" else []
    protocol_params += spec.oauth
    if m == "oauth-signature-signed":
        protocol_params.append(("oauth_signature", ""))
    if spec.placement == "query":
        params = query_params + protocol_params + body_params
    else:
        params = query_params + body_params + protocol_params
    used = spec.claimed
    if m == "signature-method-mismatch":
        used = rng.choice([name for name in DIGESTS if name != spec.claimed])

    # Section 3.4.1.3.2 and 3.4.1.1.
    if m == "not-encoded":
        pairs = list(params)
    elif m == "double-encoded":
        pairs = [(E(E(n)), E(E(v))) for n, v in params]
    else:
        pairs = [(E(n), E(v)) for n, v in params]
    if m != "unsorted-parameters":
        pairs.sort()
    method = spec.method
    if m == "method-lowercase":
        method = method.lower()
    elif m == "wrong-method":
        method = rng.choice([other for other in METHODS if other != spec.method])
    base = E(method) + "&" + E(base_uri) + "&" + E("&".join(n + "=" + v for n, v in pairs))

    # Section 3.4.2: the key and the signature.
    if m == "secrets-not-encoded":
        key = spec.client_secret + "&" + spec.token_secret
    elif m == "token-secret-missing":
        key = E(spec.client_secret) + "&"
    elif m == "key-ampersand-missing":
        key = E(spec.client_secret)
    else:
        key = E(spec.client_secret) + "&" + E(spec.token_secret)
    signature = base64.b64encode(hmac.new(key.encode(), base.encode(), DIGESTS[used]).digest()).decode()

    # Section 3.5: the request on the wire.
    sent = spec.oauth + [("oauth_signature", signature)]
    encode_signature = (lambda s: s) if m == "signature-not-encoded" else wire

    def protocol(separator: str, quoted: bool) -> str:
        fmt = '{}="{}"' if quoted else "{}={}"
        return separator.join(fmt.format(wire(n), encode_signature(v) if n == "oauth_signature" else wire(v)) for n, v in sent)

    headers: Dict[str, str] = {}
    uri = f"{spec.scheme_written}://{spec.host}{port_written}{spec.path}"
    query = query_written
    body = ""
    if spec.form:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = "&".join(wire(n) + "=" + wire(v) for n, v in spec.body)
    elif spec.raw_body:
        headers["Content-Type"] = rng.choice(["text/plain", "application/json"])
        body = spec.raw_body
    if spec.placement == "header":
        realm = f'realm="{spec.realm}", ' if spec.realm is not None else ""
        headers["Authorization"] = "OAuth " + realm + protocol(", ", True)
    elif spec.placement == "query":
        query = (query + "&" if query else "") + protocol("&", False)
    else:
        body = (body + "&" if body else "") + protocol("&", False)
    if query:
        uri += "?" + query
    return from_parts(spec.method, uri, headers, body), base


def _cases() -> List[Tuple[str, str, int]]:
    return [(m, p, seed) for m in ALL_IDS for p in PLACEMENTS if (m, p) not in NOT_MEANINGFUL for seed in SEEDS]


def test_the_table_knows_every_required_mistake() -> None:
    assert set(REQUIRED_IDS) <= set(ALL_IDS)
    assert len(ALL_IDS) == len(set(ALL_IDS))
    for mistake in MISTAKES:
        assert mistake.explanation and mistake.section


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("seed", range(12))
def test_the_independent_signer_signs_correctly_without_a_mistake(placement: str, seed: int) -> None:
    spec = Spec(random.Random(f"ok {placement} {seed}"), "", placement)
    capture, base = sign_with_mistake(spec, None)
    parsed = parse_request(capture.method, capture.uri, capture.header_map(), capture.body)
    assert parsed.base_string == base
    result = diagnose(capture, client_secret=spec.client_secret, token_secret=spec.token_secret)
    assert result.valid and result.signature_valid
    assert result.findings == [] and result.problems == []


@pytest.mark.parametrize("mistake,placement,seed", _cases())
def test_diagnose_finds_the_mistake(mistake: str, placement: str, seed: int) -> None:
    spec = Spec(random.Random(f"{mistake} {placement} {seed}"), mistake, placement)
    capture, base = sign_with_mistake(spec, mistake)
    while mistake == "signature-not-encoded" and " " not in (diagnose(capture).provided_signature or ""):
        spec.oauth = [(n, v + "x" if n == "oauth_nonce" else v) for n, v in spec.oauth]  # until a "+" is lost
        capture, base = sign_with_mistake(spec, mistake)
    result = diagnose(capture, client_secret=spec.client_secret, token_secret=spec.token_secret)
    assert not result.valid
    ids = [finding.id for finding in result.findings]
    assert mistake in ids, (ids, result.tried)
    finding = result.findings[ids.index(mistake)]
    assert finding.base_string == base
    assert finding.mistakes[0].id == mistake


def test_a_pair_of_mistakes_is_found_as_a_pair() -> None:
    spec = Spec(random.Random("pair"), "", "query")
    # plus-for-space and token-secret-missing together: neither alone reproduces the signature.
    params = spec.query + spec.body + spec.oauth
    enc_plus = lambda s: enc(s, plus=True)  # noqa: E731
    normalized = "&".join(sorted(f"{enc_plus(n)}={enc_plus(v)}" for n, v in params))
    capture, _ = sign_with_mistake(spec, "plus-for-space")
    default = {"http": 80, "https": 443}
    port = f":{spec.port}" if spec.port and spec.port != default[spec.scheme] else ""
    base = "&".join(enc_plus(x) for x in (spec.method, f"{spec.scheme}://{spec.host.lower()}{port}{spec.path}", normalized))
    signature = base64.b64encode(hmac.new((enc_plus(spec.client_secret) + "&").encode(), base.encode(),
                                          DIGESTS[spec.claimed]).digest()).decode()  # fmt: skip
    uri = re.sub(r"oauth_signature=[^&]*", "oauth_signature=" + quote(signature, safe=""), capture.uri)
    capture = from_parts(capture.method, uri, capture.headers, capture.body)
    result = diagnose(capture, client_secret=spec.client_secret, token_secret=spec.token_secret)
    assert [f.id for f in result.findings] == ["token-secret-missing+plus-for-space"]
    assert result.findings[0].base_string == base
    assert result.pairs_tried


def test_values_sent_encoded_twice_but_signed_once() -> None:
    client = Client("key", "secret", token="tok", token_secret="tsecret", placement="query")
    signed = client.sign("GET", "https://api.example.com/search?q=a%20b%2Fc", nonce="n", timestamp=1300000000)
    # The client's HTTP library encoded the already-encoded value once more.
    uri = signed.uri.replace("q=a%20b%2Fc", "q=a%2520b%252Fc")
    result = diagnose(from_parts("GET", uri), client_secret="secret", token_secret="tsecret")
    finding = next(f for f in result.findings if f.id == "double-encoded")
    assert "signed encoded once" in finding.explanation
    assert finding.base_string == signed.base_string


def test_a_wrong_secret_reproduces_nothing_and_says_what_it_tried() -> None:
    client = Client("key", "secret", token="tok", token_secret="tsecret")
    signed = client.sign("POST", "https://api.example.com/x?a=1", {"Content-Type": "application/x-www-form-urlencoded"},
                         "b=hello%20world")  # fmt: skip
    result = diagnose(from_parts("POST", signed.uri, signed.headers, signed.body), client_secret="other",
                      token_secret="tsecret")  # fmt: skip
    assert not result.valid and result.findings == []
    assert {"plus-for-space", "wrong-scheme", "token-secret-missing", "unsorted-parameters"} <= set(result.tried)
    assert "scheme-host-case" in result.not_applicable
    assert result.computations > 100


def test_a_typical_request_is_diagnosed_in_well_under_a_second() -> None:
    spec = Spec(random.Random("speed"), "", "header")
    spec.query += spec.params(8)
    capture, _ = sign_with_mistake(spec, None)
    start = time.perf_counter()
    result = diagnose(capture, client_secret="wrong", token_secret=spec.token_secret)  # the full search: no finding
    elapsed = time.perf_counter() - start
    assert result.findings == [] and result.pairs_tried
    assert elapsed < 1.0, elapsed
