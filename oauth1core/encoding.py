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
from .errors import EncodingError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: signing never needs it
if TYPE_CHECKING:  # pragma: no cover
    from typing import Tuple

__all__ = ["percent_encode", "percent_decode"]

UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

# One string per octet: the octet itself when unreserved, "%XX" otherwise.
_ENCODE_TABLE: Tuple[str, ...] = tuple(
    chr(octet) if octet in UNRESERVED else "%%%02X" % octet for octet in range(256)
)
_ENCODE_OCTET = _ENCODE_TABLE.__getitem__

# A "%" not followed by two hexadecimal digits: what strict decoding rejects.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})").search

# Text exactly as section 3.6 writes it ("its own encoding"): unreserved characters, and "%XX"
# escapes in upper-case hexadecimal of octets that are not unreserved, forming UTF-8. Encoding the
# decoded form of such text gives the text back, so it needs no decode-and-encode round trip.
# ENCODED_ASCII is the regular expression of such text with escapes of ASCII octets only (always
# UTF-8); :func:`_escapes_are_canonical` decides for text of unreserved characters and escapes.
_UNRESERVED_RUN = r"[A-Za-z0-9\-._~]*"
_ASCII_ESCAPE = r"%(?:2[0-9A-CF]|3[A-F]|[01][0-9A-F]|40|5[B-E]|60|7[B-DF])"  # the common first
ENCODED_ASCII = f"{_UNRESERVED_RUN}(?:{_ASCII_ESCAPE}{_UNRESERVED_RUN})*"
_ASCII_ENCODED = re.compile(ENCODED_ASCII).fullmatch
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
    reserved = data.translate(None, UNRESERVED)
    if not reserved:
        # Only unreserved characters: nothing to encode (the common case).
        return value
    if not reserved.strip(b"+/="):
        # Base64 text (HMAC and RSA signatures): three characters to escape.
        return value.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
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
    if _BAD_ESCAPE(value) is not None:
        raise EncodingError("invalid percent-encoding: '%' must be followed by two hex digits")
    # Turned into "=XX", the escapes are exactly what quoted-printable decoding (RFC 2045
    # section 6.7) decodes, in C; a literal "=" is written as its own escape first.
    if "=" in value:
        value = value.replace("=", "%3D")
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


def _escapes_are_canonical(text: str) -> bool:
    """Whether every part of ``text`` between "=" and "&" characters is its own encoding
    (section 3.6), for text known to hold only unreserved characters, "%", "=" and "&".

    Without a loop in Python: the escapes' form is checked by a regular expression, then they
    are decoded at once (:func:`percent_decode`'s quoted-printable trick, the separators all
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
