"""The interoperability matrix, over real HTTP on loopback, with every peer in its default
configuration (tests/peer_providers.py says which defaults are changed, by name, and why):

* our client (the flow with the urllib transport, each adapter, and the drop-in sessions) runs the
  three-legged flow and calls a protected resource against stock oauthlib and Authlib providers,
  with every signature method the peer verifies;
* the peers' clients (oauthlib's ``Client``, requests-oauthlib's and Authlib's sessions) do the
  same against ``python -m oauth1core serve``.

The README's table is rendered from the parameters below (``python tests/test_interop_matrix.py``
prints it; ``test_readme_shows_the_matrix`` keeps the two equal). Cost: ~80 flows, a few seconds.
"""

from __future__ import annotations

import json
import re
import string
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from test_server import _pem_pair

pytestmark = pytest.mark.peers

ROOT = Path(__file__).resolve().parent.parent
CALLBACK = "http://127.0.0.1:9/callback"

# Credentials that pass oauthlib's default checks: 20 to 30 ASCII letters and digits.
HMAC_KEY, HMAC_SECRET = "matrixHmacClient00000001", "matrix-hmac-secret"
RSA_KEY_ID = "matrixRsaClient000000001"

ALL_METHODS = ("HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "RSA-SHA1", "RSA-SHA256", "RSA-SHA512", "PLAINTEXT")
#: provider -> the signature methods its server verifies (oauthlib: all; Authlib: three).
PROVIDERS: Dict[str, Tuple[str, ...]] = {
    "oauthlib": ALL_METHODS,
    "Authlib": ("HMAC-SHA1", "RSA-SHA1", "PLAINTEXT"),
}
#: our clients, as the README names them.
OUR_CLIENTS = ("flow + urllib transport", "adapters.urllib", "adapters.requests", "adapters.httpx",
               "adapters.httpx (async)", "adapters.aiohttp", "requests OAuth1Session (drop-in)",
               "httpx OAuth1Client (drop-in)", "httpx AsyncOAuth1Client (drop-in)")
#: peer client -> the signature methods it signs with.
PEER_CLIENTS: Dict[str, Tuple[str, ...]] = {
    "oauthlib Client": ALL_METHODS,
    "requests-oauthlib OAuth1Session": ALL_METHODS,
    "Authlib requests OAuth1Session": ("HMAC-SHA1", "RSA-SHA1", "PLAINTEXT"),
    "Authlib httpx OAuth1Client": ("HMAC-SHA1", "RSA-SHA1", "PLAINTEXT"),
}
#: What a stock peer refuses that we send on purpose (the tests at the end of this module).
PEERS_REFUSE = (
    ("oauth1core `Client.sign(nonce=\"wIjqoS\")` (a fixed nonce, RFC 5849's example)", "stock oauthlib provider",
     "HMAC-SHA1", "its default nonce check wants 20-30 letters and digits (the default nonce passes)"),
    ("oauth1core `Client(signature_method=\"HMAC-SHA256\")`", "stock Authlib provider", "HMAC-SHA256",
     "Authlib implements HMAC-SHA1, RSA-SHA1 and PLAINTEXT only"),
)
#: What ``serve`` refuses on purpose, with the reason shown in the table.
SERVE_REFUSES = {"PLAINTEXT": "PLAINTEXT only over TLS (RFC 5849 section 3.4.4), these run plain HTTP"}


PRIVATE_PEM, PUBLIC_PEM = _pem_pair()  # test_server's throwaway 2048-bit pair


def _credentials(method: str) -> Dict[str, Any]:
    if method.startswith("RSA-"):
        return {"key": RSA_KEY_ID, "secret": "", "rsa_key": PRIVATE_PEM}
    return {"key": HMAC_KEY, "secret": HMAC_SECRET, "rsa_key": None}


# -- the README table --------------------------------------------------------------------------


def matrix_markdown() -> str:
    """The README's table (each cell: the signature methods with which the three legs and a
    protected resource succeed), and what is refused on purpose, from this module's parameters."""
    providers = list(PROVIDERS)
    lines = ["| client | " + " | ".join(f"stock {name} provider" for name in providers) + " | oauth1core `serve` |",
             "|---" * (len(providers) + 2) + "|"]
    for client in OUR_CLIENTS:
        lines.append(f"| oauth1core {client} | " + " | ".join(", ".join(PROVIDERS[name]) for name in providers) + " | - |")
    for client, methods in PEER_CLIENTS.items():
        accepted = ", ".join(m for m in methods if m not in SERVE_REFUSES)
        lines.append(f"| {client} | " + "- | " * len(providers) + f"{accepted} |")
    lines.append("")
    lines += [f"* refused on purpose: {method} from every peer client to `serve`: {reason}"
              for method, reason in SERVE_REFUSES.items()]
    lines += [f"* refused on purpose: {client} by the {server}: {result}" for client, server, _, result in PEERS_REFUSE]
    return "\n".join(lines)


def test_readme_shows_the_matrix() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- interop-matrix:start -->\n(.*?)\n<!-- interop-matrix:end -->", text, re.S)
    assert match is not None, "README.md lacks the interop-matrix markers"
    assert match.group(1) == matrix_markdown(), "README's matrix drifted: python tests/test_interop_matrix.py"


def test_default_nonce_passes_oauthlibs_default_check() -> None:
    from oauthlib.oauth1 import RequestValidator

    from oauth1core.clock import generate_nonce

    validator = RequestValidator()
    nonces = [generate_nonce() for _ in range(2000)]
    assert all(validator.check_nonce(nonce) for nonce in nonces)
    assert {len(nonce) for nonce in nonces} == {24}
    assert set("".join(nonces)) == set(string.ascii_letters + string.digits)  # every one of the 62 appears
    assert len(set(nonces)) == len(nonces)


# -- our clients against the stock providers ---------------------------------------------------


@pytest.fixture(scope="module")
def providers() -> Iterator[Dict[str, str]]:
    from peer_providers import authlib_provider, oauthlib_provider, serve_wsgi

    clients = {HMAC_KEY: HMAC_SECRET}
    rsa_keys = {RSA_KEY_ID: PUBLIC_PEM}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http, on loopback
        with serve_wsgi(oauthlib_provider(clients, rsa_keys=rsa_keys)) as first, \
                serve_wsgi(authlib_provider(clients, rsa_keys=rsa_keys)) as second:
            yield {"oauthlib": first, "Authlib": second}


def _our_client(method: str) -> Any:
    from oauth1core.client import Client

    creds = _credentials(method)
    return Client(creds["key"], creds["secret"], signature_method=method, rsa_key=creds["rsa_key"])


def _whoami_ok(status: int, body: bytes, key: str) -> None:
    assert status == 200, body
    assert json.loads(body) == {"user": "alice", "consumer_key": key}


def _run_flow_urllib(base: str, method: str) -> None:
    from peer_providers import _no_redirect_get

    from oauth1core.flow import Endpoints, ThreeLeggedFlow
    from oauth1core.transport import UrllibTransport, obtain_temporary_credentials, obtain_token_credentials

    flow = ThreeLeggedFlow(_our_client(method), Endpoints(base + "/request_token", base + "/authorize",
                                                          base + "/access_token"), callback=CALLBACK)
    transport = UrllibTransport(proxies={})
    state = obtain_temporary_credentials(flow, transport)
    status, headers, _ = _no_redirect_get(flow.authorization_url(state))
    assert status == 302, status
    state = flow.parse_callback(state, dict(headers)["location"])
    client = flow.authorized_client(obtain_token_credentials(flow, state, transport))
    _whoami_ok(*transport.send(client.sign("GET", base + "/whoami?size=large"))[::2], key=client.client_key)


def _run_driver(base: str, method: str, driver: Any) -> None:
    from peer_providers import three_legged_with

    client = three_legged_with(driver, _our_client(method), base, callback=CALLBACK)
    status, _, body = driver.send(driver.auth(client), "GET", base + "/whoami?size=large")
    _whoami_ok(status, body, client.client_key)


def _drop_in_kwargs(method: str) -> Dict[str, Any]:
    creds = _credentials(method)
    return {"client_secret": creds["secret"], "signature_method": method, "rsa_key": creds["rsa_key"]}


def _run_requests_session(base: str, method: str) -> None:
    from peer_providers import _no_redirect_get

    from oauth1core.adapters.requests import OAuth1Session

    creds = _credentials(method)
    session = OAuth1Session(creds["key"], callback_uri=CALLBACK, **_drop_in_kwargs(method))
    session.trust_env = False
    session.fetch_request_token(base + "/request_token", timeout=30)
    _, headers, _ = _no_redirect_get(session.authorization_url(base + "/authorize"))
    session.parse_authorization_response(dict(headers)["location"])
    session.fetch_access_token(base + "/access_token", timeout=30)
    response = session.get(base + "/whoami", params={"size": "large"}, timeout=30)
    _whoami_ok(response.status_code, response.content, creds["key"])


def _run_httpx_client(base: str, method: str) -> None:
    from peer_providers import _no_redirect_get

    from oauth1core.adapters.httpx import OAuth1Client

    creds = _credentials(method)
    with OAuth1Client(creds["key"], redirect_uri=CALLBACK, trust_env=False, **_drop_in_kwargs(method)) as client:
        client.fetch_request_token(base + "/request_token")
        _, headers, _ = _no_redirect_get(client.create_authorization_url(base + "/authorize"))
        client.parse_authorization_response(dict(headers)["location"])
        client.fetch_access_token(base + "/access_token")
        response = client.get(base + "/whoami", params={"size": "large"})
        _whoami_ok(response.status_code, response.content, creds["key"])


def _run_httpx_async_client(base: str, method: str) -> None:
    import asyncio

    from peer_providers import _no_redirect_get

    from oauth1core.adapters.httpx import AsyncOAuth1Client

    creds = _credentials(method)

    async def run() -> None:
        async with AsyncOAuth1Client(creds["key"], redirect_uri=CALLBACK, trust_env=False,
                                     **_drop_in_kwargs(method)) as client:
            await client.fetch_request_token(base + "/request_token")
            _, headers, _ = _no_redirect_get(client.create_authorization_url(base + "/authorize"))
            client.parse_authorization_response(dict(headers)["location"])
            await client.fetch_access_token(base + "/access_token")
            response = await client.get(base + "/whoami", params={"size": "large"})
            _whoami_ok(response.status_code, response.content, creds["key"])

    asyncio.run(run())


def _runner(name: str) -> Any:
    import peer_providers as peers

    drivers = {"adapters.urllib": peers.UrllibDriver(), "adapters.requests": peers.RequestsDriver(),
               "adapters.httpx": peers.HttpxDriver(), "adapters.httpx (async)": peers.HttpxAsyncDriver(),
               "adapters.aiohttp": peers.AiohttpDriver()}
    if name in drivers:
        driver = drivers[name]
        return lambda base, method: _run_driver(base, method, driver)
    return {"flow + urllib transport": _run_flow_urllib, "requests OAuth1Session (drop-in)": _run_requests_session,
            "httpx OAuth1Client (drop-in)": _run_httpx_client,
            "httpx AsyncOAuth1Client (drop-in)": _run_httpx_async_client}[name]


OUR_CELLS = [pytest.param(client, provider, method, id=f"{client}-{provider}-{method}")
             for client in OUR_CLIENTS for provider, methods in PROVIDERS.items() for method in methods]


@pytest.mark.parametrize("client,provider,method", OUR_CELLS)
def test_our_client_against_stock_provider(providers: Dict[str, str], client: str, provider: str,
                                           method: str) -> None:
    _runner(client)(providers[provider], method)


@pytest.mark.parametrize("signature_type", ["QUERY", "BODY", "auth_header"])
@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_drop_in_placements(providers: Dict[str, str], provider: str, signature_type: str) -> None:
    """The drop-ins' ``signature_type`` (any case, as requests-oauthlib accepts it) through the
    three legs; with BODY, the GET of the protected resource goes in the query (section 3.5.2)."""
    from peer_providers import _no_redirect_get

    from oauth1core.adapters.httpx import OAuth1Client
    from oauth1core.adapters.requests import OAuth1Session

    base = providers[provider]
    session = OAuth1Session(HMAC_KEY, client_secret=HMAC_SECRET, callback_uri=CALLBACK, signature_type=signature_type)
    session.trust_env = False
    with OAuth1Client(HMAC_KEY, HMAC_SECRET, redirect_uri=CALLBACK, signature_type=signature_type.replace(
            "auth_header", "HEADER"), trust_env=False) as client:
        for each, authorize in ((session, session.authorization_url), (client, client.create_authorization_url)):
            each.fetch_request_token(base + "/request_token")
            _, headers, _ = _no_redirect_get(authorize(base + "/authorize"))
            each.parse_authorization_response(dict(headers)["location"])
            each.fetch_access_token(base + "/access_token")
            response = each.get(base + "/whoami", params={"size": "large"})
            _whoami_ok(response.status_code, response.content, HMAC_KEY)


# -- the peers' clients against serve ----------------------------------------------------------


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from store_suite import ServeProcess

    pem = tmp_path_factory.mktemp("matrix") / "public.pem"
    pem.write_text(PUBLIC_PEM)
    with ServeProcess("--consumer", f"{HMAC_KEY}:{HMAC_SECRET}", "--rsa-consumer", f"{RSA_KEY_ID}:{pem}",
                      "--auto-approve", "alice", "--allow-plaintext") as server:
        yield server.url


def _approve(url: str) -> str:
    from peer_providers import _no_redirect_get

    status, headers, _ = _no_redirect_get(url)
    assert status == 302, status
    return dict(headers)["location"]


def _send(method: str, signed: Tuple[str, Dict[str, str], Optional[str]]) -> Tuple[int, bytes]:
    from store_suite import http_call as http

    uri, headers, body = signed
    data = body.encode() if body else (b"" if method == "POST" else None)
    status, _, text = http(urllib.request.Request(uri, data=data, headers=headers, method=method))
    return status, text.encode()


def _peer_oauthlib_client(base: str, method: str) -> Tuple[int, bytes]:
    from urllib.parse import parse_qsl

    from oauthlib.oauth1 import Client

    creds = _credentials(method)
    options = {"client_secret": creds["secret"] or None, "signature_method": method, "rsa_key": creds["rsa_key"]}
    status, body = _send("POST", Client(creds["key"], callback_uri=CALLBACK, **options).sign(
        base + "/oauth/request_token", http_method="POST"))
    if status != 200:
        return status, body
    temporary = dict(parse_qsl(body.decode()))
    callback = _approve(f"{base}/oauth/authorize?oauth_token={temporary['oauth_token']}")
    verifier = dict(parse_qsl(callback.partition("?")[2]))["oauth_verifier"]
    status, body = _send("POST", Client(creds["key"], resource_owner_key=temporary["oauth_token"],
                                 resource_owner_secret=temporary["oauth_token_secret"], verifier=verifier,
                                 **options).sign(base + "/oauth/access_token", http_method="POST"))
    assert status == 200, body
    token = dict(parse_qsl(body.decode()))
    return _send("GET", Client(creds["key"], resource_owner_key=token["oauth_token"],
                         resource_owner_secret=token["oauth_token_secret"], **options).sign(
        base + "/api/whoami?size=large", http_method="GET"))


def _peer_requests_oauthlib(base: str, method: str) -> Tuple[int, bytes]:
    from requests_oauthlib import OAuth1Session
    from requests_oauthlib.oauth1_session import TokenRequestDenied

    creds = _credentials(method)
    session = OAuth1Session(creds["key"], client_secret=creds["secret"] or None, callback_uri=CALLBACK,
                            signature_method=method, rsa_key=creds["rsa_key"])
    session.trust_env = False
    try:
        session.fetch_request_token(base + "/oauth/request_token", timeout=30)
    except TokenRequestDenied as error:
        return error.status_code, error.response.content
    session.parse_authorization_response(_approve(session.authorization_url(base + "/oauth/authorize")))
    session.fetch_access_token(base + "/oauth/access_token", timeout=30)
    response = session.get(base + "/api/whoami", params={"size": "large"}, timeout=30)
    return response.status_code, response.content


def _peer_authlib(base: str, method: str, httpx: bool) -> Tuple[int, bytes]:
    """Authlib's requests ``OAuth1Session`` or its httpx ``OAuth1Client``: the same API."""
    from authlib.integrations import httpx_client, requests_client

    creds = _credentials(method)
    options = {"redirect_uri": CALLBACK, "signature_method": method, "rsa_key": creds["rsa_key"]}
    if httpx:
        client = httpx_client.OAuth1Client(creds["key"], creds["secret"] or None, trust_env=False, **options)
    else:
        client = requests_client.OAuth1Session(creds["key"], creds["secret"] or None, **options)
        client.trust_env = False
    with client:
        try:
            client.fetch_request_token(base + "/oauth/request_token", timeout=30)
        except (httpx_client.OAuthError, requests_client.OAuthError) as error:
            return int(re.search(r"code (\d+)", str(error.description)).group(1)), b""  # type: ignore[union-attr]
        client.parse_authorization_response(_approve(client.create_authorization_url(base + "/oauth/authorize")))
        client.fetch_access_token(base + "/oauth/access_token", timeout=30)
        response = client.get(base + "/api/whoami", params={"size": "large"}, timeout=30)
        return response.status_code, response.content


PEER_RUNNERS = {"oauthlib Client": _peer_oauthlib_client, "requests-oauthlib OAuth1Session": _peer_requests_oauthlib,
                "Authlib requests OAuth1Session": lambda base, method: _peer_authlib(base, method, httpx=False),
                "Authlib httpx OAuth1Client": lambda base, method: _peer_authlib(base, method, httpx=True)}
PEER_CELLS = [pytest.param(client, method, id=f"{client}-{method}")
              for client, methods in PEER_CLIENTS.items() for method in methods]


@pytest.mark.parametrize("client,method", PEER_CELLS)
def test_peer_client_against_serve(serve: str, client: str, method: str) -> None:
    status, body = PEER_RUNNERS[client](serve, method)
    if method in SERVE_REFUSES:
        assert status == 400, body  # signature_method_rejected: PLAINTEXT needs TLS
        return
    assert status == 200, body
    assert json.loads(body) == {"user": "alice", "consumer_key": _credentials(method)["key"]}



# -- what a stock peer refuses, that we send on purpose -------------------------------------------


def test_stock_oauthlib_refuses_a_fixed_short_nonce(providers: Dict[str, str]) -> None:
    """``Client.sign(nonce=...)`` and ``sign --nonce`` send the caller's nonce unchanged, so that a
    signature can be reproduced (RFC 5849's own example uses ``wIjqoS``, 6 characters). Stock
    oauthlib refuses any nonce outside 20-30 letters and digits: the request fails by design."""
    from oauth1core.transport import UrllibTransport

    client = _our_client("HMAC-SHA1").replace(callback="oob")
    transport = UrllibTransport(proxies={})
    url = providers["oauthlib"] + "/request_token"
    status, _, body = transport.send(client.sign("POST", url, nonce="wIjqoS"))
    assert (status, body) == (400, b"error=invalid_request&error_description=Invalid+nonce+format.")
    assert transport.send(client.sign("POST", url))[0] == 200  # the default nonce passes


def test_stock_authlib_refuses_the_sha2_methods(providers: Dict[str, str]) -> None:
    """Authlib's servers implement HMAC-SHA1, RSA-SHA1 and PLAINTEXT only: a client configured
    for HMAC-SHA256 (as NetSuite requires) is refused by name, never signed down to SHA-1."""
    from oauth1core.transport import UrllibTransport

    client = _our_client("HMAC-SHA256").replace(callback="oob")
    status, _, body = UrllibTransport(proxies={}).send(client.sign("POST", providers["Authlib"] + "/request_token"))
    assert status == 400 and b"unsupported_signature_method" in body


if __name__ == "__main__":
    print(matrix_markdown())
