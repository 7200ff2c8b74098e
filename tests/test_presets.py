"""Provider presets (oauth1core.presets): the data is well-formed and cited, templates and realm rules
fill in as documented, each preset's flow builds what its provider asks for, and each three-legged
preset's flow completes against our provider serving that preset's paths (in-process, then
``serve --preset`` as a process)."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from typing import Dict, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest
from store_suite import ROOT, ServeProcess

from oauth1core.client import Client
from oauth1core.flow import FlowError, ThreeLeggedFlow
from oauth1core.httpserver import ProviderApp, RunningServer, start_server
from oauth1core.presets import ALIASES, PRESETS, Preset, get_preset, preset_names
from oauth1core.server import Consumer, Provider
from oauth1core.transport import UrllibTransport, obtain_temporary_credentials, obtain_token_credentials
from oauth1core.verify import verify_request

# The RSA test key of the OAuth test cases (vectors/rsa.json): a private key and its certificate.
_RSA = next(case["input"] for case in json.loads((ROOT / "vectors" / "rsa.json").read_text(encoding="utf-8"))["cases"]
            if "certificate" in case["input"] and "rsa_private_key" in case["input"])
PRIVATE_PEM, CERTIFICATE = _RSA["rsa_private_key"], _RSA["certificate"]
VALUES: Dict[str, Dict[str, str]] = {"jira": {"base_url": "https://jira.example.com/jira/"},
                                     "magento": {"base_url": "https://shop.example.com"},
                                     "netsuite": {"account": "123456_SB1"}}
CALLBACK = "http://127.0.0.1:9/callback"


def test_every_preset_is_cited_and_complete() -> None:
    assert set(preset_names()) == {"smugmug", "x", "flickr", "trello", "jira", "netsuite", "mastercard", "magento",
                                   "garmin", "discogs", "tumblr"}
    for name, preset in PRESETS.items():
        assert preset.name == name and preset.title and preset.notes
        assert preset.docs and all(url.startswith("https://") for url in preset.docs)
        assert preset.api_base(**VALUES.get(name, {}))
        if preset.three_legged:
            endpoints = preset.endpoints(**VALUES.get(name, {}))
            for url in (endpoints.request_token_url, endpoints.access_token_url, endpoints.authorize_url):
                assert url is None or (url.startswith("https://") and "{" not in url)
    with pytest.raises(TypeError):
        PRESETS["x"] = PRESETS["flickr"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        PRESETS["x"].signature_method = "PLAINTEXT"  # type: ignore[misc]


def test_lookup_and_aliases() -> None:
    assert get_preset("Twitter") is get_preset("x") is PRESETS["x"]
    assert get_preset(" SmugMug ").name == "smugmug" and ALIASES["adobe-commerce"] == "magento"
    with pytest.raises(KeyError) as info:
        get_preset("myspace")
    assert "smugmug" in str(info.value) and "myspace" in str(info.value)


def test_presets_validate_when_built() -> None:
    good = dict(name="p", title="P", docs=("https://docs.example/",), signature_method="HMAC-SHA1",
                request_token_url="https://p/rt", access_token_url="https://p/at", notes=("n",))
    Preset(**good)  # type: ignore[arg-type]
    for change in ({"docs": ()}, {"docs": ("http://insecure/",)}, {"signature_method": "MD5"},
                   {"placement": "cookie"}, {"access_token_url": None}, {"request_token_url": "https://{host}/rt"},
                   {"authorize_params": (("perms", "read"),)}, {"realm": "{account|shout}", "variables": ("account",)}):
        with pytest.raises(ValueError):
            Preset(**{**good, **change})  # type: ignore[arg-type]


def test_templates_and_the_netsuite_realm_rule() -> None:
    netsuite = get_preset("netsuite")
    for account in ("123456_SB1", "123456-sb1"):
        endpoints = netsuite.endpoints(account=account)
        assert endpoints.request_token_url == "https://123456-sb1.restlets.api.netsuite.com/rest/requesttoken"
        assert endpoints.authorize_url == "https://123456-sb1.app.netsuite.com/app/login/secure/authorizetoken.nl"
        assert netsuite.realm_for(account=account) == "123456_SB1"
    client = netsuite.client("ck", "cs", account="123456-sb1").replace(token="t", token_secret="ts")
    signed = client.sign("GET", "https://123456-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=1")
    assert signed.headers["Authorization"].startswith('OAuth realm="123456_SB1", oauth_consumer_key="ck"')
    assert 'oauth_signature_method="HMAC-SHA256"' in signed.headers["Authorization"] and "realm" not in signed.base_string
    verify_request("GET", signed.uri, signed.headers, None, client_secret="cs", token_secret="ts")
    for bad in ({}, {"account": ""}, {"account": "12 34"}, {"account": "x", "base_url": "https://x"}):
        with pytest.raises(ValueError):
            netsuite.endpoints(**bad)
    jira = get_preset("jira")
    assert jira.endpoints(base_url="https://jira.example.com/jira/").request_token_url == \
        "https://jira.example.com/jira/plugins/servlet/oauth/request-token"
    for bad_url in ("jira.example.com", "https://jira.example.com/?x=1", "https://jira.example.com/#f", "ftp://j"):
        with pytest.raises(ValueError):
            jira.endpoints(base_url=bad_url)
    with pytest.raises(ValueError):
        get_preset("mastercard").endpoints()


def test_smugmug_authorization_url() -> None:
    smugmug = get_preset("smugmug")
    flow = smugmug.flow(smugmug.client("k", "s"), callback=CALLBACK,
                        authorize_params=[("Access", "Full"), ("Permissions", "Modify")])
    url = flow.authorization_url(flow.parse_temporary_credentials(
        200, None, "oauth_token=rt&oauth_token_secret=rs&oauth_callback_confirmed=true"))
    assert url == ("https://api.smugmug.com/services/oauth/1.0a/authorize?oauth_token=rt&Access=Full"
                   "&Permissions=Modify")
    request = flow.temporary_credentials_request()
    assert request.uri == "https://api.smugmug.com/services/oauth/1.0a/getRequestToken" and request.method == "POST"
    with pytest.raises(ValueError) as info:
        smugmug.flow(smugmug.client("k", "s"), authorize_params=[("permissions", "Modify")])  # a typo
    assert "Permissions" in str(info.value)


def test_flickr_trello_and_x_extras() -> None:
    flickr = get_preset("flickr")
    state_answer = "oauth_callback_confirmed=true&oauth_token=rt&oauth_token_secret=rs"
    flow = flickr.flow(flickr.client("k", "s"))
    assert flow.authorization_url(flow.parse_temporary_credentials(200, None, state_answer)).endswith(
        "?oauth_token=rt&perms=read")
    flow = flickr.flow(flickr.client("k", "s"), authorize_params=[("perms", "delete")])
    assert flow.authorization_url(flow.parse_temporary_credentials(200, None, state_answer)).endswith(
        "?oauth_token=rt&perms=delete")
    assert flow.temporary_credentials_request().method == "GET"
    credentials = flow.parse_token_credentials(200, None, "fullname=Jamal%20Fanaian&oauth_token=at&oauth_token_secret=as"
                                               "&user_nsid=21207597%40N07&username=jamalfanaian")
    assert credentials.get("user_nsid") == "21207597@N07" and credentials.get("username") == "jamalfanaian"

    trello = get_preset("trello")
    flow = trello.flow(trello.client("k", "s"), authorize_params=[("name", "My App"), ("scope", "read,write"),
                                                                  ("expiration", "never")])
    assert flow.authorization_url(flow.parse_temporary_credentials(200, None, state_answer)) == (
        "https://trello.com/1/OAuthAuthorizeToken?oauth_token=rt&name=My%20App&scope=read%2Cwrite&expiration=never")

    x = get_preset("x")
    flow = x.flow(x.client("k", "s"), request_token_params=[("x_auth_access_type", "read")])
    request = flow.temporary_credentials_request()
    assert request.uri == "https://api.x.com/oauth/request_token?x_auth_access_type=read"
    assert "x_auth_access_type%3Dread" in request.base_string
    with pytest.raises(ValueError):
        x.flow(x.client("k", "s"), request_token_params=[("scope", "all")])


def test_magento_garmin_discogs_quirks() -> None:
    magento = get_preset("magento")
    flow = magento.flow(magento.client("ck", "cs", base_url="https://shop.example.com/"), base_url="https://shop.example.com/")
    request = flow.temporary_credentials_request()
    assert request.uri == "https://shop.example.com/oauth/token/request"
    assert "oauth_callback" not in dict(request.oauth_params)
    assert 'oauth_signature_method="HMAC-SHA256"' in request.headers["Authorization"]
    state = flow.parse_temporary_credentials(200, None, "oauth_token=rt&oauth_token_secret=rs")  # no confirmation
    with pytest.raises(FlowError):
        flow.authorization_url(state)
    state = flow.enter_verifier(state, "verifier-from-the-activation-post")
    assert dict(flow.token_credentials_request(state).oauth_params)["oauth_verifier"] == "verifier-from-the-activation-post"

    garmin = get_preset("garmin")
    flow = garmin.flow(garmin.client("k", "s"), callback="https://app.example/garmin")
    state = flow.parse_temporary_credentials(200, None, "oauth_token=rt&oauth_token_secret=rs")
    assert flow.authorization_url(state) == ("https://connect.garmin.com/oauthConfirm?oauth_token=rt"
                                             "&oauth_callback=https%3A%2F%2Fapp.example%2Fgarmin")

    discogs = get_preset("discogs")
    flow = discogs.flow(discogs.client("k", "s"), headers={"User-Agent": "MyDiscogsApp/1.0"})
    request = flow.temporary_credentials_request()
    assert request.method == "GET" and request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["User-Agent"] == "MyDiscogsApp/1.0" and request.signature == "s&"  # PLAINTEXT


def test_mastercard_signs_every_request_with_a_sha256_body_hash() -> None:
    mastercard = get_preset("mastercard")
    assert not mastercard.three_legged and mastercard.routes() == ({}, {})
    client = mastercard.client("consumer-key!sandbox", rsa_key=PRIVATE_PEM)
    base = mastercard.api_base()
    for method, body, headers in [("GET", None, {}), ("POST", b'{"amount": 10}', {"Content-Type": "application/json"})]:
        signed = client.sign(method, f"{base}/v1/payments?id=1", headers, body)
        params = dict(signed.oauth_params)
        assert params["oauth_signature_method"] == "RSA-SHA256" and "oauth_token" not in params
        assert params["oauth_body_hash"] == base64.b64encode(hashlib.sha256(body or b"").digest()).decode()
        verify_request(method, signed.uri, signed.headers, signed.body, rsa_public_key=CERTIFICATE)
    with pytest.raises(ValueError):
        mastercard.client("k")  # RSA needs the private key


# -- each preset's flow against our provider serving the preset's paths -----------------------------


THREE_LEGGED = [name for name, preset in PRESETS.items() if preset.three_legged and preset.send_callback]


def serve_preset(preset: Preset) -> RunningServer:
    paths, methods = preset.routes()
    consumers = {"ck": Consumer("ck", "cs", signature_methods=("HMAC-SHA1", "HMAC-SHA256")),
                 "rsa-ck": Consumer("rsa-ck", rsa_public_key=CERTIFICATE)}
    return start_server(ProviderApp(Provider(consumers), auto_approve="alice", paths=paths, methods=methods))


def local_flow(preset: Preset, base: str) -> ThreeLeggedFlow:
    """The preset's flow, pointed at ``base`` with the same paths."""
    values = VALUES.get(preset.name, {})
    if preset.signature_method.startswith("RSA"):
        client = preset.client("rsa-ck", rsa_key=PRIVATE_PEM, **values)
    else:
        client = preset.client("ck", "cs", **values)
        if client.signature_method == "PLAINTEXT":  # only over https: HMAC on loopback
            client = client.replace(signature_method="HMAC-SHA1")
    flow = preset.flow(client, callback=CALLBACK, **values)  # type: ignore[arg-type]
    paths = preset.routes()[0]
    flow.endpoints = flow.endpoints._replace(request_token_url=base + paths["request_token"],
                                             authorize_url=base + paths["authorize"],
                                             access_token_url=base + paths["access_token"])
    return flow


