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
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from .base_string import _assemble, _form_items, _item, _items, _signing_uri
from .clock import Clock, NonceSource, generate_nonce, generate_timestamp
from .encoding import percent_encode
from .errors import EncodingError
from .methods import RSA_METHODS, HmacMethod, PlaintextMethod, SignatureMethod, resolve, signing_key
from .parameters import (
    FORM_CONTENT_TYPE,
    Param,
    append_query,
    build_authorization_header,
    encode_form,
    header_value,
    is_form_content_type,
)

__all__ = ["Client", "SignedRequest", "body_hash_value", "PLACEMENTS"]

PLACEMENTS = ("header", "query", "body")

Body = Union[str, bytes, Mapping[str, str], Iterable[Param], None]


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


def _mask(secret: Optional[str]) -> str:
    return "''" if not secret else "'***'"


def _encode_base64(signature: str) -> str:
    """Section 3.6 encoding of base64 text (HMAC and RSA signatures): only "+", "/" and "="
    are not unreserved."""
    return signature.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


class _Template:
    """What a client sends the same in every request, computed once from its arguments.

    ``head`` and ``tail`` are the protocol parameters before and after ``oauth_timestamp`` and
    ``oauth_nonce`` in :meth:`Client.oauth_parameters`, ``items`` their items in the base string
    (:func:`~oauth1core.base_string._item`); ``sign`` signs a base string with the
    client's credentials and ``encode_signature`` encodes its result (section 3.6).
    ``header_parts`` is the Authorization header of section 3.5.1 around the timestamp and
    nonce, built on first use by :meth:`build_header`.
    """

    __slots__ = ("head", "tail", "items", "realm", "sign", "encode_signature", "header_parts")

    def __init__(self, client: "Client") -> None:
        head: List[Param] = [("oauth_consumer_key", client.client_key)]
        if client.token is not None:
            head.append(("oauth_token", client.token))
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
        self.realm = client.realm
        self.header_parts: Optional[Tuple[str, str]] = None
        method = client.method
        self.sign: Callable[[str], str]
        self.encode_signature: Callable[[str], str] = percent_encode
        if isinstance(method, HmacMethod):
            # Section 3.4.2: the key depends on the credentials only.
            self.sign = method.keyed(signing_key(client.client_secret, client.token_secret).encode("utf-8"))
            self.encode_signature = _encode_base64
        elif type(method) is PlaintextMethod:
            # Section 3.4.4: the signature is the key itself, the same for every request.
            signature = method.sign("", client.client_secret, client.token_secret)
            encoded = percent_encode(signature)
            self.sign = lambda base_string: signature
            self.encode_signature = lambda value: encoded if value is signature else percent_encode(value)
        else:
            client_secret, token_secret = client.client_secret, client.token_secret
            self.sign = lambda base_string: method.sign(base_string, client_secret, token_secret)

    def build_header(self) -> Tuple[str, str]:
        """``build_authorization_header(oauth, realm)`` cut where the encoded timestamp and nonce
        of each request go."""
        head = build_authorization_header(self.head, self.realm) + ', oauth_timestamp="'
        tail = "".join(', %s="%s"' % (percent_encode(n), percent_encode(v)) for n, v in self.tail)
        self.header_parts = (head, '"' + tail)
        return self.header_parts


