"""The lenient reading of a captured request agrees with the strict parser, and goes further."""

from __future__ import annotations

from typing import List, Optional, Tuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth1core import Client
from oauth1core.audit import diagnose, from_parts, observe
from oauth1core.audit.diagnose import available_methods
from oauth1core.audit.recipe import CANONICAL, Workbench, encoder
from oauth1core.encoding import percent_encode
from oauth1core.errors import DuplicateParameter
from oauth1core.parsing import parse_request

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8).filter(
    lambda name: not name.startswith("oauth_")
)
pairs = st.lists(st.tuples(names, text), max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    query=pairs,
    body=pairs,
    placement=st.sampled_from(["header", "query", "body"]),
    method=st.sampled_from(["GET", "POST", "PUT", "delete"]),
    host=st.sampled_from(["Example.COM", "example.com:8080", "example.com:443", "[::1]:80", "user@h.example"]),
    path=st.sampled_from(["", "/", "/a/b", "/r%20v/X", "/ü/~"]),
    realm=st.one_of(st.none(), st.sampled_from(["", "Photos", 'a "quoted" realm'])),
    callback=st.one_of(st.none(), text),
)
def test_the_lenient_reading_signs_what_the_strict_parser_signs(
    query: List[Tuple[str, str]],
    body: List[Tuple[str, str]],
    placement: str,
    method: str,
    host: str,
    path: str,
    realm: Optional[str],
    callback: Optional[str],
) -> None:
    if placement == "body" and method.upper() == "GET":
        method = "POST"
    client = Client("ck", "cs", token="tk", token_secret="ts", placement=placement, realm=realm, callback=callback)
    uri = f"https://{host}{path}" + ("?" + "&".join(f"{percent_encode(n)}={percent_encode(v)}" for n, v in query) if query else "")
    has_body = method.upper() != "GET" and (body or placement == "body")
    signed = client.sign(method, uri, None, body if has_body else None, nonce="n0nce", timestamp=1300000000)
    capture = from_parts(signed.method, signed.uri, signed.headers, signed.body)
    observed = observe(capture)
    parsed = parse_request(capture.method, capture.uri, capture.header_map(), capture.body)
    assert observed.strict_error is None and observed.notes == []
    assert observed.signed() == [(n, v, s) for n, v, s in parsed.sources() if n != "oauth_signature"
                                 and not (s == "header" and n == "realm")]  # fmt: skip
    assert observed.oauth == parsed.oauth and observed.placement == parsed.placement and observed.realm == parsed.realm
    bench = Workbench(observed, available_methods("cs"), "cs", "ts")
    assert bench.base_string(CANONICAL) == parsed.base_string == signed.base_string
    assert bench.signature(CANONICAL) == signed.signature
    assert bench.verifies(CANONICAL) is True


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=20))
def test_the_canonical_encoder_is_the_library_encoder(value: str) -> None:
    assert encoder() is percent_encode
    assert encoder(lower=True)(value).upper() == percent_encode(value).upper()
    assert encoder(plus=True)(value) == percent_encode(value).replace("%20", "+")


def _capture(authorization: str, uri: str = "https://api.example.com/x") -> object:
    return from_parts("GET", uri, {"Authorization": authorization})


def test_a_header_the_strict_parser_rejects_is_read_leniently() -> None:
    # Unquoted values, a raw "+" and "=" in the signature: what careless clients send.
    header = ('OAuth oauth_consumer_key=ck, oauth_nonce="abc", oauth_signature_method="HMAC-SHA1", '
              'oauth_timestamp="1300000000", oauth_signature="ab+cd/ef=="')  # fmt: skip
    observed = observe(from_parts("GET", "https://api.example.com/x", {"Authorization": header}))
    assert observed.parsed is None and observed.strict_error is not None
    assert observed.oauth["oauth_consumer_key"] == "ck"
    assert observed.signature == "ab+cd/ef=="
    assert any("not quoted" in note for note in observed.notes)


def test_a_correct_signature_in_a_header_the_strict_parser_rejects() -> None:
    client = Client("ck", "cs", token="tk", token_secret="ts")
    signed = client.sign("GET", "https://api.example.com/x?q=1", nonce="n", timestamp=1300000000)
    # The client forgot to percent-encode the signature in the header.
    header = signed.headers["Authorization"].replace(percent_encode(signed.signature), signed.signature)
    assert "+" in signed.signature or "/" in signed.signature or "=" in signed.signature
    result = diagnose(from_parts("GET", signed.uri, {"Authorization": header}), client_secret="cs", token_secret="ts")
    assert result.signature_valid and not result.valid
    assert result.findings == []
    assert result.problems and "strict provider rejects" in result.problems[0]


def test_a_bad_escape_is_kept_literally() -> None:
    client = Client("ck", "cs", placement="query")
    signed = client.sign("GET", "https://api.example.com/x?q=100%25", nonce="n", timestamp=1300000000)
    observed = observe(from_parts("GET", signed.uri.replace("q=100%25", "q=100%"), {}))
    assert observed.strict_error is not None
    assert ("q", "100%", "query") in observed.signed()
    assert any("read leniently" in note for note in observed.notes)


def test_protocol_parameters_in_two_places_are_read() -> None:
    client = Client("ck", "cs", placement="header")
    signed = client.sign("GET", "https://api.example.com/x?oauth_token=t", nonce="n", timestamp=1300000000)
    observed = observe(from_parts("GET", signed.uri, signed.headers))
    assert isinstance(observed.strict_error, DuplicateParameter)
    assert observed.placement == "header" and observed.oauth["oauth_consumer_key"] == "ck"
    assert any("in the header and the query" in note for note in observed.notes)


def test_a_non_oauth_authorization_header_is_ignored() -> None:
    observed = observe(from_parts("GET", "https://api.example.com/x?oauth_consumer_key=k", {"Authorization": "Basic abc"}))
    assert observed.header == [] and observed.placement == "query"


def test_ipv6_host_and_port_are_split_correctly() -> None:
    observed = observe(from_parts("GET", "HTTP://[2001:DB8::1]:8080/p?x=1"))
    assert (observed.scheme, observed.host, observed.port, observed.path) == ("http", "[2001:db8::1]", ":8080", "/p")
    assert (observed.raw_scheme, observed.raw_host) == ("HTTP", "[2001:DB8::1]")
