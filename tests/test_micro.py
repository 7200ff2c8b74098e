"""oauth1core.micro on CPython/PyPy: the vectors that fit its API, and the same Authorization header
as Client.sign for thousands of generated requests (every method and option of ``micro.sign``).

tests/test_micro_micropython.py runs the same checks under real MicroPython builds; the request
cases below (``vector_requests``, ``core_header``) are shared with it.
"""

import base64
import hashlib
import json
import os
import platform
import string
import time
import types
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth1core import Client
from oauth1core import micro
from oauth1core.parameters import is_form_content_type, parse_form
from oauth1core.parsing import parse_authorization_header

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTOR_FILES = ("rfc5849.json", "twitter.json", "edge-cases.json")
MICRO_METHODS = ("HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT")
# What micro.sign puts in the header besides the signature: a vector signed with exactly these
# (and oauth_version="1.0") must give the vector's signature.
MICRO_HEADER = {"oauth_consumer_key", "oauth_token", "oauth_signature_method", "oauth_timestamp", "oauth_nonce",
                "oauth_version", "oauth_callback", "oauth_verifier", "oauth_signature"}


def vector_cases(kind):
    for name in VECTOR_FILES:
        with open(os.path.join(ROOT, "vectors", name), encoding="utf-8") as handle:
            for case in json.load(handle)["cases"]:
                if case["kind"] == kind:
                    yield case


def vector_requests():
    """The valid header-signed request vectors whose method micro has, as ``micro.sign``
    arguments: ``{"id", "args", "kwargs", "signature"}``, ``signature`` the vector's when
    micro's header carries the same parameters (oauth_version="1.0" included), else None."""
    requests = []
    for case in vector_cases("request"):
        given_ = case["input"]
        header = given_["headers"].get("Authorization")
        if case["expect"].get("valid") is not True or header is None:
            continue
        params = parse_authorization_header(header)
        oauth = dict(params)
        if oauth.get("oauth_signature_method") not in MICRO_METHODS or "oauth_body_hash" in oauth:
            continue
        kwargs = {"signature_method": oauth["oauth_signature_method"], "nonce": oauth.get("oauth_nonce", ""),
                  "timestamp": oauth.get("oauth_timestamp", ""), "realm": oauth.get("realm"),
                  "callback": oauth.get("oauth_callback"), "verifier": oauth.get("oauth_verifier")}
        content_type = given_["headers"].get("Content-Type")
        if given_["body"] and is_form_content_type(content_type):
            kwargs["form"] = [list(pair) for pair in parse_form(given_["body"])]
        args = [given_["method"], given_["uri"], oauth["oauth_consumer_key"], given_["client_secret"],
                oauth.get("oauth_token"), given_["token_secret"]]
        same = oauth.get("oauth_version") == "1.0" and set(oauth) - {"realm"} <= MICRO_HEADER
        requests.append({"id": case["id"], "args": args, "kwargs": kwargs,
                         "signature": case["expect"]["signature"] if same else None})
    return requests


def core_header(args, kwargs):
    """What Client.sign sends for the same request."""
    method, url, client_key, client_secret, token, token_secret = args
    client = Client(client_key, client_secret, token=token, token_secret=token_secret,
                    signature_method=kwargs.get("signature_method", "HMAC-SHA1"), realm=kwargs.get("realm"),
                    callback=kwargs.get("callback"), verifier=kwargs.get("verifier"))
    form = kwargs.get("form")
    body = (form if isinstance(form, dict) else [tuple(p) for p in form]) if form else None
    return client.sign(method, url, body=body, nonce=kwargs.get("nonce"), timestamp=kwargs.get("timestamp")).headers["Authorization"]


def micro_kwargs(kwargs):
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("form"), list):
        kwargs["form"] = [tuple(p) for p in kwargs["form"]]
    return kwargs


def signature_of(header):
    return dict(parse_authorization_header(header))["oauth_signature"]


# -- the vectors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, function, key", [
    ("percent_encode", lambda i: micro.percent_encode(i["value"]), "value"),
    ("base_string_uri", lambda i: micro.base_string_uri(i["uri"]), "uri"),
    ("normalize_parameters", lambda i: micro.normalize_parameters(i["params"]), "params"),
    ("signature_base_string", lambda i: micro.signature_base_string(i["method"], i["uri"], i["params"]), "uri"),
])
def test_step_vectors(kind, function, key):
    cases = list(vector_cases(kind))
    assert len(cases) >= 5
    for case in cases:
        assert function(case["input"]) == case["expect"], case["id"]


