"""A strict, bounded reader of RSA keys and certificates: PEM (RFC 7468) and DER (X.690).

RFC 5849 section 3.4.3 leaves how the client's RSA key reaches the server "beyond the scope of
this specification"; in practice it is a PEM file. This module turns one into integers, and
nothing else: it knows five structures and reads them with the Distinguished Encoding Rules,
refusing everything the rules refuse.

=====================  =========================  ================================================
PEM label              structure                  defined in
=====================  =========================  ================================================
``RSA PRIVATE KEY``    ``RSAPrivateKey``          RFC 8017 appendix A.1.2 (PKCS #1), two primes
``PRIVATE KEY``        ``PrivateKeyInfo``         RFC 5208 section 5 / RFC 5958 section 2 (PKCS #8)
``RSA PUBLIC KEY``     ``RSAPublicKey``           RFC 8017 appendix A.1.1 (PKCS #1)
``PUBLIC KEY``         ``SubjectPublicKeyInfo``   RFC 5280 section 4.1.2.7, RFC 3279 section 2.3.1
``CERTIFICATE``        ``Certificate``            RFC 5280 section 4.1 (the key of its SPKI)
=====================  =========================  ================================================

Raw DER bytes (whose first octet is ``0x30``, a SEQUENCE) are accepted too; their structure is
recognised from the shape of the outer SEQUENCE.

Every failure raises :class:`~oauth1core.errors.KeyFormatError`, never another exception, and no
message carries key material. Bounds: the input is at most :data:`MAX_INPUT_SIZE` octets or
characters; a length takes at most four octets and never runs past its container; the reader
does not recurse into structures it does not need (it skips them as one TLV), so nesting depth
costs nothing. Encrypted keys (``ENCRYPTED PRIVATE KEY``, or ``Proc-Type: 4,ENCRYPTED``) are
refused with the command that decrypts them.

A certificate is read as a container of its subject's public key, nothing more: its signature,
validity dates and extensions are not checked. In OAuth 1.0 the server trusts a key because of
how it was registered (section 3.4.3), not because of who signed its certificate.
"""

from __future__ import annotations

import binascii
from typing import List, Optional, Tuple, Union

from ..errors import KeyFormatError

__all__ = [
    "MAX_INPUT_SIZE",
    "PKCS1_PRIVATE",
    "PKCS8_PRIVATE",
    "PKCS8_ENCRYPTED",
    "PKCS1_PUBLIC",
    "SPKI",
    "CERTIFICATE",
    "strict_b64decode",
    "pem_blocks",
    "classify",
    "read_private_numbers",
    "read_public_numbers",
]

#: The largest PEM text (characters) or DER input (octets) read. A PKCS #8 PEM of a 16384-bit
#: key is about 12.7 KB; a certificate of one with a few extensions stays well under this.
MAX_INPUT_SIZE = 65536

# The structures, named by their PEM label (RFC 7468 sections 5, 10, 11, 13).
PKCS1_PRIVATE = "RSA PRIVATE KEY"
PKCS8_PRIVATE = "PRIVATE KEY"
PKCS8_ENCRYPTED = "ENCRYPTED PRIVATE KEY"
PKCS1_PUBLIC = "RSA PUBLIC KEY"
SPKI = "PUBLIC KEY"
CERTIFICATE = "CERTIFICATE"

_PRIVATE_KINDS = (PKCS1_PRIVATE, PKCS8_PRIVATE)
_PUBLIC_KINDS = (PKCS1_PUBLIC, SPKI, CERTIFICATE)
# RFC 7468 section 5.3: "X509 CERTIFICATE" and "X.509 CERTIFICATE" are seen in the wild.
_LABEL_ALIASES = {"X509 CERTIFICATE": CERTIFICATE, "X.509 CERTIFICATE": CERTIFICATE}

_DECRYPT_HINT = (
    "decrypt it first, e.g. `openssl pkey -in key.pem -out plain.pem`, and keep the result "
    "readable by the service only"
)

# X.690 section 8.1.2 identifier octets of the universal types used here.
_INTEGER = 0x02
_BIT_STRING = 0x03
_OCTET_STRING = 0x04
_NULL = 0x05
_OID = 0x06
_SEQUENCE = 0x30

