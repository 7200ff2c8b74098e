"""Interoperability: our three-legged flow (with the urllib transport) and every adapter against a
provider built from oauthlib's server endpoints (tests/peer_providers.py), over loopback HTTP;
HMAC-SHA1/256/512, every placement, a callback and oob. The provider runs with oauthlib's default
checks, so the client key is 20 to 30 letters and digits; every signature method with every
adapter is in tests/test_interop_matrix.py."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
from peer_providers import Driver, _no_redirect_get, driver_params, oauthlib_provider, serve_wsgi, three_legged_with

from oauth1core.client import Client
from oauth1core.flow import Endpoints, ProviderError, ThreeLeggedFlow
from oauth1core.transport import UrllibTransport, obtain_temporary_credentials, obtain_token_credentials

pytestmark = pytest.mark.peers

CALLBACK = "http://127.0.0.1:9/callback"


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve_wsgi(oauthlib_provider({"oauthlibClient0000000001": "oauthlib-secret"})) as url:
        yield url


def endpoints(base: str) -> Endpoints:
    return Endpoints(base + "/request_token", base + "/authorize", base + "/access_token")


def whoami(base: str, client: Client) -> dict:  # type: ignore[type-arg]
    client = client.replace(placement="header") if client.placement == "body" else client
    status, _, body = UrllibTransport(proxies={}).send(client.sign("GET", base + "/whoami?x=1"))
    assert status == 200, body
    return json.loads(body)  # type: ignore[no-any-return]


@pytest.mark.parametrize("client", [
    Client("oauthlibClient0000000001", "oauthlib-secret"),
    Client("oauthlibClient0000000001", "oauthlib-secret", signature_method="HMAC-SHA256", placement="query"),
    Client("oauthlibClient0000000001", "oauthlib-secret", signature_method="HMAC-SHA512", placement="body"),
], ids=["hmac-sha1", "hmac-sha256-query", "hmac-sha512-body"])
def test_our_flow_completes(base: str, client: Client) -> None:
    flow = ThreeLeggedFlow(client, endpoints(base), callback=CALLBACK)
    transport = UrllibTransport(proxies={})
    state = obtain_temporary_credentials(flow, transport)
    status, headers, _ = _no_redirect_get(flow.authorization_url(state))
    assert status == 302
    state = flow.parse_callback(state, dict(headers)["location"])
    credentials = obtain_token_credentials(flow, state, transport)
    assert whoami(base, flow.authorized_client(credentials)) == {"user": "alice", "consumer_key": client.client_key}


def test_our_flow_out_of_band(base: str) -> None:
    flow = ThreeLeggedFlow(Client("oauthlibClient0000000001", "oauthlib-secret"), endpoints(base))
    transport = UrllibTransport(proxies={})
    state = obtain_temporary_credentials(flow, transport)
    status, _, body = _no_redirect_get(flow.authorization_url(state))
    assert status == 200  # oauthlib shows the verifier for oob: the user types it in
    state = flow.parse_callback(state, body.decode())
    credentials = obtain_token_credentials(flow, state, transport)
    assert whoami(base, flow.authorized_client(credentials))["user"] == "alice"
    # The temporary credentials were used up.
    with pytest.raises(ProviderError) as info:
        obtain_token_credentials(flow, state, transport)
    assert info.value.status == 401


@pytest.mark.parametrize("driver", driver_params())
def test_each_adapter_completes(base: str, driver: Driver) -> None:
    client = three_legged_with(driver, Client("oauthlibClient0000000001", "oauthlib-secret"), base, callback=CALLBACK)
    status, _, body = driver.send(driver.auth(client), "GET", base + "/whoami?photo=vacation.jpg")
    assert status == 200 and json.loads(body) == {"user": "alice", "consumer_key": "oauthlibClient0000000001"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = driver.send(driver.auth(client.replace(placement="body")), "POST", base + "/whoami",
                                  form, b"title=Tom%20%26%20Jerry")
    assert status == 200, body
