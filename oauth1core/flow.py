"""The consumer's three-legged flow, sans-I/O (RFC 5849 section 2).

:class:`ThreeLeggedFlow` builds the signed requests of the flow and reads the provider's answers;
sending them is the caller's business (any HTTP client; :mod:`oauth1core.transport` has one on
:mod:`urllib`). Between the legs, the flow's only state is a :class:`FlowState`: a small value
that serializes to JSON, so a stateless web worker can keep it in a session and resume::

    flow = ThreeLeggedFlow(Client(key, secret), Endpoints(initiate_url, authorize_url, token_url),
                           callback="https://app.example/callback")
    request = flow.temporary_credentials_request()          # 2.1: send it, then
    state = flow.parse_temporary_credentials(status, headers, body)
    redirect_to = flow.authorization_url(state)             # 2.2: send the resource owner there
    session["oauth"] = state.to_json()
    ...                                                     # the callback request arrives
    state = flow.parse_callback(FlowState.from_json(session.pop("oauth")), callback_url)
    request = flow.token_credentials_request(state)         # 2.3: send it, then
    credentials = flow.parse_token_credentials(status, headers, body)
    client = flow.authorized_client(credentials)            # signs requests for protected resources

Answers are read tolerantly (a form body whatever its Content-Type, or a JSON object; extra fields
kept in ``extra``), refusals become a :class:`ProviderError` that names the provider's
``oauth_problem``. :func:`clock_correction` reads a refusal for a clock offset that would have made
the timestamp acceptable (section 3.3), so a client can correct its clock and retry once.

Errors never carry a secret: tokens and verifiers are compared in constant time and only named.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Tuple, Union
from urllib.parse import urlsplit

from .client import Client, SignedRequest
from .errors import EncodingError
from .parameters import Param, append_query, parse_form

__all__ = [
    "Endpoints",
    "FlowState",
    "TokenCredentials",
    "ThreeLeggedFlow",
    "FlowError",
    "ProviderError",
    "ResponseError",
    "CallbackError",
    "AuthorizationDenied",
    "parse_credentials_response",
    "clock_correction",
    "provider_problem",
    "HeadersLike",
]

HeadersLike = Union[Mapping[str, str], Iterable[Tuple[str, str]], Message, None]
BodyLike = Union[bytes, str, None]

#: Protocol parameters of the credentials responses (sections 2.1 and 2.3); the rest is ``extra``.
_CREDENTIAL_FIELDS = ("oauth_token", "oauth_token_secret", "oauth_callback_confirmed")
_MAX_VALUE = 4096  # bytes: tokens, secrets and verifiers longer than this are refused
_MAX_BODY = 1 << 20


class FlowError(Exception):
    """A step of the flow cannot go on. Messages name parameters, never secret values."""


class ProviderError(FlowError):
    """The provider refused a request (an error status, or an ``oauth_problem`` in its answer).

    ``status`` is the HTTP status; ``problem`` the ``oauth_problem`` (OAuth Problem Reporting)
    when the provider sent one, from the body or ``WWW-Authenticate``; ``advice`` its
    ``oauth_problem_advice``; ``excerpt`` the start of the answer's body, for a person to read.
    """

    def __init__(self, message: str, *, status: int, problem: Optional[str] = None, advice: Optional[str] = None,
                 excerpt: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem
        self.advice = advice
        self.excerpt = excerpt


class ResponseError(FlowError):
    """A successful status, but an answer the flow cannot use (a missing token, no
    ``oauth_callback_confirmed=true``...)."""


class CallbackError(FlowError):
    """The callback does not complete this flow: no verifier, or another ``oauth_token`` than
    the one this flow asked for (section 2.2; a forged or crossed callback)."""


class AuthorizationDenied(FlowError):
    """The resource owner (or the provider) denied the authorization (section 2.2)."""


class Endpoints(NamedTuple):
    """The three URIs a provider advertises (section 2), and the methods of the two signed
    requests (``POST`` unless the provider says otherwise). ``authorize_url`` is ``None`` for
    providers that hand the verifier over by other means (Magento's integration activation)."""

    request_token_url: str
    authorize_url: Optional[str]
    access_token_url: str
    request_token_method: str = "POST"
    access_token_method: str = "POST"


def _check_value(value: Any, name: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not empty) or len(value.encode("utf-8", "surrogatepass")) > _MAX_VALUE:
        raise ValueError(f"{name} must be a non-empty str of at most {_MAX_VALUE} bytes")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError(f"{name} must not contain control characters")
    return value


def _get(data: Dict[str, Any], name: str) -> Any:
    """A field of serialized data; an absent one is None, which the constructors refuse."""
    return data.get(name)


def _check_pairs(value: Any, name: str) -> Tuple[Param, ...]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of [name, value] pairs")
    pairs: List[Param] = []
    for item in value:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise ValueError(f"{name} must be a list of [name, value] pairs")
        pairs.append((_check_value(item[0], name), _check_value(item[1], name, empty=True)))
    return tuple(pairs)


class FlowState:
    """Where a flow stands between its legs: the temporary credentials (section 2.1), the
    callback they were asked with, and, once known, the verifier (section 2.2).

    Immutable; :meth:`to_json` / :meth:`from_json` (or :meth:`to_dict` / :meth:`from_dict`)
    carry it between requests. It holds the temporary credentials' *secret*: keep it in a
    server-side session, or :meth:`seal` it (integrity, not secrecy) for a cookie. ``extra``
    holds the provider's other fields of the temporary credentials answer.
    """

    __slots__ = ("token", "token_secret", "callback", "verifier", "extra")

    def __init__(self, token: str, token_secret: str, callback: str, verifier: Optional[str] = None,
                 extra: Iterable[Param] = ()) -> None:
        object.__setattr__(self, "token", _check_value(token, "token"))
        object.__setattr__(self, "token_secret", _check_value(token_secret, "token_secret", empty=True))
        object.__setattr__(self, "callback", _check_value(callback, "callback"))
        object.__setattr__(self, "verifier", None if verifier is None else _check_value(verifier, "verifier"))
        object.__setattr__(self, "extra", _check_pairs(list(extra), "extra"))

    token: str
    token_secret: str
    callback: str
    verifier: Optional[str]
    extra: Tuple[Param, ...]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FlowState is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FlowState):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.token, self.callback, self.verifier))

    def __repr__(self) -> str:
        return (f"FlowState(token={self.token!r}, token_secret='***', callback={self.callback!r}, "
                f"verifier={'***' if self.verifier else None})")

    def with_verifier(self, verifier: str) -> "FlowState":
        return FlowState(self.token, self.token_secret, self.callback, verifier, self.extra)

    def to_dict(self) -> Dict[str, Any]:
        return {"v": 1, "token": self.token, "token_secret": self.token_secret, "callback": self.callback,
                "verifier": self.verifier, "extra": [list(pair) for pair in self.extra]}

    @classmethod
    def from_dict(cls, data: Any) -> "FlowState":
        """The state :meth:`to_dict` gave; ``ValueError`` for anything else (it may come back
        from outside: every field is checked)."""
        if not isinstance(data, dict) or data.get("v") != 1:
            raise ValueError("not a serialized FlowState (version 1)")
        unknown = set(data) - {"v", "token", "token_secret", "callback", "verifier", "extra"}
        if unknown:
            raise ValueError(f"unknown FlowState fields: {sorted(unknown)}")
        return cls(_get(data, "token"), _get(data, "token_secret"), _get(data, "callback"),
                   _get(data, "verifier"), _check_pairs(data.get("extra", []), "extra"))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> "FlowState":
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise ValueError("not a serialized FlowState (invalid JSON)") from None
        return cls.from_dict(data)

    def seal(self, key: bytes, *, now: Optional[float] = None) -> str:
        """The state as a URL-safe string, with its time and an HMAC-SHA256 under ``key``: a
        cookie that cannot be altered. It is *not* encrypted."""
        issued = int(time.time() if now is None else now)
        payload = base64.urlsafe_b64encode(self.to_json().encode("utf-8")).decode("ascii").rstrip("=")
        body = f"{issued}.{payload}"
        mac = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
        return body + "." + base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    @classmethod
    def unseal(cls, sealed: str, key: bytes, *, max_age: float = 900, now: Optional[float] = None) -> "FlowState":
        """The state :meth:`seal` gave, if its HMAC verifies and it is at most ``max_age``
        seconds old; ``ValueError`` otherwise."""
        parts = sealed.split(".") if isinstance(sealed, str) else []
        if len(parts) != 3 or not parts[0].isdigit():
            raise ValueError("not a sealed FlowState")
        body = parts[0] + "." + parts[1]
        expected = base64.urlsafe_b64encode(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())
        if not hmac.compare_digest(expected.decode("ascii").rstrip("="), parts[2]):
            raise ValueError("the sealed FlowState does not verify")
        age = (time.time() if now is None else now) - int(parts[0])
        if not -60 <= age <= max_age:
            raise ValueError("the sealed FlowState has expired")
        try:
            text = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        except ValueError:
            raise ValueError("not a sealed FlowState") from None
        return cls.from_json(text)