# DER encodings (X.690 section 8.19) of the algorithm identifiers met in keys.
_RSA_ENCRYPTION = bytes.fromhex("2a864886f70d010101")  # 1.2.840.113549.1.1.1, RFC 3279 2.3.1
_KNOWN_ALGORITHMS = {
    bytes.fromhex("2a864886f70d01010a"): "an RSASSA-PSS key (RFC 4055), restricted to PSS signatures",
    bytes.fromhex("2a8648ce3d0201"): "an elliptic-curve key",
    bytes.fromhex("2a8648ce380401"): "a DSA key",
    bytes.fromhex("2b6570"): "an Ed25519 key",
    bytes.fromhex("2b6571"): "an Ed448 key",
}


def strict_b64decode(text: Union[str, bytes]) -> Optional[bytes]:
    """Decode canonical base64 (RFC 4648 section 4; RFC 2045 section 6.8 alphabet), or ``None``.

    Canonical means the text is exactly what encoding the result gives back: the standard
    alphabet only, no whitespace, ``=`` padding present and only at the end, zero pad bits
    (RFC 4648 section 3.5). This is stricter than ``a2b_base64(strict_mode=True)`` (3.11+,
    which accepts non-zero pad bits) and works the same on every Python version.
    """
    try:
        raw = text.encode("ascii") if isinstance(text, str) else text
        decoded = binascii.a2b_base64(raw)
    except (UnicodeEncodeError, binascii.Error):
        return None
    if binascii.b2a_base64(decoded, newline=False) != raw:
        return None
    return decoded


class _Reader:
    """A cursor over ``data[pos:end]`` that reads DER TLVs (X.690 sections 8.1 and 10).

    ``what`` names the structure read, for error messages.
    """

    __slots__ = ("data", "pos", "end", "what")

    def __init__(self, data: bytes, pos: int, end: int, what: str) -> None:
        self.data = data
        self.pos = pos
        self.end = end
        self.what = what

    def fail(self, problem: str) -> KeyFormatError:
        return KeyFormatError(f"malformed DER in {self.what}: {problem}")

    def at_end(self) -> bool:
        return self.pos >= self.end

    def peek_tag(self) -> int:
        """The next identifier octet, or -1 at the end."""
        return self.data[self.pos] if self.pos < self.end else -1

    def read_any(self) -> Tuple[int, int, int]:
        """Read one TLV header; return ``(tag, content_start, content_end)`` and skip it.

        X.690 8.1.2: one identifier octet (the high-tag-number form is not used by these
        structures and is refused). 8.1.3 and 10.1: the definite form only, in the fewest
        octets (a long form for lengths under 128, or a leading zero octet, is not DER);
        lengths of more than four octets are refused; the content must fit in the container.
        """
        data, pos, end = self.data, self.pos, self.end
        if end - pos < 2:
            raise self.fail("truncated (an element header runs past the end)")
        tag = data[pos]
        if tag & 0x1F == 0x1F:
            raise self.fail("unsupported high tag number form (X.690 8.1.2.4)")
        first = data[pos + 1]
        pos += 2
        if first < 0x80:
            length = first
        elif first == 0x80:
            raise self.fail("indefinite length is not DER (X.690 10.1)")
        else:
            count = first & 0x7F
            if count > 4:
                raise self.fail("length of more than four octets")
            if end - pos < count:
                raise self.fail("truncated (a length runs past the end)")
            if data[pos] == 0:
                raise self.fail("length not in the fewest octets (X.690 10.1)")
            length = int.from_bytes(data[pos : pos + count], "big")
            if length < 0x80:
                raise self.fail("long-form length under 128 (X.690 10.1)")
            pos += count
        if length > end - pos:
            raise self.fail("truncated (an element runs past the end of its container)")
        self.pos = pos + length
        return tag, pos, pos + length

    def read(self, tag: int, name: str) -> Tuple[int, int]:
        """Read the TLV ``name`` of identifier ``tag``; return its content's bounds."""
        if self.at_end():
            raise self.fail(f"{name} is missing")
        got, start, end = self.read_any()
        if got != tag:
            raise self.fail(f"expected {name} (tag 0x{tag:02x}), found tag 0x{got:02x}")
        return start, end

    def sequence(self, name: str) -> _Reader:
        """A reader over the content of the SEQUENCE ``name`` read next (X.690 8.9)."""
        start, end = self.read(_SEQUENCE, name)
        return _Reader(self.data, start, end, name)

    def integer(self, name: str) -> int:
        """A non-negative INTEGER (X.690 8.3), in the fewest octets (8.3.2)."""
        start, end = self.read(_INTEGER, name)
        data = self.data
        if start == end:
            raise self.fail(f"{name} is an empty INTEGER (X.690 8.3.1)")
        if end - start > 1 and (
            (data[start] == 0 and data[start + 1] < 0x80) or (data[start] == 0xFF and data[start + 1] >= 0x80)
        ):
            raise self.fail(f"{name} is not in the fewest octets (X.690 8.3.2)")
        if data[start] & 0x80:
            raise self.fail(f"{name} is negative")
        return int.from_bytes(data[start:end], "big")

    def finish(self) -> None:
        """Refuse anything after the last expected element (trailing garbage)."""
        if self.pos != self.end:
            raise self.fail("unexpected data after the last element")


