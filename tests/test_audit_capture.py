"""Reading captured requests: raw HTTP/1.1 (and curl -v, HTTP/2 pseudo-headers), HAR, parts."""

from __future__ import annotations

import base64
import json
from typing import Any, Dict, List

import pytest

from oauth1core.audit import CaptureError, from_parts, parse_har, parse_raw

RFC_TOKEN_REQUEST = (
    b"POST /request?b5=%3D%253D&a3=a&c%40=&a2=r%20b HTTP/1.1\r\n"
    b"Host: example.com\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b'Authorization: OAuth realm="Example",\r\n'
    b'               oauth_consumer_key="9djdj82h48djs9d2",\r\n'
    b'               oauth_signature="djosJKDKJSD8743243%2Fjdk33klY%3D"\r\n'
    b"\r\n"
    b"c2&a3=2+q"
)


def test_a_raw_request_with_folded_headers() -> None:
    capture = parse_raw(RFC_TOKEN_REQUEST)
    assert capture.method == "POST"
    assert capture.uri == "https://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b"
    assert capture.header("authorization") == (
        'OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", '
        'oauth_signature="djosJKDKJSD8743243%2Fjdk33klY%3D"'
    )
    assert capture.body == b"c2&a3=2+q"


def test_the_scheme_comes_from_the_option_and_lf_line_endings_work() -> None:
    capture = parse_raw(RFC_TOKEN_REQUEST.replace(b"\r\n", b"\n"), scheme="http")
    assert capture.uri.startswith("http://example.com/request?")
    assert capture.body == b"c2&a3=2+q"


def test_an_editor_newline_after_the_body_is_not_part_of_it() -> None:
    assert parse_raw(RFC_TOKEN_REQUEST + b"\n").body == b"c2&a3=2+q"
    with_length = RFC_TOKEN_REQUEST.replace(b"Host:", b"Content-Length: 4\r\nHost:")
    assert parse_raw(with_length + b"\r\n").body == b"c2&a"
    short = parse_raw(RFC_TOKEN_REQUEST.replace(b"Host:", b"Content-Length: 99\r\nHost:"))
    assert short.body == b"c2&a3=2+q" and "fewer than its Content-Length" in short.notes[0]


def test_an_absolute_request_target_keeps_its_scheme() -> None:
    capture = parse_raw(b"GET http://Example.com:8080/x?y=1 HTTP/1.1\nHost: ignored\n\n", scheme="https")
    assert capture.uri == "http://Example.com:8080/x?y=1"
    assert "absolute URI" in capture.notes[0]


def test_a_chunked_body_is_decoded() -> None:
    raw = (b"POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
           b"Content-Type: application/x-www-form-urlencoded\r\n\r\n4\r\na=1&\r\n3\r\nb=2\r\n0\r\n\r\n")  # fmt: skip
    assert parse_raw(raw).body == b"a=1&b=2"
    with pytest.raises(CaptureError, match="chunk"):
        parse_raw(raw.replace(b"4\r\n", b"zz\r\n"))


def test_a_curl_verbose_transcript() -> None:
    transcript = (
        "*   Trying 93.184.216.34:443...\n"
        "* Connected to api.example.com\n"
        "> GET /1/x.json?q=a%20b HTTP/2\n"
        "> Host: api.example.com\n"
        '> Authorization: OAuth oauth_consumer_key="ck", oauth_signature="abc%3D"\n'
        "> \n"
        "< HTTP/2 401\n"
        "< www-authenticate: OAuth oauth_problem=signature_invalid\n"
    )
    capture = parse_raw(transcript.encode())
    assert capture.uri == "https://api.example.com/1/x.json?q=a%20b"
    assert capture.header("Authorization") == 'OAuth oauth_consumer_key="ck", oauth_signature="abc%3D"'
    assert capture.body == b"" and "curl" in capture.notes[0]


def test_http2_pseudo_headers() -> None:
    raw = b":method: POST\n:scheme: https\n:authority: api.example.com\n:path: /x?a=1\ncontent-type: text/plain\n\nhi"
    capture = parse_raw(raw)
    assert (capture.method, capture.uri, capture.body) == ("POST", "https://api.example.com/x?a=1", b"hi")
    assert capture.headers == [("content-type", "text/plain")]


