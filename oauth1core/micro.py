"""A self-contained OAuth 1.0a signer for MicroPython (RFC 5849 sections 3.1 to 3.6).

One file that imports nothing from oauth1core: copy it alone to a board (any module name), or
cross-compile it to ``.mpy``; it also imports on CPython and PyPy as ``oauth1core.micro``.
``sign(...)`` returns the Authorization header value; the steps it is built from carry the
names of the core's functions and give the same results on valid input (tests/test_micro*.py):
``percent_encode``, ``parse_form``, ``encode_form``, ``base_string_uri``,
``normalize_parameters``, ``signature_base_string``, ``signing_key``, ``sign_base_string``,
``build_authorization_header``, ``generate_nonce``, ``generate_timestamp``. (No ``__all__``:
it would cost 250 bytes of the ``.mpy``; private names start with "_".)

It signs, nothing more: HMAC-SHA1 (a small pure-Python SHA-1 where ``hashlib`` has none),
HMAC-SHA256 and PLAINTEXT, parameters in the Authorization header. No verification, RSA,
HMAC-SHA512 (no ``hashlib.sha512`` on MicroPython) or strict decoding: docs/micropython.md.

Written for MicroPython's subset: no ``typing`` at run time (annotations naming typing types are
strings, imported only for mypy), no ``functools``, ``secrets``, ``hmac``, ``re``, ``binascii``,
``str.isascii``, ``str.partition`` or ``bytes.translate``, and no ``except`` of a name a port may
lack.
"""

import hashlib
import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, Iterable, List, Optional, Tuple, Union

    Param = Tuple[str, str]

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_ALNUM = _UNRESERVED[:62].encode()
_BASE64 = _ALNUM + b"+/"
_HEX = b"0123456789ABCDEF"
# Characters RFC 3986 section 3.3 allows in a path, "%" included so existing escapes stay.
_PATH_SAFE = _UNRESERVED + "!$&'()*+,;=:@/%"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Seconds from 1970-01-01 to 2000-01-01: time.time() counts from 2000 on some ports.
_EPOCH_2000 = 946684800


def _escape(text: str, keep: str) -> str:
    """``text`` as UTF-8 octets, those not in ``keep`` written ``%XX`` in upper-case hex (RFC 5849
    section 3.6 with ``keep`` the unreserved set; section 3.4.1.2's path with the path characters)."""
    if not text.strip(keep):
        return text  # nothing to escape (keys, tokens, nonces): checked in C, no copy
    out = bytearray()
    octets = keep.encode()
    for octet in text.encode("utf-8"):
        if octet in octets:
            out.append(octet)
        else:
            out.append(37)
            out.append(_HEX[octet >> 4])
            out.append(_HEX[octet & 15])
    return str(out, "ascii")


def percent_encode(value: str) -> str:
    """Percent-encode ``value`` (RFC 5849 section 3.6): UTF-8 octets, the unreserved characters
    ``A-Z a-z 0-9 - . _ ~`` kept, every other octet ``%XX`` in upper-case hexadecimal."""
    return _escape(value, _UNRESERVED)


def _form_decode(value: str) -> str:
    """One name or value of a form-encoded string (section 3.4.1.3.1): "+" is a space, then
    ``%XX`` escapes are decoded. Not strict: a bad escape raises ValueError, as may octets that
    are not UTF-8 (CPython); lower-case hex and raw characters are accepted."""
    value = value.replace("+", " ")
    if "%" not in value:
        return value
    chunks = value.split("%")
    out = bytearray(chunks[0].encode("utf-8"))
    for chunk in chunks[1:]:
        if len(chunk) < 2:
            raise ValueError("bad %-escape")
        out.append(int(chunk[:2], 16))
        out += chunk[2:].encode("utf-8")
    return str(out, "utf-8")


def _cut(text: str, sep: str) -> "Tuple[str, str]":
    """``text`` split at the first ``sep``: before and after ("" when absent). Not
    ``str.partition``, which some ports are built without (MICROPY_PY_BUILTINS_STR_PARTITION)."""
    index = text.find(sep)
    return (text, "") if index < 0 else (text[:index], text[index + len(sep) :])


def parse_form(text: str) -> "List[Param]":
    """Parse an ``application/x-www-form-urlencoded`` string (RFC 5849 section 3.4.1.3.1): pairs
    split on "&", name from value on the first "=", each side decoded; empty pairs skipped."""
    params = []
    for pair in text.split("&"):
        if pair:
            name, value = _cut(pair, "=")
            params.append((_form_decode(name), _form_decode(value)))
    return params


