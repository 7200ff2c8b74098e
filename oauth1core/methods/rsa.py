"""RSA-SHA1 (RFC 5849 section 3.4.3) and its SHA-256/SHA-512 variants, in pure Python.

The signature is RSASSA-PKCS1-v1_5 (RFC 8017 section 8.2, which obsoletes the RFC 3447 that
section 3.4.3 cites; the algorithm is unchanged) over the UTF-8 octets of the signature base
string, base64-encoded (RFC 2045 section 6.8). RSA-SHA256 and RSA-SHA512 are not in RFC 5849;
they follow the same construction with another hash, as their users define them.

* Keys are read once (:mod:`._der`: PEM or DER, PKCS #1, PKCS #8, SubjectPublicKeyInfo, X.509
  certificates) and checked (RFC 8017 section 3): :func:`load_private_key`,
  :func:`load_public_key`. A private key is never accepted where a public key is expected, nor
  the reverse.
* Signing (RFC 8017 sections 8.2.1, 9.2, 5.2.1) uses the Chinese Remainder Theorem, blinds the
  message with a fresh random factor from :mod:`secrets` for every signature, and checks the
  result with the public key before returning it: a faulty CRT result (which would reveal a
  prime factor) never leaves the process; :class:`RsaFaultError` is raised instead.
* Verification (RFC 8017 section 8.2.2) is encode-then-compare: the signature must be the
  canonical base64 of exactly ``k`` octets, its integer below ``n``; the whole expected encoded
  message is rebuilt and compared with :func:`hmac.compare_digest`. The recovered block is never
  parsed, so Bleichenbacher's 2006 forgeries for ``e = 3`` (garbage after the hash, or short
  padding) cannot verify.

Limits, checked at load: a modulus of :data:`MIN_MODULUS_BITS` (1024) to
:data:`MAX_MODULUS_BITS` (16384) bits; a public exponent that is odd, at least 3 and at most 256
bits (FIPS 186-5's upper bound; the cost of verifying grows with its size). 1024-bit keys are
accepted for the deployed base (the OAuth test-case key is one) though too small for new ones.

Python integers do not run in constant time; blinding keeps the private exponentiation
independent of the message, which is what a remote timing attacker controls. Where side channels
on the signing host matter, plug in a method backed by OpenSSL (the signature method interface of
:mod:`oauth1core.methods` allows it).
"""

from __future__ import annotations

import hashlib
import hmac
from binascii import b2a_base64
from secrets import randbelow
from typing import Any, Callable, Dict, NoReturn, Optional, Tuple, Union

from ..errors import KeyFormatError, SignatureMethodRejected
from ._der import read_private_numbers, read_public_numbers, strict_b64decode

__all__ = ["RsaPublicKey", "RsaPrivateKey", "RsaFaultError", "load_private_key", "load_public_key"]

MIN_MODULUS_BITS = 1024
MAX_MODULUS_BITS = 16384
MAX_EXPONENT_BITS = 256

#: PEM text or DER octets of a key.
KeyData = Union[str, bytes]


class RsaFaultError(RuntimeError):
    """A signature failed its own check with the public key: a computing fault or a corrupted key.

    The signature is discarded (a faulty CRT signature would reveal a prime factor of the key).
    Not an :class:`~oauth1core.errors.OAuthError`: it is a fault of this host, not bad input.
    """


def _frozen(self: object, name: str, value: object = None) -> NoReturn:
    """``__setattr__`` and ``__delattr__`` of the immutable classes below."""
    raise AttributeError(f"{type(self).__name__} is immutable")


class RsaPublicKey:
    """An RSA public key ``(n, e)`` (RFC 8017 section 3.1), checked when built.

    ``n`` is odd, of :data:`MIN_MODULUS_BITS` to :data:`MAX_MODULUS_BITS` bits; ``e`` is odd,
    ``3 <= e < n``, at most :data:`MAX_EXPONENT_BITS` bits. ``size`` is the modulus length in
    bits, ``length`` in octets (``k`` in RFC 8017).
    """

    __slots__ = ("n", "e", "size", "length")
    n: int
    e: int
    size: int
    length: int

    __setattr__ = __delattr__ = _frozen

    def __init__(self, *, n: int, e: int) -> None:
        if type(n) is not int or type(e) is not int:
            raise KeyFormatError("RSA key numbers must be integers")
        size = n.bit_length()
        if not MIN_MODULUS_BITS <= size <= MAX_MODULUS_BITS:
            raise KeyFormatError(
                f"RSA modulus of {size} bits: {MIN_MODULUS_BITS} to {MAX_MODULUS_BITS} bits are accepted"
            )
        if not n & 1:
            raise KeyFormatError("invalid RSA public key: even modulus (RFC 8017 section 3.1)")
        if not (3 <= e < n and e & 1):
            raise KeyFormatError("invalid RSA public key: the exponent must be odd, 3 <= e < n (RFC 8017 3.1)")
        if e.bit_length() > MAX_EXPONENT_BITS:
            raise KeyFormatError(f"RSA public exponent larger than {MAX_EXPONENT_BITS} bits")
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "e", e)
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "length", (size + 7) // 8)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RsaPublicKey):
            return NotImplemented
        return self.n == other.n and self.e == other.e

    def __hash__(self) -> int:
        return hash((self.n, self.e))

    def __repr__(self) -> str:
        return f"<RsaPublicKey {self.size} bits, e={self.e}>"


