"""Provider presets: what each provider's documentation says about its OAuth 1.0a, as plain data.

A :class:`Preset` holds a provider's endpoints (RFC 5849 section 2), signature method, parameter
placement (3.5), realm rule, the extra parameters its authorization URL takes and its quirks, and
cites the documentation each value comes from. Presets are read-only; nothing here talks to the
network. Some endpoints depend on the installation (``{base_url}``: Jira, Magento) or the account
(``{account}``: NetSuite); pass those as keyword arguments::

    preset = get_preset("netsuite")
    client = preset.client("consumer-key", "consumer-secret", account="123456_SB1")
    flow = preset.flow(client, callback="https://app.example/cb", account="123456_SB1")

In a template, ``{account|host}`` is the account ID as NetSuite writes it in host names (lower
case, ``-``) and ``{account|realm}`` as it writes it in the realm (upper case, ``_``).

``python -m oauth1core serve --preset NAME`` serves a preset's paths (:meth:`Preset.routes`), so
a client written for a provider can be tested on loopback. Not imported by ``import oauth1core``.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from .client import PLACEMENTS, Client
from .flow import Endpoints, ThreeLeggedFlow
from .methods import STANDARD_METHODS
from .parameters import FORM_CONTENT_TYPE, Param

__all__ = ["Preset", "get_preset", "preset_names"]

_FIELD = re.compile(r"\{([a-z_]+)(?:\|([a-z]+))?\}")
_BASE_URL = re.compile(r"https?://[A-Za-z0-9\-._~]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9\-._~/%]*)?")
_ACCOUNT = re.compile(r"[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*")


def _filter(value: str, name: Optional[str]) -> str:
    if name is None:
        return value
    if name == "host":
        return value.lower().replace("_", "-")
    if name == "realm":
        return value.upper().replace("-", "_")
    raise ValueError(f"unknown template filter {name!r}")


@dataclass(frozen=True)
class Preset:
    """One provider's OAuth 1.0a, from its documentation (``docs``).

    URLs may hold ``{variable}`` fields, listed in ``variables``. ``request_token_url`` is
    ``None`` for one-legged providers (every request signed with the client credentials alone);
    ``authorize_url`` is ``None`` when the verifier reaches the client by other means.
    ``authorize_params`` are sent by default, ``authorize_param_names`` are the extra
    parameters the documentation lists (others are refused, to catch typos);
    ``request_token_param_names`` likewise for the temporary credentials request.
    ``callback_confirmed``: whether the provider answers ``oauth_callback_confirmed=true``;
    ``send_callback`` / ``authorize_callback``: where the callback goes; ``token_headers``:
    headers the token requests need; ``notes``: the quirks, in words.
    """

    name: str
    title: str
    docs: Tuple[str, ...]
    signature_method: str
    request_token_url: Optional[str] = None
    authorize_url: Optional[str] = None
    access_token_url: Optional[str] = None
    request_token_method: str = "POST"
    access_token_method: str = "POST"
    placement: str = "header"
    realm: Optional[str] = None
    body_hash: bool = False
    callback_confirmed: bool = True
    send_callback: bool = True
    authorize_callback: bool = False
    authorize_params: Tuple[Param, ...] = ()
    authorize_param_names: Tuple[str, ...] = ()
    request_token_param_names: Tuple[str, ...] = ()
    token_headers: Tuple[Param, ...] = ()
    variables: Tuple[str, ...] = ()
    api_base_url: Optional[str] = None
    notes: Tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.docs or not all(url.startswith("https://") for url in self.docs):
            raise ValueError(f"{self.name}: every preset cites its documentation (https URLs)")
        if self.signature_method not in STANDARD_METHODS:
            raise ValueError(f"{self.name}: unknown signature method {self.signature_method!r}")
        if self.placement not in PLACEMENTS:
            raise ValueError(f"{self.name}: unknown placement {self.placement!r}")
        if (self.request_token_url is None) != (self.access_token_url is None):
            raise ValueError(f"{self.name}: both token endpoints, or neither (one-legged)")
        for template in (self.request_token_url, self.authorize_url, self.access_token_url, self.realm,
                         self.api_base_url):
            for match in _FIELD.finditer(template or ""):
                if match.group(1) not in self.variables:
                    raise ValueError(f"{self.name}: {{{match.group(1)}}} is not one of its variables")
                _filter("x", match.group(2))
        for name, _ in self.authorize_params:
            if name not in self.authorize_param_names:
                raise ValueError(f"{self.name}: default authorize parameter {name!r} is not a documented one")

    @property
    def three_legged(self) -> bool:
        return self.request_token_url is not None

    # -- filling in the templates ------------------------------------------------------------

    def _values(self, values: Mapping[str, Any]) -> Dict[str, str]:
        unknown = set(values) - set(self.variables)
        if unknown:
            raise ValueError(f"{self.name} takes no {', '.join(sorted(unknown))} (its variables: "
                             f"{', '.join(self.variables) or 'none'})")
        missing = [name for name in self.variables if not values.get(name)]
        if missing:
            raise ValueError(f"{self.name} needs {', '.join(missing)} (e.g. "
                             + ", ".join(f"{name}={_EXAMPLES.get(name, '...')}" for name in missing) + ")")
        checked: Dict[str, str] = {}
        for name in self.variables:
            value = values[name]
            if not isinstance(value, str):
                raise ValueError(f"{name} must be a str")
            if name == "base_url":
                value = value.rstrip("/")
                if _BASE_URL.fullmatch(value) is None:
                    raise ValueError("base_url must be http(s)://host[:port][/path], without query or fragment")
            elif _ACCOUNT.fullmatch(value) is None:
                raise ValueError(f"{name} must be letters and digits, separated by single - or _")
            checked[name] = value
        return checked

    def _fill(self, template: Optional[str], values: Mapping[str, str]) -> Optional[str]:
        if template is None:
            return None
        return _FIELD.sub(lambda match: _filter(values[match.group(1)], match.group(2)), template)

    def endpoints(self, **values: str) -> Endpoints:
        """The provider's :class:`~oauth1core.flow.Endpoints` (its variables as keywords)."""
        if not self.three_legged:
            raise ValueError(f"{self.name} is one-legged: it has no token endpoints")
        filled = self._values(values)
        request_token_url = self._fill(self.request_token_url, filled)
        access_token_url = self._fill(self.access_token_url, filled)
        assert request_token_url is not None and access_token_url is not None
        return Endpoints(request_token_url, self._fill(self.authorize_url, filled), access_token_url,
                         self.request_token_method, self.access_token_method)

    def realm_for(self, **values: str) -> Optional[str]:
        """The ``realm`` to send, or ``None`` (most providers want none)."""
        return self._fill(self.realm, self._values(values))

    def api_base(self, **values: str) -> Optional[str]:
        """Where the provider's protected resources live, when the preset knows."""
        return self._fill(self.api_base_url, self._values(values))

    def client(self, client_key: str, client_secret: str = "", *, rsa_key: Any = None, **values: str) -> Client:
        """A :class:`~oauth1core.client.Client` with this provider's signature method, placement,
        realm and body hash (``rsa_key``: the client's private key, for the RSA methods)."""
        return Client(client_key, client_secret, signature_method=self.signature_method, rsa_key=rsa_key,
                      placement=self.placement, realm=self.realm_for(**values), body_hash=self.body_hash)

    def flow(self, client: Client, *, callback: str = "oob", authorize_params: Iterable[Param] = (),
             request_token_params: Iterable[Param] = (), headers: Optional[Mapping[str, str]] = None,
             **values: str) -> ThreeLeggedFlow:
        """A :class:`~oauth1core.flow.ThreeLeggedFlow` for this provider. ``authorize_params``
        (added to the defaults) and ``request_token_params`` must be documented ones."""
        authorize_params = [(str(name), str(value)) for name, value in authorize_params]
        request_token_params = [(str(name), str(value)) for name, value in request_token_params]
        for name, _ in authorize_params:
            if name not in self.authorize_param_names:
                raise ValueError(f"{self.name}'s authorization URL takes "
                                 f"{', '.join(self.authorize_param_names) or 'no extra parameter'}, not {name!r}")
        for name, _ in request_token_params:
            if name not in self.request_token_param_names:
                raise ValueError(f"{self.name}'s temporary credentials request takes "
                                 f"{', '.join(self.request_token_param_names) or 'no extra parameter'}, "
                                 f"not {name!r}")
        overridden = {name for name, _ in authorize_params}
        merged = [pair for pair in self.authorize_params if pair[0] not in overridden] + authorize_params
        all_headers = dict(self.token_headers)
        all_headers.update(headers or {})
        return ThreeLeggedFlow(
            client,
            self.endpoints(**values),
            callback=callback,
            require_callback_confirmed=self.callback_confirmed,
            send_callback=self.send_callback,
            authorize_callback=self.authorize_callback,
            request_token_params=request_token_params,
            authorize_params=merged,
            headers=all_headers,
        )

    def routes(self) -> Tuple[Dict[str, str], Dict[str, Tuple[str, ...]]]:
        """``(paths, methods)`` for :class:`~oauth1core.httpserver.ProviderApp`: the path of each
        endpoint this preset has (``request_token``, ``authorize``, ``access_token``), and the
        methods of the token endpoints (POST, and GET where the provider documents GET)."""
        paths: Dict[str, str] = {}
        methods: Dict[str, Tuple[str, ...]] = {}
        dummy = {name: ("http://provider.invalid" if name == "base_url" else "x") for name in self.variables}
        for endpoint, template, method in (("request_token", self.request_token_url, self.request_token_method),
                                           ("authorize", self.authorize_url, None),
                                           ("access_token", self.access_token_url, self.access_token_method)):
            url = self._fill(template, dummy)
            if url is None:
                continue
            paths[endpoint] = urlsplit(url).path
            if method is not None:
                methods[endpoint] = ("POST",) if method == "POST" else (method, "POST")
        return paths, methods