def no_sha1_hashlib():
    """A hashlib as MicroPython's WebAssembly build has it: sha256 and no sha1."""
    return types.SimpleNamespace(sha256=hashlib.sha256)


@pytest.mark.parametrize("fallback", [False, True], ids=["hashlib", "pure-sha1"])
def test_signature_vectors(fallback, monkeypatch):
    if fallback:
        monkeypatch.setattr(micro, "hashlib", no_sha1_hashlib())
    checked = set()
    for case in vector_cases("signature"):
        given_ = case["input"]
        if given_["signature_method"] in MICRO_METHODS:
            got = micro.sign_base_string(given_["base_string"], given_["client_secret"], given_["token_secret"],
                                         given_["signature_method"])
            assert got == case["expect"], case["id"]
            checked.add(given_["signature_method"])
    assert checked == set(MICRO_METHODS)


def test_rfc5849_section_1_2_signatures():
    # The three requests of section 1.2, through the steps (the RFC sends no oauth_version, which
    # micro.sign always sends): the printed signatures come out.
    expected = {"base-string-1.2-initiate": "74KNZJeDHnMBp0EMJ9ZHt/XKycU=",
                "base-string-1.2-token": "gKgrFCywp7rO0OXSjdot/IHF7IU=",
                "base-string-1.2-photos": "MdpQcU8iPSUjWoN/UDMsK2sui9I="}
    secrets = {"base-string-1.2-initiate": ("kd94hf93k423kf44", ""),
               "base-string-1.2-token": ("kd94hf93k423kf44", "hdhd0244k9j7ao03"),
               "base-string-1.2-photos": ("kd94hf93k423kf44", "pfkkdhi9sl3r4s00")}
    for case in vector_cases("signature_base_string"):
        if case["id"] in expected:
            given_ = case["input"]
            base_string = micro.signature_base_string(given_["method"], given_["uri"], given_["params"])
            assert micro.sign_base_string(base_string, *secrets.pop(case["id"])) == expected[case["id"]]
    assert not secrets


def test_request_vectors_same_header_as_client():
    requests = vector_requests()
    assert len(requests) >= 10
    with_signature = 0
    for request in requests:
        header = micro.sign(*request["args"], **micro_kwargs(request["kwargs"]))
        assert header == core_header(request["args"], request["kwargs"]), request["id"]
        if request["signature"] is not None:
            assert signature_of(header) == request["signature"], request["id"]
            with_signature += 1
    assert with_signature >= 5


# -- generated requests ---------------------------------------------------------------------------

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
control_free = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=10)
names = st.one_of(st.sampled_from(["a", "b", "realm", "oauth_signature", "oauth_nonce", "status", "c@", "a b"]), text)
pairs = st.lists(st.tuples(names, text), max_size=4)
host_label = st.text(string.ascii_letters + string.digits, min_size=1, max_size=8)
hosts = st.one_of(st.builds(".".join, st.lists(host_label, min_size=1, max_size=3)),
                  st.sampled_from(["[::1]", "[2001:DB8::A]", "127.0.0.1"]))
ports = st.sampled_from(["", ":80", ":443", ":8080", ":0443", ":1"])
segments = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="?#/"), max_size=6)
paths = st.one_of(st.just(""), st.builds(lambda parts: "/" + "/".join(parts), st.lists(segments, min_size=1, max_size=3)),
    st.sampled_from(["/", "/r%20v/X", "/a%2fb", "/~user/x;y=1"]))


def encode_query(params, style):
    """A query written as senders write it: section 3.6, "+" for spaces, lower-case hex."""
    if style == 0:
        return "&".join(micro.percent_encode(n) + "=" + micro.percent_encode(v) for n, v in params)
    if style == 1:
        return "&".join(quote_plus(n, safe="") + "=" + quote_plus(v, safe="") for n, v in params)
    return "&&".join(quote(n, safe="").lower() + ("=" + quote(v, safe="").lower() if v else "") for n, v in params)


