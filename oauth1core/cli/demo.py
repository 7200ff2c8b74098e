"""``python -m oauth1core demo``: the three-legged flow (RFC 5849 section 2) over real HTTP.

Starts a provider (:mod:`oauth1core.httpserver`) on a free loopback port with an SQLite store in
a temporary folder, then plays the client with the library's own :class:`~oauth1core.client.Client`
and :func:`~oauth1core.adapters.urllib.sign_request` over :mod:`urllib`: temporary credentials,
the resource owner's login and approval, token credentials, a protected call, and a replay of
that call, which the provider refuses with ``nonce_used``. Secrets are never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

from ..encoding import percent_encode
from ._common import mask

if TYPE_CHECKING:  # pragma: no cover
    from ..client import Client

CALLBACK = "http://127.0.0.1/callback"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand 3xx responses back instead of following them: the demo reads the redirect."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class _Failed(Exception):
    pass


def _opener() -> urllib.request.OpenerDirector:
    # No proxy: the provider is on loopback, whatever HTTP_PROXY says.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _call(opener: urllib.request.OpenerDirector, request: urllib.request.Request) -> Tuple[int, Dict[str, str], str]:
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers.items()), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers.items()), error.read().decode("utf-8")


def _expect(status: int, expected: int, what: str, body: str) -> None:
    if status != expected:
        raise _Failed(f"{what}: expected HTTP {expected}, got {status}: {body.strip()[:200]}")


def _form(body: str) -> Dict[str, str]:
    return dict(parse_qsl(body, keep_blank_values=True, strict_parsing=True))


def _say(line: str = "") -> None:
    print(line, flush=True)


def _temporary(opener: urllib.request.OpenerDirector, base: str, client: "Client") -> Dict[str, str]:
    """Step 1 (RFC 5849 section 2.1): temporary credentials."""
    from ..adapters.urllib import sign_request

    request = sign_request(client, urllib.request.Request(base + "/oauth/request_token", method="POST"))
    status, _, body = _call(opener, request)
    _expect(status, 200, "request token", body)
    temporary = _form(body)
    _say(f"1. temporary credentials: POST /oauth/request_token -> {status}")
    _say(f"   oauth_token={temporary['oauth_token']}  oauth_token_secret={mask(temporary['oauth_token_secret'])}"
         f"  oauth_callback_confirmed={temporary.get('oauth_callback_confirmed')}")
    return temporary


def _approve(opener: urllib.request.OpenerDirector, base: str, token: str, password: str) -> str:
    """Step 2 (section 2.2): the login page, alice's approval, the redirect; returns the verifier."""
    authorize_url = f"{base}/oauth/authorize?oauth_token={percent_encode(token)}"
    status, _, body = _call(opener, urllib.request.Request(authorize_url))
    _expect(status, 200, "authorize page", body)
    _say("2. resource owner authorization")
    _say(f"   authorize URL: {authorize_url}")
    _say(f"   GET -> {status}, a login page; alice logs in and approves:")
    decision = (f"oauth_token={percent_encode(token)}&username=alice"
                f"&password={percent_encode(password)}&decision=approve").encode("ascii")
    status, headers, body = _call(opener, urllib.request.Request(
        base + "/oauth/authorize", data=decision, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"}))
    _expect(status, 302, "approval", body)
    location = headers.get("Location", "")
    returned = _form(urlsplit(location).query)
    if not location.startswith(CALLBACK + "?") or returned.get("oauth_token") != token:
        raise _Failed(f"approval: unexpected redirect {location!r}")
    _say(f"   POST /oauth/authorize -> {status}, redirect to {location}")
    _say(f"   verifier: {returned['oauth_verifier']}")
    return returned["oauth_verifier"]


def _access(opener: urllib.request.OpenerDirector, base: str, client: "Client") -> "Client":
    """Step 3 (section 2.3): token credentials; returns the client holding them."""
    from ..adapters.urllib import sign_request

    request = sign_request(client, urllib.request.Request(base + "/oauth/access_token", method="POST"))
    status, _, body = _call(opener, request)
    _expect(status, 200, "access token", body)
    access = _form(body)
    _say(f"3. token credentials: POST /oauth/access_token -> {status}")
    _say(f"   oauth_token={access['oauth_token']}  oauth_token_secret={mask(access['oauth_token_secret'])}")
    return client.replace(token=access["oauth_token"], token_secret=access["oauth_token_secret"], verifier=None)


def _protected(opener: urllib.request.OpenerDirector, base: str, client: "Client", consumer_key: str) -> None:
    """Step 4 (section 3): a protected call, then the same request again (a replay)."""
    from ..adapters.urllib import sign_request

    request = sign_request(client, urllib.request.Request(base + "/api/whoami"))
    status, _, body = _call(opener, request)
    _expect(status, 200, "protected resource", body)
    if json.loads(body) != {"user": "alice", "consumer_key": consumer_key}:
        raise _Failed(f"protected resource: unexpected answer {body!r}")
    _say(f"4. protected resource: GET /api/whoami -> {status} {body}")
    status, headers, body = _call(opener, request)
    _expect(status, 401, "replay", body)
    challenge = headers.get("WWW-Authenticate", "")
    if 'oauth_problem="nonce_used"' not in challenge:
        raise _Failed(f"replay: expected nonce_used, got {challenge!r}")
    _say(f"5. the same signed request again (a replay) -> {status}")
    _say(f"   WWW-Authenticate: {challenge}")


def run() -> None:
    """Run the demo, printing each step (raises _Failed when the provider misbehaves)."""
    from ..client import Client
    from ..httpserver import ProviderApp, start_server
    from ..server import Consumer, Provider
    from ..stores.sqlite import SQLiteStore

    consumer_key = "demo-consumer"
    consumer_secret = secrets.token_urlsafe(24)
    password = secrets.token_urlsafe(12)
    opener = _opener()
    with tempfile.TemporaryDirectory(prefix="oauth1core-demo-") as folder:
        path = os.path.join(folder, "provider.db")
        store = SQLiteStore(path)
        provider = Provider({consumer_key: Consumer(consumer_key, consumer_secret, name="Demo photo printer")}, store)
        running = start_server(ProviderApp(provider, users={"alice": password}), "127.0.0.1", 0)
        try:
            base = running.url
            _say(f"oauth1core demo: a provider on {base} (SQLite store {path})")
            _say(f"consumer key {consumer_key}, consumer secret {mask(consumer_secret)}; resource owner alice")
            _say()
            client = Client(consumer_key, consumer_secret, callback=CALLBACK)
            temporary = _temporary(opener, base, client)
            verifier = _approve(opener, base, temporary["oauth_token"], password)
            client = client.replace(callback=None, token=temporary["oauth_token"],
                                    token_secret=temporary["oauth_token_secret"], verifier=verifier)
            _protected(opener, base, _access(opener, base, client), consumer_key)
            _say()
            _say("The three-legged flow completed, and the replay was refused.")
        finally:
            running.close()
            store.close()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m oauth1core demo",
        description="Start a provider on a free loopback port (SQLite store in a temporary folder), run the "
        "three-legged OAuth 1.0a flow against it over HTTP with the library's own client, and show a "
        "replayed request refused with nonce_used.",
    )
    parser.parse_args(argv or [])
    try:
        run()
    except _Failed as exc:
        print(f"oauth1core demo failed: {exc}", flush=True)
        return 1
    return 0
