"""The flow with its urllib transport over loopback HTTP: against ``python -m oauth1core serve`` (the
resource owner logs in on the authorize page; oob), against a provider whose clock is an hour
ahead (corrected once), and the transport's refusal to follow redirects of token requests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Dict, Iterator

import pytest
from peer_providers import ProviderWSGI, serve_wsgi, skewed_clock
from store_suite import SECRETS, ServeProcess, consumers, http_call

from oauth1core.client import Client
from oauth1core.flow import Endpoints, ProviderError, ThreeLeggedFlow
from oauth1core.httpserver import ProviderApp, start_server
from oauth1core.parameters import encode_form
from oauth1core.server import Provider
from oauth1core.transport import UrllibTransport, obtain_temporary_credentials, obtain_token_credentials


def endpoints(base: str) -> Endpoints:
    return Endpoints(base + "/oauth/request_token", base + "/oauth/authorize", base + "/oauth/access_token")


@pytest.fixture(scope="module")
def serve() -> Iterator[ServeProcess]:
    with ServeProcess("--consumer", "flow-app:flow-secret", "--user", "alice:wonderland") as process:
        yield process


def login_and_decide(base: str, token: str, decision: str = "approve") -> Dict[str, str]:
    page = http_call(urllib.request.Request(f"{base}/oauth/authorize?oauth_token={token}"))
    assert page[0] == 200 and 'name="password"' in page[2]
    form = encode_form([("oauth_token", token), ("username", "alice"), ("password", "wonderland"),
                        ("decision", decision)]).encode()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect(), urllib.request.ProxyHandler({}))
    request = urllib.request.Request(base + "/oauth/authorize", data=form, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with opener.open(request, timeout=30) as answer:
            return {"status": str(answer.status), "body": answer.read().decode()}
    except urllib.error.HTTPError as error:
        with error:
            return {"status": str(error.code), "location": error.headers.get("Location", ""), "body": error.read().decode()}


def test_flow_against_serve_with_the_login_page(serve: ServeProcess) -> None:
    callback = "http://127.0.0.1:9/cb?session=1"
    flow = ThreeLeggedFlow(Client("flow-app", "flow-secret"), endpoints(serve.url), callback=callback)
    transport = UrllibTransport(proxies={})
    state = obtain_temporary_credentials(flow, transport)
    decided = login_and_decide(serve.url, state.token)
    assert decided["status"] == "302" and decided["location"].startswith(callback + "&oauth_token=")
    state = flow.parse_callback(state, decided["location"])
    credentials = obtain_token_credentials(flow, state, transport)
    status, _, body = transport.send(flow.authorized_client(credentials).sign("GET", serve.url + "/api/whoami"))
    assert status == 200 and json.loads(body) == {"user": "alice", "consumer_key": "flow-app"}


def test_oob_and_a_denial(serve: ServeProcess) -> None:
    flow = ThreeLeggedFlow(Client("flow-app", "flow-secret"), endpoints(serve.url))
    transport = UrllibTransport(proxies={})
    state = obtain_temporary_credentials(flow, transport)
    decided = login_and_decide(serve.url, state.token)
    pin = decided["body"].split('id="oauth_verifier">')[1].split("<")[0]
    assert obtain_token_credentials(flow, flow.enter_verifier(state, pin), transport).token
    state = obtain_temporary_credentials(flow, transport)
    login_and_decide(serve.url, state.token, "deny")
    with pytest.raises(ProviderError) as info:
        obtain_token_credentials(flow, flow.enter_verifier(state, "guess"), transport)
    assert (info.value.status, info.value.problem) == (401, "permission_denied")


def test_wrong_secret_is_a_clear_error(serve: ServeProcess) -> None:
    flow = ThreeLeggedFlow(Client("flow-app", "not-the-secret"), endpoints(serve.url))
    with pytest.raises(ProviderError) as info:
        obtain_temporary_credentials(flow, UrllibTransport(proxies={}))
    assert info.value.problem == "signature_invalid" and "not-the-secret" not in str(info.value)


def test_provider_an_hour_ahead() -> None:
    app = ProviderApp(Provider(consumers(), clock=skewed_clock(3600)), auto_approve="alice")
    with start_server(app) as server:
        flow = ThreeLeggedFlow(Client("c1", SECRETS["c1"]), endpoints(server.url))
        transport = UrllibTransport(proxies={})
        state = obtain_temporary_credentials(flow, transport)
        assert abs(flow.client.clock_offset - 3600) <= 2
        page = http_call(urllib.request.Request(f"{server.url}/oauth/authorize?oauth_token={state.token}"))[2]
        state = flow.enter_verifier(state, page.split('id="oauth_verifier">')[1].split("<")[0])
        credentials = obtain_token_credentials(flow, state, transport)
        status, _, _ = transport.send(flow.authorized_client(credentials).sign("GET", server.url + "/api/whoami"))
        assert status == 200


def test_token_requests_are_not_redirected() -> None:
    wsgi = ProviderWSGI(ProviderApp(Provider(consumers())))
    with serve_wsgi(wsgi) as base:
        hop = f"{base}/hop?code=307&to=/oauth/request_token"
        flow = ThreeLeggedFlow(Client("c1", SECRETS["c1"]), Endpoints(hop, None, base + "/oauth/access_token"))
        with pytest.raises(ProviderError) as info:
            obtain_temporary_credentials(flow, UrllibTransport(proxies={}))
    assert info.value.status == 307 and [path for _, path, _ in wsgi.seen] == ["/hop"]
