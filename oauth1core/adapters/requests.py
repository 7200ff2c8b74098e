"""Sign :mod:`requests` requests: ``requests.get(url, auth=OAuth1Auth(client))`` (RFC 5849 section 3).

:class:`OAuth1Auth` is a :class:`requests.auth.AuthBase`: every placement of the client (header,
query, form body) and the body hash of JSON and other non-form bodies (``Client(...,
body_hash=True)``).

Redirects. requests follows redirects after the auth object has run, and never signs the next
request; so :class:`OAuth1Auth` follows the redirects that stay within the origin of the signed
request itself, each one signed afresh (a new nonce), from a response hook. A redirect to another
origin is left to requests, with the ``Authorization`` header and every ``oauth_*`` parameter
taken off the request requests copies. requests does not tell an auth object about
``allow_redirects=False``: pass ``OAuth1Auth(client, follow_redirects=False)`` as well to get
same-origin redirects back unfollowed. The hook sends the redirected requests itself, so
cookies set by an intermediate redirect reach the next request but not the session's cookie jar.

Clock skew. When the provider refuses the timestamp (``timestamp_refused``, or a 401 whose
``Date`` is far from our clock), the request is signed again with a corrected clock offset and
sent once more (``auth.client`` keeps the correction); never twice.

A body that is a file or a generator is sent as is, but cannot be signed (form bodies, the body
placement, the body hash) nor sent twice: those raise :class:`TypeError`, and such requests are
neither re-signed on redirects nor retried.
"""

from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Optional

try:
    import requests
except ModuleNotFoundError as missing:  # one line that says what to install
    raise ModuleNotFoundError(f"oauth1core.adapters.requests needs requests: pip install 'oauth1core[requests]'",
                              name=missing.name) from None
from requests.auth import AuthBase
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.models import PreparedRequest, Response
from requests.sessions import SessionRedirectMixin
from requests.structures import CaseInsensitiveDict
from requests.utils import requote_uri

from ..skew import clock_correction
from ..parameters import header_value, is_form_content_type
from ._redirect import (
    AuthOptions,
    Origin,
    Unsigned,
    join_location,
    origin_of,
    redirect_method,
    signer_for,
    strip_oauth_form,
    strip_oauth_query,
    without_authorization,
)
from ._session import SessionCredentials, TokenMissing, TokenRequestDenied, VerifierMissing, add_params, placement_of

__all__ = ["OAuth1Auth", "OAuth1", "OAuth1Session", "TokenRequestDenied", "TokenMissing", "VerifierMissing"]

_INFO = "_oauth1core_signed"
_BODY_HEADERS = ("content-type", "content-length", "transfer-encoding")


class _Signed(NamedTuple):
    chain: Origin  # the origin of the request the caller signed
    unsigned: Unsigned  # this request before signing
    replayable: bool  # its body can be sent again
    retried: bool  # sent once more after a clock correction


def _text_headers(headers: Any) -> Dict[str, str]:
    """requests' headers (values may be bytes) as text, without ``Authorization``."""
    return without_authorization({str(name): value.decode("latin-1") if isinstance(value, bytes) else str(value)
                                  for name, value in headers.items()})


def _redirect_target(response: Response) -> Optional[str]:
    location = SessionRedirectMixin.get_redirect_target(None, response)  # type: ignore[arg-type]
    if location is None:
        return None
    return str(requote_uri(join_location(response.url, location)))


