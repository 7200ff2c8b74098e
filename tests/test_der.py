"""The DER reader and PEM decoder of RSA keys (X.690, RFC 7468, RFC 8017 A.1, RFC 5208, RFC 5280).

Whatever the input, the loaders return a key or raise ``KeyFormatError``: never another
exception, never key material in the message. Structures are built here with a tiny DER encoder
so that each rule is tested on its own.
"""

from __future__ import annotations

import base64
import random
import re
from functools import lru_cache
from typing import Any, Callable, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth1core.errors import KeyFormatError
from oauth1core.methods import _der
from oauth1core.methods.rsa import load_private_key, load_public_key

import cryptography  # test-only oracle in the test extra: missing means failing, never skipping
pytestmark = pytest.mark.peers  # cryptography is the oracle and builds the keys
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa  # noqa: E402

LOADERS = (load_private_key, load_public_key)
RSA_OID = bytes.fromhex("06092a864886f70d010101")
NULL = b"\x05\x00"


# --- A minimal DER encoder (X.690), for building test structures -----------------------------------


def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


def seq(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def integer(value: int) -> bytes:
    return tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def rsa_alg(oid: bytes = RSA_OID, params: bytes = NULL) -> bytes:
    return seq(oid, params)


def to_pem(label: str, der: bytes) -> str:
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def key(bits: int = 1024) -> Any:
    return _generate(bits)


@lru_cache(maxsize=None)
def _generate(bits: int) -> Any:
    return crypto_rsa.generate_private_key(public_exponent=65537, key_size=bits)


def numbers(bits: int = 1024) -> List[int]:
    nums = key(bits).private_numbers()
    pub = nums.public_numbers
    return [pub.n, pub.e, nums.d, nums.p, nums.q, nums.dmp1, nums.dmq1, nums.iqmp]


def pkcs1_private(values: List[int], version: int = 0) -> bytes:
    return seq(integer(version), *(integer(v) for v in values))


def pkcs8(inner: bytes, version: int = 0, alg: bytes = b"", extra: bytes = b"") -> bytes:
    return seq(integer(version), alg or rsa_alg(), tlv(0x04, inner), extra)


def pkcs1_public(n: int, e: int) -> bytes:
    return seq(integer(n), integer(e))


def spki(n: int, e: int, alg: bytes = b"", unused: int = 0) -> bytes:
    return seq(alg or rsa_alg(), tlv(0x03, bytes([unused]) + pkcs1_public(n, e)))


def cert_der(bits: int = 1024) -> bytes:
    return _cert_der(bits)


@lru_cache(maxsize=None)
def _cert_der(bits: int) -> bytes:
    import datetime

    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")])
    start = datetime.datetime(2020, 1, 1)
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key(bits).public_key())
        .serial_number(1).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=1))
    )
    return builder.sign(key(bits), hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def seeds() -> List[bytes]:
    """A real DER of each structure."""
    k = key()
    enc, none = serialization.Encoding.DER, serialization.NoEncryption()
    return [
        k.private_bytes(enc, serialization.PrivateFormat.PKCS8, none),
        k.private_bytes(enc, serialization.PrivateFormat.TraditionalOpenSSL, none),
        k.public_key().public_bytes(enc, serialization.PublicFormat.SubjectPublicKeyInfo),
        k.public_key().public_bytes(enc, serialization.PublicFormat.PKCS1),
        cert_der(),
    ]


MATERIAL = re.compile(r"[A-Za-z0-9+/]{24,}|\d{16,}")


def total(loader: Callable[[Any], Any], data: Any) -> None:
    """The loader returns a key or raises KeyFormatError, with no key material in the message."""
    try:
        loader(data)
    except KeyFormatError as exc:
        assert not MATERIAL.search(str(exc)), str(exc)
        assert len(str(exc)) < 400


# --- Accepted ------------------------------------------------------------------------------------


def test_structures_built_here_are_read() -> None:
    n, e, *_ = values = numbers()
    assert load_private_key(pkcs1_private(values)).public_key.n == n
    assert load_private_key(pkcs8(pkcs1_private(values))).public_key.n == n
    assert load_private_key(to_pem("PRIVATE KEY", pkcs8(pkcs1_private(values)))).public_key.n == n
    # RFC 5958: attributes [0] in version 0 and 1, publicKey [1] in version 1.
    attributes = tlv(0xA0, seq(tlv(0x06, b"\x2a\x03"), tlv(0x31, tlv(0x0C, b"x"))))
    assert load_private_key(pkcs8(pkcs1_private(values), extra=attributes)).public_key.e == e
    public_bits = tlv(0x81, b"\x00" + pkcs1_public(n, e))
    assert load_private_key(pkcs8(pkcs1_private(values), version=1, extra=attributes + public_bits)).public_key.e == e
    assert load_public_key(pkcs1_public(n, e)).n == n
    assert load_public_key(spki(n, e)).n == n
    assert load_public_key(to_pem("RSA PUBLIC KEY", pkcs1_public(n, e))).n == n


def test_pem_variants() -> None:
    der = seeds()[2]
    plain = to_pem("PUBLIC KEY", der)
    n = load_public_key(der).n
    variants: List[Any] = [
        plain,
        plain.encode(),
        bytearray(plain.encode()),
        plain.replace("\n", "\r\n"),
        "Subject: explanatory text is ignored (RFC 7468 section 5.2)\n" + plain + "trailing text\n",
        plain.replace("\n", "\n  ", 3),  # lax whitespace inside the body
        "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PUBLIC KEY-----",  # one line
        to_pem("PUBLIC KEY", der).rstrip("\n"),
        "\ufeff" + plain,
    ]
    for data in variants:
        assert load_public_key(data).n == n
    cert = to_pem("CERTIFICATE", cert_der())
    for label in ("X509 CERTIFICATE", "X.509 CERTIFICATE"):
        assert load_public_key(cert.replace("CERTIFICATE", label)).n == n
    # A key file with its certificate: the private loader takes the key, the public loader refuses.
    private = to_pem("PRIVATE KEY", seeds()[0])
    assert load_private_key(cert + private).public_key.n == n
    with pytest.raises(KeyFormatError, match="private key"):
        load_public_key(cert + private)


# --- Refused: DER rules (X.690) --------------------------------------------------------------------


def test_der_rules() -> None:
    n, e, *_ = values = numbers()
    good = pkcs1_public(n, e)
    assert good[:3] == b"\x30\x81\x89"  # a 1024-bit key: a two-octet length
    body = good[3:]
    cases = {
        "indefinite length": (b"\x30\x80" + body + b"\x00\x00", "indefinite"),
        "long form under 128": (seq(integer(n), b"\x02\x81\x03\x01\x00\x01"), "under 128"),
        "leading zero length octet": (b"\x30\x82\x00\x89" + body, "fewest octets"),
        "five-octet length": (b"\x30\x85\x00\x00\x00\x00\x89" + body, "more than four"),
        "length past the end": (b"\x30\x84\x7f\xff\xff\xff" + body, "truncated"),
        "length one too long": (b"\x30\x81\x8a" + body, "truncated"),
        "high tag number": (seq(integer(n), b"\x1f\x22\x01\x03"), "high tag"),
        "trailing garbage": (good + b"\x00", "after the last element"),
        "trailing element": (good + seq(), "after the last element"),
        "garbage inside": (seq(integer(n), integer(e), b"\x05\x00"), "unrecognised"),
        "non-minimal INTEGER": (seq(tlv(0x02, b"\x00" + n.to_bytes(129, "big")), integer(e)), "fewest octets"),
        "non-minimal small INTEGER": (seq(integer(n), tlv(0x02, b"\x00\x01\x00\x01")), "fewest octets"),
        "non-minimal negative INTEGER": (seq(integer(n), tlv(0x02, b"\xff\x80")), "fewest octets"),
        "negative INTEGER": (seq(integer(n), integer(-e)), "negative"),
        "empty INTEGER": (seq(integer(n), tlv(0x02, b"")), "empty INTEGER"),
        "constructed INTEGER": (seq(integer(n), tlv(0x22, integer(e))), "unrecognised"),
        "SET instead of SEQUENCE": (tlv(0x31, body), "nor DER"),
        "one INTEGER": (seq(integer(n)), "unrecognised"),
        "three INTEGERs": (seq(integer(n), integer(e), integer(3)), "private key"),
        "lone tag": (b"\x30", "truncated"),
        "empty SEQUENCE": (b"\x30\x00", "unrecognised"),
    }
    for label, (der, message) in cases.items():
        with pytest.raises(KeyFormatError, match=message):
            load_public_key(der)
    values_der = pkcs1_private(values)
    pss = bytes.fromhex("06092a864886f70d01010a")
    ec_oid = bytes.fromhex("06072a8648ce3d0201")
    for label, (der, message) in {
        "multi-prime": (pkcs1_private(values, version=1), "multi-prime"),
        "version 2": (pkcs1_private(values, version=2), "unknown RSAPrivateKey version"),
        "eight numbers": (seq(integer(0), *(integer(v) for v in values[:-1])), "coefficient is missing"),
        "ten numbers": (seq(integer(0), *(integer(v) for v in values), integer(1)), "after the last element"),
        "PKCS#8 version 2": (pkcs8(values_der, version=2), "unknown PrivateKeyInfo version"),
        "PKCS#8 publicKey in version 0": (pkcs8(values_der, extra=tlv(0x81, b"\x00")), "after the last element"),
        "PKCS#8 trailing element": (pkcs8(values_der, extra=integer(1)), "after the last element"),
        "PKCS#8 inner trailing garbage": (pkcs8(values_der + b"\x00"), "after the last element"),
        "PKCS#8 NULL with content": (pkcs8(values_der, alg=rsa_alg(params=b"\x05\x01\x00")), "NULL with content"),
        "PKCS#8 no parameters": (pkcs8(values_der, alg=seq(RSA_OID)), "NULL.*missing"),
        "PKCS#8 PSS": (pkcs8(values_der, alg=rsa_alg(oid=pss)), "RSASSA-PSS"),
        "PKCS#8 EC": (pkcs8(values_der, alg=rsa_alg(oid=ec_oid)), "elliptic-curve"),
        "PKCS#8 holding a public key": (pkcs8(pkcs1_public(n, e)), "unknown RSAPrivateKey version"),
    }.items():
        with pytest.raises(KeyFormatError, match=message):
            load_private_key(der)
    for label, (der, message) in {
        "unused bits": (spki(n, e, unused=1), "unused bits"),
        "empty BIT STRING": (seq(rsa_alg(), tlv(0x03, b"")), "unused bits"),
        "trailing garbage in BIT STRING": (seq(rsa_alg(), tlv(0x03, b"\x00" + good + b"\x00")), "after the last"),
        "EC algorithm": (spki(n, e, alg=rsa_alg(oid=ec_oid)), "elliptic-curve"),
        "unknown algorithm": (spki(n, e, alg=rsa_alg(oid=b"\x06\x01\x2a")), "unsupported algorithm"),
    }.items():
        with pytest.raises(KeyFormatError, match=message):
            load_public_key(der)


def test_certificate_rules() -> None:
    der = cert_der()
    n = load_public_key(der).n
    cert = _der._Reader(der, 0, len(der), "t").sequence("Certificate")
    tbs_start = cert.pos
    cert.read_any()
    alg_start = cert.pos
    cert.read_any()
    tbs, alg, signature = der[tbs_start:alg_start], der[alg_start:cert.pos], der[cert.pos:]
    assert seq(tbs, alg, signature) == der
    tbs_content = tbs[3:] if tbs[1] == 0x81 else tbs[4:]
    version = tlv(0xA0, integer(2))
    assert tbs_content.startswith(version)
    v1 = tbs_content[len(version):]
    assert load_public_key(seq(seq(v1), alg, signature)).n == n  # version [0] is optional
    serial = integer(1)
    assert v1.startswith(serial)
    for label, bad in {
        "tbs trailing element": seq(seq(tbs_content, integer(1)), alg, signature),
        "no signature": seq(tbs, alg),
        "extra element": seq(tbs, alg, signature, integer(1)),
        "no serial": seq(seq(version, v1[len(serial):]), alg, signature),
        "signature not a BIT STRING": seq(tbs, alg, tlv(0x04, signature[2:])),
        "trailing garbage": der + b"\x00",
    }.items():
        with pytest.raises(KeyFormatError):
            load_public_key(bad)


def test_foreign_keys_are_named() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_pem = ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    with pytest.raises(KeyFormatError, match="elliptic-curve"):
        load_private_key(ec_pem)
    ec_public = ec_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(KeyFormatError, match="elliptic-curve"):
        load_public_key(ec_public)
    ec_traditional = ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                          serialization.NoEncryption())
    with pytest.raises(KeyFormatError, match="no RSA private key"):
        load_private_key(ec_traditional)
    openssh = key().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                  serialization.NoEncryption())
    with pytest.raises(KeyFormatError, match="ssh-keygen"):
        load_private_key(openssh)
    ssh_public = key().public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    with pytest.raises(KeyFormatError, match="neither PEM"):
        load_public_key(ssh_public)
    with pytest.raises(KeyFormatError, match="no PEM block"):
        load_public_key(ssh_public.decode())