_EXAMPLES = {"base_url": "https://jira.example.com", "account": "123456_SB1"}

_PRESETS = (
    Preset(
        name="smugmug",
        title="SmugMug API v2",
        docs=("https://api.smugmug.com/api/v2/doc/tutorial/authorization.html",
              "https://api.smugmug.com/api/v2/doc/tutorial/oauth/faq.html"),
        signature_method="HMAC-SHA1",
        request_token_url="https://api.smugmug.com/services/oauth/1.0a/getRequestToken",
        authorize_url="https://api.smugmug.com/services/oauth/1.0a/authorize",
        access_token_url="https://api.smugmug.com/services/oauth/1.0a/getAccessToken",
        authorize_param_names=("Access", "Permissions", "allowThirdPartyLogin", "showSignUpButton", "username",
                               "viewportScale"),
        api_base_url="https://api.smugmug.com/api/v2",
        notes=(
            "Access (Public or Full, default Public) and Permissions (Read, Add or Modify, default Read) on the "
            "authorization URL choose the level of access; it cannot be raised later by authorizing again.",
            "oauth_callback is required on the 1.0a endpoints; with oob the user is shown a six-digit code.",
            "HMAC-SHA1, or PLAINTEXT over https only.",
            "Temporary credentials live 5 minutes and are single-use; token credentials never expire.",
        ),
    ),
    Preset(
        name="x",
        title="X (Twitter)",
        docs=("https://docs.x.com/fundamentals/authentication/api-reference",
              "https://developer.x.com/en/docs/authentication/oauth-1-0a"),
        signature_method="HMAC-SHA1",
        request_token_url="https://api.x.com/oauth/request_token",
        authorize_url="https://api.x.com/oauth/authorize",
        access_token_url="https://api.x.com/oauth/access_token",
        authorize_param_names=("force_login", "screen_name"),
        request_token_param_names=("x_auth_access_type",),
        api_base_url="https://api.x.com",
        notes=(
            "Callback URLs must be registered in the app's settings; oob gives a PIN.",
            "x_auth_access_type (read or write) on the temporary credentials request asks for less than the "
            "app's level of access.",
            "oauth/authenticate (Sign in with X) skips the approval page for users who already approved; "
            "oauth/authorize (this preset) always asks, and is the one for desktop apps.",
            "The token credentials answer also carries user_id and screen_name (kept in extra).",
            "oauth_nonce must be ASCII.",
        ),
    ),
    Preset(
        name="flickr",
        title="Flickr",
        docs=("https://www.flickr.com/services/api/auth.oauth.html",),
        signature_method="HMAC-SHA1",
        request_token_url="https://www.flickr.com/services/oauth/request_token",
        authorize_url="https://www.flickr.com/services/oauth/authorize",
        access_token_url="https://www.flickr.com/services/oauth/access_token",
        request_token_method="GET",
        access_token_method="GET",
        authorize_params=(("perms", "read"),),
        authorize_param_names=("perms",),
        api_base_url="https://api.flickr.com/services/rest",
        notes=(
            "perms (read, write or delete) on the authorization URL; without it the user is told the permission "
            "set is not recognised, so this preset sends perms=read unless you choose another.",
            "HMAC-SHA1 only; the documentation signs the token requests as GET requests.",
            "The token credentials answer also carries fullname, user_nsid and username (kept in extra).",
        ),
    ),
    Preset(
        name="trello",
        title="Trello",
        docs=("https://developer.atlassian.com/cloud/trello/guides/rest-api/authorization/",
              "https://trello.com/docs/gettingstarted/oauth.html"),
        signature_method="HMAC-SHA1",
        request_token_url="https://trello.com/1/OAuthGetRequestToken",
        authorize_url="https://trello.com/1/OAuthAuthorizeToken",
        access_token_url="https://trello.com/1/OAuthGetAccessToken",
        authorize_param_names=("name", "scope", "expiration"),
        api_base_url="https://api.trello.com/1",
        notes=(
            "name is shown to the user (otherwise 'An unknown application'); scope is read, write and/or account, "
            "comma-separated (default read); expiration is 1hour, 1day, 30days (the default) or never.",
        ),
    ),
    Preset(
        name="jira",
        title="Jira Server / Data Center",
        docs=("https://developer.atlassian.com/server/jira/platform/oauth/",),
        signature_method="RSA-SHA1",
        request_token_url="{base_url}/plugins/servlet/oauth/request-token",
        authorize_url="{base_url}/plugins/servlet/oauth/authorize",
        access_token_url="{base_url}/plugins/servlet/oauth/access-token",
        variables=("base_url",),
        api_base_url="{base_url}/rest/api/2",
        notes=(
            "RSA-SHA1 only: an administrator creates an Application Link (generic application) and enters the "
            "consumer key and your RSA public key as its incoming authentication; there is no consumer secret.",
            "base_url is the Jira base URL, context path included (https://jira.example.com/jira).",
            "Jira Cloud's OAuth 1.0a is deprecated; this preset is for Server and Data Center.",
        ),
    ),
    Preset(
        name="netsuite",
        title="NetSuite token-based authentication (TBA)",
        docs=("https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156337186044.html",
              "https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156338994830.html",
              "https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156536698849.html",
              "https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_156537025868.html"),
        signature_method="HMAC-SHA256",
        request_token_url="https://{account|host}.restlets.api.netsuite.com/rest/requesttoken",
        authorize_url="https://{account|host}.app.netsuite.com/app/login/secure/authorizetoken.nl",
        access_token_url="https://{account|host}.restlets.api.netsuite.com/rest/accesstoken",
        realm="{account|realm}",
        authorize_param_names=("state",),
        variables=("account",),
        api_base_url="https://{account|host}.restlets.api.netsuite.com",
        notes=(
            "Only HMAC-SHA256. The realm is the account ID as NetSuite writes it (123456_SB1), not "
            "percent-encoded; host names use 123456-sb1.",
            "oauth_callback must match the integration record's callback URL.",
            "The callback also carries company, role and entity; an optional state (up to 512 letters and "
            "digits) on the authorization URL comes back too: check it with parse_callback(expected_state=...). "
            "A denial comes back as an empty oauth_verifier.",
            "Nonces of at least 6 characters (this library's are 24 letters and digits); timestamps must not go backwards.",
        ),
    ),
    Preset(
        name="mastercard",
        title="Mastercard APIs (one-legged)",
        docs=("https://developer.mastercard.com/platform/documentation/authentication/"
              "using-oauth-1a-to-access-mastercard-apis/",),
        signature_method="RSA-SHA256",
        body_hash=True,
        api_base_url="https://sandbox.api.mastercard.com",
        notes=(
            "One-legged: every request is signed with the consumer key and your RSA private key alone; there is "
            "no token and no three-legged flow.",
            "RSA-SHA256 with the OAuth Request Body Hash extension: oauth_body_hash (SHA-256) goes on every "
            "request, an empty body hashing as the empty string.",
            "The signing key comes as a PKCS#12 keystore: convert it to PEM first "
            "(openssl pkcs12 -in key.p12 -nocerts -nodes -out key.pem).",
            "Production APIs live on https://api.mastercard.com, the sandbox on https://sandbox.api.mastercard.com.",
        ),
    ),
    Preset(
        name="magento",
        title="Magento 2 / Adobe Commerce integrations",
        docs=("https://developer.adobe.com/commerce/webapi/get-started/authentication/gs-authentication-oauth",),
        signature_method="HMAC-SHA256",
        request_token_url="{base_url}/oauth/token/request",
        access_token_url="{base_url}/oauth/token/access",
        callback_confirmed=False,
        send_callback=False,
        variables=("base_url",),
        api_base_url="{base_url}/rest/V1",
        notes=(
            "No authorization URL: when the merchant activates the integration, Magento POSTs "
            "oauth_consumer_key, oauth_consumer_secret, store_base_url and oauth_verifier to the integration's "
            "Callback Link. Ask for temporary credentials, then enter that verifier (enter_verifier) and ask for "
            "token credentials.",
            "The temporary credentials request carries no oauth_callback, and the answer no "
            "oauth_callback_confirmed.",
            "HMAC-SHA256 (older versions also took HMAC-SHA1).",
        ),
    ),
    Preset(
        name="garmin",
        title="Garmin Connect Developer Program (Health / Activity APIs)",
        docs=("https://developer.garmin.com/gc-developer-program/overview/",
              "https://developerportal.garmin.com/developer-programs/content/829/programs-docs"),
        signature_method="HMAC-SHA1",
        request_token_url="https://connectapi.garmin.com/oauth-service/oauth/request_token",
        authorize_url="https://connect.garmin.com/oauthConfirm",
        access_token_url="https://connectapi.garmin.com/oauth-service/oauth/access_token",
        callback_confirmed=False,
        authorize_callback=True,
        api_base_url="https://apis.garmin.com/wellness-api/rest",
        notes=(
            "The OAuth documentation is in the partner portal (an approved developer account is needed).",
            "The callback goes on the authorization URL (oauth_callback) as well; do not rely on "
            "oauth_callback_confirmed.",
            "Garmin is moving its partners to OAuth 2.0 with PKCE and has announced the end of OAuth 1.0a "
            "(2026-12-31); existing token credentials can be exchanged for OAuth 2.0 tokens.",
        ),
    ),
    Preset(
        name="discogs",
        title="Discogs",
        docs=("https://www.discogs.com/developers#page:authentication",),
        signature_method="PLAINTEXT",
        request_token_url="https://api.discogs.com/oauth/request_token",
        authorize_url="https://www.discogs.com/oauth/authorize",
        access_token_url="https://api.discogs.com/oauth/access_token",
        request_token_method="GET",
        token_headers=(("Content-Type", FORM_CONTENT_TYPE),),
        api_base_url="https://api.discogs.com",
        notes=(
            "The documentation signs with PLAINTEXT (over https; the signature is the secrets themselves).",
            "The temporary credentials request is a GET with Content-Type: application/x-www-form-urlencoded.",
            "Every request needs a User-Agent that names your application (pass headers={'User-Agent': ...}).",
        ),
    ),
    Preset(
        name="tumblr",
        title="Tumblr API v2",
        docs=("https://www.tumblr.com/docs/en/api/v2#oauth1-authorization",),
        signature_method="HMAC-SHA1",
        request_token_url="https://www.tumblr.com/oauth/request_token",
        authorize_url="https://www.tumblr.com/oauth/authorize",
        access_token_url="https://www.tumblr.com/oauth/access_token",
        api_base_url="https://api.tumblr.com/v2",
        notes=(
            "HMAC-SHA1 only, parameters in the Authorization header only.",
            "Tumblr also offers OAuth 2.0; this preset is its OAuth 1.0a.",
        ),
    ),
)

#: Every preset by name (read-only).
PRESETS: Mapping[str, Preset] = types.MappingProxyType({preset.name: preset for preset in _PRESETS})

#: Other names presets are known by.
ALIASES: Mapping[str, str] = types.MappingProxyType({"twitter": "x", "adobe-commerce": "magento"})


def preset_names() -> Tuple[str, ...]:
    return tuple(PRESETS)


def get_preset(name: str) -> Preset:
    """The preset ``name`` (case-insensitive; aliases such as ``twitter`` work); ``KeyError``
    naming the known ones otherwise."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    preset = PRESETS.get(key)
    if preset is None:
        raise KeyError(f"unknown provider preset {name!r}; known: {', '.join(PRESETS)}")
    return preset
