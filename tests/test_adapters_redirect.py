"""The redirect rules every adapter shares (oauth1core.adapters._redirect), and adapter details that
need no server: the urllib handler signs a reopened request afresh, bodies that cannot be signed are
refused, nothing of ours survives stripping."""

from __future__ import annotations

import io
import urllib.request
from typing import Iterator, Optional, Tuple

import pytest

from oauth1core.adapters._redirect import (
    join_location,
    origin_of,
    redirect_method,
    signer_for,
    strip_oauth_form,
    strip_oauth_query,
    without_authorization,
)
from oauth1core.adapters.urllib import OAuth1Handler
from oauth1core.client import Client


@pytest.mark.parametrize("url,origin", [
    ("http://Example.COM/path", ("http", "example.com", 80)),
    ("https://example.com:443/", ("https", "example.com", 443)),
    ("HTTPS://example.com:8443", ("https", "example.com", 8443)),
    ("http://[::1]:8080/x", ("http", "::1", 8080)),
    ("http://user:pw@example.com/", ("http", "example.com", 80)),
    ("ftp://example.com/", None),
    ("/relative", None),
    ("http://example.com:99999/", None),
    ("http://example.com:port/", None),
])
def test_origin_of(url: str, origin: Optional[Tuple[str, str, int]]) -> None:
    assert origin_of(url) == origin


def test_origins_differ_by_scheme_host_and_port() -> None:
    base = origin_of("http://127.0.0.1:8080/a")
    assert base == origin_of("http://127.0.0.1:8080/b?c")
    for other in ("https://127.0.0.1:8080/a", "http://127.0.0.1:8081/a", "http://localhost:8080/a"):
        assert origin_of(other) != base


@pytest.mark.parametrize("status,method,result", [
    (301, "GET", ("GET", True)), (301, "POST", ("GET", False)), (302, "POST", ("GET", False)),
    (302, "PUT", ("PUT", True)), (303, "POST", ("GET", False)), (303, "HEAD", ("HEAD", True)),
    (303, "delete", ("GET", False)), (307, "POST", ("POST", True)), (308, "PUT", ("PUT", True)),
])
def test_redirect_method(status: int, method: str, result: Tuple[str, bool]) -> None:
    assert redirect_method(status, method) == result


def test_join_location() -> None:
    assert join_location("http://h/a/b?x=1", "/c") == "http://h/c"
    assert join_location("http://h/a/b", "c?d=1") == "http://h/a/c?d=1"
    assert join_location("http://h/a#frag", "/c") == "http://h/c#frag"
    assert join_location("http://h/a#frag", "https://o/c#other") == "https://o/c#other"
    assert join_location("https://h/a", "//o/c") == "https://o/c"


def test_strip_oauth_parameters() -> None:
    url = "https://h/p?a=1&oauth_signature=s%26&oauth%5Fnonce=n&b=%20x&oauth_=&#frag"
    assert strip_oauth_query(url) == "https://h/p?a=1&b=%20x#frag"
    assert strip_oauth_query("https://h/p?oauth_token=t") == "https://h/p"
    assert strip_oauth_query("https://h/p") == "https://h/p"
    assert strip_oauth_form("a=1&oauth_signature=secret%26&b=2") == "a=1&b=2"
    assert strip_oauth_form(b"oauth_consumer_key=k&x=%E2%9C%93") == b"x=%E2%9C%93"
    assert strip_oauth_form(b"\xff\xfe") == b"\xff\xfe"
    assert without_authorization({"AUTHORIZATION": "x", "Accept": "y"}) == {"Accept": "y"}


def test_body_placement_uses_the_query_without_a_body() -> None:
    client = Client("k", "s", placement="body")
    assert signer_for(client, "GET").placement == "query" and signer_for(client, "head").placement == "query"
    assert signer_for(client, "POST") is client
    header = Client("k", "s")
    assert signer_for(header, "GET") is header


def test_urllib_handler_signs_a_reopened_request_afresh() -> None:
    handler = OAuth1Handler(Client("k", "s", placement="query", nonce_source=iter(["n1", "n2"]).__next__,
                                   clock=lambda: 1_700_000_000))
    request = urllib.request.Request("https://h/p?a=1")
    handler.http_request(request)
    first = request.full_url
    handler.http_request(request)
    assert first.startswith("https://h/p?a=1&oauth_consumer_key=k") and "oauth_nonce=n1" in first
    assert request.full_url.count("oauth_nonce=") == 1 and "oauth_nonce=n2" in request.full_url
    header = OAuth1Handler(Client("k", "s"))
    request = urllib.request.Request("https://h/p", data=b"a=1", headers={"Authorization": "Bearer old"})
    header.http_request(request)
    assert request.unredirected_hdrs["Authorization"].startswith("OAuth ")
    assert "Authorization" not in request.headers
    assert (request.get_header("Content-type") or "").startswith("application/x-www")
    with pytest.raises(TypeError):
        header.http_request(urllib.request.Request("https://h/p", data=io.BytesIO(b"x")))


@pytest.mark.peers
def test_stream_bodies() -> None:
    import requests

    from oauth1core.adapters.requests import OAuth1Auth

    def chunks() -> Iterator[bytes]:
        yield b"a"

    prepared = requests.Request("POST", "https://h/p", data=chunks(), headers={"Content-Type": "text/plain"}).prepare()
    signed = OAuth1Auth(Client("k", "s"))(prepared)
    assert str(signed.headers["Authorization"]).startswith("OAuth ")  # a header signature needs no body
    for client, content_type in [(Client("k", "s", body_hash=True), "text/plain"),
                                 (Client("k", "s"), "application/x-www-form-urlencoded")]:
        prepared = requests.Request("POST", "https://h/p", data=chunks(), headers={"Content-Type": content_type}).prepare()
        with pytest.raises(TypeError):
            OAuth1Auth(client)(prepared)
    with pytest.raises(ValueError):
        OAuth1Auth(Client("k", "s"))(requests.Request("GET", "ftp://h/p").prepare())
