"""Captured requests: raw HTTP/1.1 text, a HAR entry, or method, URI, headers and body given apart.

Sans-I/O: every function takes text or octets and returns a :class:`Capture`; nothing here reads
a file. Input that cannot be read as a request raises :class:`CaptureError`, whose message says
what is wrong and where (the command line turns it into exit status 2).

* :func:`parse_raw` reads a request as a proxy or ``curl -v`` shows it: the request line
  (``POST /path?q HTTP/1.1``, or an absolute URI as sent to a proxy), header lines (obsolete
  line folding joined), a blank line, the body. ``curl -v`` transcripts (``> `` lines) and
  HTTP/2 pseudo-headers (``:method``, ``:scheme``, ``:authority``, ``:path``, as browsers
  copy them) are accepted too. The scheme is not on the wire: it is the ``scheme`` argument
  unless the request line holds an absolute URI; the host is the ``Host`` header's.
* :func:`parse_har` reads one entry of a HAR 1.2 file (HTTP Archive, as browsers and proxies
  export it): by default the first entry that carries OAuth parameters.
* :func:`from_parts` checks a method, URI, headers and body given separately.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ..base_string import split_base_uri
from ..errors import OAuthError
from ..parameters import header_value
from ..parsing import TOKEN

#: The note of a curl -v transcript, which never shows the body.
CURL_NOTE = "read as a curl -v transcript: curl does not show the request body (give it with --data)"

Header = Tuple[str, str]

_TOKEN = re.compile(TOKEN)  # a method, a header name
_REQUEST_LINE = re.compile(rf"({TOKEN})[ \t]+(\S+)(?:[ \t]+(HTTP/\d(?:\.\d)?))?[ \t]*")


class CaptureError(ValueError):
    """The input cannot be read as an HTTP request (the command line exits with status 2)."""


class Capture:
    """A request as it was sent: ``method``, absolute ``uri``, ``headers`` (pairs, in order,
    duplicates kept), ``body`` (octets), ``origin`` (where it was read from, for reports) and
    ``notes`` (anything read leniently: a body cut to its Content-Length, say)."""

    __slots__ = ("method", "uri", "headers", "body", "origin", "notes")

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Sequence[Header] = (),
        body: bytes = b"",
        *,
        origin: str = "request",
        notes: Sequence[str] = (),
    ) -> None:
        if _TOKEN.fullmatch(method) is None:
            raise CaptureError(f"invalid HTTP method {method[:40]!r}")
        try:
            split_base_uri(uri)
        except OAuthError as exc:
            raise CaptureError(f"invalid request URI {uri[:200]!r}: {exc.message}") from None
        self.method = method
        self.uri = uri
        self.headers: List[Header] = list(headers)
        self.body = body
        self.origin = origin
        self.notes: List[str] = list(notes)

    def header(self, name: str) -> Optional[str]:
        """The first value of header ``name`` (case-insensitive), or None."""
        return header_value(self.headers, name)

    def header_map(self) -> Dict[str, str]:
        """The headers as one mapping, repeated fields joined with ", " (RFC 7230 section 3.2.2).

        Raises :class:`CaptureError` for a repeated ``Authorization`` field, which cannot be
        joined (a provider rejects such a request: RFC 5849 section 3.5.1 allows one).
        """
        out: Dict[str, str] = {}
        names: Dict[str, str] = {}
        for key, value in self.headers:
            lowered = key.lower()
            if lowered in names:
                if lowered == "authorization":
                    raise CaptureError("the request has more than one Authorization header")
                out[names[lowered]] += ", " + value
            else:
                names[lowered] = key
                out[key] = value
        return out

    def __repr__(self) -> str:
        return f"<Capture {self.method} {self.uri.partition('?')[0]} from {self.origin}>"


def from_parts(
    method: str,
    uri: str,
    headers: Union[Mapping[str, str], Sequence[Header], None] = None,
    body: Union[str, bytes, None] = None,
    *,
    origin: str = "options",
) -> Capture:
    """A capture from its parts (a body given as text is encoded as UTF-8)."""
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
    if isinstance(body, str):
        data = body.encode("utf-8", "surrogateescape")
    else:
        data = body or b""
    return Capture(method, uri, pairs, data, origin=origin)


def _decode_head(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _split_head(data: bytes) -> Tuple[bytes, bytes]:
    """Head and body, split at the first empty line (CRLF CRLF, or LF LF as editors save it)."""
    ends = [(i, len(sep)) for sep in (b"\r\n\r\n", b"\n\n", b"\n\r\n") for i in [data.find(sep)] if i != -1]
    if not ends:
        return data, b""
    index, length = min(ends)
    return data[:index], data[index + length :]


def _curl_transcript(lines: List[str]) -> Optional[List[str]]:
    """The request lines of a ``curl -v`` transcript (``> `` prefixed), or None if it is not one."""
    first = next((line for line in lines if line.strip()), "")
    if not first.startswith(("> ", "* ")):
        return None
    request = [line[2:] if line.startswith("> ") else "" for line in lines if line.startswith(">")]
    while request and not request[-1].strip():
        request.pop()
    return request


def _read_headers(lines: List[str], first_number: int) -> List[Header]:
    headers: List[Header] = []
    for number, line in enumerate(lines, first_number):
        if not line.strip():
            continue
        if line[0] in " \t":
            if not headers:
                raise CaptureError(f"line {number}: a continuation line before any header")
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        colon = line.find(":", 1)  # ":authority: x" (HTTP/2) keeps its leading colon
        name = line[:colon].strip() if colon != -1 else ""
        if colon == -1 or _TOKEN.fullmatch(name.lstrip(":")) is None:
            raise CaptureError(f"line {number}: expected a header 'Name: value', got {line[:60]!r}")
        headers.append((name, line[colon + 1 :].strip()))
    return headers


def _dechunk(body: bytes) -> bytes:
    """Undo ``Transfer-Encoding: chunked`` (RFC 7230 section 4.1)."""
    out = bytearray()
    rest = body
    while True:
        line, sep, rest = rest.partition(b"\n")
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise CaptureError("malformed chunked body: a chunk size is not hexadecimal") from None
        if size == 0:
            return bytes(out)
        if not sep or len(rest) < size:
            raise CaptureError("malformed chunked body: a chunk is shorter than its size")
        out += rest[:size]
        rest = rest[size:]
        if rest.startswith(b"\r\n"):
            rest = rest[2:]
        elif rest.startswith(b"\n"):
            rest = rest[1:]


def parse_raw(data: Union[bytes, str], *, scheme: Optional[str] = None) -> Capture:
    """Read a raw HTTP/1.1 request (also a ``curl -v`` transcript or HTTP/2 pseudo-headers).

    ``scheme`` (default ``https``) completes an origin-form request target (``/path?query``)
    with the ``Host`` header; a request line with an absolute URI keeps its own scheme. The body
    is cut to ``Content-Length`` when there is one and is longer (a trailing newline an editor
    added), decoded when chunked, and otherwise kept without its final line break.
    """
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    notes: List[str] = []
    if not raw.strip():
        raise CaptureError("the request is empty")
    head_octets, body = _split_head(raw.lstrip(b"\r\n"))
    lines = _decode_head(head_octets).replace("\r\n", "\n").split("\n")
    transcript = _curl_transcript(_decode_head(raw).replace("\r\n", "\n").split("\n"))
    if transcript is not None:
        lines, body = transcript, b""
        notes.append(CURL_NOTE)
    if not lines or not lines[0].strip():
        raise CaptureError("the request has no request line")

    method, uri, headers = _request_head(lines, scheme, notes)
    body = _request_body(body, headers, notes)
    if body and header_value(headers, "Content-Type") is None:
        notes.append("the body has no Content-Type: it is not form-encoded, so its parameters are not signed")
    return Capture(method, uri, headers, body, origin="raw request", notes=notes)


def _request_head(lines: List[str], scheme: Optional[str], notes: List[str]) -> Tuple[str, str, List[Header]]:
    """The method, the absolute URI and the headers: from HTTP/2 pseudo-headers, or from the
    request line, an origin-form target completed with ``Host``."""
    first = lines[0].strip()
    if first.startswith(":"):
        headers = _read_headers(lines, 1)
        pseudo = {name.lower(): value for name, value in headers if name.startswith(":")}
        headers = [(name, value) for name, value in headers if not name.startswith(":")]
        method = pseudo.get(":method")
        path = pseudo.get(":path")
        authority = pseudo.get(":authority") or header_value(headers, "Host")
        if not method or not path or not authority:
            raise CaptureError("HTTP/2 pseudo-headers need :method, :path and :authority")
        uri = f"{pseudo.get(':scheme') or scheme or 'https'}://{authority}{path}"
        target = path
    else:
        match = _REQUEST_LINE.fullmatch(first)
        if match is None:
            raise CaptureError(f"line 1: expected a request line 'METHOD /path HTTP/1.1', got {first[:80]!r}")
        method, target = match.group(1), match.group(2)
        headers = _read_headers(lines[1:], 2)
        uri = ""

    if not uri:
        if target.startswith("/"):
            host = header_value(headers, "Host")
            if not host:
                raise CaptureError("the request has no Host header: the URI cannot be rebuilt")
            uri = f"{scheme or 'https'}://{host}{target}"
        elif "://" in target:
            uri = target
            if scheme is not None and not target.lower().startswith(scheme.lower() + "://"):
                notes.append("the request line holds an absolute URI: its scheme is used, not --scheme")
        else:
            raise CaptureError(f"unsupported request target {target[:80]!r} (expected /path or an absolute URI)")
    return method, uri, headers


def _request_body(body: bytes, headers: List[Header], notes: List[str]) -> bytes:
    """The body, dechunked, or cut to its ``Content-Length``, or without its final line break."""
    transfer = header_value(headers, "Transfer-Encoding") or ""
    length_text = header_value(headers, "Content-Length")
    if "chunked" in transfer.lower():
        body = _dechunk(body)
    elif length_text is not None and length_text.strip().isdigit():
        length = int(length_text.strip())
        if len(body) > length:
            body = body[:length]
        elif len(body) < length:
            notes.append(f"the body has {len(body)} octets, fewer than its Content-Length ({length})")
    elif body.endswith(b"\n"):
        body = body[:-2] if body.endswith(b"\r\n") else body[:-1]
    return body


def has_oauth(uri: str, headers: Sequence[Header], body: bytes) -> bool:
    """Whether a request carries OAuth parameters (an OAuth Authorization header, or
    ``oauth_signature`` in its URI or body): how :func:`parse_har` picks a default entry."""
    for name, value in headers:
        if name.lower() == "authorization" and value.strip()[:5].lower() == "oauth":
            return True
    return "oauth_signature" in uri or b"oauth_signature" in body


def _har_request(entry: Any, index: int) -> Tuple[str, str, List[Header], bytes, List[str]]:
    where = f"HAR entry {index}"
    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, dict):
        raise CaptureError(f"{where} has no request object")
    method, url = request.get("method"), request.get("url")
    if not isinstance(method, str) or not isinstance(url, str):
        raise CaptureError(f"{where}: request.method and request.url must be strings")
    headers: List[Header] = []
    for item in request.get("headers") or []:
        if not (isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("value"), str)):
            raise CaptureError(f"{where}: every header must be an object with a string name and value")
        if not item["name"].startswith(":"):  # HTTP/2 pseudo-headers repeat the method and URL
            headers.append((item["name"], item["value"]))
    notes: List[str] = []
    body = b""
    post = request.get("postData")
    if isinstance(post, dict):
        text = post.get("text")
        if isinstance(text, str):
            if post.get("encoding") == "base64":
                try:
                    body = base64.b64decode(text, validate=True)
                except (binascii.Error, ValueError):
                    raise CaptureError(f"{where}: postData.text is not valid base64") from None
            else:
                body = text.encode("utf-8", "surrogateescape")
        elif isinstance(post.get("params"), list):
            pairs = [p for p in post["params"] if isinstance(p, dict) and isinstance(p.get("name"), str)]
            body = "&".join(f"{p['name']}={p.get('value') or ''}" for p in pairs).encode("utf-8")
            notes.append(f"{where}: the body was rebuilt from postData.params, as recorded")
        mime = post.get("mimeType")
        if isinstance(mime, str) and mime and not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", mime))
    return method, url, headers, body, notes


def parse_har(text: Union[str, bytes], entry: Optional[int] = None) -> Capture:
    """Read one request of a HAR file (HTTP Archive 1.2: ``log.entries[N].request``).

    ``entry`` counts from 0; by default the first entry that carries OAuth parameters is used.
    A bare entry (``{"request": ...}``) or a list of entries is accepted too.
    """
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CaptureError(f"the HAR file is not valid JSON: {exc}") from None
    if isinstance(document, dict) and isinstance(document.get("log"), dict):
        entries = document["log"].get("entries")
    elif isinstance(document, dict) and "request" in document:
        entries = [document]
    else:
        entries = document
    if not isinstance(entries, list):
        raise CaptureError("the HAR file has no log.entries list")
    if not entries:
        raise CaptureError("the HAR file has no entries")
    if entry is not None:
        if not 0 <= entry < len(entries):
            raise CaptureError(f"--entry {entry} is out of range: the HAR file has {len(entries)} entries (0 to {len(entries) - 1})")
        index = entry
        method, url, headers, body, notes = _har_request(entries[index], index)
    else:
        for index, item in enumerate(entries):
            method, url, headers, body, notes = _har_request(item, index)
            if has_oauth(url, headers, body):
                break
        else:
            raise CaptureError(f"none of the {len(entries)} HAR entries carries OAuth parameters (choose one with --entry N)")
    return Capture(method, url, headers, body, origin=f"HAR entry {index} of {len(entries)}", notes=notes)