def encode_form(params: "Iterable[Param]") -> str:
    """Pairs as a form body or query (RFC 5849 sections 3.5.2, 3.5.3), each side encoded (3.6)."""
    return "&".join([percent_encode(n) + "=" + percent_encode(v) for n, v in params])


def _split(uri: str) -> "Tuple[str, str]":
    """``(base string URI, raw query)`` of an absolute URI (RFC 5849 section 3.4.1.2): scheme
    and host lower-cased, userinfo and fragment dropped, the port kept only when it is not the
    scheme's default, the path "/" when empty and otherwise as sent (characters that cannot be
    sent percent-encoded). Raises ValueError when the URI is not absolute."""
    index = uri.find("://")
    if index < 1:
        raise ValueError("URI not absolute")
    scheme, rest = uri[:index].lower(), _cut(uri[index + 3 :], "#")[0]
    end = len(rest)
    for stop in "/?":
        index = rest.find(stop)
        if 0 <= index < end:
            end = index
    host = rest[:end]
    host = host[host.rfind("@") + 1 :]  # userinfo is not part of the Host header
    path, query = _cut(rest[end:], "?")
    colon = host.rfind(":")
    port = ""
    if colon > host.rfind("]"):  # never split an IPv6 literal on its colons
        host, port = host[:colon], host[colon + 1 :]
    host = host.lower()
    if port and int(port) != _DEFAULT_PORTS.get(scheme):
        host += ":%d" % int(port)
    return scheme + "://" + host + (_escape(path, _PATH_SAFE) if path else "/"), query


def base_string_uri(uri: str) -> str:
    """The base string URI (RFC 5849 section 3.4.1.2), e.g. ``HTTP://EXAMPLE.COM:80/r%20v/X?id=1``
    gives ``http://example.com/r%20v/X``."""
    return _split(uri)[0]


def normalize_parameters(params: "Iterable[Param]") -> str:
    """The normalized parameter string (RFC 5849 section 3.4.1.3.2): names and values encoded
    (3.6), sorted by name then value in byte order, joined "name=value" by "&". Sorting the
    strings ``name + " " + value`` gives that order: a space sorts below every encoded character."""
    return "&".join(_sorted_items(params, "%")).replace(" ", "=")


def _sorted_items(params: "Iterable[Param]", percent: str) -> "List[str]":
    """The sorted ``name value`` strings of :func:`normalize_parameters` (section 3.4.1.3.2),
    "%" written ``percent``."""
    items = [(percent_encode(n) + " " + percent_encode(v)).replace("%", percent) for n, v in params]
    items.sort()
    return items


def _base_string(method: str, base_uri: str, params: "Iterable[Param]") -> str:
    """Section 3.4.1.1: the method upper-cased, the base string URI and the normalized
    parameters, each encoded (3.6), joined by "&". Encoding the normalized parameters again
    writes their "%" as "%25", "=" as "%3D" and "&" as "%26" (nothing else is left to encode),
    and writing "%" as "%25" before sorting keeps the order: so it is built that way, without
    encoding the whole string again."""
    items = "%26".join(_sorted_items(params, "%25")).replace(" ", "%3D")
    return percent_encode(method.upper()) + "&" + percent_encode(base_uri) + "&" + items


def signature_base_string(method: str, uri: str, params: "Iterable[Param]") -> str:
    """The signature base string (RFC 5849 section 3.4.1.1) of a request to ``uri``, whose query
    is collected (3.4.1.3.1), with ``params`` (decoded: protocol and form-body parameters).
    ``oauth_signature`` is excluded, and so is a ``realm`` in ``params`` (the header's)."""
    base_uri, query = _split(uri)
    signed = [p for p in parse_form(query) if p[0] != "oauth_signature"]
    signed += [p for p in params if p[0] != "oauth_signature" and p[0] != "realm"]
    return _base_string(method, base_uri, signed)


def signing_key(client_secret: str, token_secret: str) -> str:
    """The HMAC and PLAINTEXT key (RFC 5849 sections 3.4.2, 3.4.4): the encoded client secret,
    "&", the encoded token secret ("&" even when either is empty)."""
    return percent_encode(client_secret) + "&" + percent_encode(token_secret)