# --- Refused: PEM rules (RFC 7468) --------------------------------------------------------------------


def test_pem_rules() -> None:
    der = seeds()[2]
    good = to_pem("PUBLIC KEY", der)
    body = base64.b64encode(der).decode()
    cases: Dict[str, Any] = {
        "no block": "just text",
        "no END": good.replace("-----END PUBLIC KEY-----", ""),
        "mismatched END": good.replace("END PUBLIC KEY", "END RSA PUBLIC KEY"),
        "two blocks": good + good,
        "label and content disagree": to_pem("RSA PUBLIC KEY", der),
        "certificate label on a key": to_pem("CERTIFICATE", der),
        "unknown label": to_pem("DH PARAMETERS", der),
        "bad label": to_pem("PUBLIC  KEY", der),
        "lowercase boundary": good.replace("BEGIN", "begin"),
        "text after BEGIN": good.replace("PUBLIC KEY-----\n", "PUBLIC KEY----- x\n", 1),
        "missing padding": to_pem("RSA PUBLIC KEY", seeds()[3]).replace("=", ""),
        "non-alphabet character": good.replace(body[10], "*", 1),
        "url-safe alphabet": "-----BEGIN PUBLIC KEY-----\n" + body.replace("+", "-").replace("/", "_") + "A"
        + "\n-----END PUBLIC KEY-----\n",
        "padding in the middle": "-----BEGIN PUBLIC KEY-----\nAA==" + body + "\n-----END PUBLIC KEY-----\n",
        "empty body": "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        "headers": "-----BEGIN PUBLIC KEY-----\nComment: hi\n\n" + body + "\n-----END PUBLIC KEY-----\n",
        "nested boundary": "-----BEGIN PUBLIC KEY-----\n" + good + "-----END PUBLIC KEY-----\n",
        "non-ASCII in body": good.replace(body[5], "\u00e9", 1),
        "too large": good + " " * _der.MAX_INPUT_SIZE,
        "too large bytes": good.encode() + b" " * _der.MAX_INPUT_SIZE,
    }
    for label, data in cases.items():
        with pytest.raises(KeyFormatError):
            load_public_key(data)
    others: List[Any] = [None, 12, 1.5, ["x"], {"pem": good}, object()]
    for data in others:
        for loader in LOADERS:
            with pytest.raises(KeyFormatError, match="expected PEM"):
                loader(data)


