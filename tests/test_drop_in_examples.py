"""The peers' own documented example programs, with only the import changed, run against
``python -m oauth1core serve`` and against the stock oauthlib and Authlib providers.

Written down from (the prose and prompts replaced by a resource owner who approves at once):

* requests-oauthlib, docs/oauth1_workflow.rst, "Workflow example showing use of both OAuth1 and
  OAuth1Session" (both variants) and docs/examples/tumblr.rst;
* Authlib, docs "OAuth 1 Session" (the common guide: ``fetch_request_token``,
  ``create_authorization_url(url, request_token['oauth_token'])``, ``parse_authorization_response``,
  ``fetch_access_token``, then a new client built from the saved token), with the httpx
  ``OAuth1Client`` and ``AsyncOAuth1Client`` the guide says share that API.

One change beyond the import, in requests-oauthlib's workflow page: its step 1 sends no
``callback_uri`` (Twitter falls back to the registered callback). RFC 5849 section 2.1 makes
``oauth_callback`` required and every stock provider here refuses the request without it
(``test_workflow_page_without_callback_is_refused``), so the program passes ``callback_uri="oob"``.
Cost: ~15 flows, about 2 s.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Callable, Dict, Iterator, NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest
from peer_providers import _no_redirect_get, authlib_provider, oauthlib_provider, serve_wsgi
from store_suite import ServeProcess

pytestmark = pytest.mark.peers

CLIENT_KEY = "exampleClientKey00000001"  # oauthlib's default check: 20-30 letters and digits
CLIENT_SECRET = "example-client-secret"
CALLBACK = "http://127.0.0.1:9/dashboard"


class Provider(NamedTuple):
    request_token_url: str
    authorization_base_url: str
    access_token_url: str
    protected_url: str

    def browser(self, url: str) -> str:
        """The resource owner opens ``url`` and approves: the URL they are sent back to."""
        status, headers, body = _no_redirect_get(url)
        assert status in (302, 303), (status, body)
        return dict(headers)["location"]

    def verifier(self, url: str) -> str:
        """The resource owner opens ``url`` (callback ``oob``) and approves: the verifier they
        read (oauthlib shows it as a form body, serve in a page; Authlib redirects anyway)."""
        status, headers, body = _no_redirect_get(url)
        if status in (302, 303):
            return parse_qs(urlsplit(dict(headers)["location"]).query)["oauth_verifier"][0]
        assert status == 200, (status, body)
        match = re.search(r'oauth_verifier(?:">|=)([A-Za-z0-9_-]+)', body.decode())
        assert match is not None, body
        return match.group(1)


@pytest.fixture(scope="module", params=["serve", "oauthlib", "Authlib"])
def provider(request: pytest.FixtureRequest) -> Iterator[Provider]:
    if request.param == "serve":
        with ServeProcess("--consumer", f"{CLIENT_KEY}:{CLIENT_SECRET}", "--auto-approve", "alice") as server:
            base = server.url
            yield Provider(base + "/oauth/request_token", base + "/oauth/authorize", base + "/oauth/access_token",
                           base + "/api/whoami")
        return
    factory = oauthlib_provider if request.param == "oauthlib" else authlib_provider
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
        with serve_wsgi(factory({CLIENT_KEY: CLIENT_SECRET})) as base:
            yield Provider(base + "/request_token", base + "/authorize", base + "/access_token", base + "/whoami")


def _whoami(response: Any) -> Dict[str, str]:
    assert response.status_code == 200, response.text
    return json.loads(response.text)  # type: ignore[no-any-return]


# -- requests-oauthlib: docs/oauth1_workflow.rst ----------------------------------------------


def test_workflow_with_oauth1session(provider: Provider) -> None:
    from oauth1core.adapters.requests import OAuth1Session  # was: from requests_oauthlib import OAuth1Session

    client_key, client_secret = CLIENT_KEY, CLIENT_SECRET
    request_token_url = provider.request_token_url
    oauth = OAuth1Session(client_key, client_secret=client_secret, callback_uri="oob")
    fetch_response = oauth.fetch_request_token(request_token_url)
    resource_owner_key = fetch_response.get("oauth_token")
    resource_owner_secret = fetch_response.get("oauth_token_secret")

    base_authorization_url = provider.authorization_base_url
    authorization_url = oauth.authorization_url(base_authorization_url)
    verifier = provider.verifier(authorization_url)  # was: raw_input('Please input the verifier')

    access_token_url = provider.access_token_url
    oauth = OAuth1Session(client_key, client_secret=client_secret, resource_owner_key=resource_owner_key,
                          resource_owner_secret=resource_owner_secret, verifier=verifier)
    oauth_tokens = oauth.fetch_access_token(access_token_url)
    resource_owner_key = oauth_tokens.get("oauth_token")
    resource_owner_secret = oauth_tokens.get("oauth_token_secret")

    protected_url = provider.protected_url
    oauth = OAuth1Session(client_key, client_secret=client_secret, resource_owner_key=resource_owner_key,
                          resource_owner_secret=resource_owner_secret)
    r = oauth.get(protected_url)
    assert _whoami(r) == {"user": "alice", "consumer_key": CLIENT_KEY}


def test_workflow_with_oauth1_auth_helper(provider: Provider) -> None:
    import requests

    from oauth1core.adapters.requests import OAuth1  # was: from requests_oauthlib import OAuth1

    client_key, client_secret = CLIENT_KEY, CLIENT_SECRET
    request_token_url = provider.request_token_url
    oauth = OAuth1(client_key, client_secret=client_secret, callback_uri="oob")
    r = requests.post(url=request_token_url, auth=oauth)
    credentials = parse_qs(r.content.decode())  # was: parse_qs(r.content) (Python 2)
    resource_owner_key = credentials.get("oauth_token")[0]  # type: ignore[index]
    resource_owner_secret = credentials.get("oauth_token_secret")[0]  # type: ignore[index]

    authorize_url = provider.authorization_base_url + "?oauth_token="
    authorize_url = authorize_url + resource_owner_key
    verifier = provider.verifier(authorize_url)  # was: raw_input('Please input the verifier')

    access_token_url = provider.access_token_url
    oauth = OAuth1(client_key, client_secret=client_secret, resource_owner_key=resource_owner_key,
                   resource_owner_secret=resource_owner_secret, verifier=verifier)
    r = requests.post(url=access_token_url, auth=oauth)
    credentials = parse_qs(r.content.decode())
    resource_owner_key = credentials.get("oauth_token")[0]  # type: ignore[index]
    resource_owner_secret = credentials.get("oauth_token_secret")[0]  # type: ignore[index]

    protected_url = provider.protected_url
    for signature_type in ("auth_header", "query"):  # the page's "Signature placement" section
        oauth = OAuth1(client_key, client_secret, resource_owner_key, resource_owner_secret,
                       signature_type=signature_type)
        r = requests.get(url=protected_url, auth=oauth)
        assert _whoami(r)["user"] == "alice"


def test_workflow_page_without_callback_is_refused(provider: Provider) -> None:
    """Step 1 exactly as the page writes it (no callback_uri): refused by name, since RFC 5849
    section 2.1 makes oauth_callback required; requests-oauthlib itself gets the same answer."""
    from requests_oauthlib import OAuth1Session as PeerSession
    from requests_oauthlib.oauth1_session import TokenRequestDenied as PeerDenied

    from oauth1core.adapters.requests import OAuth1Session, TokenRequestDenied

    with pytest.raises(TokenRequestDenied) as ours:
        OAuth1Session(CLIENT_KEY, client_secret=CLIENT_SECRET).fetch_request_token(provider.request_token_url)
    with pytest.raises(PeerDenied) as theirs:
        PeerSession(CLIENT_KEY, client_secret=CLIENT_SECRET).fetch_request_token(provider.request_token_url)
    assert ours.value.status_code == theirs.value.status_code == 400
    assert ours.value.response.text == theirs.value.response.text  # the same body, kept whole


# -- requests-oauthlib: docs/examples/tumblr.rst -----------------------------------------------


def test_tumblr_example(provider: Provider) -> None:
    from oauth1core.adapters.requests import OAuth1Session  # was: from requests_oauthlib import OAuth1Session

    key, secret = CLIENT_KEY, CLIENT_SECRET
    request_token_url = provider.request_token_url
    authorization_base_url = provider.authorization_base_url
    access_token_url = provider.access_token_url

    tumblr = OAuth1Session(key, client_secret=secret, callback_uri=CALLBACK)
    tumblr.fetch_request_token(request_token_url)
    authorization_url = tumblr.authorization_url(authorization_base_url)
    redirect_response = provider.browser(authorization_url)
    tumblr.parse_authorization_response(redirect_response)
    tumblr.fetch_access_token(access_token_url)
    assert _whoami(tumblr.get(provider.protected_url))["user"] == "alice"
    assert tumblr.authorized and sorted(tumblr.token) == ["oauth_token", "oauth_token_secret"]


# -- Authlib: the "OAuth 1 Session" guide, with the httpx clients ------------------------------


def _authlib_guide(OAuth1Client: Callable[..., Any], provider: Provider) -> Dict[str, str]:
    client_id, client_secret = CLIENT_KEY, CLIENT_SECRET
    client = OAuth1Client(client_id, client_secret, redirect_uri=CALLBACK)
    request_token_url = provider.request_token_url
    request_token = client.fetch_request_token(request_token_url)
    authenticate_url = provider.authorization_base_url
    url = client.create_authorization_url(authenticate_url, request_token["oauth_token"])
    authorization_response = provider.browser(url)
    client.parse_authorization_response(authorization_response)
    access_token_url = provider.access_token_url
    token: Dict[str, str] = client.fetch_access_token(access_token_url)

    client = OAuth1Client(client_id, client_secret, token=token["oauth_token"], token_secret=token["oauth_token_secret"])
    resp = client.get(provider.protected_url)
    return _whoami(resp)


def test_authlib_guide_with_httpx_client(provider: Provider) -> None:
    from oauth1core.adapters.httpx import OAuth1Client  # was: from authlib.integrations.httpx_client import ...

    assert _authlib_guide(OAuth1Client, provider) == {"user": "alice", "consumer_key": CLIENT_KEY}


def test_authlib_guide_with_async_httpx_client(provider: Provider) -> None:
    from oauth1core.adapters.httpx import AsyncOAuth1Client  # was: from authlib.integrations.httpx_client import ...

    async def main() -> Dict[str, str]:
        client_id, client_secret = CLIENT_KEY, CLIENT_SECRET
        async with AsyncOAuth1Client(client_id, client_secret, redirect_uri=CALLBACK) as client:
            request_token = await client.fetch_request_token(provider.request_token_url)
            url = client.create_authorization_url(provider.authorization_base_url, request_token["oauth_token"])
            client.parse_authorization_response(provider.browser(url))
            token = await client.fetch_access_token(provider.access_token_url)
        async with AsyncOAuth1Client(client_id, client_secret, token=token["oauth_token"],
                                     token_secret=token["oauth_token_secret"]) as client:
            resp = await client.get(provider.protected_url)
            return _whoami(resp)

    assert asyncio.run(main()) == {"user": "alice", "consumer_key": CLIENT_KEY}
