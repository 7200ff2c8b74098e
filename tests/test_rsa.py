"""RSA-SHA1/256/512 (RFC 5849 section 3.4.3; RFC 8017 sections 8.2 and 9.2).

``cryptography`` (OpenSSL) is the oracle: a test-only dependency, never imported by the package.
Keys are generated once per module (``lru_cache``), so the whole file stays fast.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import pathlib
import secrets
from functools import lru_cache
from typing import Any, Dict, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cryptography  # test-only oracle in the test extra: missing means failing, never skipping
pytestmark = pytest.mark.peers  # cryptography is the oracle and builds the keys
from cryptography import x509  # noqa: E402
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from oauth1core.errors import KeyFormatError, OAuthError, SignatureMethodRejected  # noqa: E402
from oauth1core.methods import RSA_METHODS, SignatureMethod, resolve  # noqa: E402
from oauth1core.methods import rsa as rsa_module  # noqa: E402
from oauth1core.methods.rsa import (  # noqa: E402
    RsaFaultError,
    RsaMethod,
    RsaPrivateKey,
    RsaPublicKey,
    load_private_key,
    load_public_key,
    rsa_method,
)

VECTORS = pathlib.Path(__file__).resolve().parent.parent / "vectors" / "rsa.json"
HASHES: Dict[str, Any] = {"RSA-SHA1": hashes.SHA1, "RSA-SHA256": hashes.SHA256, "RSA-SHA512": hashes.SHA512}
HASHLIB = {"RSA-SHA1": hashlib.sha1, "RSA-SHA256": hashlib.sha256, "RSA-SHA512": hashlib.sha512}
DIGEST_INFO = {  # RFC 8017 section 9.2 note 1
    "RSA-SHA1": bytes.fromhex("3021300906052b0e03021a05000414"),
    "RSA-SHA256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "RSA-SHA512": bytes.fromhex("3051300d060960864801650304020305000440"),
}
BASE = "GET&http%3A%2F%2Fexample.com%2Fr&a%3D1%26oauth_nonce%3Dn"
PRIVATE_PEM = (serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@lru_cache(maxsize=None)
def _generate(bits: int, e: int) -> Any:
    return crypto_rsa.generate_private_key(public_exponent=e, key_size=bits)


def crypto_key(bits: int, e: int = 65537) -> Any:
    """One key per size and exponent for the whole module (key generation is the slow part)."""
    return _generate(bits, e)


def pem(key: Any, fmt: Any = serialization.PrivateFormat.PKCS8) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())  # type: ignore[no-any-return]


def public_pem(key: Any, fmt: Any = serialization.PublicFormat.SubjectPublicKeyInfo) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, fmt)  # type: ignore[no-any-return]


def ours(bits: int, e: int = 65537) -> RsaPrivateKey:
    return _load(bits, e)


@lru_cache(maxsize=None)
def _load(bits: int, e: int) -> RsaPrivateKey:
    return load_private_key(pem(crypto_key(bits, e)))


def certificate(key: Any) -> Any:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oauth1core test")])
    start = datetime.datetime(2020, 1, 1)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(5849)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def raw_sign(key: Any, em: bytes) -> str:
    """The textbook RSA signature of an arbitrary encoded message: to build malformed ones."""
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    k = (n.bit_length() + 7) // 8
    s = pow(int.from_bytes(em, "big"), numbers.d, n)
    return base64.b64encode(s.to_bytes(k, "big")).decode()


def encode(method: str, message: bytes, k: int) -> bytes:
    """EMSA-PKCS1-v1_5 (RFC 8017 section 9.2), written independently of the package."""
    t = DIGEST_INFO[method] + HASHLIB[method](message).digest()
    return b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


# --- Agreement with OpenSSL ---------------------------------------------------------------------


@pytest.mark.parametrize("bits", [1024, 2048, 3072, 4096])
@pytest.mark.parametrize("method", RSA_METHODS)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.text(max_size=300))
def test_signatures_match_cryptography_both_ways(bits: int, method: str, message: str) -> None:
    key = crypto_key(bits)
    signer = rsa_method(method, private_key=ours(bits))
    ours_sig = signer.sign(message, "ignored", "ignored")
    theirs = key.sign(message.encode("utf-8"), padding.PKCS1v15(), HASHES[method]())
    assert base64.b64decode(ours_sig) == theirs  # PKCS#1 v1.5 is deterministic: byte-identical
    key.public_key().verify(base64.b64decode(ours_sig), message.encode("utf-8"), padding.PKCS1v15(), HASHES[method]())
    verifier = rsa_method(method, public_key=public_pem(key))
    assert verifier.verify(message, base64.b64encode(theirs).decode(), "", "")
    assert not verifier.verify(message + "x", ours_sig, "", "")


@pytest.mark.parametrize("bits", [1024, 2048, 3072, 4096])
def test_every_pem_and_der_flavour_gives_the_same_numbers(bits: int) -> None:
    key = crypto_key(bits)
    numbers = key.private_numbers()
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    enc = serialization.Encoding
    private_inputs = [
        key.private_bytes(encoding, fmt, serialization.NoEncryption())
        for encoding in (enc.PEM, enc.DER)
        for fmt in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL)
    ]
    private_inputs.append(pem(key).decode("ascii"))  # str as well as bytes
    for data in private_inputs:
        private = load_private_key(data)
        assert (private.public_key.n, private.public_key.e) == (n, e)
        assert (private._p, private._q, private._d) == (numbers.p, numbers.q, numbers.d)
    cert = certificate(key)
    public_inputs = [
        key.public_key().public_bytes(encoding, fmt)
        for encoding in (enc.PEM, enc.DER)
        for fmt in (serialization.PublicFormat.SubjectPublicKeyInfo, serialization.PublicFormat.PKCS1)
    ]
    public_inputs += [cert.public_bytes(enc.PEM), cert.public_bytes(enc.DER), cert.public_bytes(enc.PEM).decode()]
    for data in public_inputs:
        public = load_public_key(data)
        assert (public.n, public.e) == (n, e)
        assert public.size == bits and public.length == bits // 8


def test_certificate_verifies_signatures() -> None:
    key = crypto_key(2048)
    cert_pem = certificate(key).public_bytes(serialization.Encoding.PEM)
    for method in RSA_METHODS:
        signature = rsa_method(method, private_key=pem(key)).sign(BASE, "", "")
        assert rsa_method(method, public_key=cert_pem).verify(BASE, signature, "", "")


def test_e3_key_agrees_with_cryptography() -> None:
    key = crypto_key(3072, 3)
    signature = rsa_method("RSA-SHA1", private_key=pem(key)).sign(BASE, "", "")
    assert base64.b64decode(signature) == key.sign(BASE.encode(), padding.PKCS1v15(), hashes.SHA1())


# --- The interface --------------------------------------------------------------------------------


def test_method_interface() -> None:
    private = ours(1024)
    for method, digest in zip(RSA_METHODS, ("sha1", "sha256", "sha512")):
        signer: SignatureMethod = rsa_method(method, private_key=private)
        assert signer.name == method and signer.body_hash == digest and signer.shared_secret is False
        assert isinstance(signer, RsaMethod)
        signature = signer.sign(BASE, "a", "b")
        assert signature == signer.sign(BASE, "", "")  # the secrets are ignored, signing is deterministic
        assert signer.verify(BASE, signature, "other", "secrets")
        assert resolve(method, private_key=private).sign(BASE, "", "") == signature
        assert resolve(method, public_key=private.public_key).verify(BASE, signature, "", "")


def test_unknown_names_are_rejected() -> None:
    for name in ("RSA-SHA384", "rsa-sha1", "RSA-MD5", "", "HMAC-SHA1"):
        with pytest.raises(SignatureMethodRejected):
            rsa_method(name, private_key=ours(1024))


def test_missing_keys_raise() -> None:
    bare = rsa_method("RSA-SHA1")
    with pytest.raises(KeyFormatError, match="private key"):
        bare.sign(BASE, "", "")
    with pytest.raises(KeyFormatError, match="public key"):
        bare.verify(BASE, "x", "", "")
    verifier = rsa_method("RSA-SHA256", public_key=ours(1024).public_key)
    with pytest.raises(KeyFormatError, match="private key"):
        verifier.sign(BASE, "", "")


def test_private_key_never_accepted_as_public_and_reverse() -> None:
    key = crypto_key(2048)
    private = ours(2048)
    for data in (pem(key), pem(key).decode(), pem(key, serialization.PrivateFormat.TraditionalOpenSSL),
                 key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())):
        with pytest.raises(KeyFormatError, match="private key"):
            load_public_key(data)
        with pytest.raises(KeyFormatError, match="private key"):
            rsa_method("RSA-SHA1", public_key=data)
    with pytest.raises(KeyFormatError, match="private key"):
        rsa_method("RSA-SHA1", public_key=private)  # type: ignore[arg-type]
    for data in (public_pem(key), public_pem(key, serialization.PublicFormat.PKCS1),
                 certificate(key).public_bytes(serialization.Encoding.PEM),
                 key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)):
        with pytest.raises(KeyFormatError, match="public key"):
            load_private_key(data)
        with pytest.raises(KeyFormatError, match="public key"):
            rsa_method("RSA-SHA1", private_key=data)
    with pytest.raises(KeyFormatError, match="public key"):
        rsa_method("RSA-SHA1", private_key=private.public_key)  # type: ignore[arg-type]
    with pytest.raises(KeyFormatError):
        rsa_method("RSA-SHA1", private_key=12345)  # type: ignore[arg-type]


def test_key_pair_must_match() -> None:
    with pytest.raises(KeyFormatError, match="public half"):
        rsa_method("RSA-SHA1", private_key=ours(1024), public_key=ours(2048).public_key)
    method = rsa_method("RSA-SHA1", private_key=ours(1024), public_key=public_pem(crypto_key(1024)))
    assert method.verify(BASE, method.sign(BASE, "", ""), "", "")


def test_encrypted_keys_say_how_to_decrypt() -> None:
    key = crypto_key(1024)
    encryption = serialization.BestAvailableEncryption(b"passphrase")
    for encoding, fmt in (
        (serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8),  # ENCRYPTED PRIVATE KEY
        (serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL),  # Proc-Type
        (serialization.Encoding.DER, serialization.PrivateFormat.PKCS8),  # EncryptedPrivateKeyInfo
    ):
        data = key.private_bytes(encoding, fmt, encryption)
        with pytest.raises(KeyFormatError, match="encrypted.*openssl pkey -in key.pem -out plain.pem"):
            load_private_key(data)
        with pytest.raises(KeyFormatError):
            load_public_key(data)


def test_keys_are_immutable_and_reprs_hold_no_material() -> None:
    private = ours(2048)
    public = private.public_key
    with pytest.raises(AttributeError):
        public.n = 3
    with pytest.raises(AttributeError):
        private._p = 3
    with pytest.raises(AttributeError):
        del public.e
    method = rsa_method("RSA-SHA1", private_key=private)
    with pytest.raises(AttributeError):
        method.name = "HMAC-SHA1"
    text = repr(private) + repr(public) + repr(method) + str(private) + str(method)
    assert "2048 bits" in text
    for secret in (private._p, private._q, private._d, public.n):
        assert str(secret)[:12] not in text and ("%x" % secret)[:12] not in text
    assert public == load_public_key(public_pem(crypto_key(2048))) and hash(public) == hash(private.public_key)
    assert public != ours(1024).public_key


def test_key_checks() -> None:
    numbers = crypto_key(1024).private_numbers()
    good = dict(n=numbers.public_numbers.n, e=numbers.public_numbers.e, d=numbers.d, p=numbers.p, q=numbers.q,
                dp=numbers.dmp1, dq=numbers.dmq1, qinv=numbers.iqmp)
    RsaPrivateKey(**good)
    for name, value in (("n", good["n"] + 2), ("e", 3), ("d", good["d"] + 1), ("dp", good["dp"] + 1),
                        ("dq", good["dq"] - 1), ("qinv", good["qinv"] + 1), ("p", good["q"]), ("q", 1),
                        ("d", 0), ("p", good["n"] * 3), ("qinv", 0)):
        with pytest.raises(KeyFormatError):
            RsaPrivateKey(**dict(good, **{name: value}))
    n = good["n"]
    for bad in (dict(n=n, e=1), dict(n=n, e=2), dict(n=n, e=65536), dict(n=n, e=n), dict(n=n, e=n + 2),
                dict(n=n, e=(1 << 257) + 1), dict(n=n - 1, e=3), dict(n=(1 << 1023) - 1, e=3),
                dict(n=(1 << 16384) + 1, e=3), dict(n=-n, e=3), dict(n=float(n), e=3)):
        with pytest.raises(KeyFormatError):
            RsaPublicKey(**bad)
    RsaPublicKey(n=(1 << 16383) + 1, e=3)  # the largest size accepted
    RsaPublicKey(n=(1 << 1023) + 1, e=(1 << 255) + 1)  # the largest exponent accepted


# --- Signing safeguards ---------------------------------------------------------------------------


def test_faulty_crt_result_never_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    private = load_private_key(pem(crypto_key(1024)))
    method = rsa_method("RSA-SHA1", private_key=private)
    good = method.sign(BASE, "", "")
    object.__setattr__(private, "_dp", private._dp ^ 2)  # a fault in one CRT half (Boneh-DeMillo-Lipton)
    with pytest.raises(RsaFaultError):
        method.sign(BASE, "", "")
    assert not issubclass(RsaFaultError, OAuthError)
    object.__setattr__(private, "_dp", private._dp ^ 2)
    assert method.sign(BASE, "", "") == good


def test_every_signature_is_blinded_with_a_fresh_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: List[int] = []
    real = secrets.randbelow

    def spy(bound: int) -> int:
        drawn.append(real(bound))
        return drawn[-1]

    monkeypatch.setattr(rsa_module, "randbelow", spy)
    method = rsa_method("RSA-SHA256", private_key=ours(2048))
    first, second = method.sign(BASE, "", ""), method.sign(BASE, "", "")
    assert first == second and len(drawn) == 2 and drawn[0] != drawn[1]
    assert all(1 <= r < ours(2048).public_key.n - 2 for r in drawn)


def test_blinding_retries_a_factor_sharing_a_prime(monkeypatch: pytest.MonkeyPatch) -> None:
    private = ours(1024)
    values = iter([private._p - 2, 5])  # r = p is not invertible mod n: drawn again
    monkeypatch.setattr(rsa_module, "randbelow", lambda bound: next(values))
    signature = rsa_method("RSA-SHA1", private_key=private).sign(BASE, "", "")
    assert rsa_method("RSA-SHA1", public_key=private.public_key).verify(BASE, signature, "", "")


# --- Verification refuses forgeries and malformed signatures (RFC 8017 section 8.2.2) ---------------


def integer_cube_root(x: int) -> int:
    root = 1 << ((x.bit_length() + 2) // 3)
    while True:
        better = (2 * root + x // (root * root)) // 3
        if better >= root:
            break
        root = better
    while root**3 > x:
        root -= 1
    while (root + 1) ** 3 <= x:
        root += 1
    return root


@pytest.mark.parametrize("method", RSA_METHODS)
def test_bleichenbacher_e3_garbage_tail_forgery(method: str) -> None:
    key = crypto_key(3072, 3)
    public = ours(3072, 3).public_key
    k = public.length
    message = BASE.encode()
    # 00 01 FF 00 DigestInfo H, then garbage to fill k octets: a parser that stops after the hash
    # accepts any s whose cube starts with these octets, and with e = 3 that s is a cube root.
    prefix = b"\x00\x01\xff\x00" + DIGEST_INFO[method] + HASHLIB[method](message).digest()
    garbage_bits = 8 * (k - len(prefix))
    low = int.from_bytes(prefix, "big") << garbage_bits
    forged = integer_cube_root(low + (1 << garbage_bits) - 1)
    assert low <= forged**3 < low + (1 << garbage_bits) and forged**3 < public.n
    recovered = pow(forged, 3, public.n).to_bytes(k, "big")
    assert recovered.startswith(prefix)  # what a lax verifier would have parsed
    signature = base64.b64encode(forged.to_bytes(k, "big")).decode()
    assert not rsa_method(method, public_key=public).verify(BASE, signature, "", "")
    with pytest.raises(InvalidSignature):
        key.public_key().verify(forged.to_bytes(k, "big"), message, padding.PKCS1v15(), HASHES[method]())
    assert rsa_method(method, public_key=public).verify(BASE, rsa_method(method, private_key=ours(3072, 3)).sign(
        BASE, "", ""), "", "")


@pytest.mark.parametrize("method", RSA_METHODS)
def test_malformed_encodings_are_rejected(method: str) -> None:
    key = crypto_key(2048)
    k = 256
    message = BASE.encode()
    digest = HASHLIB[method](message).digest()
    verifier = rsa_method(method, public_key=public_pem(key))
    t = DIGEST_INFO[method] + digest
    assert verifier.verify(BASE, raw_sign(key, encode(method, message, k)), "", "")  # the control
    other = "RSA-SHA256" if method != "RSA-SHA256" else "RSA-SHA1"
    no_null = DIGEST_INFO[method].replace(b"\x05\x00", b"")
    no_null = bytes([0x30, no_null[1] - 2, 0x30, no_null[3] - 2]) + no_null[4:]
    bad = {
        "short padding, left zeros": b"\x00" * (k - len(t) - 10) + b"\x00\x01" + b"\xff" * 7 + b"\x00" + t,
        "no padding": b"\x00" * (k - len(t) - 3) + b"\x00\x01\x00" + t,
        "a non-FF padding octet": b"\x00\x01" + b"\xff" * 20 + b"\xfe" + b"\xff" * (k - len(t) - 24) + b"\x00" + t,
        "block type 2": b"\x00\x02" + b"\xff" * (k - len(t) - 3) + b"\x00" + t,
        "no leading zero": b"\x01" + b"\xff" * (k - len(t) - 2) + b"\x00" + t,
        "DigestInfo without NULL": b"\x00\x01" + b"\xff" * (k - len(no_null) - len(digest) - 3) + b"\x00" + no_null
        + digest,
        f"{other} DigestInfo": encode(other, message, k),
        "garbage after the hash": b"\x00\x01" + b"\xff" * (k - len(t) - 7) + b"\x00" + t + b"\x00" * 4,
        "no separator": b"\x00\x01" + b"\xff" * (k - len(t) - 2) + t,
        "another message": encode(method, message + b"!", k),
        "a flipped hash bit": encode(method, message, k)[:-1] + bytes([encode(method, message, k)[-1] ^ 1]),
    }
    for label, em in bad.items():
        assert len(em) == k, label
        assert not verifier.verify(BASE, raw_sign(key, em), "", ""), label


def test_out_of_range_and_malformed_signatures_are_rejected() -> None:
    key = crypto_key(2048)
    verifier = rsa_method("RSA-SHA1", public_key=public_pem(key))
    n = key.public_key().public_numbers().n
    good = rsa_method("RSA-SHA1", private_key=ours(2048)).sign(BASE, "", "")
    raw = base64.b64decode(good)
    s = int.from_bytes(raw, "big")
    assert verifier.verify(BASE, good, "", "") and good.endswith("==")

    def b64(value: int, length: int = 256) -> str:
        return base64.b64encode(value.to_bytes(length, "big")).decode()

    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    noncanonical = good[:-3] + alphabet[alphabet.index(good[-3]) | 1] + "=="  # non-zero pad bits
    assert base64.b64decode(noncanonical) == raw  # a lax decoder gives the same octets
    rejected = {
        "s = 0": b64(0),
        "s = 1": b64(1),
        "s = n - 1": b64(n - 1),
        "s = n": b64(n),
        "s = n + 1": b64(n + 1),
        "s = 2^2048 - 1": b64((1 << 2048) - 1),
        "one octet longer": base64.b64encode(b"\x00" + raw).decode(),
        "one octet shorter": base64.b64encode(raw[1:]).decode(),
        "empty": "",
        "missing padding": good.rstrip("="),
        "extra padding": good + "=",
        "embedded newline": good[:64] + "\n" + good[64:-1],
        "embedded space": good[:10] + " " + good[11:],
        "trailing newline": good[:-1] + "\n",
        "url-safe alphabet": good.replace("+", "-").replace("/", "_") if {"+", "/"} & set(good) else "_" + good[1:],
        "invalid character": "*" + good[1:],
        "non-ASCII": "\u00e9" + good[1:],
        "lone surrogate": "\ud800" + good[1:],
        "non-zero pad bits": noncanonical,
        "percent-encoded": good.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),
    }
    for label, signature in rejected.items():
        assert not verifier.verify(BASE, signature, "", ""), label
    assert not verifier.verify("\ud800", good, "", "")


# --- The vector file ----------------------------------------------------------------------------


def test_vector_file_checks_with_cryptography_and_with_us() -> None:
    """vectors/rsa.json: every signature case, checked with the package and independently."""
    document = json.loads(VECTORS.read_text("utf-8"))
    assert document["format"] == 1 and document["source"] and document["cases"]
    ids = [case["id"] for case in document["cases"]]
    assert len(ids) == len(set(ids))
    checked = 0
    for case in document["cases"]:
        inputs, expect = case["input"], case["expect"]
        if case["kind"] == "signature":
            base_string, method = inputs["base_string"], inputs["signature_method"]
        else:
            assert case["kind"] == "request"
            if "signature" not in expect and "base_string" not in expect:
                continue
            base_string, method = expect["base_string"], "RSA-SHA1"
            expect = expect.get("signature")
            if expect is None:
                continue
        public_text = inputs.get("rsa_public_key") or inputs.get("certificate")
        if "rsa_private_key" in inputs:
            private_text = inputs["rsa_private_key"]
            assert rsa_method(method, private_key=private_text).sign(base_string, "", "") == expect
            theirs: Any = serialization.load_pem_private_key(private_text.encode(), None)
            their_signature = theirs.sign(base_string.encode(), padding.PKCS1v15(), HASHES[method]())
            assert base64.b64encode(their_signature).decode() == expect
        if public_text:
            assert rsa_method(method, public_key=public_text).verify(base_string, expect, "", "")
            if "CERTIFICATE" in public_text:
                their_key: Any = x509.load_pem_x509_certificate(public_text.encode()).public_key()
            else:  # PUBLIC KEY or RSA PUBLIC KEY
                their_key = serialization.load_pem_public_key(public_text.encode())
            their_key.verify(base64.b64decode(expect), base_string.encode(), padding.PKCS1v15(), HASHES[method]())
        checked += 1
    assert checked >= 6

