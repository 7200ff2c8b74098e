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

import re
from binascii import a2b_qp
from typing import Dict, Tuple

from .errors import EncodingError

__all__ = [
    "percent_encode",
    "percent_decode",
    "decode_escapes",
    "form_decode",
    "form_encode_decoded",
    "is_encoded",
    "escapes_are_canonical",
    "UNRESERVED",
    "ENCODED_ASCII",
]

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

# A "%" not followed by two hexadecimal digits: what strict decoding rejects.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})").search

# Text exactly as section 3.6 writes it ("its own encoding"): unreserved characters, and "%XX"
# escapes in upper-case hexadecimal of octets that are not unreserved, forming UTF-8. Encoding the
# decoded form of such text gives the text back, so it needs no decode-and-encode round trip.
# ENCODED_ASCII is the regular expression of such text with escapes of ASCII octets only (always
# UTF-8); :func:`is_encoded` decides for any text.
_UNRESERVED_RUN = r"[A-Za-z0-9\-._~]*"
_ASCII_ESCAPE = r"%(?:2[0-9A-CF]|3[A-F]|[01][0-9A-F]|40|5[B-E]|60|7[B-DF])"  # the common first
ENCODED_ASCII = f"{_UNRESERVED_RUN}(?:{_ASCII_ESCAPE}{_UNRESERVED_RUN})*"
_ASCII_ENCODED = re.compile(ENCODED_ASCII).fullmatch
_ENCODED_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~%=&]*").fullmatch
_NOT_UPPER_CASE_ESCAPE = re.compile(r"%(?![0-9A-F]{2})").search


def percent_encode(value: str) -> str:
    """Percent-encode ``value`` (RFC 5849 section 3.6).

    1. The text is encoded as UTF-8 octets.
    2. Octets of the unreserved set ``ALPHA, DIGIT, "-", ".", "_", "~"`` are kept.
    3. Every other octet becomes ``%XX``, ``XX`` its value in upper-case hexadecimal.

    Raises :class:`EncodingError` when ``value`` is not encodable as UTF-8 (a lone surrogate).
    """
    if value.isalnum() and value.isascii():
        # Letters and digits only (tokens, nonces, timestamps): nothing to encode.
        return value
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
    if "=" not in value and _BAD_ESCAPE(value) is None:
        try:
            return decode_escapes(value)
        except EncodingError:
            pass  # the loop below finds where, and says why
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


def decode_escapes(value: str) -> str:
    """:func:`percent_decode` of a value known to hold no "=" and only well-formed escapes.

    Turned into "=XX", the escapes are exactly what quoted-printable decoding (RFC 2045
    section 6.7) decodes, in C. Raises :class:`EncodingError` when the octets are not UTF-8.
    """
    try:
        return a2b_qp(value.encode("utf-8").replace(b"%", b"=")).decode("utf-8")
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


def form_encode_decoded(raw: str) -> str:
    """``percent_encode(form_decode(raw))``: how a received form name or value is signed.

    The query and a form body are decoded (section 3.4.1.3.1), then every name and value is
    encoded again for the base string (section 3.4.1.3.2). Most senders already encode as
    section 3.6 does, and then the round trip gives ``raw`` back (``+`` becoming ``%20``): that
    case is recognized without decoding. Anything else takes the round trip, with its errors.
    """
    value = raw.replace("+", "%20") if "+" in raw else raw
    if _ASCII_ENCODED(value) is not None or ("=" not in value and is_encoded(value)):
        return value
    return percent_encode(form_decode(raw))


def is_encoded(text: str) -> bool:
    """Whether every part of ``text`` between "=" and "&" characters is its own encoding
    (section 3.6): unreserved characters and upper-case "%XX" escapes of octets that are not
    unreserved, forming UTF-8. Encoding the decoded part gives the part back.
    """
    return _ENCODED_CHARACTERS(text) is not None and escapes_are_canonical(text)


def escapes_are_canonical(text: str) -> bool:
    """:func:`is_encoded` for text known to hold only unreserved characters, "%", "=" and "&".

    Without a loop in Python: the escapes' form is checked by a regular expression, then they
    are decoded at once (:func:`decode_escapes`' quoted-printable trick, the separators all
    made "&"): the octets must be UTF-8 (the parts are separated by ASCII, so the whole decodes
    if and only if each part does), and the unreserved octets decoded must be exactly the
    unreserved characters outside the escapes (an escape of an unreserved octet, "%41", would
    add one).
    """
    if _NOT_UPPER_CASE_ESCAPE(text) is not None:
        return False
    octets = a2b_qp(text.replace("=", "&").replace("%", "="))
    try:
        octets.decode("utf-8")
    except UnicodeDecodeError:
        return False
    literal_unreserved = len(text) - 3 * text.count("%") - text.count("=") - text.count("&")
    return len(octets) - len(octets.translate(None, UNRESERVED)) == literal_unreserved