def _sha1(data: bytes) -> bytes:
    """SHA-1 (FIPS 180-4 section 6.1) in Python, for HMAC-SHA1 (RFC 5849 section 3.4.2) on ports
    whose ``hashlib`` has none."""
    mask = 0xFFFFFFFF
    size = len(data)
    data = bytes(data) + b"\x80" + bytes((55 - size) % 64) + (size * 8).to_bytes(8, "big")
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
    for start in range(0, len(data), 64):
        w = [int.from_bytes(data[start + i : start + i + 4], "big") for i in range(0, 64, 4)]
        for t in range(16, 80):
            x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]
            w.append(((x << 1) | (x >> 31)) & mask)
        a, b, c, d, e = h
        for t in range(80):
            if t < 20:
                f = ((b & c) | (~b & d)) + 0x5A827999
            elif t < 40:
                f = (b ^ c ^ d) + 0x6ED9EBA1
            elif t < 60:
                f = ((b & c) | (b & d) | (c & d)) + 0x8F1BBCDC
            else:
                f = (b ^ c ^ d) + 0xCA62C1D6
            a, b, c, d, e = (((a << 5) | (a >> 27)) + f + e + w[t]) & mask, a, ((b << 30) | (b >> 2)) & mask, c, d
        h = [(x + y) & mask for x, y in zip(h, (a, b, c, d, e))]
    return b"".join([x.to_bytes(4, "big") for x in h])


def _digest(name: str) -> "Callable[[bytes, bytes], bytes]":
    """``digest(a, b)``: the hash ``name`` of ``a`` then ``b``, from ``hashlib`` (no copy of
    ``b``), SHA-1 falling back to :func:`_sha1` (the hashes of RFC 5849 section 3.4.2)."""
    new = getattr(hashlib, name, None)
    if new is None:
        if name != "sha1":
            raise ValueError("no hashlib." + name)
        return lambda a, b: _sha1(a + b)

    def digest(a: bytes, b: bytes) -> bytes:
        state = new(a)
        state.update(b)
        return state.digest()  # type: ignore[no-any-return]

    return digest


def _hmac(key: bytes, message: bytes, digest: "Callable[[bytes, bytes], bytes]") -> bytes:
    """HMAC (RFC 2104 section 2, as RFC 5849 section 3.4.2 uses it) for a hash of 64-octet
    blocks (SHA-1, SHA-256): ``H(K ^ opad, H(K ^ ipad, text))``, ``K`` the key zero-padded
    (hashed first when longer)."""
    if len(key) > 64:
        key = digest(key, b"")
    key += bytes(64 - len(key))
    inner = digest(bytes([k ^ 0x36 for k in key]), message)
    return digest(bytes([k ^ 0x5C for k in key]), inner)


def _base64(data: bytes) -> str:
    """Base64 (RFC 2045 section 6.8, RFC 5849 section 3.4.2's last step) of ``data``, "="
    padded: a few lines instead of ``binascii``, which some ports build in Python (the
    WebAssembly port's allocates 6 KB per signature)."""
    out = bytearray()
    size = len(data)
    for i in range(0, size, 3):
        n = data[i] << 16 | (data[i + 1] << 8 if i + 1 < size else 0) | (data[i + 2] if i + 2 < size else 0)
        for shift in (18, 12, 6, 0):
            out.append(_BASE64[n >> shift & 63])
    for i in range(-size % 3):
        out[-1 - i] = 61  # "="
    return str(out, "ascii")


def sign_base_string(base_string: str, client_secret: str = "", token_secret: str = "", signature_method: str = "HMAC-SHA1") -> str:
    """``oauth_signature`` before encoding (RFC 5849 section 3.4): for HMAC-SHA1 (3.4.2) and
    HMAC-SHA256 (the same with SHA-256), base64 of HMAC(:func:`signing_key`, base string), both
    UTF-8; for PLAINTEXT (3.4.4), the key itself. Raises ValueError for any other method."""
    key = signing_key(client_secret, token_secret)
    if signature_method == "PLAINTEXT":
        return key
    if signature_method not in ("HMAC-SHA1", "HMAC-SHA256"):
        raise ValueError("unsupported signature method")
    digest = _digest("sha1" if signature_method == "HMAC-SHA1" else "sha256")
    mac = _hmac(key.encode("utf-8"), base_string.encode("utf-8"), digest)
    return _base64(mac)


def _quote_realm(realm: str) -> str:
    """``realm`` as an RFC 2617 quoted-string body (section 3.5.1), not percent-encoded."""
    for ch in realm:
        if ord(ch) < 32 or ord(ch) == 127:
            raise ValueError("control character in realm")
    return realm.replace("\\", "\\\\").replace('"', '\\"')


