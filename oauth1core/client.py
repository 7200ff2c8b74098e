"""The client: sign a request in any placement (RFC 5849 sections 3.1, 3.4, 3.5).

``Client(...).sign(method, uri, headers, body)`` returns a new :class:`SignedRequest`; the
caller's headers and body are never changed. The protocol parameters go in the Authorization
header (section 3.5.1, the default), the form body (3.5.2) or the query (3.5.3).

The OAuth Request Body Hash extension (``body_hash=True``) adds ``oauth_body_hash``, the
base64 hash of the entity-body, to requests whose body is not form-encoded (form bodies are
already signed parameter by parameter, and the extension forbids the hash on them). The hash
algorithm follows the signature method: SHA-1 for HMAC-SHA1 and RSA-SHA1, SHA-256 and SHA-512
for the -SHA256 and -SHA512 methods.
"""

from __future__ import annotations

import hashlib
import time
from binascii import b2a_base64
from collections.abc import Mapping

from .base_string import _assemble, _form_items, _item, _items, _signing_uri
from .clock import generate_nonce, generate_timestamp
from .encoding import percent_encode
from .errors import EncodingError, mask
from .methods import RSA_METHODS, keyed_signer, resolve, signing_key
from .parameters import FORM_CONTENT_TYPE, _header_pieces, append_query, encode_form, header_value, is_form_content_type

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: signing never needs it
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, Iterable, List, Literal, Optional, Tuple, Union

    from .clock import Clock, NonceSource
    from .methods import SignatureMethod
    from .parameters import Param

    #: Where the protocol parameters go: the Authorization header (section 3.5.1), the query
    #: (3.5.3) or the form body (3.5.2).
    Placement = Literal["header", "query", "body"]
    Body = Union[str, bytes, Mapping[str, str], Iterable[Param], None]

__all__ = ["Client", "Credentials", "SignedRequest"]

PLACEMENTS: Tuple[Placement, ...] = ("header", "query", "body")


def body_hash_value(body: Union[str, bytes, None], algorithm: str) -> str:
    """``oauth_body_hash`` (OAuth Request Body Hash, section 3.1): base64 of the hash of the
    entity-body octets (an absent body hashes as the empty string)."""
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = body.encode("utf-8")
    else:
        data = body
    return b2a_base64(hashlib.new(algorithm, data).digest(), newline=False).decode("ascii")


class SignedRequest:
    """A signed request: what to send, and how it was signed.

    ``method``, ``uri``, ``headers`` (a new dict) and ``body`` are what goes on the wire;
    ``base_string``, ``signature`` and ``oauth_params`` (the protocol parameters, signature
    included) are for auditing. ``repr`` shows no header, since a PLAINTEXT signature is a secret.
    """

    __slots__ = ("method", "uri", "headers", "body", "base_string", "signature", "oauth_params")

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Dict[str, str],
        body: Union[str, bytes, None],
        base_string: str,
        signature: str,
        oauth_params: List[Param],
    ) -> None:
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.base_string = base_string
        self.signature = signature
        self.oauth_params = oauth_params

    def __repr__(self) -> str:
        return f"<SignedRequest {self.method} {self.uri.partition('?')[0]}>"


class _Value:
    """An immutable value: its fields, named once in ``_FIELDS``, are set by ``__init__`` and
    never again; equality, hashing and :meth:`replace` derive from them. (Not a :mod:`dataclasses`
    class: that module imports :mod:`inspect`, which would make ``import oauth1core`` half as slow
    again; nor a ``typing.NamedTuple``: signing never imports :mod:`typing`.)"""

    __slots__ = ()
    _FIELDS: Tuple[str, ...] = ()

    def _set(self, values: Tuple[Any, ...]) -> None:
        for name, value in zip(self._FIELDS, values):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: use replace()")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: use replace()")

    def _values(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())


