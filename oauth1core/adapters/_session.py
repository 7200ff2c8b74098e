"""What the drop-in sessions share: requests-oauthlib's ``OAuth1Session`` (in
:mod:`oauth1core.adapters.requests`) and Authlib's httpx ``OAuth1Client`` /
``AsyncOAuth1Client`` (in :mod:`oauth1core.adapters.httpx`) keep the same state between the
legs of RFC 5849 section 2: the client credentials, the current token and its secret, the
callback until the temporary credentials are obtained, the verifier until it is exchanged.

:class:`SessionCredentials` holds that state and builds the :class:`~oauth1core.client.Client` that
signs the next request; the token answers and the callback are read here too, so both drop-ins
behave alike. Internal to the adapters; standard library only. docs/migrating.md lists where
the drop-ins differ from the libraries they replace, and why.
"""

from __future__ import annotations

import hmac
import json
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..client import Client
from ..answers import provider_problem
from ..errors import FlowError, ProviderError

__all__ = ["SessionCredentials", "TokenRequestDenied", "TokenMissing", "VerifierMissing", "placement_of",
           "parse_token_answer", "add_params"]

#: requests-oauthlib's (oauthlib's) and Authlib's names of the placements (any case).
_PLACEMENTS = {"AUTH_HEADER": "header", "HEADER": "header", "QUERY": "query", "BODY": "body"}


class TokenRequestDenied(ProviderError, ValueError):
    """A temporary or token credentials request was refused (a status of 400 or more).

    As requests-oauthlib's: ``response`` (the HTTP library's response) and ``status_code``; as
    :class:`~oauth1core.flow.ProviderError`: ``status``, ``problem`` (the provider's
    ``oauth_problem``), ``advice`` and ``excerpt`` (the start of the body).
    """

    def __init__(self, message: str, response: Any, *, status: int = 0, headers: Any = None,
                 body: bytes = b"") -> None:
        problem, advice = provider_problem(headers, body)
        text = " ".join(body[:300].decode("utf-8", "replace").split())
        ProviderError.__init__(self, message, status=status, problem=problem, advice=advice, excerpt=text)
        self.response = response

    @property
    def status_code(self) -> int:
        return self.status


class TokenMissing(FlowError, ValueError):
    """A token answer or a callback without ``oauth_token``; ``response`` is what was read
    (as requests-oauthlib's, a dict of the fields)."""

    def __init__(self, message: str, response: Any) -> None:
        super().__init__(message)
        self.response = response


class VerifierMissing(FlowError, ValueError):
    """``fetch_access_token`` without a verifier (none given, none read from the callback)."""


def placement_of(signature_type: str) -> str:
    """``AUTH_HEADER``/``HEADER``, ``QUERY``, ``BODY`` (any case) as a placement name."""
    placement = _PLACEMENTS.get(str(signature_type).upper())
    if placement is None:
        raise ValueError(f"unknown signature_type {signature_type!r}: AUTH_HEADER (or HEADER), QUERY or BODY")
    return placement


def add_params(url: str, params: Iterable[Tuple[str, str]]) -> str:
    """``url`` with ``params`` appended to its query (the fragment kept)."""
    before, hash_mark, fragment = url.partition("#")
    extra = urlencode([(str(k), str(v)) for k, v in params])
    if not extra:
        return url
    return before + ("&" if "?" in before else "?") + extra + hash_mark + fragment


def parse_token_answer(text: str) -> Dict[str, str]:
    """A token answer as a dict: a form body, or a JSON object (as both peers read them)."""
    text = text.strip().lstrip("\ufeff")
    if text.startswith("{"):
        document = json.loads(text)  # an object: the text starts with "{"
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in document.items() if v is not None}
    return dict(parse_qsl(text, keep_blank_values=True))


