"""Sign :mod:`httpx` requests, sync and async: ``httpx.Client(auth=OAuth1Auth(client))`` (RFC 5849 section 3).

:class:`OAuth1Auth` is an :class:`httpx.Auth`: every placement of the client (header, query, form
body) and the body hash of JSON and other non-form bodies (``Client(..., body_hash=True)``). It
reads the request body first (``requires_request_body``), so streamed uploads are buffered.

Redirects. httpx follows redirects (``follow_redirects=True``) inside the client, after the auth
flow signed the first request, so it cannot sign each hop. ``OAuth1Auth`` therefore follows
redirects itself, and by default it does: leave the client's ``follow_redirects`` off (httpx's
default). A redirect within the origin of the signed request is signed afresh (a new nonce); one
to another origin is sent with no ``Authorization`` header and no ``oauth_*`` parameter, and so
is everything after it outside that origin. ``OAuth1Auth(client, follow_redirects=False)`` hands
redirects back to you (``response.next_request``, unsigned). If the client follows redirects
itself, a same-origin hop goes out with a stale signature; when that ends in a 401 at the
origin, the auth signs the final request again and sends it once more.

Clock skew. When the provider refuses the timestamp (``timestamp_refused``, or a 401 whose
``Date`` is far from our clock), the request is signed again with a corrected clock offset and
sent once more (``auth.client`` keeps the correction); never twice.
"""

from __future__ import annotations

from typing import Any, AsyncGenerator, Dict, Generator, Optional, Tuple

try:
    import httpx
except ModuleNotFoundError as missing:  # one line that says what to install
    raise ModuleNotFoundError(f"oauth1core.adapters.httpx needs httpx: pip install 'oauth1core[httpx]'",
                              name=missing.name) from None

from ..errors import FlowError
from ..skew import clock_correction
from ._redirect import AuthOptions, Origin, Unsigned, origin_of, signer_for, strip_oauth_query
from ._session import SessionCredentials, TokenMissing, TokenRequestDenied, add_params, placement_of

__all__ = ["OAuth1Auth", "OAuth1Client", "AsyncOAuth1Client", "OAuthError"]

_BODY_HEADERS = ("content-length", "transfer-encoding")


def _headers(request: httpx.Request) -> Dict[str, str]:
    return {name: value for name, value in request.headers.items()
            if name.lower() not in ("authorization", *_BODY_HEADERS)}


def _is_redirect(response: httpx.Response) -> bool:
    return response.has_redirect_location


def _wants_body(response: httpx.Response) -> bool:
    return response.status_code in (400, 401)


class OAuth1Auth(AuthOptions, httpx.Auth):
    """Signs requests with ``client`` (an :class:`oauth1core.Client`), for ``httpx.Client`` and
    ``httpx.AsyncClient`` alike; see the module.

    ``follow_redirects``: follow redirects, re-signed within the origin (at most
    ``max_redirects``); ``correct_clock``: retry once after a refused timestamp. ``client`` is
    the attribute to read for the (possibly corrected) client.
    """

    requires_request_body = True

    def _sign(self, unsigned: Unsigned, template: httpx.Request) -> httpx.Request:
        signed = signer_for(self.client, unsigned.method).sign(unsigned.method, unsigned.url, unsigned.headers,
                                                               unsigned.body)
        body = signed.body.encode("utf-8") if isinstance(signed.body, str) else signed.body
        return httpx.Request(signed.method, signed.uri, headers=signed.headers, content=body,
                             extensions=template.extensions)

    @staticmethod
    def _unsigned(request: httpx.Request, body: Optional[bytes]) -> Unsigned:
        return Unsigned(request.method.upper(), str(request.url), _headers(request), body)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        chain: Optional[Origin] = origin_of(str(request.url))
        if chain is None:
            raise ValueError("OAuth1Auth signs http and https URLs only")
        unsigned = self._unsigned(request, request.content or None)
        response = yield self._sign(unsigned, request)
        retried = False
        hops = 0
        while True:
            next_request = response.next_request
            if self.follow_redirects and _is_redirect(response) and next_request is not None:
                if hops >= self.max_redirects:
                    raise httpx.TooManyRedirects(f"more than {self.max_redirects} redirects", request=next_request)
                hops += 1
                keep_body = next_request.method == unsigned.method
                unsigned = self._unsigned(next_request, unsigned.body if keep_body else None)
                if origin_of(unsigned.url) == chain:
                    response = yield self._sign(unsigned, next_request)
                else:
                    # Another origin: nothing of ours goes there.
                    response = yield httpx.Request(unsigned.method, strip_oauth_query(unsigned.url),
                                                   headers=unsigned.headers, content=unsigned.body,
                                                   extensions=next_request.extensions)
                continue
            if retried or response.status_code not in (400, 401) or origin_of(str(response.url)) != chain:
                return
            offset = clock_correction(self.client, response.status_code, response.headers, response.content) \
                if self.correct_clock else None
            if offset is not None:
                self.client = self.client.replace(clock_offset=offset)
            elif not (response.history and response.status_code == 401):
                return
            # A corrected clock, or a stale signature sent by the client's own redirects: sign
            # the request that was refused again, once.
            final = response.request
            if final.method != unsigned.method or str(final.url) != unsigned.url:
                unsigned = self._unsigned(final, unsigned.body if final.method == unsigned.method else None)
            retried = True
            response = yield self._sign(unsigned, final)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        flow = self.auth_flow(request)
        outgoing = next(flow)
        while True:
            response = yield outgoing
            if _wants_body(response):
                response.read()
            try:
                outgoing = flow.send(response)
            except StopIteration:
                return

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        flow = self.auth_flow(request)
        outgoing = next(flow)
        while True:
            response = yield outgoing
            if _wants_body(response):
                await response.aread()
            try:
                outgoing = flow.send(response)
            except StopIteration:
                return