class RsaPrivateKey:
    """An RSA private key in its CRT form (RFC 8017 section 3.2, second representation).

    Checked when built, cheaply (no primality test): ``n == p * q``; ``e * dP == 1 mod (p - 1)``,
    ``e * dQ == 1 mod (q - 1)``, ``q * qInv == 1 mod p`` (section 3.2); ``d == dP mod (p - 1)``
    and ``d == dQ mod (q - 1)``, so ``e * d == 1 mod lcm(p - 1, q - 1)``. ``public_key`` is its
    :class:`RsaPublicKey`. Its ``repr`` never shows the private numbers.
    """

    __slots__ = ("public_key", "_d", "_p", "_q", "_dp", "_dq", "_qinv")
    public_key: RsaPublicKey
    _d: int
    _p: int
    _q: int
    _dp: int
    _dq: int
    _qinv: int

    __setattr__ = __delattr__ = _frozen

    def __init__(self, *, n: int, e: int, d: int, p: int, q: int, dp: int, dq: int, qinv: int) -> None:
        public = RsaPublicKey(n=n, e=e)
        if any(type(x) is not int for x in (d, p, q, dp, dq, qinv)):
            raise KeyFormatError("RSA key numbers must be integers")
        if not (1 < p < n and 1 < q < n):
            raise KeyFormatError("invalid RSA private key: prime out of range (RFC 8017 section 3.2)")
        if p * q != n:
            raise KeyFormatError("invalid RSA private key: n != p * q (RFC 8017 section 3.2)")
        if not (0 < d < n and 0 < dp < p - 1 and 0 < dq < q - 1 and 0 < qinv < p):
            raise KeyFormatError("invalid RSA private key: exponent or coefficient out of range (RFC 8017 3.2)")
        if e * dp % (p - 1) != 1 or e * dq % (q - 1) != 1 or q * qinv % p != 1:
            raise KeyFormatError("invalid RSA private key: inconsistent CRT values (RFC 8017 section 3.2)")
        if d % (p - 1) != dp or d % (q - 1) != dq:
            raise KeyFormatError("invalid RSA private key: d does not match its CRT exponents (RFC 8017 3.2)")
        for name, value in (("public_key", public), ("_d", d), ("_p", p), ("_q", q), ("_dp", dp), ("_dq", dq),
                            ("_qinv", qinv)):
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"<RsaPrivateKey {self.public_key.size} bits>"

    def _rsasp1(self, m: int) -> int:
        """RSASP1 (RFC 8017 section 5.2.1, step 2.b: the CRT), blinded and checked.

        Blinding (Kocher 1996; the note of RFC 8017 section 5.2.1 and its section 7.1.2 note):
        with a fresh random ``r``, sign ``m * r^e mod n`` and multiply the result by
        ``r^-1 mod n``. Then ``s^e mod n`` must give ``m`` back, or :class:`RsaFaultError`.
        """
        public = self.public_key
        n = public.n
        e = public.e
        p = self._p
        q = self._q
        while True:
            r = randbelow(n - 2) + 2
            try:
                r_inv = pow(r, -1, n)
            except ValueError:  # gcd(r, n) > 1: about 2**-1000; draw again
                continue
            break
        blinded = m * pow(r, e, n) % n
        s1 = pow(blinded, self._dp, p)
        s2 = pow(blinded, self._dq, q)
        s = (s2 + q * ((s1 - s2) * self._qinv % p)) * r_inv % n
        if pow(s, e, n) != m:
            raise RsaFaultError("RSA signature failed its check with the public key; it was discarded")
        return s


