"""The sans-I/O pieces the WSGI/ASGI layers share: RFC 7239 Forwarded parsing (property tests: a
round trip and totality), the origin rules, the protected-path matcher. Standard library only."""

from __future__ import annotations

import re
from typing import Dict, List, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth1core.errors import OAuthError, ParameterRejected
from oauth1core.gateway import PublicOrigin, parse_forwarded, path_matcher

TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
names = st.text(alphabet=TCHAR, min_size=1, max_size=8)
values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)
elements = st.lists(st.dictionaries(names.map(str.lower), values, min_size=1, max_size=4), min_size=1, max_size=4)


def serialize(items: List[Dict[str, str]], draw_quotes: bool) -> str:
    def value(text: str) -> str:
        if text and not draw_quotes and all(ch in TCHAR for ch in text):
            return text
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return ", ".join(";".join(f"{name}={value(text)}" for name, text in element.items()) for element in items)


@given(elements, st.booleans())
def test_forwarded_round_trip(items: List[Dict[str, str]], quote_all: bool) -> None:
    assert [dict(element) for element in parse_forwarded(serialize(items, quote_all))] == items


@given(st.text(max_size=60))
def test_forwarded_parse_is_total(text: str) -> None:
    try:
        parsed = parse_forwarded(text)
    except OAuthError as error:
        assert error.status == 400
    else:
        assert all(isinstance(element, dict) for element in parsed)


def test_forwarded_refusals() -> None:
    for bad in ['for="unterminated', "for=a;for=b", "proto", "for=a b", "=x"]:
        with pytest.raises(ParameterRejected):
            parse_forwarded(bad)
    assert parse_forwarded('For="[2001:db8::1]:443";Proto=HTTPS, for=10.0.0.2') == [
        {"for": "[2001:db8::1]:443", "proto": "HTTPS"}, {"for": "10.0.0.2"}]


def origin(settings: PublicOrigin, headers: Dict[str, str], peer: Optional[str] = "10.0.0.1",
           scheme: str = "http", host: Optional[str] = "backend:8000") -> str:
    return settings.origin(scheme, host, peer, lambda name: headers.get(name))


def test_forwarded_chain_stops_at_the_first_untrusted_hop() -> None:
    settings = PublicOrigin.build(trusted_proxies=["10.0.0.0/24", "::1"], proxy_headers="forwarded")
    # client -> edge (10.0.0.9) -> inner (10.0.0.1): the edge's element, the leftmost trusted one, wins
    chain = 'for=198.51.100.1;proto=https;host=api.example.com, for=10.0.0.9;proto=http;host=inner'
    assert origin(settings, {"forwarded": chain}) == "https://api.example.com"
    # a client that forges an element in front: its own element is never reached past an untrusted hop
    forged = 'for=10.0.0.7;host=evil.example, for=198.51.100.1;proto=https;host=api.example.com, for=10.0.0.9;host=inner'
    assert origin(settings, {"forwarded": forged}) == "https://api.example.com"
    assert origin(settings, {"forwarded": chain}, peer="198.51.100.1") == "http://backend:8000"
    assert origin(settings, {"forwarded": "for=x;proto=https"}, peer="::1") == "https://backend:8000"


@given(st.dictionaries(st.sampled_from(["x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded"]),
                       st.text(max_size=30)), st.sampled_from(["x-forwarded", "forwarded"]), st.booleans())
def test_origin_is_total_and_well_formed(headers: Dict[str, str], mode: str, trusted: bool) -> None:
    settings = PublicOrigin.build(trusted_proxies=["10.0.0.1"] if trusted else [], proxy_headers=mode)
    try:
        result = origin(settings, headers)
    except OAuthError as error:
        assert error.status == 400 and trusted
    else:
        assert re.fullmatch(r"https?://(?:[A-Za-z0-9\-._~]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?", result), result
        if not trusted:
            assert result == "http://backend:8000"


def test_settings_are_checked() -> None:
    for bad in ["ftp://x", "https://", "https://a b", "https://x/#f", "https://u@x"]:
        with pytest.raises(ValueError):
            PublicOrigin.build(base_url=bad)
    with pytest.raises(ValueError):
        PublicOrigin.build(proxy_headers="x-real-ip")
    with pytest.raises(ValueError):
        PublicOrigin.build(trusted_proxies=["not-an-address"])
    assert PublicOrigin.build(base_url="https://api.example.com/v1/").base_url == "https://api.example.com/v1"


def test_path_matcher() -> None:
    match = path_matcher(["/api/", "/whoami"])
    assert [match(p) for p in ["/api/x", "/api/", "/api", "/apix", "/whoami", "/whoami/x"]] == [
        True, True, False, False, True, False]
    assert path_matcher(lambda path: path.endswith(".json"))("/a.json")
    with pytest.raises(ValueError):
        path_matcher(["api/"])