@pytest.mark.parametrize("name", THREE_LEGGED)
def test_each_presets_flow_against_its_paths(name: str) -> None:
    preset = get_preset(name)
    with serve_preset(preset) as server:
        flow = local_flow(preset, server.url)
        transport = UrllibTransport(proxies={})
        state = obtain_temporary_credentials(flow, transport)
        status, headers, _ = _get(flow.authorization_url(state))
        assert status == 302
        state = flow.parse_callback(state, headers["Location"])
        credentials = obtain_token_credentials(flow, state, transport)
        client = flow.authorized_client(credentials)
        status, _, body = transport.send(client.sign("GET", server.url + "/api/whoami"))
        assert status == 200 and json.loads(body)["user"] == "alice"
        # The default paths are not served, unless the provider's are the same.
        if preset.routes()[0]["request_token"] != "/oauth/request_token":
            assert _get(server.url + "/oauth/request_token")[0] == 404


def _get(url: str) -> Tuple[int, Dict[str, str], bytes]:
    import http.client

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_serve_preset_as_a_process() -> None:
    preset = get_preset("flickr")
    with ServeProcess("--consumer", "ck:cs", "--auto-approve", "alice", "--preset", "flickr") as server:
        flow = local_flow(preset, server.url)
        assert flow.endpoints.request_token_url == server.url + "/services/oauth/request_token"
        transport = UrllibTransport(proxies={})
        state = obtain_temporary_credentials(flow, transport)  # a GET, as Flickr documents
        assert dict(parse_qsl(urlsplit(flow.authorization_url(state)).query))["perms"] == "read"
        status, headers, _ = _get(flow.authorization_url(state))
        state = flow.parse_callback(state, headers["Location"])
        assert obtain_token_credentials(flow, state, transport).token
    result = subprocess.run([sys.executable, "-m", "oauth1core", "serve", "--port", "0", "--consumer", "k:s",
                             "--preset", "myspace"], cwd=str(ROOT), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown provider preset 'myspace'" in result.stderr
    assert "Traceback" not in result.stderr


def test_paths_of_the_app_are_validated() -> None:
    provider = Provider({"ck": Consumer("ck", "cs")})
    for paths in ({"request_token": "relative"}, {"nothing": "/x"}, {"request_token": "/a?b"},
                  {"request_token": "/same", "access_token": "/same"}):
        with pytest.raises(ValueError):
            ProviderApp(provider, paths=paths)
    with pytest.raises(ValueError):
        ProviderApp(provider, methods={"nothing": ("GET",)})
    app = ProviderApp(provider, users={"alice": "pw"}, paths={"authorize": "/login/approve"})
    signed = Client("ck", "cs", callback="oob").sign("POST", "http://h/oauth/request_token")
    token = dict(parse_qsl(app.handle("POST", "/oauth/request_token", [("Host", "h"), *signed.headers.items()],
                                      b"").body.decode()))["oauth_token"]
    page = app.handle("GET", f"/login/approve?oauth_token={token}", [("Host", "h")], b"").body.decode()
    assert 'action="/login/approve"' in page
    assert app.handle("GET", f"/oauth/authorize?oauth_token={token}", [("Host", "h")], b"").status == 404


def test_the_docs_cover_every_preset_and_adapter() -> None:
    doc = (ROOT / "docs" / "consumer.md").read_text(encoding="utf-8")
    for name, preset in PRESETS.items():
        assert f"| `{name}`" in doc and preset.docs[0] in doc and preset.signature_method in doc, name
        assert f'get_preset("{name}")' in doc, name
    for adapter in ("adapters.urllib import OAuth1Handler", "adapters.requests import OAuth1Auth",
                    "adapters.httpx import OAuth1Auth", "adapters.aiohttp import OAuth1Middleware"):
        assert adapter in doc