class TokenCredentials:
    """Token credentials (section 2.3): ``token``, ``token_secret`` and the provider's other
    fields (``extra``: Twitter's ``screen_name``, Flickr's ``user_nsid``...). ``repr`` hides
    the secret."""

    __slots__ = ("token", "token_secret", "extra")

    def __init__(self, token: str, token_secret: str, extra: Iterable[Param] = ()) -> None:
        self.token = _check_value(token, "token")
        self.token_secret = _check_value(token_secret, "token_secret", empty=True)
        self.extra: Tuple[Param, ...] = tuple(extra)

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first extra field ``name``."""
        for key, value in self.extra:
            if key == name:
                return value
        return default

    def to_dict(self) -> Dict[str, Any]:
        return {"token": self.token, "token_secret": self.token_secret, "extra": [list(pair) for pair in self.extra]}

    @classmethod
    def from_dict(cls, data: Any) -> "TokenCredentials":
        if not isinstance(data, dict):
            raise ValueError("not serialized TokenCredentials")
        return cls(_get(data, "token"), _get(data, "token_secret"), _check_pairs(data.get("extra", []), "extra"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TokenCredentials):
            return NotImplemented
        return (self.token, self.token_secret, self.extra) == (other.token, other.token_secret, other.extra)

    def __hash__(self) -> int:
        return hash(self.token)

    def __repr__(self) -> str:
        return f"TokenCredentials(token={self.token!r}, token_secret='***', extra={list(self.extra)!r})"


# -- reading answers ---------------------------------------------------------------------------


def header_pairs(headers: HeadersLike) -> List[Tuple[str, str]]:
    """Any headers object (a mapping, pairs, an :class:`email.message.Message` such as
    :mod:`urllib`'s) as a list of pairs."""
    if headers is None:
        return []
    if isinstance(headers, (Mapping, Message)):
        return [(str(name), str(value)) for name, value in headers.items()]
    return [(str(name), str(value)) for name, value in headers]


def _header(headers: List[Tuple[str, str]], name: str) -> Optional[str]:
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


def _text(body: BodyLike) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    return body[:_MAX_BODY].decode("utf-8", "replace")


_PROBLEM_IN_HEADER = re.compile(r'oauth_problem\s*=\s*"?([A-Za-z0-9_]+)"?', re.IGNORECASE)


def _answer_fields(body: BodyLike) -> List[Param]:
    """The fields of an answer: a form body (whatever its Content-Type: providers answer
    ``text/plain`` or ``text/html`` too) or a JSON object of scalars. Raises ValueError."""
    text = _text(body).strip().lstrip("\ufeff").strip()
    if not text:
        return []
    if text.startswith("{"):
        document = json.loads(text)
        if not isinstance(document, dict):
            raise ValueError("not a JSON object")
        return [(str(name), value if isinstance(value, str) else json.dumps(value))
                for name, value in document.items() if value is not None]
    if "\n" in text or "<" in text:
        raise ValueError("not a form body")
    return parse_form(text)


def provider_problem(headers: HeadersLike, body: BodyLike) -> Tuple[Optional[str], Optional[str]]:
    """``(oauth_problem, oauth_problem_advice)`` of an answer (OAuth Problem Reporting), from its
    body or its ``WWW-Authenticate`` header; ``(None, None)`` when it names none."""
    problem = advice = None
    try:
        fields = _answer_fields(body)
    except (ValueError, EncodingError):
        fields = []
    for name, value in fields:
        if name == "oauth_problem" and problem is None:
            problem = value
        elif name == "oauth_problem_advice" and advice is None:
            advice = value
    if problem is None:
        challenge = _header(header_pairs(headers), "WWW-Authenticate")
        match = _PROBLEM_IN_HEADER.search(challenge or "")
        if match is not None:
            problem = match.group(1)
    return problem, advice


def _excerpt(body: BodyLike) -> str:
    text = " ".join(_text(body)[:300].split())
    return "".join(ch for ch in text if ch.isprintable())


def parse_credentials_response(what: str, status: int, headers: HeadersLike, body: BodyLike) -> List[Param]:
    """The fields of a credentials answer (sections 2.1, 2.3), with ``oauth_token`` and
    ``oauth_token_secret`` each present exactly once. A refusal is a :class:`ProviderError`; an
    unusable success a :class:`ResponseError` (whose message never quotes the body: it may hold
    secrets)."""
    problem, advice = provider_problem(headers, body)
    if not 200 <= status < 300 or problem is not None:
        named = f" (oauth_problem={problem}{': ' + advice if advice else ''})" if problem else ""
        excerpt = _excerpt(body)
        shown = f": {excerpt}" if excerpt and not problem else ""
        raise ProviderError(f"the provider refused the {what} request: HTTP {status}{named}{shown}",
                            status=status, problem=problem, advice=advice, excerpt=excerpt)
    try:
        fields = _answer_fields(body)
    except (ValueError, EncodingError):
        raise ResponseError(f"the {what} answer is neither a form-encoded body nor a JSON object") from None
    for name in ("oauth_token", "oauth_token_secret"):
        count = sum(1 for key, _ in fields if key == name)
        if count != 1:
            raise ResponseError(f"the {what} answer has {'no' if not count else 'more than one'} {name}")
    return fields


def _single(fields: List[Param], name: str) -> Optional[str]:
    values = [value for key, value in fields if key == name]
    if len(values) > 1:
        raise CallbackError(f"{name} is repeated")
    return values[0] if values else None


def _server_time(status: int, headers: HeadersLike, body: BodyLike, local: float, threshold: float) -> Optional[float]:
    problem, _ = provider_problem(headers, body)
    pairs = header_pairs(headers)
    refused = problem == "timestamp_refused"
    if refused:
        # OAuth Problem Reporting: oauth_acceptable_timestamps=low-high around the server's time.
        try:
            fields = _answer_fields(body)
        except (ValueError, EncodingError):
            fields = []
        for name, value in fields:
            if name == "oauth_acceptable_timestamps":
                low, dash, high = value.partition("-")
                if dash and low.strip().isdigit() and high.strip().isdigit() and int(low) <= int(high):
                    return (int(low) + int(high)) / 2
    elif status != 401:
        return None
    date = _header(pairs, "Date")
    if date is None:
        return None
    try:
        server = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if refused or abs(server - local) > threshold:
        return server
    return None


def clock_correction(client: Client, status: int, headers: HeadersLike, body: BodyLike, *,
                     threshold: float = 60.0) -> Optional[int]:
    """The ``clock_offset`` the refused request should have been signed with, or ``None``.

    A provider that refuses the timestamp (section 3.3) answers ``oauth_problem=timestamp_refused``
    (preferably with ``oauth_acceptable_timestamps``); others answer a bare 401. The provider's
    time is read from ``oauth_acceptable_timestamps`` (the middle of the range), else from the
    ``Date`` header: for a refused timestamp always, for another 401 only when ``Date`` is more
    than ``threshold`` seconds from the client's (corrected) clock. ``None`` when nothing says
    the clocks differ, or when the correction would change nothing: retrying then cannot help.
    """
    local = client.clock()
    server = _server_time(status, headers, body, local + client.clock_offset, threshold)
    if server is None:
        return None
    offset = int(round(server - local))
    if abs(offset - client.clock_offset) < 2:
        return None
    return offset


def _merge(defaults: Iterable[Param], overrides: Iterable[Param]) -> List[Param]:
    overrides = list(overrides)
    names = {name for name, _ in overrides}
    return [pair for pair in defaults if pair[0] not in names] + overrides


def _no_protocol_params(params: Iterable[Param], what: str, allowed: Tuple[str, ...] = ()) -> List[Param]:
    params = [(str(name), str(value)) for name, value in params]
    for name, _ in params:
        if name.startswith("oauth_") and name not in allowed:
            raise ValueError(f"{what} must not set the protocol parameter {name}")
    return params


class ThreeLeggedFlow:
    """The three legs of RFC 5849 section 2 for ``client`` (client credentials only).

    ``callback`` is the absolute URI the provider sends the resource owner back to, or ``oob``
    (the resource owner types the verifier in). ``require_callback_confirmed`` refuses temporary
    credentials without ``oauth_callback_confirmed=true`` (section 2.1: an OAuth 1.0 provider,
    open to session fixation); turn it off for providers that omit it. ``send_callback=False``
    leaves ``oauth_callback`` out (providers whose callback is registered, such as Magento);
    ``authorize_callback=True`` repeats it on the authorization URL (Garmin).
    ``request_token_params`` are added to the temporary credentials request's query (signed),
    ``authorize_params`` to the authorization URL (section 2.2: "servers MAY specify additional
    parameters"), ``headers`` to both signed requests.

    The flow is configuration plus ``client``; :meth:`correct_clock` replaces the client with
    one whose ``clock_offset`` matches the provider's clock.
    """

    def __init__(
        self,
        client: Client,
        endpoints: Endpoints,
        *,
        callback: str = "oob",
        require_callback_confirmed: bool = True,
        send_callback: bool = True,
        authorize_callback: bool = False,
        request_token_params: Iterable[Param] = (),
        authorize_params: Iterable[Param] = (),
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        if client.token is not None or client.verifier is not None or client.callback is not None:
            raise ValueError("the flow starts from a Client with client credentials only "
                             "(no token, verifier or callback: the flow adds them)")
        _check_value(callback, "callback")
        if callback != "oob":
            parts = urlsplit(callback)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
                raise ValueError("callback must be 'oob' or an absolute http(s) URI without fragment (section 2.1)")
        self.client = client
        self.endpoints = endpoints
        self.callback = callback
        self.require_callback_confirmed = require_callback_confirmed
        self.send_callback = send_callback
        self.authorize_callback = authorize_callback
        self.request_token_params = _no_protocol_params(request_token_params, "request_token_params")
        self.authorize_params = _no_protocol_params(authorize_params, "authorize_params")
        self.headers: Dict[str, str] = dict(headers or {})

    def __repr__(self) -> str:
        return f"<ThreeLeggedFlow {self.endpoints.request_token_url} callback={self.callback!r}>"

    # -- 2.1 temporary credentials ------------------------------------------------------------

    def temporary_credentials_request(self) -> SignedRequest:
        """The signed temporary credentials request (section 2.1): client credentials only, an
        empty token secret, ``oauth_callback``."""
        client = self.client.replace(callback=self.callback if self.send_callback else None)
        uri = append_query(self.endpoints.request_token_url, self.request_token_params)
        return client.sign(self.endpoints.request_token_method, uri, self.headers)

    def parse_temporary_credentials(self, status: int, headers: HeadersLike, body: BodyLike) -> FlowState:
        """The provider's answer to :meth:`temporary_credentials_request` as a :class:`FlowState`."""
        fields = parse_credentials_response("temporary credentials", status, headers, body)
        confirmed = [value for name, value in fields if name == "oauth_callback_confirmed"]
        if self.require_callback_confirmed and (len(confirmed) != 1 or confirmed[0].strip().lower() != "true"):
            raise ResponseError(
                "the temporary credentials answer lacks oauth_callback_confirmed=true (section 2.1): the provider "
                "may speak OAuth 1.0, which is open to session fixation; for a provider known to omit it, use "
                "require_callback_confirmed=False")
        values = dict((name, value) for name, value in fields if name in _CREDENTIAL_FIELDS)
        extra = [(name, value) for name, value in fields if name not in _CREDENTIAL_FIELDS]
        try:
            return FlowState(values["oauth_token"], values["oauth_token_secret"], self.callback, extra=extra)
        except ValueError as exc:
            raise ResponseError(f"the temporary credentials answer is unusable: {exc}") from None

    # -- 2.2 resource owner authorization -------------------------------------------------------

    def authorization_url(self, state: FlowState, params: Iterable[Param] = ()) -> str:
        """Where to send the resource owner (section 2.2): the authorization endpoint with
        ``oauth_token`` and the extra parameters (``params`` override ``authorize_params``)."""
        if self.endpoints.authorize_url is None:
            raise FlowError("this provider has no authorization URL: the verifier reaches the client by other "
                            "means (enter it with enter_verifier)")
        extras = _merge(self.authorize_params, _no_protocol_params(params, "params"))
        query: List[Param] = [("oauth_token", state.token), *extras]
        if self.authorize_callback and state.callback != "oob":
            query.append(("oauth_callback", state.callback))
        return append_query(self.endpoints.authorize_url, query)

    def parse_callback(self, state: FlowState, callback: Union[str, Mapping[str, str], Iterable[Param]], *,
                       expected_state: Optional[str] = None) -> FlowState:
        """The state with the verifier the callback carries (section 2.2).

        ``callback`` is the URI the resource owner came back to (or its query, or its
        parameters). Its ``oauth_token`` must be the one this flow asked for (compared in
        constant time): otherwise :class:`CallbackError`. A denial (``denied=...`` as Twitter
        sends it, ``oauth_problem=permission_denied``, or an empty verifier as NetSuite sends
        it) is :class:`AuthorizationDenied`. ``expected_state`` checks a ``state`` parameter
        the client added to the authorization URL (NetSuite echoes it).
        """
        if isinstance(callback, str):
            query = urlsplit(callback).query if ("://" in callback or callback.startswith("/")) else callback
            try:
                fields = parse_form(query.lstrip("?"))
            except EncodingError:
                raise CallbackError("the callback's query is not valid form encoding") from None
        elif isinstance(callback, Mapping):
            fields = [(str(name), str(value)) for name, value in callback.items()]
        else:
            fields = [(str(name), str(value)) for name, value in callback]
        if _single(fields, "denied") is not None or _single(fields, "oauth_problem") == "permission_denied":
            raise AuthorizationDenied("the authorization was denied")
        token = _single(fields, "oauth_token")
        if token is None:
            raise CallbackError("the callback has no oauth_token")
        if not hmac.compare_digest(token.encode("utf-8", "surrogatepass"), state.token.encode("utf-8", "surrogatepass")):
            raise CallbackError("the callback's oauth_token is not the one this flow asked for")
        if expected_state is not None:
            echoed = _single(fields, "state")
            if echoed is None or not hmac.compare_digest(echoed.encode("utf-8", "surrogatepass"),
                                                         expected_state.encode("utf-8", "surrogatepass")):
                raise CallbackError("the callback's state is not the one this flow sent")
        verifier = _single(fields, "oauth_verifier")
        if verifier is None:
            raise CallbackError("the callback has no oauth_verifier")
        if not verifier:
            raise AuthorizationDenied("the callback's oauth_verifier is empty: the authorization was denied")
        try:
            return state.with_verifier(verifier)
        except ValueError:
            raise CallbackError("the callback's oauth_verifier is malformed") from None

    def enter_verifier(self, state: FlowState, verifier: str) -> FlowState:
        """The state with a verifier the resource owner typed in (``oob``: a PIN)."""
        verifier = verifier.strip() if isinstance(verifier, str) else verifier
        try:
            return state.with_verifier(verifier)
        except ValueError:
            raise CallbackError("the verifier must be non-empty printable text") from None

    # -- 2.3 token credentials ---------------------------------------------------------------

    def token_credentials_request(self, state: FlowState) -> SignedRequest:
        """The signed token credentials request (section 2.3): the temporary credentials and
        ``oauth_verifier``."""
        if state.verifier is None:
            raise FlowError("no verifier yet: parse the callback or enter the verifier first")
        client = self.client.replace(token=state.token, token_secret=state.token_secret, verifier=state.verifier)
        return client.sign(self.endpoints.access_token_method, self.endpoints.access_token_url, self.headers)

    def parse_token_credentials(self, status: int, headers: HeadersLike, body: BodyLike) -> TokenCredentials:
        """The provider's answer to :meth:`token_credentials_request`."""
        fields = parse_credentials_response("token credentials", status, headers, body)
        values = dict(fields)
        extra = [(name, value) for name, value in fields if name not in _CREDENTIAL_FIELDS]
        try:
            return TokenCredentials(values["oauth_token"], values["oauth_token_secret"], extra)
        except ValueError as exc:
            raise ResponseError(f"the token credentials answer is unusable: {exc}") from None

    def authorized_client(self, credentials: TokenCredentials) -> Client:
        """A client signing with the token credentials (section 3)."""
        return self.client.replace(token=credentials.token, token_secret=credentials.token_secret)

    # -- section 3.3: the provider's clock --------------------------------------------------------

    def correct_clock(self, status: int, headers: HeadersLike, body: BodyLike) -> bool:
        """If the answer says the provider refused our timestamp (:func:`clock_correction`),
        switch to a client with the provider's clock and return True: rebuild the request and
        send it once more. False otherwise (do not retry)."""
        offset = clock_correction(self.client, status, headers, body)
        if offset is None:
            return False
        self.client = self.client.replace(clock_offset=offset)
        return True