class SessionCredentials:
    """The credentials of a drop-in session between the legs; :meth:`client` signs with them.

    ``force_include_body`` becomes the OAuth Request Body Hash (``oauth_body_hash``) of non-form
    bodies, with the hash of the signature method (oauthlib always uses SHA-1).
    """

    def __init__(self, client_key: str, client_secret: Optional[str], token: Optional[str],
                 token_secret: Optional[str], callback: Optional[str], signature_method: str, placement: str,
                 rsa_key: Optional[str], verifier: Optional[str], body_hash: bool, realm: Optional[str]) -> None:
        if not client_key:
            raise ValueError('missing "client_key"')
        self.client_key = client_key
        self.client_secret = client_secret or ""
        self.token = token or None
        self.token_secret = token_secret or None
        self.callback = callback or None
        self.verifier = verifier or None
        self.realm = realm
        self.rsa_key = rsa_key
        self.base = Client(client_key, self.client_secret, signature_method=signature_method, rsa_key=rsa_key,
                           placement=placement, body_hash=body_hash)
        self.requested_token: Optional[str] = None  # the temporary credentials' token, once obtained

    @property
    def signature_method(self) -> str:
        return self.base.signature_method

    def client(self, *, realm: Optional[str] = None) -> Client:
        """The client for the next request, with the current token, callback and verifier."""
        return self.base.replace(token=self.token, token_secret=self.token_secret or "", callback=self.callback,
                                 verifier=self.verifier, realm=realm if realm is not None else self.realm)

    def authorized(self) -> bool:
        """requests-oauthlib's rule: RSA needs a token; the others a client secret, a token and its secret."""
        if self.signature_method.startswith("RSA-"):
            return bool(self.token)
        return bool(self.client_secret) and bool(self.token) and bool(self.token_secret)

    def token_dict(self, *, with_empty: bool) -> Dict[str, Optional[str]]:
        """``oauth_token``, ``oauth_token_secret``, ``oauth_verifier``: the set ones only
        (requests-oauthlib), or all three with ``None`` (Authlib)."""
        values = {"oauth_token": self.token, "oauth_token_secret": self.token_secret,
                  "oauth_verifier": self.verifier}
        return values if with_empty else {name: value for name, value in values.items() if value}

    def set_token(self, token: Optional[Mapping[str, Any]]) -> None:
        """requests-oauthlib's and Authlib's token setter; ``None`` clears (Authlib)."""
        if token is None:
            self.token = self.token_secret = self.verifier = None
            return
        if "oauth_token" not in token:
            raise TokenMissing(f"the answer does not contain oauth_token (fields: {sorted(token)})", dict(token))
        self.token = str(token["oauth_token"])
        if "oauth_token_secret" in token:
            self.token_secret = str(token["oauth_token_secret"])
        if "oauth_verifier" in token:
            self.verifier = str(token["oauth_verifier"])

    def parse_callback(self, url: str) -> Dict[str, str]:
        """The callback's query as a dict, kept as the token; a callback naming another
        ``oauth_token`` than the temporary credentials this session obtained is refused (a
        crossed or forged callback, RFC 5849 section 2.2: the peers do not check)."""
        fields = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        received = fields.get("oauth_token")
        if (received is not None and self.requested_token is not None
                and not hmac.compare_digest(received.encode("utf-8"), self.requested_token.encode("utf-8"))):
            raise TokenMissing("the callback's oauth_token is not the one this session asked for "
                               "(a crossed or forged callback)", fields)
        self.set_token(fields)
        return fields

    def token_answer(self, status: int, headers: Any, body: bytes, response: Any) -> Dict[str, str]:
        """Read a token answer: a refusal raises :class:`TokenRequestDenied`, an answer without
        ``oauth_token`` :class:`TokenMissing`; otherwise every field (extras too) as a dict,
        and the session holds the new token."""
        text = body.decode("utf-8", "replace")
        if status >= 400:
            raise TokenRequestDenied(f"Token request failed with code {status}, response was '{text[:300]}'.",
                                     response, status=status, headers=headers, body=body)
        try:
            token = parse_token_answer(text)
        except ValueError as exc:
            raise ValueError(f"Unable to decode token from token response: {exc}") from None
        self.set_token(token)  # TokenMissing.response: the fields read, as requests-oauthlib
        return token
