"""The consumer's three-legged flow, sans-I/O (RFC 5849 section 2).

:class:`ThreeLeggedFlow` builds the signed requests of the flow and reads the provider's answers;
sending them is the caller's business (any HTTP client; :mod:`oauth1core.transport` has one on
:mod:`urllib`). What changes between the legs is a :class:`~oauth1core.flowstate.FlowState`: a
small value that serializes to JSON, so a stateless web worker can keep it in a session and
resume. The flow object itself is configuration plus its ``client``, which only
:meth:`ThreeLeggedFlow.correct_clock` replaces::

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

One module per job: this one is the flow; :mod:`oauth1core.flowstate` holds the state between
the legs and its sealed cookie; :mod:`oauth1core.answers` reads the provider's answers
(refusals become a :class:`~oauth1core.errors.ProviderError` naming its ``oauth_problem``);
:mod:`oauth1core.skew` reads a refusal for the clock offset that would have made the timestamp
acceptable (section 3.3). The flow's errors are in :mod:`oauth1core.errors`; the names are
importable from here too.

Errors never carry a secret: tokens and verifiers are compared in constant time and only named.
"""

from __future__ import annotations

import hmac
from typing import Dict, Iterable, List, Mapping, NamedTuple, Optional, Tuple, Union
from urllib.parse import urlsplit

from .answers import BodyLike, HeadersLike, parse_credentials_response
from .answers import provider_problem  # noqa: F401  (moved to answers.py; importable from here as before)
from .client import Client, SignedRequest
from .errors import AuthorizationDenied, CallbackError, EncodingError, FlowError, ProviderError, ResponseError
from .flowstate import FlowState, TokenCredentials, check_value
from .parameters import Param, append_query, parse_form
from .skew import clock_correction

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
    "clock_correction",
]

#: Protocol parameters of the credentials responses (sections 2.1 and 2.3); the rest is ``extra``.
_CREDENTIAL_FIELDS = ("oauth_token", "oauth_token_secret", "oauth_callback_confirmed")


class Endpoints(NamedTuple):
    """The three URIs a provider advertises (section 2), and the methods of the two signed
    requests (``POST`` unless the provider says otherwise). ``authorize_url`` is ``None`` for
    providers that hand the verifier over by other means (Magento's integration activation)."""

    request_token_url: str
    authorize_url: Optional[str]
    access_token_url: str
    request_token_method: str = "POST"
    access_token_method: str = "POST"



def _single(fields: List[Param], name: str) -> Optional[str]:
    values = [value for key, value in fields if key == name]
    if len(values) > 1:
        raise CallbackError(f"{name} is repeated")
    return values[0] if values else None



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
        check_value(callback, "callback")
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
