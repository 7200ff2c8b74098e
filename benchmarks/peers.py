"""The implementations measured: oauth1core, the floors, and every installed peer.

Each maker takes a workload and returns a :class:`~timing.Case` (one call = one operation,
through the library's public API, on inputs built beforehand), or ``None`` when the library
cannot do that operation (a signature method it lacks, no body hash, no provider). Before it is
timed, every case is checked: what a signer produces must verify with oauth1core (and match the
published signature when the workload has one and the library sends the same parameters);
a verifier must accept the request and reject it once a character of the signature changes.
A case that fails its check is reported as an error, never timed.

Operations:

* ``sign``: produce the signed request (the Authorization header) from the request as the
  application holds it: method, URI, headers, body. The workload's nonce and timestamp are
  passed in (or patched into the library's generator where it takes none: Authlib, rauth).
* ``verify``: stateless verification of the request as it arrives (method, URI, headers,
  body): header parse, base string, signature check; the secrets are known.
* ``provider``: full verification by a provider: consumer and token looked up, timestamp window,
  signature, and the nonce recorded in an in-memory store. Every call verifies a different
  request (a pool signed beforehand with fresh nonces and the current time; a new store before
  each sample), since a replayed nonce is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sys
import time
from binascii import b2a_base64
from typing import Any, Callable, Dict, List, Optional, Tuple

from .timing import Case
from .workloads import FORM, Workload

__all__ = ["PEERS", "Request", "ours_sign", "ours_verify", "ours_provider", "floor_hmac", "rsa_key", "CheckFailed"]

#: A request as it arrives at a server: method, URI, headers, body.
Request = Tuple[str, str, Dict[str, str], Optional[str]]


class CheckFailed(Exception):
    """A case did not do what it is supposed to: it is not timed."""


_HASHES = {"HMAC-SHA1": "sha1", "HMAC-SHA256": "sha256", "HMAC-SHA512": "sha512"}


# -- keys -------------------------------------------------------------------------------------

_KEY: Dict[str, Any] = {}


def rsa_key() -> Any:
    """The 2048-bit benchmark key (bench_rsa.make_key: seeded, NOT for real use)."""
    if "key" not in _KEY:
        from .bench_rsa import make_key

        _KEY["key"] = make_key(2048)
    return _KEY["key"]


def _rsa_pems() -> Tuple[str, str]:
    """The benchmark key as PEM (private PKCS #8, public SPKI), for peers that take PEM; needs
    ``cryptography``."""
    if "pem" not in _KEY:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa

        key = rsa_key()
        n, e = key.public_key.n, key.public_key.e
        numbers = crypto_rsa.RSAPrivateNumbers(
            key._p, key._q, key._d, key._dp, key._dq, key._qinv, crypto_rsa.RSAPublicNumbers(e, n)
        )
        private = numbers.private_key()
        _KEY["pem"] = (
            private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode(),
            private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode(),
        )
    return _KEY["pem"]


# -- oauth1core -------------------------------------------------------------------------------


def _client(w: Workload, **extra: Any) -> Any:
    from oauth1core import Client

    rsa = w.signature_method.startswith("RSA-")
    return Client(
        w.consumer_key,
        "" if rsa else w.consumer_secret,
        token=w.token,
        token_secret="" if rsa else w.token_secret,
        signature_method=w.signature_method,
        rsa_key=rsa_key() if rsa else None,
        realm=w.realm,
        version=w.version,
        body_hash=w.body_hash,
        **extra,
    )


def signed_request(w: Workload, *, nonce: Optional[str] = None, timestamp: Optional[int] = None,
                   uri: Optional[str] = None) -> Request:
    """The workload signed by oauth1core (its published nonce and timestamp by default)."""
    signed = _client(w).sign(
        w.method, uri or w.uri, w.headers, w.body,
        nonce=w.nonce if nonce is None else nonce,
        timestamp=w.timestamp if timestamp is None else timestamp,
    )
    assert isinstance(signed.body, (str, type(None)))
    return signed.method, signed.uri, signed.headers, signed.body


def ours_sign(w: Workload, uris: Optional[List[str]] = None) -> Case:
    client = _client(w)
    method, headers, body, nonce, timestamp = w.method, w.headers, w.body, w.nonce, w.timestamp
    if uris is None:
        uri = w.uri
        return Case("oauth1core", lambda: client.sign(method, uri, headers, body, nonce=nonce, timestamp=timestamp))
    cycle = _Cycle(uris)
    return Case("oauth1core", lambda: client.sign(method, cycle(), headers, body, nonce=nonce, timestamp=timestamp))


def ours_sign_fresh(w: Workload) -> Case:
    """oauth1core with its own nonce (``secrets``) and clock: what an application does."""
    client = _client(w)
    method, uri, headers, body = w.method, w.uri, w.headers, w.body
    return Case("oauth1core, own nonce+clock", lambda: client.sign(method, uri, headers, body))


def ours_verify(w: Workload, requests: List[Request]) -> Case:
    from oauth1core import verify_request

    rsa = w.signature_method.startswith("RSA-")
    secrets = {} if rsa else {"client_secret": w.consumer_secret, "token_secret": w.token_secret}
    public = rsa_key().public_key if rsa else None
    if len(requests) == 1:
        method, uri, headers, body = requests[0]
        return Case("oauth1core", lambda: verify_request(method, uri, headers, body, rsa_public_key=public, **secrets))
    cycle = _Cycle(requests)

    def call() -> Any:
        method, uri, headers, body = cycle()
        return verify_request(method, uri, headers, body, rsa_public_key=public, **secrets)

    return Case("oauth1core", call)


def _check_ours_verify(w: Workload, request: Request) -> None:
    from oauth1core import OAuthError, verify_request

    rsa = w.signature_method.startswith("RSA-")
    secrets = {} if rsa else {"client_secret": w.consumer_secret, "token_secret": w.token_secret}
    public = rsa_key().public_key if rsa else None
    method, uri, headers, body = request
    try:
        verify_request(method, uri, headers, body, rsa_public_key=public, **secrets)
    except OAuthError as exc:
        raise CheckFailed(f"the request does not verify with oauth1core: {exc}") from None


class _Cycle:
    """Hands out the items of a list in turn."""

    def __init__(self, items: List[Any]) -> None:
        self.items = items
        self.index = 0

    def __call__(self) -> Any:
        index = self.index
        self.index = index + 1 if index + 1 < len(self.items) else 0
        return self.items[index]


class _Pool:
    """Requests signed beforehand with fresh nonces and the current time, handed out in turn;
    ``reset`` starts again (with a fresh nonce store, done by the caller)."""

    def __init__(self, w: Workload, size: int, uris: Optional[List[str]] = None) -> None:
        from oauth1core.clock import generate_nonce

        now = int(time.time())
        self.requests = [
            signed_request(w, nonce=generate_nonce(), timestamp=now, uri=uris[i % len(uris)] if uris else None)
            for i in range(size)
        ]
        self.index = 0

    def next(self) -> Request:
        request = self.requests[self.index]
        self.index += 1
        return request


def ours_provider(w: Workload, pool: _Pool) -> Case:
    from oauth1core.server import Consumer, Provider
    from oauth1core.stores import TokenRecord
    from oauth1core.stores.memory import MemoryStore
    from oauth1core.tokens import TokenState

    rsa = w.signature_method.startswith("RSA-")
    consumer = Consumer(
        w.consumer_key,
        None if rsa else w.consumer_secret,
        rsa_public_key=rsa_key().public_key if rsa else None,
        signature_methods=[w.signature_method],
    )
    state: Dict[str, Any] = {}

    def reset() -> None:
        store = MemoryStore()
        store.add_token(TokenRecord(token=w.token, secret="" if rsa else w.token_secret, consumer_key=w.consumer_key,
                                    state=TokenState.ACTIVE, created_at=time.time(), expires_at=None, user="jane"))
        state["provider"] = Provider({w.consumer_key: consumer}, store)
        pool.index = 0

    def call() -> Any:
        method, uri, headers, body = pool.next()
        return state["provider"].verify_request(method, uri, headers, body)

    reset()
    call()  # check: a signed request verifies
    reset()
    return Case("oauth1core", call, reset=reset, max_number=len(pool.requests))


# -- floors ---------------------------------------------------------------------------------


def floor_hmac(base_string: str, key: str, digest: str = "sha1") -> Case:
    """``hmac.digest`` and base64 over the precomputed base string: what any signer must do."""
    data = base_string.encode("utf-8")
    key_bytes = key.encode("utf-8")
    return Case("floor", lambda: b2a_base64(hmac.digest(key_bytes, data, digest), newline=False),
                note=f"hmac.digest({digest}) + base64")


def floor_rsa_sign(base_string: str, method: str) -> Case:
    """The two half-size exponentiations of a CRT signature, ``pow(m, dP, p)`` and ``pow(m, dQ, q)``."""
    key = rsa_key()
    m = int.from_bytes(hashlib.new(_rsa_hash(method), base_string.encode()).digest(), "big") | (1 << 2000)
    p, q, dp, dq = key._p, key._q, key._dp, key._dq
    return Case("floor", lambda: (pow(m, dp, p), pow(m, dq, q)), note="2 CRT pow()")


def floor_rsa_verify(signature_b64: str) -> Case:
    key = rsa_key()
    s = int.from_bytes(base64.b64decode(signature_b64), "big")
    n, e = key.public_key.n, key.public_key.e
    return Case("floor", lambda: pow(s, e, n), note="pow(s, 65537, n)")


def _rsa_hash(method: str) -> str:
    return {"RSA-SHA1": "sha1", "RSA-SHA256": "sha256", "RSA-SHA512": "sha512"}[method]


# -- peers ------------------------------------------------------------------------------------


class Peer:
    """A peer library: its name, how to import it, and its cases (``None``: not supported)."""

    name = ""
    module = ""

    def version(self) -> Optional[str]:
        try:
            from importlib.metadata import version

            return version(self.distribution)
        except Exception:
            return None

    distribution = ""

    def available(self) -> bool:
        try:
            __import__(self.module)
        except Exception:
            return False
        return True

    def sign(self, w: Workload) -> Optional[Tuple[Callable[[], Any], Callable[[Any], Request]]]:
        """``(call, to_request)``: the timed call, and how to read the request it produced."""
        return None

    def verify(self, w: Workload, request: Request) -> Optional[Callable[[Request], bool]]:
        """A function verifying a request (``True``/``False``; the case times it on one)."""
        return None

    def provider(self, w: Workload, pool: _Pool) -> Optional[Case]:
        return None


class OAuthlib(Peer):
    name = "oauthlib"
    module = "oauthlib.oauth1"
    distribution = "oauthlib"

    def _methods(self) -> Tuple[str, ...]:
        return ("HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "PLAINTEXT")  # RSA needs PyJWT

    def sign(self, w: Workload) -> Optional[Tuple[Callable[[], Any], Callable[[Any], Request]]]:
        if w.signature_method not in self._methods() or w.body_hash:
            return None
        from oauthlib.oauth1 import Client

        client = Client(w.consumer_key, client_secret=w.consumer_secret, resource_owner_key=w.token,
                        resource_owner_secret=w.token_secret, signature_method=w.signature_method,
                        realm=w.realm, nonce=w.nonce, timestamp=str(w.timestamp))
        method, uri, headers, body = w.method, w.uri, w.headers, w.body

        def to_request(result: Any) -> Request:
            return method, result[0], result[1], result[2]

        return (lambda: client.sign(uri, method, body, headers)), to_request

    def _validator(self, w: Workload, nonces: Optional[set] = None) -> Any:  # type: ignore[type-arg]
        from oauthlib.oauth1 import RequestValidator

        methods = (w.signature_method,)

        class Validator(RequestValidator):  # type: ignore[misc]
            enforce_ssl = False
            allowed_signature_methods = methods
            timestamp_lifetime = 600 if nonces is not None else 10**10
            dummy_client = "dummy-client"
            dummy_access_token = "dummy-token"
            nonce_length = (4, 64)
            safe_characters = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

            def check_client_key(self, key: str) -> bool:
                return True

            def check_access_token(self, token: str) -> bool:
                return True

            def check_nonce(self, nonce: str) -> bool:
                return True

            def validate_client_key(self, key: str, request: Any) -> bool:
                return key == w.consumer_key

            def validate_access_token(self, key: str, token: str, request: Any) -> bool:
                return key == w.consumer_key and token == w.token

            def validate_realms(self, *args: Any, **kwargs: Any) -> bool:
                return True

            def validate_timestamp_and_nonce(self, key: str, timestamp: str, nonce: str, request: Any,
                                             request_token: Any = None, access_token: Any = None) -> bool:
                if nonces is None:
                    return True
                entry = (key, access_token or "", nonce)
                if entry in nonces:
                    return False
                nonces.add(entry)
                return True

            def get_client_secret(self, key: str, request: Any) -> str:
                return w.consumer_secret

            def get_access_token_secret(self, key: str, token: str, request: Any) -> str:
                return w.token_secret

        return Validator()

    def verify(self, w: Workload, request: Request) -> Optional[Callable[[Request], bool]]:
        if w.signature_method not in self._methods():
            return None
        if len(str(w.timestamp)) != 10:
            raise CheckFailed("oauthlib refuses the request: it wants a 10-digit oauth_timestamp "
                              "(RFC 5849's example has 9)")
        from oauthlib.oauth1 import SignatureOnlyEndpoint

        endpoint = SignatureOnlyEndpoint(self._validator(w))

        def verify(r: Request) -> bool:
            return bool(endpoint.validate_request(r[1], r[0], r[3], r[2])[0])

        return verify

    def provider(self, w: Workload, pool: _Pool) -> Optional[Case]:
        if w.signature_method not in self._methods():
            return None
        from oauthlib.oauth1 import ResourceEndpoint

        nonces: set = set()  # type: ignore[type-arg]
        endpoint = ResourceEndpoint(self._validator(w, nonces))

        def reset() -> None:
            nonces.clear()
            pool.index = 0

        def call() -> Any:
            method, uri, headers, body = pool.next()
            valid, _ = endpoint.validate_protected_resource_request(uri, method, body, headers)
            if not valid:
                raise CheckFailed("oauthlib refused a valid request")
            return valid

        reset()
        call()
        reset()
        return Case("oauthlib", call, reset=reset, max_number=len(pool.requests),
                    note="ResourceEndpoint, nonces in a set")


class RequestsOAuthlib(Peer):
    name = "requests-oauthlib"
    module = "requests_oauthlib"
    distribution = "requests-oauthlib"

    def sign(self, w: Workload) -> Optional[Tuple[Callable[[], Any], Callable[[Any], Request]]]:
        if w.signature_method not in ("HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "PLAINTEXT") or w.body_hash:
            return None
        import requests
        from requests_oauthlib import OAuth1

        auth = OAuth1(w.consumer_key, client_secret=w.consumer_secret, resource_owner_key=w.token,
                      resource_owner_secret=w.token_secret, signature_method=w.signature_method, realm=w.realm)
        auth.client.nonce = w.nonce
        auth.client.timestamp = str(w.timestamp)
        prepared = requests.Request(w.method, w.uri, headers=w.headers, data=w.body or None).prepare()
        method = w.method

        def to_request(r: Any) -> Request:
            body = r.body.decode() if isinstance(r.body, bytes) else r.body
            headers = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in r.headers.items()}
            return method, r.url, headers, body

        return (lambda: auth(prepared.copy())), to_request


class Authlib(Peer):
    name = "Authlib"
    module = "authlib.oauth1"
    distribution = "Authlib"

    def __init__(self) -> None:
        os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # the RFC's example is http

    def _supported(self, w: Workload) -> bool:
        if w.signature_method.startswith("RSA-"):
            return w.signature_method == "RSA-SHA1" and _has("cryptography")
        return w.signature_method in ("HMAC-SHA1", "PLAINTEXT")

    def sign(self, w: Workload) -> Optional[Tuple[Callable[[], Any], Callable[[Any], Request]]]:
        if not self._supported(w) or not w.version:
            return None  # Authlib always sends oauth_version
        from authlib.oauth1.rfc5849 import client_auth
        from authlib.oauth1.rfc5849.client_auth import ClientAuth

        # ClientAuth.sign takes no nonce or timestamp: its generators give the workload's.
        client_auth.generate_nonce = lambda: w.nonce
        client_auth.generate_timestamp = lambda: str(w.timestamp)
        rsa = w.signature_method.startswith("RSA-")
        auth = ClientAuth(w.consumer_key, client_secret=w.consumer_secret, token=w.token, token_secret=w.token_secret,
                          signature_method=w.signature_method, realm=w.realm,
                          rsa_key=_rsa_pems()[0] if rsa else None)
        method, uri, headers, body = w.method, w.uri, w.headers, w.body
        data = body.encode() if body is not None and not w.is_form else body

        def to_request(result: Any) -> Request:
            new_uri, new_headers, new_body = result
            if isinstance(new_body, bytes):
                new_body = new_body.decode()
            return method, new_uri, dict(new_headers), new_body or body

        return (lambda: auth.sign(method, uri, dict(headers), data)), to_request

    def _server_classes(self, w: Workload) -> Tuple[Any, Any]:
        rsa = w.signature_method.startswith("RSA-")
        public_pem = _rsa_pems()[1] if rsa else None

        class ClientModel:
            def get_client_secret(self) -> str:
                return w.consumer_secret

            def get_rsa_public_key(self) -> Any:
                return public_pem

        class TokenModel:
            def get_oauth_token_secret(self) -> str:
                return w.token_secret

        return ClientModel(), TokenModel()

    def verify(self, w: Workload, request: Request) -> Optional[Callable[[Request], bool]]:
        if not self._supported(w):
            return None
        from authlib.oauth1.rfc5849.base_server import BaseServer
        from authlib.oauth1.rfc5849.errors import OAuth1Error
        from authlib.oauth1.rfc5849.wrapper import OAuth1Request

        client, token = self._server_classes(w)
        server = BaseServer()
        server.SUPPORTED_SIGNATURE_METHODS = [w.signature_method]

        def verify(r: Request) -> bool:
            req = OAuth1Request(r[0], r[1], r[3], r[2])
            req.client = client
            req.credential = token
            try:
                server.validate_oauth_signature(req)
            except OAuth1Error:
                return False
            return True

        return verify

    def provider(self, w: Workload, pool: _Pool) -> Optional[Case]:
        if not self._supported(w):
            return None
        from authlib.oauth1.rfc5849.resource_protector import ResourceProtector

        client, token = self._server_classes(w)
        nonces: set = set()  # type: ignore[type-arg]

        class Protector(ResourceProtector):  # type: ignore[misc]
            SUPPORTED_SIGNATURE_METHODS = [w.signature_method]

            def get_client_by_id(self, client_id: str) -> Any:
                return client if client_id == w.consumer_key else None

            def get_token_credential(self, request: Any) -> Any:
                return token if request.token == w.token else None

            def exists_nonce(self, nonce: str, request: Any) -> bool:
                entry = (request.client_id, request.token or "", nonce)
                if entry in nonces:
                    return True
                nonces.add(entry)
                return False

        protector = Protector()

        def reset() -> None:
            nonces.clear()
            pool.index = 0

        def call() -> Any:
            method, uri, headers, body = pool.next()
            return protector.validate_request(method, uri, body, headers)

        reset()
        call()
        reset()
        return Case("Authlib", call, reset=reset, max_number=len(pool.requests),
                    note="ResourceProtector, nonces in a set")


class PythonOAuth2(Peer):
    name = "python-oauth2"
    module = "oauth2"
    distribution = "oauth2"

    def sign(self, w: Workload) -> Optional[Tuple[Callable[[], Any], Callable[[Any], Request]]]:
        if w.signature_method not in ("HMAC-SHA1", "PLAINTEXT") or not w.version:
            return None
        import oauth2

        consumer = oauth2.Consumer(w.consumer_key, w.consumer_secret)
        token = oauth2.Token(w.token, w.token_secret)
        method_obj = oauth2.SignatureMethod_HMAC_SHA1() if w.signature_method == "HMAC-SHA1" else oauth2.SignatureMethod_PLAINTEXT()
        method, uri, headers, body = w.method, w.uri, w.headers, w.body
        form = dict(w.form or [])
        realm = w.realm or ""
        fixed = {"oauth_nonce": w.nonce, "oauth_timestamp": str(w.timestamp)}
        raw_body = (body or "").encode()

        def sign() -> Any:
            parameters = dict(fixed)
            parameters.update(form)
            request = oauth2.Request.from_consumer_and_token(
                consumer, token, http_method=method, http_url=uri, parameters=parameters,
                body=raw_body, is_form_encoded=w.is_form)
            request.sign_request(method_obj, consumer, token)
            signed_headers = dict(headers)
            signed_headers.update(request.to_header(realm))
            return signed_headers

        def to_request(result: Any) -> Request:
            return method, uri, result, body

        return sign, to_request

    def verify(self, w: Workload, request: Request) -> Optional[Callable[[Request], bool]]:
        if w.signature_method not in ("HMAC-SHA1", "PLAINTEXT"):
            return None
        import oauth2

        if isinstance(oauth2.SignatureMethod_HMAC_SHA1().sign(oauth2.Request("GET", "http://h/"),
                                                              oauth2.Consumer("k", "s"), None), bytes):
            raise CheckFailed("python-oauth2's Server accepts no request on Python 3: SignatureMethod.check "
                              "compares the bytes it computes with the str received")

        consumer = oauth2.Consumer(w.consumer_key, w.consumer_secret)
        token = oauth2.Token(w.token, w.token_secret)
        server = oauth2.Server()
        server.timestamp_threshold = 10**10
        server.add_signature_method(oauth2.SignatureMethod_HMAC_SHA1())
        server.add_signature_method(oauth2.SignatureMethod_PLAINTEXT())

        def verify(r: Request) -> bool:
            # The URL without its query, which goes with the form body in query_string: given
            # in the URL, python-oauth2 would sign the query's parameters twice.
            method, uri, headers, body = r
            base, _, query = uri.partition("?")
            if body and headers.get("Content-Type") == FORM:
                query = query + "&" + body if query else body
            req = oauth2.Request.from_request(method, base, headers=headers, query_string=query or None)
            try:
                server.verify_request(req, consumer, token)
            except oauth2.Error:
                return False
            return True

        return verify


class Rauth(Peer):
    name = "rauth"
    module = "rauth"
    distribution = "rauth"

    def sign(self, w: Workload) -> Optional[Tuple[Callable[[], Any], Callable[[Any], Request]]]:
        if w.signature_method not in ("HMAC-SHA1", "PLAINTEXT") or w.body_hash or not w.version:
            return None
        from copy import deepcopy
        from urllib.parse import parse_qsl

        from rauth import OAuth1Session
        from rauth.oauth import PlaintextSignature
        from rauth.session import ENTITY_METHODS, FORM_URLENCODED
        from rauth.utils import CaseInsensitiveDict, OAuth1Auth

        session = OAuth1Session(w.consumer_key, w.consumer_secret, w.token, w.token_secret,
                                signature=PlaintextSignature if w.signature_method == "PLAINTEXT" else None)
        method, uri, headers, body = w.method, w.uri, w.headers, w.body
        realm = w.realm or ""
        # rauth takes the query as `params` (the URL's own query is not signed), as requests does.
        base, _, query = uri.partition("?")
        query_params = dict(parse_qsl(query, keep_blank_values=True))

        def sign() -> Any:
            # OAuth1Session.request up to the point where it hands the request to requests.
            req_kwargs: Dict[str, Any] = {"headers": CaseInsensitiveDict(dict(headers)), "header_auth": True}
            if query_params:
                req_kwargs["params"] = dict(query_params)
            if body is not None:
                req_kwargs["data"] = body
            url = session._set_url(base)
            entity_method = method.upper() in ENTITY_METHODS
            if entity_method and not req_kwargs.get("files", None):
                req_kwargs["headers"].setdefault("Content-Type", FORM_URLENCODED)
            form_urlencoded = req_kwargs["headers"].get("Content-Type") == FORM_URLENCODED
            if isinstance(req_kwargs.get("data"), str) and form_urlencoded:
                req_kwargs["data"] = dict(parse_qsl(req_kwargs["data"]))
            oauth_params = session._get_oauth_params(req_kwargs)
            oauth_params["oauth_nonce"] = w.nonce
            oauth_params["oauth_timestamp"] = w.timestamp
            for key, value in req_kwargs.items():
                if isinstance(value, dict):
                    req_kwargs[key] = deepcopy(value)
            oauth_params["oauth_signature"] = session.signature.sign(
                session.consumer_secret, session.access_token_secret, method, url, oauth_params, req_kwargs)
            signed_headers = dict(headers)
            signed_headers["Authorization"] = OAuth1Auth(oauth_params, realm)._get_auth_header()
            return signed_headers

        def to_request(result: Any) -> Request:
            return method, uri, result, body

        return sign, to_request


def _has(module: str) -> bool:
    try:
        __import__(module)
    except Exception:
        return False
    return True


PEERS: List[Peer] = [OAuthlib(), RequestsOAuthlib(), Authlib(), PythonOAuth2(), Rauth()]


# -- raw RSA primitives: the `rsa` and `cryptography` packages --------------------------------


def rsa_primitive_cases(method: str, base_string: str, signature_b64: str) -> Tuple[List[Case], List[Case], Dict[str, str]]:
    """Sign and verify of the base string by the ``rsa`` and ``cryptography`` packages (no
    OAuth around them), on the benchmark key. Returns (sign cases, verify cases, versions)."""
    key = rsa_key()
    message = base_string.encode()
    raw = base64.b64decode(signature_b64)
    n, e, d, p, q = key.public_key.n, key.public_key.e, key._d, key._p, key._q
    sign_cases: List[Case] = []
    verify_cases: List[Case] = []
    versions: Dict[str, str] = {}
    try:
        import rsa as rsa_package
    except ImportError:
        pass
    else:
        hash_name = {"RSA-SHA1": "SHA-1", "RSA-SHA256": "SHA-256", "RSA-SHA512": "SHA-512"}[method]
        private = rsa_package.PrivateKey(n, e, d, p, q)
        public = rsa_package.PublicKey(n, e)
        if rsa_package.pkcs1.sign(message, private, hash_name) != raw:
            raise CheckFailed("the rsa package disagrees with oauth1core's signature")
        rsa_package.pkcs1.verify(message, raw, public)
        versions["rsa"] = getattr(rsa_package, "__version__", "?")
        sign_cases.append(Case("rsa", lambda: rsa_package.pkcs1.sign(message, private, hash_name), note="pure Python"))
        verify_cases.append(Case("rsa", lambda: rsa_package.pkcs1.verify(message, raw, public), note="pure Python"))
    try:
        import cryptography
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
    except ImportError:
        pass
    else:
        numbers = crypto_rsa.RSAPrivateNumbers(p, q, d, key._dp, key._dq, key._qinv, crypto_rsa.RSAPublicNumbers(e, n))
        private_key = numbers.private_key()
        public_key = private_key.public_key()
        algorithm = {"RSA-SHA1": hashes.SHA1, "RSA-SHA256": hashes.SHA256, "RSA-SHA512": hashes.SHA512}[method]()
        pkcs1 = padding.PKCS1v15()
        if private_key.sign(message, pkcs1, algorithm) != raw:
            raise CheckFailed("cryptography disagrees with oauth1core's signature")
        versions["cryptography"] = cryptography.__version__
        sign_cases.append(Case("cryptography", lambda: private_key.sign(message, pkcs1, algorithm), note="OpenSSL"))
        verify_cases.append(Case("cryptography", lambda: public_key.verify(raw, message, pkcs1, algorithm), note="OpenSSL"))
    return sign_cases, verify_cases, versions


def implementation() -> str:
    return f"{sys.implementation.name} {sys.version.split()[0]}"