@pytest.mark.parametrize(
    "raw,message",
    [
        (b"", "empty"),
        (b"\r\n\r\n", "empty"),
        (b"hello world, this is not HTTP\n", "request line"),
        (b"GET /x HTTP/1.1\n", "no Host header"),
        (b"GET /x HTTP/1.1\nHost example.com\n\n", "line 2"),
        (b"GET /x HTTP/1.1\n continued\nHost: h\n\n", "continuation"),
        (b"CONNECT example.com:443 HTTP/1.1\nHost: h\n\n", "request target"),
        (b"GET /x HTTP/1.1\nHost: exa mple.com\n\n", "invalid request URI"),
        (b"G\xc3T /x HTTP/1.1\nHost: h\n\n", "request line"),
        (b":method: GET\n:path: /\n\n", "pseudo-headers"),
    ],
)
def test_unreadable_raw_requests(raw: bytes, message: str) -> None:
    with pytest.raises(CaptureError, match=message):
        parse_raw(raw)


def test_repeated_headers_are_joined_but_not_two_authorizations() -> None:
    capture = parse_raw(b"GET /x HTTP/1.1\nHost: h\nAccept: a\naccept: b\n\n")
    assert capture.header_map()["Accept"] == "a, b"
    twice = parse_raw(b"GET /x HTTP/1.1\nHost: h\nAuthorization: OAuth a=\"1\"\nAuthorization: OAuth b=\"2\"\n\n")
    with pytest.raises(CaptureError, match="more than one Authorization"):
        twice.header_map()


def _har(*requests: Dict[str, Any]) -> str:
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
                               "entries": [{"request": r, "response": {"status": 401}} for r in requests]}})  # fmt: skip


def _request(url: str, headers: List[Dict[str, str]], post: Any = None, method: str = "GET") -> Dict[str, Any]:
    request: Dict[str, Any] = {"method": method, "url": url, "httpVersion": "HTTP/2", "headers": headers}
    if post is not None:
        request["postData"] = post
    return request


def test_har_default_entry_is_the_first_with_oauth() -> None:
    har = _har(
        _request("https://example.com/favicon.ico", [{"name": "accept", "value": "*/*"}]),
        _request("https://example.com/x", [{"name": ":authority", "value": "example.com"},
                                           {"name": "authorization", "value": 'OAuth oauth_consumer_key="k"'}]),
    )  # fmt: skip
    capture = parse_har(har)
    assert capture.uri == "https://example.com/x" and capture.origin == "HAR entry 1 of 2"
    assert capture.headers == [("authorization", 'OAuth oauth_consumer_key="k"')]
    assert parse_har(har, entry=0).uri == "https://example.com/favicon.ico"


def test_har_post_data_text_params_and_base64() -> None:
    form = {"mimeType": "application/x-www-form-urlencoded", "text": "a=1&oauth_signature=x"}
    capture = parse_har(_har(_request("https://e.com/x", [], form, "POST")))
    assert capture.body == b"a=1&oauth_signature=x"
    assert capture.header("Content-Type") == "application/x-www-form-urlencoded"
    params = {"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "a", "value": "1%202"},
                                                                        {"name": "oauth_signature", "value": "s"}]}  # fmt: skip
    assert parse_har(_har(_request("https://e.com/x", [], params, "POST"))).body == b"a=1%202&oauth_signature=s"
    encoded = {"mimeType": "text/plain", "text": base64.b64encode(b"\xffraw").decode(), "encoding": "base64"}
    assert parse_har(_har(_request("https://e.com/x?oauth_signature=s", [], encoded, "POST"))).body == b"\xffraw"


@pytest.mark.parametrize(
    "document,entry,message",
    [
        ("{not json", None, "not valid JSON"),
        ('{"log": {}}', None, "no log.entries"),
        ('{"log": {"entries": []}}', None, "no entries"),
        (_har(_request("https://e.com/x", [])), None, "none of the 1 HAR entries"),
        (_har(_request("https://e.com/x", [])), 3, "out of range"),
        ('{"log": {"entries": [{"request": {"method": "GET"}}]}}', 0, "must be strings"),
        ('{"log": {"entries": [{"request": {"method": "GET", "url": "/relative"}}]}}', 0, "invalid request URI"),
        ('{"log": {"entries": [{"request": {"method": "GET", "url": "https://e.com", "headers": [1]}}]}}', 0, "header"),
    ],
)
def test_unreadable_har_files(document: str, entry: Any, message: str) -> None:
    with pytest.raises(CaptureError, match=message):
        parse_har(document, entry)


def test_parts() -> None:
    capture = from_parts("PUT", "https://e.com/x", [("Content-Type", "text/plain")], "é")
    assert capture.body == "é".encode() and capture.origin == "options"
    with pytest.raises(CaptureError, match="method"):
        from_parts("GET /", "https://e.com/x")
    with pytest.raises(CaptureError, match="URI"):
        from_parts("GET", "e.com/x")