def test_non_canonical_base64_in_pem() -> None:
    der = seeds()[3]
    body = base64.b64encode(der).decode()
    assert body.endswith("=")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    stripped = body.rstrip("=")
    tweaked = stripped[:-1] + alphabet[alphabet.index(stripped[-1]) | 1] + body[len(stripped):]
    assert base64.b64decode(tweaked) == der
    with pytest.raises(KeyFormatError, match="base64"):
        load_public_key("-----BEGIN RSA PUBLIC KEY-----\n" + tweaked + "\n-----END RSA PUBLIC KEY-----\n")


def test_strict_b64decode() -> None:
    assert _der.strict_b64decode("") == b""
    assert _der.strict_b64decode("QQ==") == b"A"
    assert _der.strict_b64decode(b"QUI=") == b"AB"
    for bad in ("QQ", "QQ=", "QR==", "Q Q==", "QQ==\n", "QQ==QQ==", "=QQ=", "QQ-=", "\u00e9", "QUJD=", "QUJDR"):
        assert _der.strict_b64decode(bad) is None, bad


def test_proc_type_headers() -> None:
    body = base64.b64encode(seeds()[1]).decode()
    for headers, message in (
        ("Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n", "openssl pkey"),
        ("Proc-Type: 4,ENCRYPTED\r\nDEK-Info: DES-EDE3-CBC,0011223344556677\r\n\r\n", "openssl pkey"),
        ("Proc-Type: 4,MIC-ONLY\n\n", "headers"),
    ):
        data = "-----BEGIN RSA PRIVATE KEY-----\n" + headers + body + "\n-----END RSA PRIVATE KEY-----\n"
        with pytest.raises(KeyFormatError, match=message):
            load_private_key(data)


