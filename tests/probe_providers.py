"""Providers for the probe's tests, each run as its own process on a free loopback port.

``python tests/probe_providers.py NAME [--cert PEM --key PEM]`` serves ``/whoami`` (GET or POST),
a protected resource that needs the token credentials below, and ``/count``, how many requests
``/whoami`` received; it prints its base URL on the first line of its standard output and stops
when its standard input closes.

* ``oauthlib``: oauthlib's ``ResourceEndpoint`` with a ``RequestValidator`` that keeps only what a
  user must supply (clients, tokens, a nonce store); every limit and setting is oauthlib's default
  (``enforce_ssl``, 20-30 letter-and-digit keys, tokens and nonces, a 600-second window, its
  default signature methods), so it is served over https.
* ``authlib``: Authlib's ``ResourceProtector`` with its defaults (HMAC-SHA1 only, 300-second
  window, https required) and a nonce store.
* ``lax``: a deliberately lax provider from oauth1core's stateless checks: HMAC-SHA1 only, but
  no nonce store, no timestamp window and no oauth_body_hash check (plain http).
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple
from wsgiref.simple_server import WSGIRequestHandler, make_server

sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
from peer_providers import _read as read_environ  # noqa: E402

CLIENT_KEY = "probeclient0123456789ab"
CLIENT_SECRET = "probe-client-secret-42"
TOKEN = "probetoken0123456789abcd"
TOKEN_SECRET = "probe-token-secret-42"

StartResponse = Callable[..., Any]
Verdict = Tuple[int, str]  # status, oauth_problem ("" when accepted)


def _read(environ: Dict[str, Any]) -> Tuple[str, str, Dict[str, str], str]:
    method, uri, headers, body = read_environ(environ)
    return method, uri, headers, body.decode("utf-8", "replace")


def oauthlib_check() -> Callable[[str, str, Dict[str, str], str], Verdict]:
    from oauthlib.oauth1 import RequestValidator, ResourceEndpoint

    class Validator(RequestValidator):  # type: ignore[misc]
        nonces: Set[Tuple[str, str, str, str]] = set()
        dummy_client = "dummyclient0123456789ab"
        dummy_access_token = "dummytoken0123456789abcd"

        def validate_client_key(self, client_key: str, request: Any) -> bool:
            return client_key == CLIENT_KEY

        def get_client_secret(self, client_key: str, request: Any) -> str:
            return CLIENT_SECRET

        def validate_access_token(self, client_key: str, token: str, request: Any) -> bool:
            return token == TOKEN

        def get_access_token_secret(self, client_key: str, token: str, request: Any) -> str:
            return TOKEN_SECRET

        def validate_realms(self, *args: Any, **kwargs: Any) -> bool:
            return True

        def validate_timestamp_and_nonce(self, client_key: str, timestamp: str, nonce: str, request: Any,
                                         request_token: Optional[str] = None, access_token: Optional[str] = None) -> bool:
            key = (client_key, timestamp, nonce, access_token or request_token or "")
            seen = key in self.nonces
            self.nonces.add(key)
            return not seen

    endpoint = ResourceEndpoint(Validator())

    def check(method: str, uri: str, headers: Dict[str, str], body: str) -> Verdict:
        valid, _ = endpoint.validate_protected_resource_request(uri, method, body, headers)
        return (200, "") if valid else (401, "invalid")

    return check


def authlib_check() -> Callable[[str, str, Dict[str, str], str], Verdict]:
    from authlib.oauth1.rfc5849 import ResourceProtector
    from authlib.oauth1.rfc5849.errors import OAuth1Error
    from authlib.oauth1.rfc5849.models import ClientMixin

    class Client(ClientMixin):  # type: ignore[misc]
        def get_client_secret(self) -> str:
            return CLIENT_SECRET

        def get_rsa_public_key(self) -> None:
            return None

    class Token(dict):  # type: ignore[type-arg]
        def get_oauth_token_secret(self) -> str:
            return TOKEN_SECRET

    nonces: Set[Tuple[str, str, str]] = set()

    class Protector(ResourceProtector):  # type: ignore[misc]
        def get_client_by_id(self, client_id: str) -> Optional[Client]:
            return Client() if client_id == CLIENT_KEY else None

        def exists_nonce(self, nonce: str, request: Any) -> bool:
            key = (request.client_id, request.timestamp, nonce)
            seen = key in nonces
            nonces.add(key)
            return seen

        def get_token_credential(self, request: Any) -> Optional[Token]:
            return Token(oauth_token=TOKEN) if request.token == TOKEN else None

    protector = Protector()

    def check(method: str, uri: str, headers: Dict[str, str], body: str) -> Verdict:
        try:
            protector.validate_request(method, uri, body, headers)
        except OAuth1Error as error:
            return int(error.status_code), str(error.error)
        return 200, ""

    return check


def lax_check() -> Callable[[str, str, Dict[str, str], str], Verdict]:
    from oauth1core.errors import OAuthError
    from oauth1core.methods import resolve
    from oauth1core.parsing import parse_request
    from oauth1core.verify import check_protocol, check_signature

    method_object = resolve("HMAC-SHA1")

    def check(method: str, uri: str, headers: Dict[str, str], body: str) -> Verdict:
        try:
            parsed = parse_request(method, uri, headers, body.encode("utf-8"))
            check_protocol(parsed)
            if parsed.oauth.get("oauth_signature_method") != "HMAC-SHA1" or parsed.oauth.get("oauth_token") != TOKEN:
                return 401, "refused"
            check_signature(parsed, method_object, CLIENT_SECRET, TOKEN_SECRET)
        except OAuthError as exc:
            return exc.status, exc.problem
        return 200, ""

    return check


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def app_of(check: Callable[[str, str, Dict[str, str], str], Verdict], scheme: str) -> Callable[..., Iterable[bytes]]:
    received = [0]  # requests to /whoami, told by GET /count (the probe's budget, counted apart)

    def app(environ: Dict[str, Any], start_response: StartResponse) -> List[bytes]:
        environ["wsgi.url_scheme"] = scheme
        if environ.get("PATH_INFO") == "/count":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [str(received[0]).encode()]
        if environ.get("PATH_INFO") != "/whoami":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        received[0] += 1
        status, problem = check(*_read(environ))
        if status == 200:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"user": "alice"}).encode()]
        start_response(f"{status} Refused", [("Content-Type", "application/x-www-form-urlencoded")])
        return [f"oauth_problem={problem}".encode()]

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=("oauthlib", "authlib", "lax"))
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    check = {"oauthlib": oauthlib_check, "authlib": authlib_check, "lax": lax_check}[args.name]()
    scheme = "https" if args.cert else "http"
    server = make_server("127.0.0.1", 0, app_of(check, scheme), handler_class=_Quiet)
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    print(f"{scheme}://127.0.0.1:{server.server_port}", flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