class OAuth1Auth(AuthOptions, AuthBase):
    """Signs requests with ``client`` (an :class:`oauth1core.Client`); see the module.

    ``follow_redirects``: follow same-origin redirects, re-signed (at most ``max_redirects``);
    ``correct_clock``: retry once after a refused timestamp. ``client`` is the attribute to read
    for the (possibly corrected) client.
    """

    # -- signing ----------------------------------------------------------------------------

    def _needs_body(self, headers: Dict[str, str]) -> bool:
        return (self.client.placement == "body" or self.client.body_hash
                or is_form_content_type(header_value(headers, "Content-Type")))

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        url = request.url or ""
        chain = origin_of(url)
        if chain is None:
            raise ValueError("OAuth1Auth signs http and https URLs only")
        headers = _text_headers(request.headers)
        body = request.body
        replayable = True
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, bytes):
            if self._needs_body(headers):
                raise TypeError("a file or generator body cannot be signed (form body, body placement or body "
                                "hash): pass bytes or str")
            body, replayable = None, False
        unsigned = Unsigned((request.method or "GET").upper(), url, headers, body)
        self._apply(request, unsigned)
        setattr(request, _INFO, _Signed(chain, unsigned, replayable, False))
        request.register_hook("response", self._on_response)
        return request

    def _apply(self, request: PreparedRequest, unsigned: Unsigned) -> None:
        """Sign ``unsigned`` and write the result into ``request``."""
        client = signer_for(self.client, unsigned.method)
        signed = client.sign(unsigned.method, unsigned.url, unsigned.headers, unsigned.body)
        request.url = signed.uri
        for name in [name for name in request.headers if name.lower() == "authorization"]:
            del request.headers[name]
        for name, value in signed.headers.items():
            if name.lower() == "authorization" or name not in request.headers:
                request.headers[name] = value
        if client.placement == "body":
            body = signed.body
            request.body = body.encode("utf-8") if isinstance(body, str) else body
            request.headers.pop("Content-Length", None)
            request.prepare_content_length(request.body)

    # -- after the response -----------------------------------------------------------------

    def _on_response(self, response: Response, **kwargs: Any) -> Response:
        first = response.request
        info: Optional[_Signed] = getattr(first, _INFO, None)
        if info is None:
            return response  # a request requests copied for another origin: not ours
        response = self._follow(response, first, info.chain, kwargs)
        if self.correct_clock:
            response = self._retry_with_corrected_clock(response, first, info.chain, kwargs)
        return response

    def _send(self, previous: Response, request: PreparedRequest, kwargs: Dict[str, Any]) -> Response:
        previous.content  # noqa: B018 - read it, so the connection goes back to the pool
        previous.close()
        response: Response = previous.connection.send(request, **kwargs)
        response.history = [*previous.history, previous]
        return response

    def _follow(self, response: Response, first: PreparedRequest, chain: Origin, kwargs: Dict[str, Any]) -> Response:
        hops = 0
        while self.follow_redirects and response.is_redirect:
            request = response.request
            info: Optional[_Signed] = getattr(request, _INFO, None)
            target = _redirect_target(response)
            if info is None or target is None:
                return response
            if origin_of(target) != chain or not info.replayable:
                self._leave_origin(first, request, info)
                return response
            if hops >= self.max_redirects:
                raise requests.TooManyRedirects(f"more than {self.max_redirects} redirects", response=response)
            method, keep_body = redirect_method(response.status_code, info.unsigned.method)
            headers = {name: value for name, value in info.unsigned.headers.items()
                       if name.lower() != "cookie" and (keep_body or name.lower() not in _BODY_HEADERS)}
            new = request.copy()
            new.method = method
            new.headers = CaseInsensitiveDict(headers)
            new.body = None
            jar = RequestsCookieJar()
            cookies = getattr(request, "_cookies", None)
            if cookies is not None:
                jar.update(cookies)
            extract_cookies_to_jar(jar, request, response.raw)
            new.prepare_cookies(jar)
            unsigned = Unsigned(method, target, _text_headers(new.headers),
                                info.unsigned.body if keep_body else None)
            new.body = unsigned.body
            if keep_body:
                new.prepare_content_length(new.body)
            self._apply(new, unsigned)
            setattr(new, _INFO, info._replace(unsigned=unsigned))
            response = self._send(response, new, kwargs)
            hops += 1
        return response

    def _leave_origin(self, first: PreparedRequest, last: PreparedRequest, info: _Signed) -> None:
        """requests follows this redirect by copying ``first``: make that copy carry nothing of
        ours (and what the last request sent, had the hook followed earlier redirects)."""
        for name in [name for name in first.headers if name.lower() == "authorization"]:
            del first.headers[name]
        first.method = info.unsigned.method
        first.url = strip_oauth_query(info.unsigned.url)
        body = info.unsigned.body
        first.body = strip_oauth_form(body) if body is not None else None
        if first is not last:
            first.headers = CaseInsensitiveDict(_text_headers(last.headers))
        first.headers.pop("Content-Length", None)
        if first.body is not None:
            first.prepare_content_length(first.body)

    def _retry_with_corrected_clock(self, response: Response, first: PreparedRequest, chain: Origin,
                                    kwargs: Dict[str, Any]) -> Response:
        request = response.request
        info: Optional[_Signed] = getattr(request, _INFO, None)
        if (info is None or info.retried or not info.replayable or response.status_code not in (400, 401)
                or origin_of(response.url) != chain):
            return response
        offset = clock_correction(self.client, response.status_code, response.headers, response.content)
        if offset is None:
            return response
        self.client = self.client.replace(clock_offset=offset)
        new = request.copy()
        new.body = info.unsigned.body
        self._apply(new, info.unsigned)
        setattr(new, _INFO, info._replace(retried=True))
        return self._follow(self._send(response, new, kwargs), first, chain, kwargs)


