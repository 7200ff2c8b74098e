"""Percent-encoding and strict decoding (RFC 5849 section 3.6).

Encoding: the text is encoded as UTF-8 ([RFC3629]); the unreserved characters
``A-Z a-z 0-9 - . _ ~`` ([RFC3986] section 2.3) are kept; every other octet becomes ``%XX``
with upper-case hexadecimal digits.

Decoding is strict: every ``%`` must be followed by two hexadecimal digits and the decoded octets
must be valid UTF-8 (no overlong forms, no surrogates); anything else raises
:class:`~oauth1core.errors.EncodingError`. Characters that are not escapes are kept as they are.

Ambiguity (section 3.6 only defines encoding): a literal character that should have been
encoded (``!``, a space, a non-ASCII letter) is accepted on decoding rather than rejected,
because section 3.4.1.3.1 decodes query strings and form bodies as
``application/x-www-form-urlencoded`` text, whose producers (browsers, ``encodeURIComponent``)
leave such characters raw; the base string re-encodes every value anyway. Lower-case hex
digits are accepted on decoding for the same reason (RFC 3986 section 2.1 makes them
equivalent); the encoder only ever produces upper-case.
"""

from __future__ import annotations

from typing import Dict, Tuple

from .errors import EncodingError

__all__ = ["percent_encode", "percent_decode", "form_decode", "UNRESERVED"]

UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

# One string per octet: the octet itself when unreserved, "%XX" otherwise.
_ENCODE_TABLE: Tuple[str, ...] = tuple(
    chr(octet) if octet in UNRESERVED else "%%%02X" % octet for octet in range(256)
)
_ENCODE_OCTET = _ENCODE_TABLE.__getitem__

# Every two-character hexadecimal pair, in either case, to its octet. A dict look-up rejects
# what int(x, 16) would wrongly accept (" f", "+f", "0x").
_HEX_PAIRS: Dict[str, int] = {}
for _octet in range(256):
    for _pair in {"%02x" % _octet, "%02X" % _octet, ("%02x" % _octet)[0] + ("%02X" % _octet)[1],
                  ("%02X" % _octet)[0] + ("%02x" % _octet)[1]}:
        _HEX_PAIRS[_pair] = _octet
del _octet, _pair
_hex_octet = _HEX_PAIRS.get


def percent_encode(value: str) -> str:
    """Percent-encode ``value`` (RFC 5849 section 3.6).

    1. The text is encoded as UTF-8 octets.
    2. Octets of the unreserved set ``ALPHA, DIGIT, "-", ".", "_", "~"`` are kept.
    3. Every other octet becomes ``%XX``, ``XX`` its value in upper-case hexadecimal.

    Raises :class:`EncodingError` when ``value`` is not encodable as UTF-8 (a lone surrogate).
    """
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError:
        raise EncodingError("value is not encodable as UTF-8 (lone surrogate)") from None
    if not data.translate(None, UNRESERVED):
        # Only unreserved characters: nothing to encode (the common case).
        return value
    return "".join(map(_ENCODE_OCTET, data))


def percent_decode(value: str) -> str:
    """Strictly decode a percent-encoded value (RFC 5849 section 3.6, the inverse of encoding).

    Each ``%XX`` escape becomes its octet; other characters stand for their own UTF-8 octets;
    the octets must form valid UTF-8. A ``%`` not followed by two hexadecimal digits, or octets
    that are not UTF-8, raise :class:`EncodingError`. ``+`` is a literal plus here (form bodies
    and queries turn it into a space first: see :func:`form_decode`).
    """
    if "%" not in value:
        if value.isascii():
            return value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise EncodingError("value is not valid UTF-8 text (lone surrogate)") from None
        return value
    chunks = value.split("%")
    try:
        out = bytearray(chunks[0].encode("utf-8"))
        for chunk in chunks[1:]:
            octet = _hex_octet(chunk[:2])
            if octet is None:
                raise EncodingError("invalid percent-encoding: '%' must be followed by two hex digits")
            out.append(octet)
            if len(chunk) > 2:
                out += chunk[2:].encode("utf-8")
        return out.decode("utf-8")
    except UnicodeError:
        raise EncodingError("percent-encoded octets are not valid UTF-8") from None


def form_decode(value: str) -> str:
    """Decode one name or value of an ``application/x-www-form-urlencoded`` string.

    RFC 5849 section 3.4.1.3.1 decodes the query and the form body as the W3C HTML 4.01
    section 17.13.4 describes: ``+`` stands for a space, then percent-decoding (strict, as
    :func:`percent_decode`).
    """
    if "+" in value:
        value = value.replace("+", " ")
    return percent_decode(value)
