"""Signature methods (RFC 5849 section 3.4): the one extension point.

A signature method is any object with this small interface (:class:`SignatureMethod`):

* ``name``: the ``oauth_signature_method`` value, e.g. ``"HMAC-SHA1"``;
* ``body_hash``: the :mod:`hashlib` name the OAuth Request Body Hash extension uses with this
  method (``"sha1"`` for the SHA-1 methods, ``"sha256"``/``"sha512"`` for the others), or
  ``None`` where it is undefined (PLAINTEXT);
* ``shared_secret``: ``True`` when the method signs with the client and token secrets (HMAC,
  PLAINTEXT), ``False`` when it signs with a key of its own (RSA);
* ``sign(base_string, client_secret, token_secret) -> str``: the ``oauth_signature`` value
  before percent-encoding;
* ``verify(base_string, signature, client_secret, token_secret) -> bool``: recompute and compare
  in constant time;
* optionally, ``keyed(key) -> sign``: for a method whose signature depends on the credentials
  only through the signing key of sections 3.4.2 and 3.4.4 (:func:`signing_key`), a function
  signing base strings with that key, prepared once (:class:`KeyedMethod`). A client signing many
  requests, and the audit tools trying keys of their own, use it where a method has it
  (:func:`keyed_signer`); other methods are called through ``sign``.

The HMAC and PLAINTEXT methods are stateless singletons. RSA methods (section 3.4.3) are objects
bound to a key, built by :func:`resolve` (or :mod:`oauth1core.methods.rsa`) so importing this
package loads no RSA code. A method backed by another library (OpenSSL through
``cryptography``, say) plugs in by implementing the same interface; none is required.

There is no global registry: :func:`resolve` maps the seven standard names, and callers that
want another method pass the object itself.
"""

from __future__ import annotations

import hashlib as _hashlib
import hmac as _hmac
from binascii import b2a_base64
from ..encoding import percent_encode
from ..errors import SignatureMethodRejected

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: signing never needs it
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Optional, Protocol, Tuple
else:
    # At run time the protocols below are plain classes (nothing checks them with isinstance):
    # signing never imports typing.
    Protocol = object

__all__ = ["SignatureMethod", "KeyedMethod", "HMAC_SHA1", "HMAC_SHA256", "HMAC_SHA512", "PLAINTEXT", "resolve"]

STANDARD_METHODS: Tuple[str, ...] = (
    "HMAC-SHA1",
    "HMAC-SHA256",
    "HMAC-SHA512",
    "PLAINTEXT",
    "RSA-SHA1",
    "RSA-SHA256",
    "RSA-SHA512",
)
RSA_METHODS: Tuple[str, ...] = ("RSA-SHA1", "RSA-SHA256", "RSA-SHA512")


class SignatureMethod(Protocol):
    """The interface every signature method implements (RFC 5849 section 3.4)."""

    @property
    def name(self) -> str: ...

    @property
    def body_hash(self) -> Optional[str]: ...

    @property
    def shared_secret(self) -> bool: ...

    def sign(self, base_string: str, client_secret: str, token_secret: str) -> str: ...

    def verify(self, base_string: str, signature: str, client_secret: str, token_secret: str) -> bool: ...


class KeyedMethod(Protocol):
    """The optional part of the interface: signing with a key prepared once (sections 3.4.2, 3.4.4)."""

    def keyed(self, key: str) -> Callable[[str], str]: ...


def keyed_signer(method: SignatureMethod, key: str) -> Optional[Callable[[str], str]]:
    """``method.keyed(key)`` when the method has it (:class:`KeyedMethod`), else ``None``: the
    method signs with a key of its own (RSA) and is called through ``sign``."""
    keyed: Optional[Callable[[str], Callable[[str], str]]] = getattr(method, "keyed", None)
    return None if keyed is None else keyed(key)


def signing_key(client_secret: str, token_secret: str) -> str:
    """The key of HMAC-SHA1 and PLAINTEXT (RFC 5849 sections 3.4.2 and 3.4.4).

    1. The client shared-secret, after being encoded (section 3.6).
    2. An "&" character (ASCII code 38), which MUST be included even when either secret is empty.
    3. The token shared-secret, after being encoded (section 3.6).
    """
    return percent_encode(client_secret) + "&" + percent_encode(token_secret)


# RFC 2104 section 2: every octet of the padded key XORed with ipad (0x36) or opad (0x5C).
_IPAD = bytes(octet ^ 0x36 for octet in range(256))
_OPAD = bytes(octet ^ 0x5C for octet in range(256))