def _rsa_algorithm(outer: _Reader) -> None:
    """Read an ``AlgorithmIdentifier`` that must be ``rsaEncryption`` with NULL parameters.

    RFC 5280 section 4.1.1.2 (``AlgorithmIdentifier``), RFC 3279 section 2.3.1 and RFC 8017
    appendix A.1: the OID is 1.2.840.113549.1.1.1 and "the parameters field MUST have ASN.1
    type NULL". Other known algorithms are named in the error.
    """
    alg = outer.sequence("AlgorithmIdentifier")
    start, end = alg.read(_OID, "algorithm OBJECT IDENTIFIER")
    oid = alg.data[start:end]
    if oid != _RSA_ENCRYPTION:
        kind = _KNOWN_ALGORITHMS.get(oid, "a key of an unsupported algorithm")
        raise KeyFormatError(f"not an RSA (rsaEncryption) key: {kind}")
    start, end = alg.read(_NULL, "rsaEncryption parameters (NULL)")
    if start != end:
        raise alg.fail("NULL with content (X.690 8.8.2)")
    alg.finish()


def _rsa_public_key(data: bytes, start: int, end: int) -> Tuple[int, int]:
    """``RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`` (RFC 8017 A.1.1)."""
    outer = _Reader(data, start, end, "RSAPublicKey")
    seq = outer.sequence("RSAPublicKey")
    outer.finish()
    n = seq.integer("modulus")
    e = seq.integer("publicExponent")
    seq.finish()
    return n, e


def _subject_public_key_info(data: bytes, start: int, end: int) -> Tuple[int, int]:
    """``SubjectPublicKeyInfo`` (RFC 5280 section 4.1.2.7; RFC 3279 section 2.3.1).

    ``SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }`` where the
    algorithm is rsaEncryption and the BIT STRING (X.690 8.6; no unused bits) holds the DER
    of an ``RSAPublicKey``.
    """
    outer = _Reader(data, start, end, "SubjectPublicKeyInfo")
    spki = outer.sequence("SubjectPublicKeyInfo")
    outer.finish()
    _rsa_algorithm(spki)
    bits_start, bits_end = spki.read(_BIT_STRING, "subjectPublicKey BIT STRING")
    spki.finish()
    if bits_start == bits_end or data[bits_start] != 0:
        raise spki.fail("subjectPublicKey BIT STRING has unused bits (X.690 8.6.2)")
    return _rsa_public_key(data, bits_start + 1, bits_end)


def _certificate(data: bytes, start: int, end: int) -> Tuple[int, int]:
    """The subject public key of an X.509 ``Certificate`` (RFC 5280 section 4.1).

    ``Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }``
    and ``TBSCertificate ::= SEQUENCE { version [0] EXPLICIT OPTIONAL, serialNumber INTEGER,
    signature, issuer, validity, subject, subjectPublicKeyInfo, issuerUniqueID [1] OPTIONAL,
    subjectUniqueID [2] OPTIONAL, extensions [3] OPTIONAL }``. Every field is checked to be one
    well-formed TLV of the right tag, in order; only the key is read further.
    """
    outer = _Reader(data, start, end, "Certificate")
    cert = outer.sequence("Certificate")
    outer.finish()
    tbs = cert.sequence("tbsCertificate")
    if tbs.peek_tag() == 0xA0:  # version [0] EXPLICIT
        tbs.read(0xA0, "version")
    tbs.read(_INTEGER, "serialNumber")
    for name in ("signature AlgorithmIdentifier", "issuer Name", "validity", "subject Name"):
        tbs.read(_SEQUENCE, name)
    spki_start = tbs.pos
    tbs.read(_SEQUENCE, "subjectPublicKeyInfo")
    spki_end = tbs.pos
    for tag, name in ((0x81, "issuerUniqueID"), (0x82, "subjectUniqueID"), (0xA3, "extensions")):
        if tbs.peek_tag() == tag:
            tbs.read(tag, name)
    tbs.finish()
    cert.read(_SEQUENCE, "signatureAlgorithm")
    cert.read(_BIT_STRING, "signatureValue")
    cert.finish()
    return _subject_public_key_info(data, spki_start, spki_end)