def build_authorization_header(params: "Iterable[Param]", realm: "Optional[str]" = None) -> str:
    """The ``Authorization`` header value (RFC 5849 section 3.5.1): ``OAuth``, then the optional
    realm, then each ``name="value"`` encoded (3.6), separated by ", "."""
    parts = ['%s="%s"' % (percent_encode(n), percent_encode(v)) for n, v in params]
    if realm is not None:
        parts.insert(0, 'realm="%s"' % _quote_realm(realm))
    return "OAuth " + ", ".join(parts)


def _random_bytes(size: int) -> bytes:
    """``size`` random octets for nonces (RFC 5849 section 3.3), from the best source the port
    has: ``os.urandom`` (unix, ESP32, ESP8266, RP2040, STM32 with an RNG; CPython), else the
    host's ``crypto.getRandomValues`` through the ``js`` module (the WebAssembly port), else the
    ``random`` module (a PRNG seeded at boot, from a hardware source on most ports: unique
    nonces, not unpredictable ones)."""
    urandom = getattr(os, "urandom", None)
    if urandom is not None:
        return urandom(size)  # type: ignore[no-any-return]
    try:
        import js  # type: ignore[import-not-found]

        array = js.Uint8Array.new(size)
        js.crypto.getRandomValues(array)
        return bytes([array[i] for i in range(size)])
    except ImportError:
        import random

        return bytes([random.getrandbits(8) for _ in range(size)])


def generate_nonce() -> str:
    """A fresh nonce (RFC 5849 section 3.3): 24 letters and digits, each drawn uniformly (octets
    248-255 rejected) from :func:`_random_bytes`, so about 142 random bits."""
    chars = bytearray()
    while len(chars) < 24:
        for octet in _random_bytes(32):
            if octet < 248 and len(chars) < 24:
                chars.append(_ALNUM[octet % 62])
    return str(chars, "ascii")


def _epoch_offset(gmtime: "Callable[[int], Tuple[int, ...]]") -> int:
    """Seconds to add to ``time.time()`` for the Unix epoch that RFC 5849 section 3.3's
    timestamps count from: 946684800 on ports whose epoch is 2000-01-01 (``gmtime(0)`` is in
    2000), 0 elsewhere."""
    return _EPOCH_2000 if gmtime(0)[0] == 2000 else 0


def generate_timestamp(offset: int = 0) -> str:
    """The timestamp (RFC 5849 section 3.3): seconds since 1970-01-01 00:00:00 GMT, from
    ``time.time()`` with the port's epoch offset, plus ``offset`` (a known skew). Raises
    ValueError before 2020: the board's clock is not set (``ntptime.settime()`` first), and
    every provider would refuse the request."""
    now = int(time.time()) + _epoch_offset(time.gmtime) + offset
    if now < 1577836800:
        raise ValueError("clock not set: ntptime.settime() first")
    return str(now)


def sign(
    method: str,
    url: str,
    client_key: str,
    client_secret: str = "",
    token: "Optional[str]" = None,
    token_secret: str = "",
    *,
    form: "Union[Dict[str, str], Iterable[Param], None]" = None,
    signature_method: str = "HMAC-SHA1",
    realm: "Optional[str]" = None,
    callback: "Optional[str]" = None,
    verifier: "Optional[str]" = None,
    nonce: "Optional[str]" = None,
    timestamp: "Union[str, int, None]" = None,
) -> str:
    """Sign a request (RFC 5849 sections 3.1 to 3.5.1) and return its ``Authorization`` header
    value. The query of ``url`` and the decoded pairs of ``form`` (a dict or a list of pairs:
    the ``application/x-www-form-urlencoded`` body, which :func:`encode_form` writes) are signed
    (3.4.1.3.1). The header carries ``oauth_version="1.0"`` and the parameters in the core
    client's order."""
    oauth = [("oauth_consumer_key", client_key)]
    if token is not None:
        oauth.append(("oauth_token", token))
    oauth.append(("oauth_signature_method", signature_method))
    oauth.append(("oauth_timestamp", generate_timestamp() if timestamp is None else str(timestamp)))
    oauth.append(("oauth_nonce", generate_nonce() if nonce is None else nonce))
    oauth.append(("oauth_version", "1.0"))
    if callback is not None:
        oauth.append(("oauth_callback", callback))
    if verifier is not None:
        oauth.append(("oauth_verifier", verifier))
    base_uri, query = _split(url)
    signed = parse_form(query) + oauth
    if form:
        signed += form.items() if isinstance(form, dict) else form
    base_string = _base_string(method, base_uri, signed)
    oauth.append(("oauth_signature", sign_base_string(base_string, client_secret, token_secret, signature_method)))
    return build_authorization_header(oauth, realm)