@st.composite
def urls(draw):
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    userinfo = draw(st.sampled_from(["", "user:pass@"]))
    url = scheme + "://" + userinfo + draw(hosts) + draw(ports) + draw(paths)
    query = draw(pairs)
    if query or draw(st.booleans()):
        url += "?" + encode_query(query, draw(st.integers(0, 2)))
    return url + draw(st.sampled_from(["", "#frag"]))


@st.composite
def requests(draw):
    """Arguments of micro.sign: every method and option, text anywhere text goes."""
    method = draw(st.one_of(st.sampled_from(["GET", "POST", "PUT", "DELETE", "post", "PATCH"]),
                            st.text(string.ascii_letters + "-_.!", min_size=1, max_size=8)))
    args = [method, draw(urls()), draw(text), draw(text), draw(st.none() | text), draw(text)]
    form = draw(st.one_of(st.none(), pairs, st.dictionaries(names, text, max_size=3)))
    kwargs = {"realm": draw(st.none() | control_free), "callback": draw(st.none() | text),
              "verifier": draw(st.none() | text), "nonce": draw(text),
              "timestamp": draw(st.one_of(st.integers(0, 2**40), st.text(string.digits, min_size=1, max_size=10), text))}
    if form is not None:
        kwargs["form"] = form
    return args, kwargs


# Hypothesis generates slowly on PyPy (a minute for 1200): there the run checks that micro runs
# and agrees, on a sixth of the examples; the thousands are CPython's.
def examples(count):
    return count if platform.python_implementation() == "CPython" else count // 6