def test_limits() -> None:
    # Modulus sizes: 1024 to 16384 bits; exponent: odd, 3 <= e, at most 256 bits.
    for n, e in (((1 << 1022) + 1, 65537), ((1 << 16384) + 1, 65537), ((1 << 2047) + 1, (1 << 300) + 1),
                 ((1 << 2047) + 1, 1), ((1 << 2047) + 1, 4), ((1 << 2047), 65537)):
        with pytest.raises(KeyFormatError):
            load_public_key(pkcs1_public(n, e))
    assert load_public_key(pkcs1_public((1 << 16383) + 1, 3)).size == 16384
    # Deep nesting and huge lengths cost nothing: the reader does not recurse.
    deep = b"\x30\x80" * 100000
    nested = b""
    for _ in range(2000):
        nested = seq(nested) if len(nested) < 60000 else nested
    for data in (deep[: _der.MAX_INPUT_SIZE], nested, b"\x30\x84\x7f\xff\xff\xff", b"\x30\x82\xff\xff" + b"\x00" * 10):
        for loader in LOADERS:
            with pytest.raises(KeyFormatError):
                loader(data)


# --- Totality: hypothesis and a fuzz run -------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes(data: bytes) -> None:
    for loader in LOADERS:
        total(loader, data)
        total(loader, b"\x30" + data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_any_text(data: str) -> None:
    for loader in LOADERS:
        total(loader, data)
        total(loader, "-----BEGIN PRIVATE KEY-----\n" + data + "\n-----END PRIVATE KEY-----")
        total(loader, "-----BEGIN PUBLIC KEY-----\n" + data + "\n-----END PUBLIC KEY-----")


@st.composite
def mutated(draw: Any) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "append", "length"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 8))]
        elif op == "append":
            data += draw(st.binary(min_size=1, max_size=8))
        elif op == "length" and len(data) > pos + 1:
            data[pos + 1] = draw(st.sampled_from([0x80, 0x81, 0x84, 0x85, 0xFF, 0x00, 0x7F]))
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(mutated())
def test_mutated_real_keys(data: bytes) -> None:
    for loader in LOADERS:
        total(loader, data)
    labels = ("PRIVATE KEY", "RSA PRIVATE KEY", "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE")
    for label in labels:
        total(load_private_key if "PRIVATE" in label else load_public_key, to_pem(label, data))


def test_fuzz_run() -> None:
    """A short, seeded fuzz run: every prefix of every structure, then random mutations."""
    rng = random.Random(5849)
    corpus = seeds()
    for der in corpus:
        for cut in range(len(der)):
            for loader in LOADERS:
                with pytest.raises(KeyFormatError):
                    loader(der[:cut])
    for _ in range(3000):
        data = bytearray(rng.choice(corpus))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(len(data)) if data else 0
            choice = rng.random()
            if choice < 0.5 and data:
                data[pos] = rng.randrange(256)
            elif choice < 0.7:
                data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
            elif choice < 0.9:
                del data[pos : pos + rng.randint(1, 4)]
            else:
                data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        for loader in LOADERS:
            total(loader, bytes(data))
        if rng.random() < 0.2:
            total(load_private_key, to_pem("PRIVATE KEY", bytes(data)))
            total(load_public_key, to_pem("CERTIFICATE", bytes(data)))