# RFC 8017 section 9.2, note 1: the DER of DigestInfo up to the hash value, per hash function.
_DIGEST_INFO: Dict[str, Tuple[Callable[..., Any], bytes]] = {
    "RSA-SHA1": (hashlib.sha1, bytes.fromhex("3021300906052b0e03021a05000414")),
    "RSA-SHA256": (hashlib.sha256, bytes.fromhex("3031300d060960864801650304020105000420")),
    "RSA-SHA512": (hashlib.sha512, bytes.fromhex("3051300d060960864801650304020305000440")),
}
_BODY_HASH = {"RSA-SHA1": "sha1", "RSA-SHA256": "sha256", "RSA-SHA512": "sha512"}


class RsaMethod:
    """An RSA signature method bound to its keys (RFC 5849 section 3.4.3).

    Implements :class:`~oauth1core.methods.SignatureMethod`. ``sign`` needs ``private_key``;
    ``verify`` uses ``public_key``. Both raise :class:`KeyFormatError` when their key is
    missing. The secrets arguments are ignored: RSA signs with the client's key alone.
    The arguments are those of :func:`rsa_method`.
    """

    __slots__ = ("name", "body_hash", "private_key", "public_key", "_hash", "_em_prefix", "_b64_length")
    shared_secret = False
    name: str
    body_hash: Optional[str]
    private_key: Optional[RsaPrivateKey]
    public_key: Optional[RsaPublicKey]
    _hash: Callable[..., Any]
    _em_prefix: bytes
    _b64_length: int

    __setattr__ = __delattr__ = _frozen

    def __init__(
        self,
        name: str,
        *,
        private_key: Union[KeyData, RsaPrivateKey, None] = None,
        public_key: Union[KeyData, RsaPublicKey, None] = None,
    ) -> None:
        if name not in _DIGEST_INFO:
            raise SignatureMethodRejected("unsupported RSA signature method", parameter="oauth_signature_method")
        private = _as_private(private_key)
        public = _as_public(public_key)
        if private is not None:
            if public is None:
                public = private.public_key
            elif private.public_key != public:
                raise KeyFormatError("public_key is not the public half of private_key")
        hash_function, digest_info = _DIGEST_INFO[name]
        em_prefix = b""
        if public is not None:
            # EMSA-PKCS1-v1_5 (RFC 8017 section 9.2): EM = 0x00 || 0x01 || PS || 0x00 || T where T is
            # DigestInfo || H and PS is emLen - tLen - 3 octets 0xff, at least 8 of them (step 3).
            # Everything before H is fixed by the key length and the hash: it is built once.
            t_len = len(digest_info) + hash_function().digest_size
            if public.length < t_len + 11:
                raise KeyFormatError("RSA key too short for this hash (RFC 8017 section 9.2 step 3)")
            em_prefix = b"\x00\x01" + b"\xff" * (public.length - t_len - 3) + b"\x00" + digest_info
        for attribute, value in (
            ("name", name),
            ("body_hash", _BODY_HASH[name]),
            ("private_key", private),
            ("public_key", public),
            ("_hash", hash_function),
            ("_em_prefix", em_prefix),
            ("_b64_length", (public.length + 2) // 3 * 4 if public is not None else 0),
        ):
            object.__setattr__(self, attribute, value)

    def sign(self, base_string: str, client_secret: str, token_secret: str) -> str:
        """RSASSA-PKCS1-V1_5-SIGN (K, M) (RFC 5849 section 3.4.3; RFC 8017 section 8.2.1).

        1. EMSA-PKCS1-v1_5 encoding of M, the base string as UTF-8 (section 9.2).
        2. m = OS2IP(EM); s = RSASP1(K, m) (section 5.2.1: CRT, blinded, checked).
        3. S = I2OSP(s, k), base64-encoded (RFC 2045 section 6.8).
        """
        key = self.private_key
        if key is None:
            raise KeyFormatError(f"{self.name} signing needs the client's RSA private key")
        digest = self._hash(base_string.encode("utf-8")).digest()
        s = key._rsasp1(int.from_bytes(self._em_prefix + digest, "big"))
        return b2a_base64(s.to_bytes(key.public_key.length, "big"), newline=False).decode("ascii")

    def verify(self, base_string: str, signature: str, client_secret: str, token_secret: str) -> bool:
        """RSASSA-PKCS1-V1_5-VERIFY ((n, e), M, S) (RFC 5849 3.4.3; RFC 8017 section 8.2.2).

        ``signature`` is the ``oauth_signature`` value after percent-decoding. It must be the
        canonical base64 (RFC 4648 section 4: no whitespace, padding present) of exactly ``k``
        octets (step 1); ``s = OS2IP(S) < n`` (RSAVP1, section 5.2.2); EM' is rebuilt from M
        (step 3) and compared with ``I2OSP(s^e mod n, k)`` in constant time (step 4). Any
        failure is ``False``.
        """
        key = self.public_key
        if key is None:
            raise KeyFormatError(f"{self.name} verification needs the client's RSA public key")
        if len(signature) != self._b64_length:
            return False
        octets = strict_b64decode(signature)
        k = key.length
        if octets is None or len(octets) != k:
            return False
        try:
            message = base_string.encode("utf-8")
        except UnicodeEncodeError:
            return False
        s = int.from_bytes(octets, "big")
        n = key.n
        if s >= n:
            return False
        recovered = pow(s, key.e, n).to_bytes(k, "big")
        return hmac.compare_digest(recovered, self._em_prefix + self._hash(message).digest())

    def __repr__(self) -> str:
        keys = [label for label, key in (("private", self.private_key), ("public", self.public_key)) if key]
        return f"<signature method {self.name} ({' and '.join(keys) or 'no'} key)>"


def load_private_key(data: KeyData) -> RsaPrivateKey:
    """Read and check an RSA private key: PEM (``RSA PRIVATE KEY``, ``PRIVATE KEY``) or DER.

    RFC 7468 (PEM), RFC 8017 appendix A.1.2 (PKCS #1), RFC 5208 section 5 (PKCS #8), RFC 8017
    section 3.2 (the checks). Raises :class:`KeyFormatError` for anything else: public keys and
    certificates, encrypted keys (with how to decrypt them), malformed or out-of-range keys.
    """
    n, e, d, p, q, dp, dq, qinv = read_private_numbers(data)
    return RsaPrivateKey(n=n, e=e, d=d, p=p, q=q, dp=dp, dq=dq, qinv=qinv)


def load_public_key(data: KeyData) -> RsaPublicKey:
    """Read and check an RSA public key: PEM (``PUBLIC KEY``, ``RSA PUBLIC KEY``, ``CERTIFICATE``) or DER.

    RFC 7468 (PEM), RFC 8017 appendix A.1.1 (PKCS #1), RFC 5280 sections 4.1.2.7 (SPKI) and 4.1
    (the key of a certificate; the certificate itself is not validated). Raises
    :class:`KeyFormatError` for anything else; input holding a private key is always refused.
    """
    n, e = read_public_numbers(data)
    return RsaPublicKey(n=n, e=e)


def _as_private(value: object) -> Optional[RsaPrivateKey]:
    """``private_key`` as given to :class:`RsaMethod`: a key object, PEM or DER, or ``None``."""
    if value is None or isinstance(value, RsaPrivateKey):
        return value
    if isinstance(value, RsaPublicKey):
        raise KeyFormatError("a public key was given as private_key: signing needs the private key")
    if isinstance(value, (str, bytes)):
        return load_private_key(value)
    raise KeyFormatError(f"private_key must be PEM text, DER bytes or an RsaPrivateKey, not {type(value).__name__}")


def _as_public(value: object) -> Optional[RsaPublicKey]:
    """``public_key`` as given to :class:`RsaMethod`: a key object, PEM or DER, or ``None``."""
    if value is None or isinstance(value, RsaPublicKey):
        return value
    if isinstance(value, RsaPrivateKey):
        raise KeyFormatError("a private key was given as public_key: pass its .public_key instead")
    if isinstance(value, (str, bytes)):
        return load_public_key(value)
    raise KeyFormatError(f"public_key must be PEM text, DER bytes or an RsaPublicKey, not {type(value).__name__}")


def rsa_method(
    name: str,
    *,
    private_key: Union[KeyData, RsaPrivateKey, None] = None,
    public_key: Union[KeyData, RsaPublicKey, None] = None,
) -> RsaMethod:
    """The RSA signature method ``name`` bound to its keys (RFC 5849 section 3.4.3).

    ``name`` is ``"RSA-SHA1"``, ``"RSA-SHA256"`` or ``"RSA-SHA512"`` (else
    :class:`SignatureMethodRejected`). ``private_key`` (to sign) and ``public_key`` (to verify:
    a public key or a certificate) are PEM text or bytes, DER bytes, or key objects. With only
    ``private_key``, verification uses its public half; with both, they must be one key pair.
    """
    return RsaMethod(name, private_key=private_key, public_key=public_key)
