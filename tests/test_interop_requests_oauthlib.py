"""Interoperability: requests-oauthlib's OAuth1Session (a test-only peer) runs the three-legged flow
against ``python -m oauth1core serve`` over loopback HTTP, calls the protected resource, and its
replayed request is refused."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_BODY, SIGNATURE_TYPE_QUERY
from requests_oauthlib import OAuth1Session
from requests_oauthlib.oauth1_session import TokenRequestDenied
from store_suite import ServeProcess

pytestmark = pytest.mark.peers

CALLBACK = "http://127.0.0.1:9/callback"


@pytest.fixture(scope="module")
def server() -> Iterator[ServeProcess]:
    with ServeProcess("--consumer", "interop-key:interop-secret", "--user", "alice:wonderland",
                      "--realm", "Interop") as process:
        yield process


def _session(**kwargs: object) -> OAuth1Session:
    session = OAuth1Session("interop-key", client_secret="interop-secret", **kwargs)  # type: ignore[arg-type]
    session.trust_env = False  # loopback: no proxy from the environment
    return session


def _browser() -> requests.Session:
    browser = requests.Session()
    browser.trust_env = False
    return browser


def _authorize(server: ServeProcess, session: OAuth1Session, browser: requests.Session) -> None:
    """The resource owner's part: open the authorize URL, log in, approve; the client reads the
    redirect to its callback."""
    url = session.authorization_url(server.url + "/oauth/authorize")
    page = browser.get(url, timeout=30)
    assert page.status_code == 200 and 'name="password"' in page.text
    token = url.split("oauth_token=")[1]
    decision = browser.post(server.url + "/oauth/authorize", data={
        "oauth_token": token, "username": "alice", "password": "wonderland", "decision": "approve"},
        allow_redirects=False, timeout=30)
    assert decision.status_code == 302 and decision.headers["Location"].startswith(CALLBACK + "?oauth_token=")
    session.parse_authorization_response(decision.headers["Location"])


def test_three_legged_flow_and_replay(server: ServeProcess) -> None:
    session = _session(callback_uri=CALLBACK)
    temporary = session.fetch_request_token(server.url + "/oauth/request_token", timeout=30)
    assert temporary["oauth_callback_confirmed"] == "true"
    browser = _browser()
    _authorize(server, session, browser)
    access = session.fetch_access_token(server.url + "/oauth/access_token", timeout=30)
    assert sorted(access) == ["oauth_token", "oauth_token_secret"]
    assert access["oauth_token"] != temporary["oauth_token"]

    response = session.get(server.url + "/api/whoami", params={"size": "large", "tag": "a b"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json() == {"user": "alice", "consumer_key": "interop-key"}

    # The same bytes again: refused as a replay.
    replay = browser.send(response.request, timeout=30)
    assert replay.status_code == 401
    assert replay.headers["WWW-Authenticate"] == 'OAuth realm="Interop", oauth_problem="nonce_used"'

    # A form POST, signed by oauthlib with its parameters in the base string.
    posted = session.post(server.url + "/api/whoami", data={"caption": "Tom & Jerry", "emoji": "✓"}, timeout=30)
    assert posted.status_code == 200 and json.loads(posted.text)["user"] == "alice"

    # The temporary credentials were exchanged once.
    with pytest.raises(TokenRequestDenied) as info:
        again = _session(resource_owner_key=temporary["oauth_token"],
                         resource_owner_secret=temporary["oauth_token_secret"], verifier="x")
        again.fetch_access_token(server.url + "/oauth/access_token", verifier="x", timeout=30)
    assert info.value.status_code == 401


@pytest.mark.parametrize("options", [
    {"signature_type": SIGNATURE_TYPE_QUERY},
    {"signature_type": SIGNATURE_TYPE_BODY},
    {"signature_method": SIGNATURE_HMAC_SHA256},
])
def test_other_placements_and_methods(server: ServeProcess, options: dict) -> None:  # type: ignore[type-arg]
    session = _session(callback_uri=CALLBACK, **options)
    session.fetch_request_token(server.url + "/oauth/request_token", timeout=30)
    _authorize(server, session, _browser())
    session.fetch_access_token(server.url + "/oauth/access_token", timeout=30)
    if options.get("signature_type") == SIGNATURE_TYPE_BODY:
        response = session.post(server.url + "/api/whoami", data={"x": "1"}, timeout=30)
    else:
        response = session.get(server.url + "/api/whoami", timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["user"] == "alice"


def test_wrong_secret_is_refused(server: ServeProcess) -> None:
    session = OAuth1Session("interop-key", client_secret="not-the-secret", callback_uri="oob")
    session.trust_env = False
    with pytest.raises(TokenRequestDenied) as info:
        session.fetch_request_token(server.url + "/oauth/request_token", timeout=30)
    assert info.value.status_code == 401
    assert "signature_invalid" in info.value.response.headers["WWW-Authenticate"]