class Credentials(_Value):
    """The credentials a client signs with (RFC 5849 section 1.1): the client credentials, and
    the token credentials (temporary or token, sections 2.1 and 2.3) once it has them.
    Immutable (:meth:`replace` gives a copy); ``repr`` masks the secrets."""

    _FIELDS = ("client_key", "client_secret", "token", "token_secret")
    __slots__ = _FIELDS

    client_key: str
    client_secret: str
    token: Optional[str]
    token_secret: str

    def __init__(self, client_key: str, client_secret: str = "", token: Optional[str] = None,
                 token_secret: str = "") -> None:
        if not isinstance(client_key, str) or not isinstance(client_secret, str):
            raise TypeError("client_key and client_secret must be str")
        self._set((client_key, client_secret, token, token_secret))

    def replace(self, **changes: Any) -> "Credentials":
        """A copy with some fields changed."""
        values = dict(zip(self._FIELDS, self._values()))
        values.update(changes)
        return Credentials(**values)

    def __repr__(self) -> str:
        return (f"Credentials(client_key={self.client_key!r}, client_secret={mask(self.client_secret)}, "
                f"token={self.token!r}, token_secret={mask(self.token_secret)})")


def _method(signature_method: Union[str, SignatureMethod], rsa_key: Any) -> SignatureMethod:
    """The signature method a client signs with (section 3.4): a standard name, resolved
    (``rsa_key`` is the client's private key, for the RSA methods only), or a method object."""
    if not isinstance(signature_method, str):
        return signature_method
    if signature_method in RSA_METHODS:
        if rsa_key is None:
            raise ValueError(f"{signature_method} needs rsa_key, the client's private key (PEM)")
        return resolve(signature_method, private_key=rsa_key)
    if rsa_key is not None:
        raise ValueError("rsa_key is only used by the RSA signature methods")
    return resolve(signature_method)


class _Template:
    """What a client sends the same in every request, computed once from its fields.

    ``head`` and ``tail`` are the protocol parameters before and after ``oauth_timestamp`` and
    ``oauth_nonce`` in :meth:`Client.oauth_parameters`, ``items`` their items in the base string
    (:func:`~oauth1core.base_string._item`); ``header`` and ``header_with_hash`` the
    Authorization header (section 3.5.1) in pieces around each request's timestamp, nonce,
    (body hash) and signature (:func:`~oauth1core.parameters._header_pieces`); ``sign`` signs a
    base string with the client's credentials.
    """

    __slots__ = ("head", "tail", "items", "header", "header_with_hash", "sign")

    def __init__(self, client: "Client") -> None:
        credentials = client.credentials
        head: List[Param] = [("oauth_consumer_key", credentials.client_key)]
        if credentials.token is not None:
            head.append(("oauth_token", credentials.token))
        head.append(("oauth_signature_method", client.method.name))
        tail: List[Param] = []
        if client.version:
            tail.append(("oauth_version", "1.0"))
        if client.callback is not None:
            tail.append(("oauth_callback", client.callback))
        if client.verifier is not None:
            tail.append(("oauth_verifier", client.verifier))
        self.head: Tuple[Param, ...] = tuple(head)
        self.tail: Tuple[Param, ...] = tuple(tail)
        self.items: List[str] = _items(head + tail)
        stamped: List[Tuple[str, Optional[str]]] = [*head, ("oauth_timestamp", None), ("oauth_nonce", None), *tail]
        self.header = _header_pieces(stamped + [("oauth_signature", None)], client.realm)
        self.header_with_hash = _header_pieces(stamped + [("oauth_body_hash", None), ("oauth_signature", None)],
                                               client.realm)
        # Sections 3.4.2 and 3.4.4: the key depends on the credentials only, so a method that can
        # sign with a key prepared once does (the SignatureMethod protocol's optional ``keyed``).
        client_secret, token_secret = credentials.client_secret, credentials.token_secret
        method = client.method
        sign = keyed_signer(method, signing_key(client_secret, token_secret))
        if sign is None:
            sign = lambda base_string: method.sign(base_string, client_secret, token_secret)  # noqa: E731
        self.sign: Callable[[str], str] = sign