PrivateNumbers = Tuple[int, int, int, int, int, int, int, int]


def _rsa_private_key(data: bytes, start: int, end: int) -> PrivateNumbers:
    """``RSAPrivateKey`` (RFC 8017 appendix A.1.2), two-prime (version 0) only.

    ``SEQUENCE { version, modulus, publicExponent, privateExponent, prime1, prime2, exponent1,
    exponent2, coefficient }``, returned as ``(n, e, d, p, q, dP, dQ, qInv)``. Multi-prime
    keys (version 1, with ``otherPrimeInfos``) are refused.
    """
    outer = _Reader(data, start, end, "RSAPrivateKey")
    seq = outer.sequence("RSAPrivateKey")
    outer.finish()
    version = seq.integer("version")
    if version == 1:
        raise KeyFormatError("multi-prime RSA private keys (RFC 8017 A.1.2 version 1) are not supported")
    if version != 0:
        raise seq.fail("unknown RSAPrivateKey version")
    names = ("modulus", "publicExponent", "privateExponent", "prime1", "prime2", "exponent1", "exponent2", "coefficient")
    n, e, d, p, q, dp, dq, qinv = (seq.integer(name) for name in names)
    seq.finish()
    return n, e, d, p, q, dp, dq, qinv


def _private_key_info(data: bytes, start: int, end: int) -> PrivateNumbers:
    """PKCS #8 ``PrivateKeyInfo`` (RFC 5208 section 5) / ``OneAsymmetricKey`` (RFC 5958 section 2).

    ``SEQUENCE { version (0 or 1), privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET
    STRING, attributes [0] OPTIONAL, publicKey [1] OPTIONAL (version 1 only) }`` where the
    algorithm is rsaEncryption and the OCTET STRING holds the DER of an ``RSAPrivateKey``.
    """
    outer = _Reader(data, start, end, "PrivateKeyInfo")
    info = outer.sequence("PrivateKeyInfo")
    outer.finish()
    version = info.integer("version")
    if version not in (0, 1):
        raise info.fail("unknown PrivateKeyInfo version")
    _rsa_algorithm(info)
    key_start, key_end = info.read(_OCTET_STRING, "privateKey OCTET STRING")
    if info.peek_tag() == 0xA0:
        info.read(0xA0, "attributes")
    if version == 1 and info.peek_tag() == 0x81:
        info.read(0x81, "publicKey")
    info.finish()
    return _rsa_private_key(data, key_start, key_end)


def classify(der: bytes) -> str:
    """Which structure ``der`` is, from the tags of its outer SEQUENCE's first elements (X.690).

    The whole input must be that one SEQUENCE. Returns one of the PEM labels of this module,
    ``PKCS8_ENCRYPTED`` included (RFC 5958 section 3, ``EncryptedPrivateKeyInfo``).
    """
    outer = _Reader(der, 0, len(der), "the key")
    top = outer.sequence("the outer SEQUENCE")
    outer.finish()
    tags: List[int] = []
    while not top.at_end() and len(tags) < 3:
        tags.append(top.read_any()[0])
    if tags == [_INTEGER, _INTEGER]:
        return PKCS1_PUBLIC
    if tags == [_INTEGER, _INTEGER, _INTEGER]:
        return PKCS1_PRIVATE
    if tags[:2] == [_INTEGER, _SEQUENCE]:
        return PKCS8_PRIVATE
    if tags[:2] == [_SEQUENCE, _BIT_STRING]:
        return SPKI
    if tags[:2] == [_SEQUENCE, _OCTET_STRING]:
        return PKCS8_ENCRYPTED
    if tags == [_SEQUENCE, _SEQUENCE, _BIT_STRING]:
        return CERTIFICATE
    raise KeyFormatError("not an RSA key or certificate: unrecognised DER structure")