class HmacMethod:
    """HMAC-SHA1 (RFC 5849 section 3.4.2) and its SHA-256/SHA-512 variants.

    The signature is ``base64(HMAC(key, base_string))`` where the key is :func:`signing_key`
    and the text is the signature base string (section 3.4.1), both as UTF-8 octets.
    HMAC-SHA256 and HMAC-SHA512 are not in RFC 5849; they follow the same construction with
    another digest, as their users (NetSuite, Garmin, Magento) and peers define them.
    """

    __slots__ = ("name", "digest", "body_hash")
    shared_secret = True

    def __init__(self, name: str, digest: str) -> None:
        self.name = name
        self.digest = digest
        self.body_hash: Optional[str] = digest

    def _signature_octets(self, key: bytes, base_string: str) -> bytes:
        """Section 3.4.2: base64 of ``HMAC(key, text)``, as ASCII octets."""
        return b2a_base64(_hmac.digest(key, base_string.encode("utf-8"), self.digest), newline=False)

    def keyed(self, key: str) -> Callable[[str], str]:
        """A function signing base strings with ``key`` (:func:`signing_key`, or any key text),
        for a client that signs many requests with the same credentials. Section 3.4.2.

        HMAC (RFC 2104 section 2) is ``H(K ^ opad, H(K ^ ipad, text))``, ``K`` the key padded
        with zeros to the hash's block size (hashed first when longer). The two hash states
        after ``K ^ ipad`` and ``K ^ opad`` depend on the key only: they are computed here once,
        and each signature copies them instead of keying HMAC again.
        """
        octets = key.encode("utf-8")
        inner = _hashlib.new(self.digest)
        block_size = inner.block_size
        if len(octets) > block_size:
            octets = _hashlib.new(self.digest, octets).digest()
        octets = octets.ljust(block_size, b"\0")
        inner.update(octets.translate(_IPAD))
        outer = _hashlib.new(self.digest, octets.translate(_OPAD))

        def sign(base_string: str) -> str:
            inner_hash = inner.copy()
            inner_hash.update(base_string.encode("utf-8"))
            outer_hash = outer.copy()
            outer_hash.update(inner_hash.digest())
            return b2a_base64(outer_hash.digest(), newline=False).decode("ascii")

        return sign

    def sign(self, base_string: str, client_secret: str, token_secret: str) -> str:
        """Section 3.4.2: ``digest = HMAC(key, text)``, then base64 (RFC 2045 section 6.8)."""
        return self._signature_octets(signing_key(client_secret, token_secret).encode("utf-8"), base_string).decode("ascii")

    def verify(self, base_string: str, signature: str, client_secret: str, token_secret: str) -> bool:
        """Section 3.2: recompute the signature and compare it in constant time."""
        expected = self._signature_octets(signing_key(client_secret, token_secret).encode("utf-8"), base_string)
        return _hmac.compare_digest(expected, signature.encode("utf-8", "surrogatepass"))

    def __repr__(self) -> str:
        return f"<signature method {self.name}>"


class PlaintextMethod:
    """PLAINTEXT (RFC 5849 section 3.4.4): the signature is the key itself.

    It is sent as is, so it MUST only be used over a transport that protects it (TLS); the
    provider refuses it unless enabled, and then only over https.
    """

    __slots__ = ()
    name = "PLAINTEXT"
    body_hash: Optional[str] = None
    shared_secret = True

    def sign(self, base_string: str, client_secret: str, token_secret: str) -> str:
        """Section 3.4.4: ``oauth_signature`` is the encoded client secret, "&", the encoded token secret."""
        return signing_key(client_secret, token_secret)

    def keyed(self, key: str) -> Callable[[str], str]:
        """Section 3.4.4: the signature is ``key`` whatever the base string."""
        return lambda base_string: key

    def verify(self, base_string: str, signature: str, client_secret: str, token_secret: str) -> bool:
        """Section 3.2: compare the received value with the key in constant time."""
        expected = signing_key(client_secret, token_secret)
        return _hmac.compare_digest(expected.encode("utf-8"), signature.encode("utf-8", "surrogatepass"))

    def __repr__(self) -> str:
        return "<signature method PLAINTEXT>"


HMAC_SHA1 = HmacMethod("HMAC-SHA1", "sha1")
HMAC_SHA256 = HmacMethod("HMAC-SHA256", "sha256")
HMAC_SHA512 = HmacMethod("HMAC-SHA512", "sha512")
PLAINTEXT = PlaintextMethod()

_SHARED_SECRET_METHODS = {m.name: m for m in (HMAC_SHA1, HMAC_SHA256, HMAC_SHA512)}
_SHARED_SECRET_METHODS_ANY: "dict[str, Any]" = dict(_SHARED_SECRET_METHODS)
_SHARED_SECRET_METHODS_ANY["PLAINTEXT"] = PLAINTEXT


def resolve(name: str, *, private_key: Any = None, public_key: Any = None) -> SignatureMethod:
    """The signature method called ``name`` (RFC 5849 section 3.4).

    HMAC and PLAINTEXT need no key. The RSA methods (section 3.4.3) need ``private_key`` to sign
    or ``public_key`` (a public key or a certificate) to verify: a PEM string or a key object
    of :mod:`oauth1core.methods.rsa`; their code is imported on first use only.
    Raises :class:`SignatureMethodRejected` for any other name (names are case-sensitive).
    """
    method = _SHARED_SECRET_METHODS_ANY.get(name)
    if method is not None:
        return method  # type: ignore[no-any-return]
    if name in RSA_METHODS:
        from .rsa import rsa_method

        return rsa_method(name, private_key=private_key, public_key=public_key)
    raise SignatureMethodRejected(_unsupported(name), parameter="oauth_signature_method")


def _unsupported(name: object) -> str:
    """The error for an unknown method name: the value (cut at 40 characters), the supported
    names, and the one meant when only the case differs. Names match exactly (RFC 5849 section
    3.4 writes them upper case; oauthlib, Authlib and our server compare them exactly, so a
    client that sent ``hmac-sha1`` would be refused everywhere): we say so rather than fold case."""
    text = str(name)
    shown = repr(text) if len(text) <= 40 else repr(text[:40]) + "..."
    message = f"unsupported signature method {shown}; supported: {', '.join(STANDARD_METHODS)}"
    meant = next((known for known in STANDARD_METHODS if known.lower() == text.strip().lower()), None)
    if meant is not None:
        message += f" (names are case-sensitive: {meant!r}?)"
    return message