class Client(_Value):
    """Signs requests for one set of client (and optionally token) credentials (section 3.1).

    An immutable value: ``credentials`` (:class:`Credentials`), the signature ``method``, what
    every request carries (``realm``, ``callback``, ``verifier``, ``version``), where the
    protocol parameters go (``placement``: ``"header"``, ``"query"`` or ``"body"``),
    ``body_hash``, and the sources that make every signature reproducible (``clock``,
    ``nonce_source``, ``clock_offset``, section 3.3). :meth:`replace` returns a copy with other
    values; values compare equal when their fields do.

    The constructor takes the credentials flat, ``Client(client_key, client_secret, token=...,
    token_secret=...)``, or grouped, ``credentials=Credentials(...)``. ``signature_method`` is a
    standard name (``HMAC-SHA1`` the default, ``HMAC-SHA256``, ``HMAC-SHA512``, ``PLAINTEXT``,
    ``RSA-SHA1``, ``RSA-SHA256``, ``RSA-SHA512``) or any object implementing
    :class:`~oauth1core.methods.SignatureMethod` (``method`` is the same, as an object).
    ``rsa_key`` is always the client's *private* key (PEM), for the RSA methods only.

    The fields are declared once, in ``_FIELDS``; :meth:`replace`, equality and hashing derive
    from them (see :class:`_Value`).
    """

    _FIELDS = ("credentials", "method", "realm", "callback", "verifier", "placement", "body_hash", "version",
               "clock", "nonce_source", "clock_offset")
    __slots__ = _FIELDS + ("_template",)

    credentials: Credentials
    method: SignatureMethod
    realm: Optional[str]
    callback: Optional[str]
    verifier: Optional[str]
    placement: Placement
    body_hash: bool
    version: bool
    clock: Clock
    nonce_source: NonceSource
    clock_offset: int
    _template: _Template

    def __init__(
        self,
        client_key: Optional[str] = None,
        client_secret: str = "",
        *,
        token: Optional[str] = None,
        token_secret: str = "",
        signature_method: Union[str, SignatureMethod] = "HMAC-SHA1",
        rsa_key: Any = None,
        credentials: Optional[Credentials] = None,
        method: Optional[SignatureMethod] = None,
        realm: Optional[str] = None,
        callback: Optional[str] = None,
        verifier: Optional[str] = None,
        placement: str = "header",
        body_hash: bool = False,
        version: bool = True,
        clock: Clock = time.time,
        nonce_source: NonceSource = generate_nonce,
        clock_offset: int = 0,
    ) -> None:
        if credentials is None:
            credentials = Credentials(client_key, client_secret, token, token_secret)  # type: ignore[arg-type]
        elif client_key is not None or client_secret or token is not None or token_secret:
            raise TypeError("give the credentials either flat (client_key...) or as credentials=, not both")
        if method is None:
            method = _method(signature_method, rsa_key)
        if placement not in PLACEMENTS:
            raise ValueError("placement must be 'header', 'query' or 'body'")
        if body_hash and method.body_hash is None:
            raise ValueError(f"the body hash extension is not defined for {method.name}")
        self._set((credentials, method, realm, callback, verifier, placement, body_hash, version, clock, nonce_source,
                   clock_offset))
        # A secret that is not UTF-8 text is refused here, as the template builds the key.
        object.__setattr__(self, "_template", _Template(self))

    @property
    def client_key(self) -> str:
        return self.credentials.client_key

    @property
    def client_secret(self) -> str:
        return self.credentials.client_secret

    @property
    def token(self) -> Optional[str]:
        return self.credentials.token

    @property
    def token_secret(self) -> str:
        return self.credentials.token_secret

    @property
    def signature_method(self) -> str:
        """The ``oauth_signature_method`` value this client sends."""
        return self.method.name

    def replace(self, **changes: Any) -> "Client":
        """A copy with some values changed, e.g. ``client.replace(token=t, token_secret=s)``: any
        field, or a constructor keyword (``client_key``, ``token``, ``signature_method``,
        ``rsa_key``...)."""
        grouped = {name: changes.pop(name) for name in Credentials._FIELDS if name in changes}
        if grouped:
            changes["credentials"] = changes.get("credentials", self.credentials).replace(**grouped)
        if "signature_method" in changes or "rsa_key" in changes:
            changes["method"] = _method(changes.pop("signature_method", self.method.name), changes.pop("rsa_key", None))
        unknown = set(changes).difference(self._FIELDS)
        if unknown:
            raise TypeError(f"Client has no field {sorted(unknown)[0]!r}")
        values = dict(zip(self._FIELDS, self._values()))
        values.update(changes)
        return Client(**values)

    def __repr__(self) -> str:
        credentials = self.credentials
        return (
            f"Client(client_key={credentials.client_key!r}, client_secret={mask(credentials.client_secret)}, "
            f"token={credentials.token!r}, token_secret={mask(credentials.token_secret)}, "
            f"signature_method={self.method.name!r}, placement={self.placement!r})"
        )

    def oauth_parameters(self, nonce: Optional[str] = None, timestamp: Union[str, int, None] = None) -> List[Param]:
        """The protocol parameters of section 3.1, before the signature, in a readable order."""
        template = self._template
        return [
            *template.head,
            ("oauth_timestamp", generate_timestamp(self.clock, self.clock_offset) if timestamp is None else str(timestamp)),
            ("oauth_nonce", self.nonce_source() if nonce is None else nonce),
            *template.tail,
        ]

    def sign(
        self,
        method: str,
        uri: str,
        headers: Optional[Mapping[str, str]] = None,
        body: Body = None,
        *,
        nonce: Optional[str] = None,
        timestamp: Union[str, int, None] = None,
    ) -> SignedRequest:
        """Sign a request (sections 3.1 to 3.5) and return it as a new :class:`SignedRequest`.

        ``body`` is str or bytes (sent as given), or a mapping or list of pairs, which is
        form-encoded. Its parameters are signed when the Content-Type is
        ``application/x-www-form-urlencoded`` (section 3.4.1.3.1); a pair body without a
        Content-Type gets that one. ``nonce`` and ``timestamp`` override the client's sources.
        """
        new_headers: Dict[str, str] = dict(headers) if headers else {}
        body, is_form, body_text = self._prepare_body(method, new_headers, body)
        timestamp_text = generate_timestamp(self.clock, self.clock_offset) if timestamp is None else str(timestamp)
        # The text of an int needs no encoding.
        encoded_timestamp = timestamp_text if timestamp is None or type(timestamp) is int else percent_encode(timestamp_text)
        if nonce is None:
            nonce = self.nonce_source()
        template = self._template
        oauth = [*template.head, ("oauth_timestamp", timestamp_text), ("oauth_nonce", nonce), *template.tail]
        # This request's protocol parameters, encoded (section 3.6), and their items.
        encoded = [encoded_timestamp, percent_encode(nonce)]
        items = [_item("oauth_timestamp", encoded[0]), _item("oauth_nonce", encoded[1])]
        if self.body_hash and not is_form:
            algorithm = self.method.body_hash
            assert algorithm is not None  # checked when built
            body_hash = body_hash_value(body, algorithm)
            oauth.append(("oauth_body_hash", body_hash))
            encoded.append(percent_encode(body_hash))
            items.append(_item("oauth_body_hash", encoded[2]))
        base_string = self._base_string(method, uri, body_text, items)
        signature = template.sign(base_string)
        oauth.append(("oauth_signature", signature))
        if self.placement == "header":
            encoded.append(percent_encode(signature))
            _set_authorization(new_headers, template, encoded)
        elif self.placement == "query":
            # Section 3.5.3: added to the query, after the existing parameters.
            uri = append_query(uri, oauth)
        else:
            body = _append_form(body, body_text, oauth)
        return SignedRequest(method, uri, new_headers, body, base_string, signature, oauth)

    def _prepare_body(
        self, method: str, headers: Dict[str, str], body: Body
    ) -> Tuple[Union[str, bytes, None], bool, Optional[str]]:
        """The body as sent (pairs form-encoded, section 3.5.2), whether it is form-encoded
        (section 3.4.1.3.1) and then its text; the Content-Type set in ``headers`` where the
        body or the body placement makes it form."""
        content_type = headers.get("Content-Type") or header_value(headers, "Content-Type")
        if body is not None and not isinstance(body, (str, bytes)):
            pairs = list(body.items()) if isinstance(body, Mapping) else list(body)
            body = encode_form(pairs)
            if content_type is None:
                content_type = headers["Content-Type"] = FORM_CONTENT_TYPE
            elif not is_form_content_type(content_type):
                raise ValueError("a body of pairs is form-encoded: the Content-Type must be form too")
        is_form = content_type == FORM_CONTENT_TYPE or (content_type is not None and is_form_content_type(content_type))
        if self.placement == "body":
            # Section 3.5.2: a single-part, form-encoded entity-body of a method that has one.
            if method.upper() in ("GET", "HEAD"):
                raise ValueError("the body placement needs a method with an entity-body (section 3.5.2)")
            if content_type is None:
                headers["Content-Type"] = FORM_CONTENT_TYPE
                is_form = True
            elif not is_form:
                raise ValueError("the body placement needs Content-Type application/x-www-form-urlencoded")
        return body, is_form, _form_text(body) if is_form and body else None

    def _base_string(self, method: str, uri: str, body_text: Optional[str], stamp_items: List[str]) -> str:
        """Section 3.4.1.1 over the signed parameters (3.4.1.3.1), as items of the base string:
        the query's, the form body's, then the protocol parameters (the template's and this
        request's ``stamp_items``)."""
        base_uri, encoded_base_uri, query_items = _signing_uri(uri)
        items = list(query_items)
        if body_text:
            items += _form_items(body_text)
        items += self._template.items
        items += stamp_items
        return _assemble(method, base_uri, items, encoded_base_uri)