def _is_label(label: str) -> bool:
    """RFC 7468 section 3: ``label = [ labelchar *( ["-" / SP] labelchar ) ]``.

    ``labelchar`` is any printable ASCII character but ``-``.
    """
    previous_sep = True  # a label may not start with a separator
    for char in label:
        if char in "- ":
            if previous_sep:
                return False
            previous_sep = True
        elif "\x21" <= char <= "\x7e":
            previous_sep = False
        else:
            return False
    return not previous_sep or not label


def pem_blocks(text: str) -> List[Tuple[str, str]]:
    """The ``(label, body)`` of each encapsulated block of ``text`` (RFC 7468 sections 2 and 3).

    A block is ``-----BEGIN label-----``, the body, ``-----END label-----`` with the same
    label. Text outside blocks is explanatory and ignored (section 5.2). A BEGIN line without
    its END line, or a block with another boundary inside, is refused. The body is returned as
    is; :func:`_decode_body` reads it.
    """
    blocks: List[Tuple[str, str]] = []
    pos = 0
    while True:
        begin = text.find("-----BEGIN ", pos)
        if begin < 0:
            return blocks
        label_start = begin + 11
        label_end = text.find("-----", label_start)
        line_end = text.find("\n", label_start)
        if line_end < 0:
            line_end = len(text)
        if label_end < 0 or label_end > line_end:
            raise KeyFormatError("malformed PEM: a BEGIN line does not end with '-----' (RFC 7468 section 2)")
        label = text[label_start:label_end]
        if len(label) > 64 or not _is_label(label):
            raise KeyFormatError("malformed PEM: invalid label in a BEGIN line (RFC 7468 section 3)")
        if text[label_end + 5 : line_end].strip():
            raise KeyFormatError("malformed PEM: text after a BEGIN line (RFC 7468 section 3)")
        end_line = "-----END " + label + "-----"
        end = text.find(end_line, label_end + 5)
        if end < 0:
            raise KeyFormatError(f"malformed PEM: '-----BEGIN {label}-----' has no matching END line")
        body = text[line_end + 1 : end]
        if "-----" in body:
            raise KeyFormatError("malformed PEM: a boundary line inside a block (RFC 7468 section 2)")
        blocks.append((label, body))
        pos = end + len(end_line)


def _decode_body(label: str, body: str) -> bytes:
    """The DER of one PEM block body (RFC 7468 section 3).

    RFC 1421 headers (``Proc-Type``, ``DEK-Info``: OpenSSL's "traditional" encrypted keys) are
    refused, the encrypted case with how to decrypt. Whitespace between base64 characters is
    allowed (the "lax" parser of section 3), the base64 itself must be canonical.
    """
    if ":" in body:
        headers = body.replace("\r", "").split("\n\n", 1)[0]
        if "Proc-Type:" in headers and "ENCRYPTED" in headers:
            raise KeyFormatError(f"the private key is encrypted (Proc-Type: 4,ENCRYPTED); {_DECRYPT_HINT}")
        raise KeyFormatError(f"unsupported PEM headers in the {label} block (RFC 7468 section 2)")
    der = strict_b64decode("".join(body.split()))
    if der is None:
        raise KeyFormatError(f"malformed PEM: the {label} block is not valid base64 (RFC 7468 section 3)")
    if not der:
        raise KeyFormatError(f"malformed PEM: the {label} block is empty")
    return der


