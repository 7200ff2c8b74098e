"""Interoperability with Authlib, over loopback HTTP, both ways:

* our three-legged flow (urllib transport) and every adapter against a provider built from
  Authlib's ``AuthorizationServer`` and ``ResourceProtector`` (tests/peer_providers.py): HMAC-SHA1
  in each placement, RSA-SHA1, PLAINTEXT (the methods Authlib's servers verify);
* Authlib's requests client (``OAuth1Session``) against ``python -m oauth1core serve``, with its
  default paths and with a provider preset's paths; and requests-oauthlib's against a preset's
  paths too (its default-path flow is tests/test_interop_requests_oauthlib.py).
"""

from __future__ import annotations

import json
from typing import Iterator

import pytest
import requests
from authlib.integrations.requests_client import OAuth1Session as AuthlibSession
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from peer_providers import Driver, _no_redirect_get, authlib_provider, driver_params, serve_wsgi, three_legged_with
from requests_oauthlib import OAuth1Session as RequestsOAuthlibSession
from store_suite import ServeProcess

from oauth1core.client import Client
from oauth1core.flow import Endpoints, ThreeLeggedFlow
from oauth1core.presets import get_preset
from oauth1core.transport import UrllibTransport, obtain_temporary_credentials, obtain_token_credentials

pytestmark = pytest.mark.peers

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
PUBLIC_PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
CALLBACK = "http://127.0.0.1:9/callback"


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http, on loopback
        with serve_wsgi(authlib_provider({"authlib-client": "authlib-secret"},
                                         rsa_keys={"rsa-client": PUBLIC_PEM})) as url:
            yield url


@pytest.mark.parametrize("client", [
    Client("authlib-client", "authlib-secret"),
    Client("authlib-client", "authlib-secret", placement="query"),
    Client("authlib-client", "authlib-secret", placement="body"),
    Client("authlib-client", "authlib-secret", signature_method="PLAINTEXT"),
    Client("rsa-client", signature_method="RSA-SHA1", rsa_key=PRIVATE_PEM),
], ids=["hmac-sha1", "hmac-sha1-query", "hmac-sha1-body", "plaintext", "rsa-sha1"])
def test_our_flow_completes(base: str, client: Client) -> None:
    flow = ThreeLeggedFlow(client, Endpoints(base + "/request_token", base + "/authorize", base + "/access_token"),
                           callback=CALLBACK)
    transport = UrllibTransport(proxies={})
    state = obtain_temporary_credentials(flow, transport)
    status, headers, _ = _no_redirect_get(flow.authorization_url(state))
    assert status == 302
    state = flow.parse_callback(state, dict(headers)["location"])
    credentials = obtain_token_credentials(flow, state, transport)
    authorized = flow.authorized_client(credentials)
    if authorized.placement == "body":
        authorized = authorized.replace(placement="header")
    status, _, body = transport.send(authorized.sign("GET", base + "/whoami?photo=1"))
    assert status == 200 and json.loads(body) == {"user": "alice", "consumer_key": client.client_key}


@pytest.mark.parametrize("driver", driver_params())
def test_each_adapter_completes(base: str, driver: Driver) -> None:
    client = three_legged_with(driver, Client("authlib-client", "authlib-secret"), base, callback=CALLBACK)
    status, _, body = driver.send(driver.auth(client), "GET", base + "/whoami?size=large")
    assert status == 200 and json.loads(body) == {"user": "alice", "consumer_key": "authlib-client"}


# -- peers' clients against our serve ----------------------------------------------------------------


def _browser_approves(url: str) -> str:
    """The resource owner opens the authorization URL (serve --auto-approve); the callback URL."""
    status, headers, _ = _no_redirect_get(url)
    assert status == 302, status
    return dict(headers)["location"]


@pytest.mark.parametrize("preset", [None, "smugmug"])
def test_authlib_client_against_serve(preset: str) -> None:
    args = ["--consumer", "authlib-key:authlib-secret", "--auto-approve", "alice"]
    paths = {"request_token": "/oauth/request_token", "authorize": "/oauth/authorize",
             "access_token": "/oauth/access_token"}
    if preset:
        args += ["--preset", preset]
        paths = get_preset(preset).routes()[0]
    with ServeProcess(*args) as server:
        session = AuthlibSession("authlib-key", "authlib-secret", redirect_uri=CALLBACK)
        session.trust_env = False
        temporary = session.fetch_request_token(server.url + paths["request_token"], timeout=30)
        assert temporary["oauth_callback_confirmed"] == "true"
        url = session.create_authorization_url(server.url + paths["authorize"])
        session.parse_authorization_response(_browser_approves(url))
        # Authlib's client keeps sending oauth_callback with every request: the provider ignores it
        # outside the temporary credentials request (the callback was bound then).
        access = session.fetch_access_token(server.url + paths["access_token"], timeout=30)
        assert access["oauth_token"] != temporary["oauth_token"]
        response = session.get(server.url + "/api/whoami", params={"tag": "a b"}, timeout=30)
        assert response.status_code == 200 and response.json() == {"user": "alice", "consumer_key": "authlib-key"}


def test_requests_oauthlib_client_against_a_serve_preset() -> None:
    paths = get_preset("trello").routes()[0]
    with ServeProcess("--consumer", "ro-key:ro-secret", "--auto-approve", "alice", "--preset", "trello") as server:
        session = RequestsOAuthlibSession("ro-key", client_secret="ro-secret", callback_uri=CALLBACK)
        session.trust_env = False
        session.fetch_request_token(server.url + paths["request_token"], timeout=30)
        url = session.authorization_url(server.url + paths["authorize"], name="Test App", scope="read")
        session.parse_authorization_response(_browser_approves(url))
        session.fetch_access_token(server.url + paths["access_token"], timeout=30)
        response = session.get(server.url + "/api/whoami", timeout=30)
        assert response.status_code == 200 and response.json()["user"] == "alice"
        # The default paths are not served under a preset.
        assert requests.post(server.url + "/oauth/request_token", timeout=30).status_code == 404