# -- the drop-in for requests-oauthlib's OAuth1Session -------------------------------------------


class OAuth1(OAuth1Auth):
    """A drop-in for ``requests_oauthlib.OAuth1`` (an auth object): the same constructor;
    ``force_include_body`` adds the body hash of non-form bodies (see :class:`OAuth1Session`)."""

    def __init__(self, client_key: str, client_secret: Optional[str] = None, resource_owner_key: Optional[str] = None,
                 resource_owner_secret: Optional[str] = None, callback_uri: Optional[str] = None,
                 signature_method: str = "HMAC-SHA1", signature_type: str = "AUTH_HEADER",
                 rsa_key: Optional[str] = None, verifier: Optional[str] = None, decoding: Optional[str] = "utf-8",
                 client_class: Any = None, force_include_body: bool = False, **kwargs: Any) -> None:
        self.credentials = _drop_in_credentials(
            client_key, client_secret, resource_owner_key, resource_owner_secret, callback_uri, signature_method,
            signature_type, rsa_key, verifier, client_class, force_include_body, kwargs)
        super().__init__(self.credentials.client())


def _drop_in_credentials(client_key: str, client_secret: Optional[str], token: Optional[str],
                         token_secret: Optional[str], callback: Optional[str], signature_method: str,
                         signature_type: str, rsa_key: Optional[str], verifier: Optional[str], client_class: Any,
                         force_include_body: bool, kwargs: Dict[str, Any]) -> SessionCredentials:
    if client_class is not None:
        raise TypeError("client_class (an oauthlib Client subclass) has no equivalent: oauth1core signs itself; "
                        "pass a SignatureMethod object as signature_method to change how")
    unknown = sorted(set(kwargs) - {"realm", "encoding", "decoding"})
    if unknown:
        raise TypeError(f"unsupported option(s): {', '.join(unknown)}")
    return SessionCredentials(client_key, client_secret, token, token_secret, callback, signature_method,
                              placement_of(signature_type), rsa_key, verifier, force_include_body, kwargs.get("realm"))