# -- drop-ins for Authlib's httpx OAuth1Client and AsyncOAuth1Client ---------------------------------


class OAuthError(FlowError):
    """As Authlib's ``authlib.integrations.httpx_client.OAuthError``: ``error`` (``fetch_token_denied``,
    ``missing_verifier``, ``missing_token``) and ``description``; for a refusal also ``status``,
    ``problem`` (the provider's ``oauth_problem``) and ``response``."""

    status: Optional[int]  # type: ignore[assignment]  # None when no provider answered
    problem: Optional[str]  # type: ignore[assignment]  # the provider's, which it may not name

    def __init__(self, error: Optional[str] = None, description: Optional[str] = None, uri: Optional[str] = None, *,
                 status: Optional[int] = None, problem: Optional[str] = None, response: Any = None) -> None:
        super().__init__(f"{error}: {description}" if description else str(error))
        self.error, self.description, self.uri = error, description, uri
        self.status, self.problem, self.response = status, problem, response


class _DropIn:
    """What the sync and async drop-ins share: everything but sending the token requests."""

    auth: Any
    _credentials: SessionCredentials
    _redirect_uri: Optional[str]

    _http_class: Any

    def __init__(self, client_id: str, client_secret: Optional[str] = None, token: Optional[str] = None,
                 token_secret: Optional[str] = None, redirect_uri: Optional[str] = None, rsa_key: Optional[str] = None,
                 verifier: Optional[str] = None, signature_method: str = "HMAC-SHA1", signature_type: str = "HEADER",
                 force_include_body: bool = False, **kwargs: Any) -> None:
        if not client_id:
            raise ValueError('Missing "client_id"')
        realm = kwargs.pop("realm", None)
        self._credentials = SessionCredentials(client_id, client_secret, token, token_secret, redirect_uri,
                                               signature_method, placement_of(signature_type), rsa_key, verifier,
                                               force_include_body, realm)
        self._redirect_uri = redirect_uri
        self._http_class.__init__(self, auth=OAuth1Auth(self._credentials.client()), **kwargs)

    def _refresh(self) -> None:
        self.auth.client = self._credentials.client().replace(clock_offset=self.auth.client.clock_offset)

    def _per_call_auth(self, auth: Any, follow_redirects: Any) -> Tuple[Any, Any]:
        """httpx would follow redirects with the first request's signature: with the session's
        own auth, the auth follows them instead (re-signed within the origin, stripped outside),
        when the call or the client asks to follow (httpx's default: not, as with Authlib)."""
        if auth is not httpx.USE_CLIENT_DEFAULT or not isinstance(self.auth, OAuth1Auth):
            return auth, follow_redirects
        follow = getattr(self, "follow_redirects") if follow_redirects is httpx.USE_CLIENT_DEFAULT \
            else follow_redirects
        return OAuth1Auth(self.auth.client, follow_redirects=bool(follow), max_redirects=self.auth.max_redirects,
                          correct_clock=self.auth.correct_clock), False

    def _keep_clock(self, auth: Any) -> None:
        if isinstance(auth, OAuth1Auth) and auth is not self.auth and auth.client.clock_offset != \
                self.auth.client.clock_offset:
            self.auth.client = self.auth.client.replace(clock_offset=auth.client.clock_offset)

    @property
    def redirect_uri(self) -> Optional[str]:
        return self._redirect_uri

    @redirect_uri.setter
    def redirect_uri(self, uri: Optional[str]) -> None:
        self._redirect_uri = self._credentials.callback = uri
        self._refresh()

    @property
    def token(self) -> Dict[str, Optional[str]]:
        """``oauth_token``, ``oauth_token_secret`` and ``oauth_verifier`` (``None`` when unset)."""
        return self._credentials.token_dict(with_empty=True)

    @token.setter
    def token(self, token: Optional[Dict[str, str]]) -> None:
        try:
            self._credentials.set_token(token)
        except TokenMissing:
            raise OAuthError("missing_token", f"oauth_token is missing (fields: {sorted(token or {})})") from None
        self._refresh()

    def create_authorization_url(self, url: str, request_token: Optional[str] = None, **kwargs: str) -> str:
        """Section 2.2: ``url`` with ``oauth_token`` and, as Authlib does, ``oauth_callback``."""
        kwargs["oauth_token"] = request_token or self._credentials.token or ""
        if self._redirect_uri:
            kwargs["oauth_callback"] = self._redirect_uri
        return add_params(url, kwargs.items())

    def parse_authorization_response(self, url: str) -> Dict[str, str]:
        """The callback URL's query as a dict (its token and verifier kept for the next step)."""
        try:
            fields = self._credentials.parse_callback(url)
        except TokenMissing as exc:
            raise OAuthError("missing_token", str(exc)) from None
        self._refresh()
        return fields

    def _before_access(self, verifier: Optional[str]) -> None:
        if verifier:
            self._credentials.verifier = verifier
        if not self._credentials.verifier:
            raise OAuthError("missing_verifier", 'Missing "verifier" value')
        self._refresh()

    def _read_answer(self, response: httpx.Response, leg: str) -> Dict[str, str]:
        try:
            token = self._credentials.token_answer(response.status_code, response.headers, response.content, response)
        except TokenRequestDenied as exc:
            raise OAuthError("fetch_token_denied", str(exc), status=exc.status, problem=exc.problem,
                             response=response) from None
        except TokenMissing as exc:
            raise OAuthError("missing_token", str(exc), response=response) from None
        self._credentials.verifier = None
        if leg == "request":
            self._credentials.callback = None
            self._credentials.requested_token = self._credentials.token
        self._refresh()
        return token


