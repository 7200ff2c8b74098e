"""The service provider, sans-I/O (RFC 5849 sections 2, 3.2, 3.3 and 4).

:class:`Provider` takes a request as plain data (method, absolute URI, headers, body) and either
returns what it asked for or raises one :class:`~oauth1core.errors.OAuthError`, whose ``status``
(400, 401 or 503) and ``problem`` (``oauth_problem``) say why. The ``*_endpoint`` methods wrap
the same steps into ``(status, headers, body)`` :class:`Response` tuples, ready for any HTTP
server (:mod:`oauth1core.httpserver` is one).

Verification of every signed request, in this order (cheap checks first; nothing is written to
the store before the signature has verified):

1. the strict canonical parse and the protocol parameters (:mod:`oauth1core.parsing`,
   :func:`~oauth1core.verify.check_protocol`): 400s;
2. the parameters this endpoint requires or refuses (``oauth_callback`` when asking for
   temporary credentials, ``oauth_verifier`` only when exchanging them...): 400s. An
   ``oauth_callback`` sent elsewhere is signed but ignored (the callback is bound at issuance);
3. ``oauth_timestamp`` and ``oauth_nonce`` are required, PLAINTEXT included; PLAINTEXT only over
   https; the timestamp within ``timestamp_window`` seconds of the clock, either side (3.3);
4. the consumer and the token are looked up, and the signature recomputed and compared in
   constant time (3.2). An unknown consumer, or a token unknown or issued to another consumer,
   costs the same work: the signature is computed with a decoy secret (or a decoy RSA key of a
   modulus size in use), and only then is the refusal raised: ``signature_invalid`` for an
   unknown token (and, with the policy's ``uniform_consumer_errors``, an unknown consumer) so
   answers do not tell which ids exist, else ``consumer_key_unknown`` / ``token_rejected``;
5. ``oauth_body_hash``, when present, against the body;
6. the nonce: one atomic check-and-insert of ``(consumer, token or "", nonce)``, kept until the
   timestamp can no longer pass step 3. A request whose signature verified consumes its nonce,
   whatever happens next; a replay is ``nonce_used``;
7. the token's state, through the transition table of :mod:`oauth1core.tokens`, and the change
   of state as one compare-and-set in the store: a failed request never changes a token.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import time
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, NamedTuple, Optional, Tuple, Union
from urllib.parse import urlsplit

from .answers import Response as Response  # re-exported: httpserver and tests import it from here
from .clock import Clock, generate_token
from .errors import (
    ConsumerKeyUnknown,
    NonceUsed,
    OAuthError,
    ParameterAbsent,
    ParameterRejected,
    ServiceUnavailable,
    SignatureInvalid,
    SignatureMethodRejected,
    TimestampRefused,
    TokenRejected,
    VerifierInvalid,
)
from .methods import RSA_METHODS, STANDARD_METHODS, SignatureMethod, resolve
from .parameters import FORM_CONTENT_TYPE, Param, append_query, encode_form, quote_realm
from .parsing import DEFAULT_LIMITS, Limits, ParsedRequest, parse_request
from .policy import DEFAULT_POLICY, LoginThrottle, Policy
from .stores import Store, TokenRecord
from .tokens import EXCHANGE_ISSUES, ISSUED_STATE, TRANSITIONS, Event, TokenState, advance, refusal
from .verify import VerifiedRequest, check_body_hash, check_protocol

__all__ = ["Consumer", "Provider", "Authorization", "error_response"]

Headers = Optional[Mapping[str, str]]
Body = Union[str, bytes, None]

#: The shared-secret methods a consumer with a secret gets by default (PLAINTEXT is opt-in).
HMAC_METHODS: Tuple[str, ...] = ("HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512")

_MAX_CALLBACK = 2048
# RFC 3986 section 2: unreserved, reserved and pct-encoded characters only (ASCII, no space).
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~:/?\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+")


def is_absolute_ascii_uri(uri: str) -> bool:
    """RFC 3986 section 4.3: ``scheme ":" hier-part [ "?" query ]`` made only of the ASCII
    characters section 2 allows (unreserved, reserved, ``%XX``), no fragment, at most 2048."""
    return len(uri) <= _MAX_CALLBACK and _ABSOLUTE_URI.fullmatch(uri) is not None


class Authorization(NamedTuple):
    """The result of the resource owner's approval (section 2.2).

    ``redirect_uri`` is the callback with ``oauth_token`` and ``oauth_verifier`` appended to its
    query, or ``None`` for ``oob``: then show ``verifier`` to the resource owner instead.
    """

    token: str
    verifier: str
    callback: str
    redirect_uri: Optional[str]


class Consumer:
    """A registered client (RFC 5849 section 3: the client credentials) and its policy.

    ``secret`` is the client shared-secret (``None`` or ``""``: none, so HMAC and PLAINTEXT can
    never pass); ``rsa_public_key`` the client's RSA public key or certificate (PEM, DER or an
    :class:`~oauth1core.methods.rsa.RsaPublicKey`) for the RSA methods. ``signature_methods``
    are the methods this client may use: by default the HMAC ones when it has a secret and the
    RSA ones when it has a key; PLAINTEXT only when listed (and then only over https).
    ``callbacks``: when given, ``oauth_callback`` must be ``oob`` or one of them exactly.
    ``name`` is shown to the resource owner. ``repr`` never shows the secret.
    """

    __slots__ = ("key", "secret", "rsa_public_key", "signature_methods", "callbacks", "name", "_methods")

    def __init__(
        self,
        key: str,
        secret: Optional[str] = None,
        *,
        rsa_public_key: Any = None,
        signature_methods: Optional[Iterable[str]] = None,
        callbacks: Iterable[str] = (),
        name: Optional[str] = None,
    ) -> None:
        if not isinstance(key, str) or not key:
            raise ValueError("a consumer key must be a non-empty str")
        self.key = key
        self.secret: Optional[str] = secret or None
        public_key = None
        if rsa_public_key is not None:
            from .methods.rsa import RsaPublicKey, load_public_key

            public_key = rsa_public_key if isinstance(rsa_public_key, RsaPublicKey) else load_public_key(rsa_public_key)
        self.rsa_public_key = public_key
        if signature_methods is None:
            names: Tuple[str, ...] = (HMAC_METHODS if self.secret else ()) + (RSA_METHODS if public_key else ())
        else:
            names = tuple(signature_methods)
        if not names:
            raise ValueError(f"consumer {key!r} has no secret and no RSA key: no signature method can verify")
        methods: Dict[str, SignatureMethod] = {}
        for method_name in names:
            if method_name not in STANDARD_METHODS:
                raise ValueError(f"unknown signature method {method_name!r}")
            if method_name in RSA_METHODS:
                if public_key is None:
                    raise ValueError(f"{method_name} needs the consumer's RSA public key")
                methods[method_name] = resolve(method_name, public_key=public_key)
            else:
                if self.secret is None:
                    raise ValueError(f"{method_name} needs a consumer secret")
                methods[method_name] = resolve(method_name)
        self._methods = methods
        self.signature_methods: FrozenSet[str] = frozenset(methods)
        self.callbacks: Tuple[str, ...] = tuple(callbacks)
        for registered in self.callbacks:
            if registered != "oob" and not is_absolute_ascii_uri(registered):
                raise ValueError(f"consumer {key!r}: a registered callback is not an absolute URI in ASCII "
                                 "(RFC 3986), without a fragment")
        self.name = name

    def method(self, name: str) -> SignatureMethod:
        """The signature method ``name`` if this consumer may use it, else a 400 (3.2)."""
        method = self._methods.get(name)
        if method is None:
            raise SignatureMethodRejected(
                "this signature method is not enabled for this client", parameter="oauth_signature_method"
            )
        return method

    def __repr__(self) -> str:
        return f"Consumer({self.key!r}, methods={sorted(self.signature_methods)})"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_callback(callback: str, registered: Iterable[str] = ()) -> None:
    """Section 2.1: ``oauth_callback`` is ``oob`` or an absolute URI; this provider's policy.

    ``oob`` is always accepted. With registered callbacks, the value must equal one of them
    (registered callbacks are checked like sent ones when the :class:`Consumer` is built).
    Otherwise it must be an ``https`` URI, or an ``http`` URI on a loopback host (``localhost``,
    ``127.0.0.0/8``, ``::1``), with no user information and no fragment, made of the ASCII
    characters RFC 3986 section 2 allows (non-ASCII text must arrive percent-encoded: a raw
    Latin-1, C1 or other non-ASCII character would reach the ``Location`` header), and at most
    2048 characters. Raises :class:`ParameterRejected` (400) at issuance, never after approval.
    """
    if callback == "oob":
        return
    registered = tuple(registered)
    if registered:
        if callback in registered:
            return
        raise ParameterRejected("oauth_callback is not a callback registered for this client", parameter="oauth_callback")
    if not is_absolute_ascii_uri(callback):
        raise ParameterRejected("oauth_callback is not a valid absolute URI (RFC 3986: ASCII, percent-encoded)",
                                parameter="oauth_callback")
    try:
        parts = urlsplit(callback)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for an invalid port
    except ValueError:
        raise ParameterRejected("oauth_callback is not a valid absolute URI", parameter="oauth_callback") from None
    if not host or "@" in parts.netloc or parts.fragment or "#" in callback:
        raise ParameterRejected("oauth_callback must be an absolute URI without userinfo or fragment",
                                parameter="oauth_callback")
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host)):
        return
    raise ParameterRejected("oauth_callback must be 'oob', an https URI, or an http URI on loopback",
                            parameter="oauth_callback")


def error_response(error: OAuthError, realm: str = "", extra: Iterable[Param] = ()) -> Response:
    """The response for ``error`` (section 3.2; OAuth Problem Reporting).

    Status 400 or 401 with ``WWW-Authenticate: OAuth realm="...", oauth_problem="..."``, or 503
    with ``Retry-After``. The body is ``text/plain``, form-encoded: ``oauth_problem``,
    ``oauth_parameters_absent`` / ``oauth_parameters_rejected`` (the parameter's name) where one
    applies, then ``oauth_problem_advice`` (the message, which never holds a secret).
    """
    pairs: List[Param] = [("oauth_problem", error.problem)]
    if error.parameter:
        if error.problem == "parameter_absent":
            pairs.append(("oauth_parameters_absent", error.parameter))
        elif error.problem == "parameter_rejected":
            pairs.append(("oauth_parameters_rejected", error.parameter))
    pairs.extend(extra)
    pairs.append(("oauth_problem_advice", error.message))
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")]
    if error.status == 503:
        headers.append(("Retry-After", "5"))
    else:
        headers.append(("WWW-Authenticate", f'OAuth realm="{quote_realm(realm)}", oauth_problem="{error.problem}"'))
    return Response(error.status, headers, encode_form(pairs).encode("ascii"))


def credentials_response(record: TokenRecord, *, callback_confirmed: bool = False) -> Response:
    """200 with ``oauth_token`` and ``oauth_token_secret`` (sections 2.1 and 2.3), form-encoded,
    plus ``oauth_callback_confirmed=true`` for temporary credentials; never cached."""
    pairs: List[Param] = [("oauth_token", record.token), ("oauth_token_secret", record.secret)]
    if callback_confirmed:
        pairs.append(("oauth_callback_confirmed", "true"))
    headers = [("Content-Type", FORM_CONTENT_TYPE), ("Cache-Control", "no-store"), ("Pragma", "no-cache")]
    return Response(200, headers, encode_form(pairs).encode("ascii"))


def _rsa_sizes(consumers: Mapping[str, Consumer]) -> FrozenSet[int]:
    """The RSA modulus sizes of the registered consumers when they are a plain ``dict`` (any
    other mapping may be a database: its sizes are learnt as its consumers sign), else 2048."""
    sizes = set()
    if isinstance(consumers, dict):
        for consumer in consumers.values():
            if isinstance(consumer, Consumer) and consumer.rsa_public_key is not None:
                sizes.add(consumer.rsa_public_key.n.bit_length())
    return frozenset(sizes or {2048})


_HEADER_SIGNATURE = re.compile(r'(oauth_signature\s*=\s*")([^"]*)(")')


def _tolerate_raw_base64(headers: Headers) -> Headers:
    """The ``raw-base64-signature`` tolerance: ``+``, ``/`` and ``=`` sent unencoded inside the
    ``oauth_signature`` of the ``Authorization`` header are percent-encoded (3.6) before the
    strict parse. The signature is not part of the base string (3.4.1.3.1), so nothing signed
    changes; every other parameter stays strict."""
    if not headers:
        return headers
    fixed = dict(headers)
    for name, value in headers.items():
        if name.lower() == "authorization" and value[:6].lower() == "oauth ":
            fixed[name] = _HEADER_SIGNATURE.sub(
                lambda m: m.group(1) + m.group(2).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
                + m.group(3), value)
    return fixed


def _login_keys(account: str, address: Optional[str]) -> Tuple[str, ...]:
    keys = ("account:" + account,)
    return keys + ("address:" + address,) if address else keys


def _hash_verifier(verifier: str) -> str:
    return hashlib.sha256(verifier.encode("utf-8", "surrogatepass")).hexdigest()


# The endpoint a signed request is for: which protocol parameters it requires and refuses.
_REQUEST_TOKEN, _ACCESS_TOKEN, _RESOURCE = "request_token", "access_token", "resource"


class _Authenticated(NamedTuple):
    verified: VerifiedRequest
    consumer: Consumer
    record: Optional[TokenRecord]
    now: float


class Provider:
    """An OAuth 1.0a service provider: verification, replay protection and the token lifecycle.

    ``consumers`` maps each consumer key to its :class:`Consumer` (any mapping: a dict, or a
    view of a database). ``store`` keeps nonces and tokens (:mod:`oauth1core.stores`; a new
    :class:`~oauth1core.stores.memory.MemoryStore` by default). ``timestamp_window``: how far,
    in seconds and either way, a timestamp may be from ``clock()``. ``request_token_ttl``: how
    long temporary credentials live, authorized or not; ``access_token_ttl``: how long token
    credentials live (``None``: until revoked). ``realm`` goes in ``WWW-Authenticate``.
    ``clock`` (seconds since the epoch) is read for every decision, so tests can move time;
    ``limits`` bounds sizes before parsing (:class:`~oauth1core.parsing.Limits`);
    ``token_source`` makes tokens, secrets and verifiers (:mod:`secrets` by default).
    ``policy`` holds the knobs beyond the RFC (:class:`~oauth1core.policy.Policy`: uniform
    answers, the pending-token quota, login throttling, tolerances); ``login_throttle`` is the
    :class:`~oauth1core.policy.LoginThrottle` every front end shares.
    """

    def __init__(
        self,
        consumers: Mapping[str, Consumer],
        store: Optional[Store] = None,
        *,
        timestamp_window: float = 300,
        request_token_ttl: float = 600,
        access_token_ttl: Optional[float] = None,
        realm: str = "oauth1core",
        clock: Clock = time.time,
        limits: Limits = DEFAULT_LIMITS,
        token_source: Callable[[], str] = generate_token,
        policy: Policy = DEFAULT_POLICY,
    ) -> None:
        if timestamp_window < 0 or request_token_ttl <= 0 or (access_token_ttl is not None and access_token_ttl <= 0):
            raise ValueError("the timestamp window and the token lifetimes must be positive")
        if store is None:
            from .stores.memory import MemoryStore

            store = MemoryStore()
        quote_realm(realm)  # no control characters: it goes in a header
        self.consumers = consumers
        self.store: Store = store
        self.timestamp_window = timestamp_window
        self.request_token_ttl = request_token_ttl
        self.access_token_ttl = access_token_ttl
        self.realm = realm
        self.clock = clock
        self.limits = limits
        self.token_source = token_source
        # Decoys: what an unknown consumer or token is verified with, so that it costs the
        # same work as a known one. Random, never revealed, never accepted.
        self._decoy_secret = secrets.token_urlsafe(24)
        self._decoy_rsa: Dict[Tuple[str, int], SignatureMethod] = {}
        self._rsa_bits = _rsa_sizes(consumers)
        self.policy = policy
        self.login_throttle = LoginThrottle(policy)

    # -- verification (section 3.2) -------------------------------------------------------

    def _decoy_method(self, name: str, consumer_key: str) -> SignatureMethod:
        """The method an unknown consumer is verified with. RSA: a decoy key of one of the
        modulus sizes in use (:func:`_rsa_sizes`, plus those seen since), picked by a keyed hash
        of the consumer key, so one unknown key always costs what some real key costs."""
        if name not in RSA_METHODS:
            return resolve(name)
        sizes = sorted(self._rsa_bits)
        pick = hmac.new(self._decoy_secret.encode(), consumer_key.encode("utf-8", "surrogatepass"), "sha256")
        bits = sizes[int.from_bytes(pick.digest()[:4], "big") % len(sizes)]
        method = self._decoy_rsa.get((name, bits))
        if method is None:
            from .methods.rsa import RsaPublicKey, rsa_method

            modulus = (1 << (bits - 1)) | secrets.randbits(bits - 1) | 1
            method = self._decoy_rsa[(name, bits)] = rsa_method(name, public_key=RsaPublicKey(n=modulus, e=65537))
        return method

    def _check_endpoint(self, oauth: Mapping[str, str], endpoint: str, require_token: bool) -> Optional[str]:
        """Step 2: what this endpoint requires and refuses (2.1, 2.3, 3); returns the token id."""
        token_id = oauth.get("oauth_token") or None
        if endpoint == _REQUEST_TOKEN:
            if token_id is not None:
                raise ParameterRejected("a temporary credentials request carries no token", parameter="oauth_token")
            if "oauth_callback" not in oauth:
                raise ParameterAbsent("oauth_callback is required (section 2.1)", parameter="oauth_callback")
        elif token_id is None and (endpoint == _ACCESS_TOKEN or require_token):
            raise ParameterAbsent("oauth_token is required", parameter="oauth_token")
        if endpoint == _ACCESS_TOKEN:
            if "oauth_verifier" not in oauth:
                raise ParameterAbsent("oauth_verifier is required (section 2.3)", parameter="oauth_verifier")
        elif "oauth_verifier" in oauth:
            raise ParameterRejected("oauth_verifier is only sent to exchange temporary credentials",
                                    parameter="oauth_verifier")
        # An oauth_callback elsewhere is signed and ignored: the callback was bound to the
        # temporary credentials when they were issued (2.1), and clients such as Authlib's
        # resend it with every request; nothing in section 2.3 or 3 forbids it.
        return token_id

    def _authenticate(self, method: str, uri: str, headers: Headers, body: Body, endpoint: str,
                      require_token: bool = True) -> _Authenticated:
        now = self.clock()
        # 1. One strict parse; the protocol parameters (3.1): 400s.
        if "raw-base64-signature" in self.policy.tolerate:
            headers = _tolerate_raw_base64(headers)
        parsed = parse_request(method, uri, headers, body, limits=self.limits)
        timestamp = check_protocol(parsed, limits=self.limits)
        oauth = parsed.oauth
        # 2. What this endpoint requires and refuses.
        token_id = self._check_endpoint(oauth, endpoint, require_token)
        # 3. Timestamp and nonce always (replay protection for every method); PLAINTEXT only
        #    over https; the two-sided window (3.3).
        nonce = oauth.get("oauth_nonce")
        if timestamp is None:
            raise ParameterAbsent("oauth_timestamp is required", parameter="oauth_timestamp")
        if nonce is None:
            raise ParameterAbsent("oauth_nonce is required", parameter="oauth_nonce")
        name = oauth["oauth_signature_method"]
        if name == "PLAINTEXT" and not parsed.base_uri.startswith("https://"):
            raise SignatureMethodRejected("PLAINTEXT is only accepted over https", parameter="oauth_signature_method")
        if abs(now - timestamp) > self.timestamp_window:
            raise TimestampRefused("oauth_timestamp is outside the accepted window", parameter="oauth_timestamp")
        # 4. Look up, then verify: unknown consumers and tokens cost the same work.
        consumer, record, signature_method = self._verify_signature(parsed, token_id)
        # 5. The body hash, when present (OAuth Request Body Hash).
        check_body_hash(parsed, signature_method)
        # 6. The nonce, once the request is authentic: atomic check-and-insert, kept until the
        #    timestamp falls out of the window (+1 s: the window's edge is inclusive).
        expires_at = max(now, timestamp) + self.timestamp_window + 1
        if not self.store.add_nonce(consumer.key, token_id or "", nonce, now=now, expires_at=expires_at):
            raise NonceUsed("this nonce was already used", parameter="oauth_nonce")
        verified = VerifiedRequest(parsed, timestamp, consumer, record)
        return _Authenticated(verified, consumer, record, now)

    def _verify_signature(self, parsed: ParsedRequest, token_id: Optional[str]
                          ) -> Tuple[Consumer, Optional[TokenRecord], SignatureMethod]:
        """Step 4 (3.2): look the consumer and token up, recompute and compare the signature;
        unknown ones are verified with decoys first. With the policy's uniform answers, an
        unknown consumer (or a method it may not use) or token is ``signature_invalid``."""
        oauth = parsed.oauth
        name = oauth["oauth_signature_method"]
        consumer_key = oauth["oauth_consumer_key"]
        consumer = self.consumers.get(consumer_key)
        record = self.store.get_token(token_id) if token_id is not None else None
        uniform = self.policy.uniform_consumer_errors
        usable = consumer is not None and (not uniform or name in consumer.signature_methods)
        if consumer is not None and usable:
            signature_method = consumer.method(name)
            client_secret = consumer.secret or ""
            self._learn_rsa_size(consumer)
        else:
            signature_method = self._decoy_method(name, consumer_key)
            client_secret = self._decoy_secret
        token_known = record is not None and consumer is not None and record.consumer_key == consumer.key
        if record is not None and token_known:
            token_secret = record.secret
        else:
            token_secret = self._decoy_secret if token_id is not None else ""
        valid = signature_method.verify(parsed.base_string, oauth["oauth_signature"], client_secret, token_secret)
        if consumer is None or not usable:
            if uniform:
                raise SignatureInvalid("the signature does not verify", parameter="oauth_signature")
            raise ConsumerKeyUnknown("unknown client credentials", parameter="oauth_consumer_key")
        if token_id is not None and not token_known:
            if self.policy.uniform_token_errors:
                raise SignatureInvalid("the signature does not verify", parameter="oauth_signature")
            raise TokenRejected("unknown token, or a token issued to another client", parameter="oauth_token")
        if not valid:
            raise SignatureInvalid("the signature does not verify", parameter="oauth_signature")
        return consumer, record, signature_method

    def _learn_rsa_size(self, consumer: Consumer) -> None:
        key = consumer.rsa_public_key
        if key is not None:
            bits = key.n.bit_length()
            if bits not in self._rsa_bits:
                self._rsa_bits = self._rsa_bits | {bits}

    def _refuse_after_race(self, token: str, event: Event, now: float) -> OAuthError:
        """The compare-and-set lost: someone else changed the token first. Say what it is now."""
        record = self.store.get_token(token)
        if record is None:
            return TokenRejected("unknown token", parameter="oauth_token")
        state = record.state_at(now)
        if (state, event) in TRANSITIONS:
            return ServiceUnavailable("the token changed while this request was checked; try again")
        return refusal(state, event)

    # -- section 2.1: temporary credentials ---------------------------------------------

    def issue_request_token(self, method: str, uri: str, headers: Headers = None, body: Body = None) -> TokenRecord:
        """Verify a temporary credentials request (2.1) and issue them: a new ``TEMPORARY``
        token bound to the consumer and its checked ``oauth_callback`` (:func:`check_callback`),
        expiring after ``request_token_ttl``. A consumer already holding the policy's
        ``max_pending_per_consumer`` undecided ones gets ``temporarily_unavailable`` (503)."""
        auth = self._authenticate(method, uri, headers, body, _REQUEST_TOKEN)
        callback = auth.verified.oauth["oauth_callback"]
        check_callback(callback, auth.consumer.callbacks)
        record = TokenRecord(
            token=self.token_source(),
            secret=self.token_source(),
            consumer_key=auth.consumer.key,
            state=ISSUED_STATE,
            created_at=auth.now,
            expires_at=auth.now + self.request_token_ttl,
            callback=callback,
        )
        limit = self.policy.max_pending_per_consumer
        if limit is None:
            added = "added" if self.store.add_token(record) else "taken"
        else:
            added = self.store.add_request_token(record, limit=limit, now=auth.now)
        if added == "quota":
            raise ServiceUnavailable("this client holds too many undecided temporary credentials; try again later")
        if added != "added":
            raise ServiceUnavailable("could not issue a unique token; try again")
        return record

    def request_token_endpoint(self, method: str, uri: str, headers: Headers = None, body: Body = None) -> Response:
        """``POST /oauth/request_token`` (2.1): 200 with the temporary credentials and
        ``oauth_callback_confirmed=true``, or the error's response."""
        try:
            record = self.issue_request_token(method, uri, headers, body)
        except OAuthError as error:
            return self.error_response(error)
        return credentials_response(record, callback_confirmed=True)

    # -- section 2.2: resource owner authorization ---------------------------------------

    def pending_authorization(self, token: str) -> TokenRecord:
        """The temporary credentials ``token`` if the resource owner may still decide on them
        (state ``TEMPORARY``, not expired), else the typed error (``token_rejected``,
        ``token_expired``, ``token_used``)."""
        return self._pending(token, self.clock())

    def _pending(self, token: str, now: float) -> TokenRecord:
        record = self.store.get_token(token) if isinstance(token, str) and token else None
        if record is None:
            raise TokenRejected("unknown temporary credentials", parameter="oauth_token")
        advance(record.state_at(now), Event.AUTHORIZE)
        return record

    def authorize(self, token: str, user: str) -> Authorization:
        """The resource owner ``user`` (already authenticated by the caller) approves: bind a
        fresh verifier to the temporary credentials (``TEMPORARY -> AUTHORIZED``, 2.2).

        The redirect is built and checked (an absolute ASCII URI) *before* the token changes, so
        a callback that cannot be sent leaves the token pending; a front end that then fails to
        deliver the redirect calls :meth:`withdraw`."""
        now = self.clock()
        record = self._pending(token, now)
        verifier = self.token_source()
        callback = record.callback or "oob"
        redirect = None
        if callback != "oob":
            redirect = append_query(callback, [("oauth_token", record.token), ("oauth_verifier", verifier)])
            if not is_absolute_ascii_uri(redirect.partition("#")[0]):
                raise ParameterRejected("the callback cannot be sent in a Location header", parameter="oauth_callback")
        new = record.replace(state=advance(record.state_at(now), Event.AUTHORIZE),
                             verifier_hash=_hash_verifier(verifier), user=user)
        if not self.store.transition(record.token, record.state, new, now=now):
            raise self._refuse_after_race(record.token, Event.AUTHORIZE, now)
        return Authorization(record.token, verifier, callback, redirect)

    def withdraw(self, token: str) -> None:
        """The approval's redirect (or verifier page) could not be delivered: deny the token
        (``AUTHORIZED -> DENIED``) so that it is never left spent without a verifier anyone
        holds. Best effort: a token no longer ``AUTHORIZED`` is left as it is."""
        now = self.clock()
        record = self.store.get_token(token)
        if record is None or record.state_at(now) is not TokenState.AUTHORIZED:
            return
        new = record.replace(state=advance(TokenState.AUTHORIZED, Event.WITHDRAW), verifier_hash=None)
        self.store.transition(token, record.state, new, now=now)

    # -- the resource owner's login (policy, not RFC 5849: section 2.2 leaves it open) -----------

    def login_allowed(self, token: str, account: str, address: Optional[str]) -> None:
        """Before checking a password for ``account`` from ``address`` to decide on ``token``:
        raise :class:`~oauth1core.policy.Throttled` while any of them is backing off."""
        self.login_throttle.check(*_login_keys(account, address))

    def login_failed(self, token: str, account: str, address: Optional[str]) -> None:
        """A wrong password: count it against the account, the address and the token; after
        the policy's ``token_max_failures`` for one pending token, the token is denied."""
        exhausted = self.login_throttle.failed("token:" + token, *_login_keys(account, address))
        if "token:" + token in exhausted:
            try:
                self.deny(token)
            except OAuthError:
                pass  # already decided, expired or gone: nothing left to protect

    def login_succeeded(self, account: str, address: Optional[str]) -> None:
        """A right password: forget the account's and the address's failures."""
        self.login_throttle.succeeded(*_login_keys(account, address))

    def deny(self, token: str) -> TokenRecord:
        """The resource owner refuses (``TEMPORARY -> DENIED``, 2.2): the exchange will fail
        with ``permission_denied``."""
        now = self.clock()
        record = self._pending(token, now)
        new = record.replace(state=advance(record.state_at(now), Event.DENY))
        if not self.store.transition(record.token, record.state, new, now=now):
            raise self._refuse_after_race(record.token, Event.DENY, now)
        return new

    # -- section 2.3: token credentials ----------------------------------------------------

    def issue_access_token(self, method: str, uri: str, headers: Headers = None, body: Body = None) -> TokenRecord:
        """Verify a token credentials request (2.3) and exchange, exactly once, the authorized
        temporary credentials for new token credentials (``AUTHORIZED -> EXCHANGED`` and a new
        ``ACTIVE`` token, in one atomic step)."""
        auth = self._authenticate(method, uri, headers, body, _ACCESS_TOKEN)
        record = auth.record
        assert record is not None  # _authenticate requires the token here
        now = auth.now
        state = advance(record.state_at(now), Event.EXCHANGE)
        verifier = auth.verified.oauth["oauth_verifier"]
        if record.verifier_hash is None or not hmac.compare_digest(record.verifier_hash, _hash_verifier(verifier)):
            raise VerifierInvalid("oauth_verifier does not match", parameter="oauth_verifier")
        access = TokenRecord(
            token=self.token_source(),
            secret=self.token_source(),
            consumer_key=auth.consumer.key,
            state=EXCHANGE_ISSUES,
            created_at=now,
            expires_at=None if self.access_token_ttl is None else now + self.access_token_ttl,
            user=record.user,
            parent=record.token,
        )
        exchanged = record.replace(state=state, verifier_hash=None)
        if not self.store.transition(record.token, record.state, exchanged, now=now, issue=access):
            raise self._refuse_after_race(record.token, Event.EXCHANGE, now)
        return access

    def access_token_endpoint(self, method: str, uri: str, headers: Headers = None, body: Body = None) -> Response:
        """``POST /oauth/access_token`` (2.3): 200 with the token credentials, or the error's response."""
        try:
            record = self.issue_access_token(method, uri, headers, body)
        except OAuthError as error:
            return self.error_response(error)
        return credentials_response(record)

    # -- section 3: protected resources ------------------------------------------------------

    def verify_request(self, method: str, uri: str, headers: Headers = None, body: Body = None, *,
                       require_token: bool = True) -> VerifiedRequest:
        """Verify a request for a protected resource (3.2): signed by a known consumer with
        token credentials that are ``ACTIVE`` and its own. Returns the
        :class:`~oauth1core.verify.VerifiedRequest` with ``consumer`` (the :class:`Consumer`)
        and ``access`` (the token's :class:`~oauth1core.stores.TokenRecord`, with its ``user``).
        ``require_token=False`` also accepts requests signed with the client credentials alone
        (``access`` is then ``None``)."""
        auth = self._authenticate(method, uri, headers, body, _RESOURCE, require_token)
        if auth.record is not None:
            advance(auth.record.state_at(auth.now), Event.ACCESS)
        return auth.verified

    # -- administration -----------------------------------------------------------------------

    def revoke(self, token: str) -> None:
        """Withdraw token credentials (``ACTIVE -> REVOKED``); later requests get ``token_rejected``."""
        record = self.store.get_token(token)
        if record is None:
            raise TokenRejected("unknown token", parameter="oauth_token")
        now = self.clock()
        new = record.replace(state=advance(record.state_at(now), Event.REVOKE))
        if not self.store.transition(token, record.state, new, now=now):
            raise self._refuse_after_race(token, Event.REVOKE, now)

    def sweep(self) -> int:
        """Forget expired nonces and tokens (an expired token then reads as ``token_rejected``)."""
        return self.store.sweep(self.clock())

    def error_response(self, error: OAuthError) -> Response:
        """:func:`error_response` with this provider's realm; ``timestamp_refused`` also says
        which timestamps are acceptable (``oauth_acceptable_timestamps``, Problem Reporting)."""
        extra: List[Param] = []
        if isinstance(error, TimestampRefused):
            now = int(self.clock())
            window = int(self.timestamp_window)
            extra.append(("oauth_acceptable_timestamps", f"{max(now - window, 1)}-{now + window}"))
        return error_response(error, self.realm, extra)