def _form_text(body: Union[str, bytes, None]) -> str:
    """A form-encoded body as text (section 3.4.1.3.1: UTF-8)."""
    try:
        return body.decode("utf-8") if isinstance(body, bytes) else body or ""
    except UnicodeDecodeError:
        raise EncodingError("a form-encoded body must be UTF-8 text") from None


def _set_authorization(headers: Dict[str, str], template: _Template, encoded: List[str]) -> None:
    """Section 3.5.1: the Authorization header, replacing the caller's in any case: the
    template's pieces filled in with this request's encoded timestamp, nonce, body hash (when
    sent) and signature."""
    for name in headers:
        if name.lower() == "authorization":
            for stale in [k for k in headers if k.lower() == "authorization"]:
                del headers[stale]
            break
    if len(encoded) == 3:
        p = template.header
        header = p[0] + encoded[0] + p[1] + encoded[1] + p[2] + encoded[2] + p[3]
    else:
        p = template.header_with_hash
        header = p[0] + encoded[0] + p[1] + encoded[1] + p[2] + encoded[2] + p[3] + encoded[3] + p[4]
    headers["Authorization"] = header


def _append_form(body: Union[str, bytes, None], body_text: Optional[str], oauth: List[Param]) -> Union[str, bytes]:
    """Section 3.5.2: the protocol parameters added to the form-encoded body, after its own."""
    text = body_text if body_text is not None else _form_text(body)
    text = (text + "&" if text and not text.endswith("&") else text) + encode_form(oauth)
    return text.encode("utf-8") if isinstance(body, bytes) else text