class Client:
    """Signs requests for one set of client (and optionally token) credentials (section 3.1).

    ``signature_method`` is a standard name (``HMAC-SHA1`` the default, ``HMAC-SHA256``,
    ``HMAC-SHA512``, ``PLAINTEXT``, ``RSA-SHA1``, ``RSA-SHA256``, ``RSA-SHA512``) or any object
    implementing :class:`~oauth1core.methods.SignatureMethod`. ``rsa_key`` is always the
    client's *private* key (PEM), for the RSA methods only. ``clock``, ``nonce_source`` and
    ``clock_offset`` make every signature reproducible (section 3.3). Instances are not
    changed by signing; :meth:`replace` returns a copy with other credentials.
    """

    __slots__ = (
        "client_key",
        "client_secret",
        "token",
        "token_secret",
        "method",
        "rsa_key",
        "realm",
        "callback",
        "verifier",
        "placement",
        "body_hash",
        "version",
        "clock",
        "nonce_source",
        "clock_offset",
        "_template",
    )

    def __init__(
        self,
        client_key: str,
        client_secret: str = "",
        *,
        token: Optional[str] = None,
        token_secret: str = "",
        signature_method: Union[str, SignatureMethod] = "HMAC-SHA1",
        rsa_key: Any = None,
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
        if not isinstance(client_key, str) or not isinstance(client_secret, str):
            raise TypeError("client_key and client_secret must be str")
        if placement not in PLACEMENTS:
            raise ValueError("placement must be 'header', 'query' or 'body'")
        if isinstance(signature_method, str):
            if signature_method in RSA_METHODS:
                if rsa_key is None:
                    raise ValueError(f"{signature_method} needs rsa_key, the client's private key (PEM)")
                method = resolve(signature_method, private_key=rsa_key)
            else:
                if rsa_key is not None:
                    raise ValueError("rsa_key is only used by the RSA signature methods")
                method = resolve(signature_method)
        else:
            method = signature_method
        if body_hash and method.body_hash is None:
            raise ValueError(f"the body hash extension is not defined for {method.name}")
        if isinstance(method, HmacMethod):
            signing_key(client_secret, token_secret)  # a secret that is not UTF-8 text is refused here
        self.client_key = client_key
        self.client_secret = client_secret
        self.token = token
        self.token_secret = token_secret
        self.method: SignatureMethod = method
        self.rsa_key = rsa_key
        self.realm = realm
        self.callback = callback
        self.verifier = verifier
        self.placement = placement
        self.body_hash = body_hash
        self.version = version
        self.clock = clock
        self.nonce_source = nonce_source
        self.clock_offset = clock_offset
        self._template: Optional[_Template] = None

    def __setattr__(self, name: str, value: Any) -> None:
        # What is computed once from the arguments (_Template) is computed again after a change.
        object.__setattr__(self, name, value)
        object.__setattr__(self, "_template", None)

    @property
    def signature_method(self) -> str:
        """The ``oauth_signature_method`` value this client sends."""
        return self.method.name

    def replace(self, **changes: Any) -> "Client":
        """A copy with some arguments changed, e.g. ``client.replace(token=t, token_secret=s)``."""
        args: Dict[str, Any] = {
            "client_key": self.client_key,
            "client_secret": self.client_secret,
            "token": self.token,
            "token_secret": self.token_secret,
            "signature_method": self.method,
            "realm": self.realm,
            "callback": self.callback,
            "verifier": self.verifier,
            "placement": self.placement,
            "body_hash": self.body_hash,
            "version": self.version,
            "clock": self.clock,
            "nonce_source": self.nonce_source,
            "clock_offset": self.clock_offset,
        }
        if "rsa_key" in changes and "signature_method" not in changes:
            changes["signature_method"] = self.method.name
        args.update(changes)
        return Client(**args)

    def __repr__(self) -> str:
        return (
            f"Client(client_key={self.client_key!r}, client_secret={_mask(self.client_secret)}, "
            f"token={self.token!r}, token_secret={_mask(self.token_secret)}, "
            f"signature_method={self.method.name!r}, placement={self.placement!r})"
        )

    def _build_template(self) -> _Template:
        template = _Template(self)
        object.__setattr__(self, "_template", template)
        return template

    def oauth_parameters(self, nonce: Optional[str] = None, timestamp: Union[str, int, None] = None) -> List[Param]:
        """The protocol parameters of section 3.1, before the signature, in a readable order."""
        template = self._template or self._build_template()
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
        content_type = new_headers.get("Content-Type") or header_value(new_headers, "Content-Type")
        if body is not None and not isinstance(body, (str, bytes)):
            pairs = list(body.items()) if isinstance(body, Mapping) else list(body)
            body = encode_form(pairs)
            if content_type is None:
                content_type = new_headers["Content-Type"] = FORM_CONTENT_TYPE
            elif not is_form_content_type(content_type):
                raise ValueError("a body of pairs is form-encoded: the Content-Type must be form too")
        placement = self.placement
        is_form = content_type == FORM_CONTENT_TYPE or (content_type is not None and is_form_content_type(content_type))
        if placement == "body":
            # Section 3.5.2: a single-part, form-encoded entity-body of a method that has one.
            if method.upper() in ("GET", "HEAD"):
                raise ValueError("the body placement needs a method with an entity-body (section 3.5.2)")
            if content_type is None:
                content_type = new_headers["Content-Type"] = FORM_CONTENT_TYPE
                is_form = True
            elif not is_form:
                raise ValueError("the body placement needs Content-Type application/x-www-form-urlencoded")

        body_text: Optional[str] = None
        # The signed parameters (section 3.4.1.3.1), as items of the base string
        # (base_string._item): the query's, then the form body's.
        base_uri, encoded_base_uri, query_items = _signing_uri(uri)
        items = list(query_items)
        if is_form and body:
            try:
                body_text = body.decode("utf-8") if isinstance(body, bytes) else body
            except UnicodeDecodeError:
                raise EncodingError("a form-encoded body must be UTF-8 text") from None
            items += _form_items(body_text)

        # The protocol parameters, in the order of oauth_parameters().
        timestamp_text = generate_timestamp(self.clock, self.clock_offset) if timestamp is None else str(timestamp)
        if nonce is None:
            nonce = self.nonce_source()
        body_hash: Optional[str] = None
        if self.body_hash and not is_form:
            algorithm = self.method.body_hash
            assert algorithm is not None  # checked in __init__
            body_hash = body_hash_value(body, algorithm)
        template = self._template or self._build_template()
        oauth = [*template.head, ("oauth_timestamp", timestamp_text), ("oauth_nonce", nonce), *template.tail]
        # The text of an int needs no encoding.
        encoded_timestamp = timestamp_text if timestamp is None or type(timestamp) is int else percent_encode(timestamp_text)
        encoded_nonce = percent_encode(nonce)
        items += template.items
        items.append(_item("oauth_timestamp", encoded_timestamp))
        items.append(_item("oauth_nonce", encoded_nonce))
        encoded_body_hash = ""
        if body_hash is not None:
            oauth.append(("oauth_body_hash", body_hash))
            encoded_body_hash = percent_encode(body_hash)
            items.append(_item("oauth_body_hash", encoded_body_hash))

        base_string = _assemble(method, base_uri, items, encoded_base_uri)
        signature = template.sign(base_string)
        oauth.append(("oauth_signature", signature))

        if placement == "header":
            for name in new_headers:
                if name.lower() == "authorization":  # the caller's, in any case: replaced
                    for stale in [k for k in new_headers if k.lower() == "authorization"]:
                        del new_headers[stale]
                    break
            # build_authorization_header(oauth, self.realm), from the parts computed once.
            header_head, header_tail = template.header_parts or template.build_header()
            header = header_head + encoded_timestamp + '", oauth_nonce="' + encoded_nonce + header_tail
            if body_hash is not None:
                header += ', oauth_body_hash="' + encoded_body_hash + '"'
            new_headers["Authorization"] = header + ', oauth_signature="' + template.encode_signature(signature) + '"'
        elif placement == "query":
            # Section 3.5.3: added to the query, after the existing parameters.
            uri = append_query(uri, oauth)
        else:
            # Section 3.5.2: added to the form-encoded body.
            text = body_text if body_text is not None else (body.decode("utf-8") if isinstance(body, bytes) else body or "")
            text = (text + "&" if text and not text.endswith("&") else text) + encode_form(oauth)
            body = text.encode("utf-8") if isinstance(body, bytes) else text
        return SignedRequest(method, uri, new_headers, body, base_string, signature, oauth)