class OAuth1Client(_DropIn, httpx.Client):
    """A drop-in for Authlib's ``authlib.integrations.httpx_client.OAuth1Client``: the same
    constructor (``**kwargs`` go to :class:`httpx.Client`, but ``realm``), methods and return
    values, signed by oauth1core. docs/migrating.md lists what differs on purpose."""

    _http_class = httpx.Client

    def send(self, request: httpx.Request, *, stream: bool = False, auth: Any = httpx.USE_CLIENT_DEFAULT,
             follow_redirects: Any = httpx.USE_CLIENT_DEFAULT) -> httpx.Response:
        auth, follow_redirects = self._per_call_auth(auth, follow_redirects)
        try:
            return httpx.Client.send(self, request, stream=stream, auth=auth, follow_redirects=follow_redirects)
        finally:
            self._keep_clock(auth)

    def fetch_request_token(self, url: str, **kwargs: Any) -> Dict[str, str]:
        """Section 2.1: temporary credentials; returns every field of the answer."""
        return self._read_answer(self.post(url, **kwargs), "request")

    def fetch_access_token(self, url: str, verifier: Optional[str] = None, **kwargs: Any) -> Dict[str, str]:
        """Section 2.3: token credentials for the temporary credentials and the verifier."""
        self._before_access(verifier)
        return self._read_answer(self.post(url, **kwargs), "access")


class AsyncOAuth1Client(_DropIn, httpx.AsyncClient):
    """A drop-in for Authlib's ``AsyncOAuth1Client``: as :class:`OAuth1Client`, with
    ``fetch_request_token`` and ``fetch_access_token`` coroutines."""

    _http_class = httpx.AsyncClient

    async def send(self, request: httpx.Request, *, stream: bool = False, auth: Any = httpx.USE_CLIENT_DEFAULT,
                   follow_redirects: Any = httpx.USE_CLIENT_DEFAULT) -> httpx.Response:
        auth, follow_redirects = self._per_call_auth(auth, follow_redirects)
        try:
            return await httpx.AsyncClient.send(self, request, stream=stream, auth=auth,
                                                follow_redirects=follow_redirects)
        finally:
            self._keep_clock(auth)

    async def fetch_request_token(self, url: str, **kwargs: Any) -> Dict[str, str]:
        """Section 2.1: temporary credentials; returns every field of the answer."""
        response = await self.post(url, **kwargs)
        return self._read_answer(response, "request")

    async def fetch_access_token(self, url: str, verifier: Optional[str] = None, **kwargs: Any) -> Dict[str, str]:
        """Section 2.3: token credentials for the temporary credentials and the verifier."""
        self._before_access(verifier)
        response = await self.post(url, **kwargs)
        return self._read_answer(response, "access")