@settings(max_examples=examples(1200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_generated_requests_same_header_as_client(request):
    # Each generated request is signed with the three methods: 3600 requests compared on
    # CPython (the generation, not the signing, is what costs: about 5 s).
    args, kwargs = request
    for method in MICRO_METHODS:
        kwargs["signature_method"] = method
        assert micro.sign(*args, **kwargs) == core_header(args, kwargs), method
    # Nonce and timestamp left to micro: the client signs the same with the ones it chose.
    del kwargs["nonce"], kwargs["timestamp"]
    header = micro.sign(*args, **kwargs)
    oauth = dict(parse_authorization_header(header))
    assert len(oauth["oauth_nonce"]) == 24 and abs(int(oauth["oauth_timestamp"]) - time.time()) < 5
    assert header == core_header(args, dict(kwargs, nonce=oauth["oauth_nonce"], timestamp=oauth["oauth_timestamp"]))


@settings(max_examples=examples(150), deadline=None)
@given(requests())
def test_pure_sha1_fallback_gives_the_same_signatures(request):
    args, kwargs = request  # HMAC-SHA1, the default
    expected = micro.sign(*args, **kwargs)
    saved = micro.hashlib
    micro.hashlib = no_sha1_hashlib()
    try:
        assert micro.sign(*args, **kwargs) == expected
    finally:
        micro.hashlib = saved


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(st.binary(max_size=300), st.integers(0, 200).map(bytes)))
def test_sha1_and_base64(data):
    assert micro._sha1(data) == hashlib.sha1(data).digest()
    assert micro._base64(data) == base64.b64encode(data).decode("ascii")


def test_realm_with_a_control_character_is_refused_as_by_the_client():
    for signer in (lambda: micro.sign("GET", "http://h/", "ck", realm="a\nb", nonce="n", timestamp=1),
                   lambda: core_header(["GET", "http://h/", "ck", "", None, ""], {"realm": "a\nb", "nonce": "n", "timestamp": 1})):
        with pytest.raises(ValueError):
            signer()


def test_refusals(monkeypatch):
    with pytest.raises(ValueError, match="unsupported"):
        micro.sign("GET", "http://h/", "ck", signature_method="HMAC-SHA512", nonce="n", timestamp=1)
    with pytest.raises(ValueError, match="absolute"):
        micro.sign("GET", "/relative", "ck", nonce="n", timestamp=1)
    monkeypatch.setattr(micro, "hashlib", types.SimpleNamespace())  # a port without SHA-256
    with pytest.raises(ValueError, match="no hashlib.sha256"):
        micro.sign_base_string("b", "cs", "ts", "HMAC-SHA256")
    assert micro.sign_base_string("b", "cs", "ts", "HMAC-SHA1") == "NYIWUSYPU/eicjpNMHLnE3aBVk4="  # pure SHA-1


# -- nonces, timestamps ---------------------------------------------------------------------------

NONCE_ALPHABET = set(string.ascii_letters + string.digits)


def test_nonce_shape_and_uniqueness():
    nonces = {micro.generate_nonce() for _ in range(2000)}
    assert len(nonces) == 2000
    assert all(len(n) == 24 and set(n) <= NONCE_ALPHABET for n in nonces)
    assert 20 < 24 < 30 and 24 * 5.95 >= 128  # 24 uniform draws from 62 characters: 142 bits
    # Every character is used, none much more than the others (uniform: 48000 / 62 ~ 774 each).
    counts = {}
    for nonce in nonces:
        for ch in nonce:
            counts[ch] = counts.get(ch, 0) + 1
    assert set(counts) == NONCE_ALPHABET
    assert 550 < min(counts.values()) and max(counts.values()) < 1000


def test_nonce_sources_without_os_urandom(monkeypatch):
    # The WebAssembly port: no os.urandom, the host's crypto.getRandomValues through "js".
    filled = []

    class Uint8Array(list):
        @classmethod
        def new(cls, size):
            return cls([0] * size)

    def get_random_values(array):
        array[:] = [(7 * i + 3) % 256 for i in range(len(array))]
        filled.append(len(array))

    monkeypatch.setattr(micro, "os", types.SimpleNamespace())
    monkeypatch.setitem(__import__("sys").modules, "js", types.SimpleNamespace(
        Uint8Array=Uint8Array, crypto=types.SimpleNamespace(getRandomValues=get_random_values)))
    assert micro._random_bytes(5) == bytes([3, 10, 17, 24, 31]) and filled == [5]
    nonce = micro.generate_nonce()
    assert len(nonce) == 24 and set(nonce) <= NONCE_ALPHABET
    # Neither: the random module (a PRNG seeded at boot).
    monkeypatch.setitem(__import__("sys").modules, "js", None)
    import random

    random.seed(5849)
    expected = bytes([random.getrandbits(8) for _ in range(6)])
    random.seed(5849)
    assert micro._random_bytes(6) == expected


def test_epoch_offset_and_timestamps(monkeypatch):
    assert micro._epoch_offset(time.gmtime) == 0
    assert micro._epoch_offset(lambda seconds: (2000, 1, 1, 0, 0, 0, 5, 1)) == 946684800
    assert abs(int(micro.generate_timestamp()) - time.time()) < 5
    assert abs(int(micro.generate_timestamp(offset=-60)) + 60 - time.time()) < 5
    # A port whose epoch is 2000-01-01, its clock set: the Unix time comes out.
    now = int(time.time())
    clock_2000 = types.SimpleNamespace(time=lambda: now - 946684800, gmtime=lambda s: (2000, 1, 1, 0, 0, 0, 5, 1))
    monkeypatch.setattr(micro, "time", clock_2000)
    assert micro.generate_timestamp() == str(now)
    # The same board before ntptime.settime(): 10 minutes after its epoch. Refused.
    monkeypatch.setattr(micro, "time", types.SimpleNamespace(time=lambda: 600, gmtime=clock_2000.gmtime))
    with pytest.raises(ValueError, match="ntptime"):
        micro.sign("GET", "http://h/", "ck")
    header = micro.sign("GET", "http://h/", "ck", timestamp=1318622958)  # given: no clock needed
    assert 'oauth_timestamp="1318622958"' in header


def test_public_names():
    public = {name for name, value in vars(micro).items()
              if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == micro.__name__}
    assert public == {"sign", "percent_encode", "parse_form", "encode_form", "base_string_uri", "normalize_parameters",
                      "signature_base_string", "signing_key", "sign_base_string", "build_authorization_header",
                      "generate_nonce", "generate_timestamp"}


def test_encode_form_is_what_the_client_sends():
    form = [("status", "Hello Ladies + Gentlemen, a signed OAuth request!"), ("é", "")]
    body = Client("ck").sign("POST", "http://h/", body=form, nonce="n", timestamp=1).body
    assert micro.encode_form(form) == body == "status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21&%C3%A9="
    assert micro.parse_form("a=1&&b&c=%C3%A9+x") == [("a", "1"), ("b", ""), ("c", "é x")]