class OAuth1Session(requests.Session):
    """A drop-in for ``requests_oauthlib.OAuth1Session``: the same constructor, methods, return
    values and exceptions (:class:`TokenRequestDenied`, :class:`TokenMissing`,
    :class:`VerifierMissing`), signed by oauth1core. docs/migrating.md lists what differs on
    purpose: redirects re-signed within the origin only, ``allow_redirects=False`` honoured,
    ``force_include_body`` as the body hash of the signature method, a crossed callback refused,
    one retry after a refused timestamp.

    ``signature_method`` is a name (oauthlib's constants are the same strings);
    ``signature_type`` ``AUTH_HEADER``, ``QUERY`` or ``BODY``; ``client_class`` (an oauthlib
    client class) cannot apply and raises :class:`TypeError`; ``**kwargs`` may hold ``realm``.
    """

    def __init__(self, client_key: str, client_secret: Optional[str] = None, resource_owner_key: Optional[str] = None,
                 resource_owner_secret: Optional[str] = None, callback_uri: Optional[str] = None,
                 signature_method: str = "HMAC-SHA1", signature_type: str = "AUTH_HEADER",
                 rsa_key: Optional[str] = None, verifier: Optional[str] = None, client_class: Any = None,
                 force_include_body: bool = False, **kwargs: Any) -> None:
        super().__init__()
        self._credentials = _drop_in_credentials(
            client_key, client_secret, resource_owner_key, resource_owner_secret, callback_uri, signature_method,
            signature_type, rsa_key, verifier, client_class, force_include_body, kwargs)
        self.auth = OAuth1Auth(self._credentials.client())

    def _refresh(self, realm: Optional[str] = None) -> None:
        if isinstance(self.auth, OAuth1Auth):
            self.auth.client = self._credentials.client(realm=realm).replace(
                clock_offset=self.auth.client.clock_offset)

    @property
    def token(self) -> Dict[str, str]:
        """``oauth_token``, ``oauth_token_secret`` and ``oauth_verifier``, those that are set."""
        return {name: value for name, value in self._credentials.token_dict(with_empty=False).items() if value}

    @token.setter
    def token(self, value: Dict[str, str]) -> None:
        self._credentials.set_token(value)
        self._refresh()

    @property
    def authorized(self) -> bool:
        """Whether the session holds what protected requests need (requests-oauthlib's rule)."""
        return self._credentials.authorized()

    def authorization_url(self, url: str, request_token: Optional[str] = None, **kwargs: str) -> str:
        """Section 2.2: ``url`` with ``oauth_token`` (and ``kwargs``) added to its query."""
        kwargs["oauth_token"] = request_token or self._credentials.token or ""
        return add_params(url, kwargs.items())

    def fetch_request_token(self, url: str, realm: Optional[List[str]] = None, **request_kwargs: Any) -> Dict[str, str]:
        """Section 2.1: a signed POST for temporary credentials; returns every field of the
        answer. The callback is sent with this request only; ``realm`` (a list) too."""
        self._refresh(realm=" ".join(realm) if realm else None)
        try:
            token = self._fetch_token(url, **request_kwargs)
        finally:
            self._credentials.callback = None
            self._refresh()
        self._credentials.requested_token = self._credentials.token
        return token

    def fetch_access_token(self, url: str, verifier: Optional[str] = None, **request_kwargs: Any) -> Dict[str, str]:
        """Section 2.3: exchange the temporary credentials and the verifier for token
        credentials; :class:`VerifierMissing` without a verifier. The verifier is used once."""
        if verifier:
            self._credentials.verifier = verifier
        if not self._credentials.verifier:
            raise VerifierMissing("No client verifier has been set.")
        self._refresh()
        token = self._fetch_token(url, **request_kwargs)
        self._credentials.verifier = None
        self._credentials.requested_token = None
        self._refresh()
        return token

    def parse_authorization_response(self, url: str) -> Dict[str, str]:
        """The callback URL's query as a dict (its token and verifier kept for the next step)."""
        fields = self._credentials.parse_callback(url)
        self._refresh()
        return fields

    def _fetch_token(self, url: str, **request_kwargs: Any) -> Dict[str, str]:
        response = self.post(url, **request_kwargs)
        return self._credentials.token_answer(response.status_code, response.headers, response.content, response)

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Response:
        """As requests', except that ``allow_redirects=False`` also stops the auth from following
        same-origin redirects (requests does not tell an auth object)."""
        if kwargs.get("allow_redirects", True) is False and kwargs.get("auth") is None \
                and isinstance(self.auth, OAuth1Auth) and self.auth.follow_redirects:
            kwargs["auth"] = OAuth1Auth(self.auth.client, follow_redirects=False,
                                        correct_clock=self.auth.correct_clock)
        return super().request(method, url, *args, **kwargs)

    def rebuild_auth(self, prepared_request: PreparedRequest, response: Response) -> None:
        """A redirect requests follows itself: within the origin of the request that was
        redirected, signed again (a new nonce; requests-oauthlib does this for every origin);
        to another origin, nothing of ours goes (no ``Authorization``)."""
        for name in [name for name in prepared_request.headers if name.lower() == "authorization"]:
            del prepared_request.headers[name]
        prepared_request.url = strip_oauth_query(prepared_request.url or "")
        if isinstance(prepared_request.body, (bytes, str)) and is_form_content_type(
                header_value(_text_headers(prepared_request.headers), "Content-Type")):
            prepared_request.body = strip_oauth_form(prepared_request.body)
            prepared_request.headers.pop("Content-Length", None)
            prepared_request.prepare_content_length(prepared_request.body)
        same = origin_of(prepared_request.url or "") == origin_of(response.request.url or "")
        if same and isinstance(self.auth, OAuth1Auth):
            prepared_request.prepare_auth(self.auth)
        else:
            super().rebuild_auth(prepared_request, response)
