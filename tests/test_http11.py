"""oauth1core.http11's parser and serializer alone: properties (hypothesis) and RFC 9112 cases."""

from __future__ import annotations

from typing import List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth1core.http11 import HttpError, RequestHead, ServerLimits, content_length, parse_head, serialize

TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
tokens = st.text(alphabet=TCHAR, min_size=1, max_size=20)
values = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40).map(str.strip)
paths = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60).map(lambda p: "/" + p)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_raise_http_error(data: bytes) -> None:
    try:
        head = parse_head(data)
    except HttpError as error:
        assert error.status in (400, 414, 431, 505)
        return
    assert isinstance(head, RequestHead) and (head.target.startswith("/") or head.target == "*")


@settings(max_examples=200, deadline=None)
@given(tokens, paths, st.lists(st.tuples(tokens, values), max_size=10), st.sampled_from([0, 1]))
def test_well_formed_heads_round_trip(method: str, target: str, headers: List[Tuple[str, str]], minor: int) -> None:
    headers = [("Host", "h")] + [(name, value) for name, value in headers if name.lower() != "host"]
    lines = [f"{method} {target} HTTP/1.{minor}"] + [f"{name}:  {value} " for name, value in headers]
    head = parse_head("\r\n".join(lines).encode("ascii"))
    assert (head.method, head.target, head.version) == (method, target, (1, minor))
    assert list(head.headers) == headers and head.authority is None


@pytest.mark.parametrize("line", [b"X-Pad : y", b"X-Pad y", b": y", b"X Pad: y", b"X-Pad: a\x00b", b"X-Pad:\x7f"])
def test_malformed_header_lines(line: bytes) -> None:
    with pytest.raises(HttpError) as caught:
        parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n" + line)
    assert caught.value.status == 400


def test_request_targets() -> None:
    assert parse_head(b"GET http://Example.COM:8080/a?b=c HTTP/1.1\r\nHost: x").authority == "Example.COM:8080"
    assert parse_head(b"GET http://example.com HTTP/1.1\r\nHost: x").target == "/"
    assert parse_head(b"OPTIONS * HTTP/1.1\r\nHost: x").target == "*"
    for bad in (b"GET * HTTP/1.1", b"CONNECT example.com:443 HTTP/1.1", b"GET http://user@h/ HTTP/1.1",
                b"GET http:/// HTTP/1.1"):
        with pytest.raises(HttpError):
            parse_head(bad + b"\r\nHost: x")
    with pytest.raises(HttpError) as caught:
        parse_head(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x")
    assert caught.value.status == 414
    with pytest.raises(HttpError) as caught:
        parse_head(b"GET / HTTP/1.1" + b"\r\nA: b" * 101)
    assert caught.value.status == 431


def test_host_is_required_once_in_http_1_1() -> None:
    for bad in (b"GET / HTTP/1.1", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b", b"GET / HTTP/1.0\r\nHost: a\r\nhost: a"):
        with pytest.raises(HttpError) as caught:
            parse_head(bad)
        assert caught.value.status == 400
    assert parse_head(b"GET / HTTP/1.0").version == (1, 0)


def test_body_framing() -> None:
    limits = ServerLimits(max_body=10)
    assert content_length(parse_head(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5"), limits) == 5
    assert content_length(parse_head(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5"),
                          limits) == 5
    for head, status in [(b"Transfer-Encoding: chunked", 411), (b"Content-Length: 5\r\nContent-Length: 6", 400),
                         (b"Content-Length: +5", 400), (b"Content-Length: 5, 5", 400), (b"Content-Length: 11", 413)]:
        with pytest.raises(HttpError) as caught:
            content_length(parse_head(b"POST / HTTP/1.1\r\nHost: h\r\n" + head), limits)
        assert caught.value.status == status


def test_keep_alive() -> None:
    assert parse_head(b"GET / HTTP/1.1\r\nHost: h").keep_alive
    assert not parse_head(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close").keep_alive
    assert not parse_head(b"GET / HTTP/1.0").keep_alive
    assert parse_head(b"GET / HTTP/1.0\r\nConnection: Keep-Alive").keep_alive


def test_serialize_is_one_buffer_and_refuses_what_cannot_be_sent() -> None:
    data = serialize(302, [("Location", "https://c.example/cb?x=%E2%98%83"), ("Content-Length", "99")], b"",
                     close=True)
    assert data == (b"HTTP/1.1 302 Found\r\nLocation: https://c.example/cb?x=%E2%98%83\r\nContent-Length: 0\r\n"
                    b"Connection: close\r\n\r\n")
    for value in ("https://c.example/\xe9", "https://c.example/\x85", "a\r\nSet-Cookie: x", "\u2603"):
        with pytest.raises(ValueError):
            serialize(302, [("Location", value)], b"", close=False)
    assert serialize(200, [], b"body", close=False, head_only=True).endswith(b"Content-Length: 4\r\n\r\n")