def _input(data: object) -> Union[str, bytes]:
    """PEM text as ``str``, or DER as ``bytes``, from what the caller gave (bounded in size)."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if isinstance(data, bytes):
        if len(data) > MAX_INPUT_SIZE:
            raise KeyFormatError(f"key input larger than {MAX_INPUT_SIZE} bytes")
        if data[:1] == b"\x30":
            return data
        if b"-----BEGIN " not in data:
            raise KeyFormatError("neither PEM (no '-----BEGIN' line, RFC 7468) nor DER (no outer SEQUENCE, X.690)")
        return data.decode("latin-1")  # PEM is ASCII; text outside the blocks may be anything
    if isinstance(data, str):
        if len(data) > MAX_INPUT_SIZE:
            raise KeyFormatError(f"key input larger than {MAX_INPUT_SIZE} characters")
        return data
    raise KeyFormatError(f"expected PEM text (str or bytes) or DER bytes, not {type(data).__name__}")


def _select(data: object, *, private: bool) -> Tuple[str, bytes]:
    """The ``(kind, der)`` of the one key block to read from ``data``.

    For a private key: the one ``RSA PRIVATE KEY`` or ``PRIVATE KEY`` block (a certificate
    beside it is ignored). For a public key: the one public key or certificate block; any
    private key in the input is refused, so that a private key never travels as a public one.
    """
    source = _input(data)
    if isinstance(source, bytes):
        kind = classify(source)
        der = source
    else:
        blocks = pem_blocks(source)
        if not blocks:
            raise KeyFormatError("no PEM block found (expected '-----BEGIN ...-----', RFC 7468)")
        labels = [_LABEL_ALIASES.get(label, label) for label, _ in blocks]
        if PKCS8_ENCRYPTED in labels and private:
            raise KeyFormatError(f"the private key is encrypted (ENCRYPTED PRIVATE KEY); {_DECRYPT_HINT}")
        if not private and any("PRIVATE KEY" in label for label in labels):
            raise KeyFormatError(
                "a private key was given where a public key is expected: give the PUBLIC KEY or "
                "CERTIFICATE (e.g. `openssl pkey -in key.pem -pubout`), never the private key"
            )
        wanted = _PRIVATE_KINDS if private else _PUBLIC_KINDS
        chosen = [i for i, label in enumerate(labels) if label in wanted]
        if len(chosen) > 1:
            raise KeyFormatError(f"{len(chosen)} {'private' if private else 'public'} key blocks found; give exactly one")
        if not chosen:
            found = ", ".join(sorted(set(labels)))
            if private and any(label in _PUBLIC_KINDS for label in labels):
                raise KeyFormatError(
                    "a public key or certificate was given where a private key is expected (signing needs "
                    "the private key)"
                )
            if "OPENSSH PRIVATE KEY" in labels:
                raise KeyFormatError(
                    "an OpenSSH private key: convert it to PEM first (`ssh-keygen -p -m PEM -f key`)"
                )
            raise KeyFormatError(
                f"no {'RSA private key' if private else 'public key or certificate'} block found (found: {found})"
            )
        kind = labels[chosen[0]]
        der = _decode_body(blocks[chosen[0]][0], blocks[chosen[0]][1])
        actual = classify(der)
        if actual != kind:
            raise KeyFormatError(f"the PEM label says {kind} but the content is {actual}")
    if kind == PKCS8_ENCRYPTED:
        raise KeyFormatError(f"the private key is encrypted (ENCRYPTED PRIVATE KEY); {_DECRYPT_HINT}")
    if private and kind not in _PRIVATE_KINDS:
        raise KeyFormatError("a public key or certificate was given where a private key is expected")
    if not private and kind not in _PUBLIC_KINDS:
        raise KeyFormatError("a private key was given where a public key is expected: give its public key")
    return kind, der


def read_private_numbers(data: object) -> PrivateNumbers:
    """``(n, e, d, p, q, dP, dQ, qInv)`` of a PKCS #1 or PKCS #8 RSA private key, PEM or DER.

    RFC 7468 sections 10 and 11 (PEM), RFC 8017 appendix A.1.2, RFC 5208 section 5. The
    numbers are read, not checked: :mod:`oauth1core.methods.rsa` checks them (RFC 8017 3.2).
    """
    kind, der = _select(data, private=True)
    if kind == PKCS8_PRIVATE:
        return _private_key_info(der, 0, len(der))
    return _rsa_private_key(der, 0, len(der))


def read_public_numbers(data: object) -> Tuple[int, int]:
    """``(n, e)`` of a PKCS #1 or SubjectPublicKeyInfo RSA public key, or of a certificate's key.

    RFC 7468 sections 5 and 13 (PEM), RFC 8017 appendix A.1.1, RFC 5280 sections 4.1 and
    4.1.2.7. The numbers are read, not checked: :mod:`oauth1core.methods.rsa` checks them.
    """
    kind, der = _select(data, private=False)
    if kind == CERTIFICATE:
        return _certificate(der, 0, len(der))
    if kind == SPKI:
        return _subject_public_key_info(der, 0, len(der))
    return _rsa_public_key(der, 0, len(der))
