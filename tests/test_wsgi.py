"""The WSGI layer in process: the middleware verifies protected paths and answers refusals itself;
the endpoints app runs the three legs with an application's own login; the verified URI's
origin comes only from base_url or trusted proxies. Standard library only."""

from __future__ import annotations

import io
import json
import re
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth1core.client import Client, SignedRequest
from oauth1core.errors import ServiceUnavailable
from oauth1core.gateway import Consent, Decision, PublicOrigin, ascii_uri
from oauth1core.server import Consumer, Provider, Response
from oauth1core.stores.memory import MemoryStore
from oauth1core.wsgi import REQUEST_KEY, OAuth1Middleware, ProviderEndpoints, request_uri

KEY, SECRET = "wsgi-app", "wsgi-secret"
Answer = Tuple[int, Dict[str, str], bytes]


def login(environ: Dict[str, Any], consent: Consent, form: List[Tuple[str, str]]) -> Any:
    """The application's own login: alice/pw approves or denies; anything else gets a page."""
    fields = dict(form)
    if environ["REQUEST_METHOD"] == "POST" and fields.get("username") == "alice" and fields.get("password") == "pw":
        return Decision("alice", fields.get("decision") == "approve")
    return Response(200, [("Content-Type", "text/plain")], f"log in for {consent.consumer_name}".encode())


def whoami(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
    request = environ.get(REQUEST_KEY)
    document = {"user": request.user, "consumer_key": request.consumer_key, "body": environ["wsgi.input"].read().decode()} \
        if request else {"open": True}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(document).encode()]


def make_provider(store: Any = None) -> Provider:
    return Provider({KEY: Consumer(KEY, SECRET, name="The WSGI App")}, store or MemoryStore())


def stack(provider: Provider, **options: Any) -> Any:
    endpoints = ProviderEndpoints(provider, authorize=login, app=whoami, **options)
    return OAuth1Middleware(endpoints, provider, protect=["/api/"], **options)


def call(app: Any, method: str, uri: str, headers: Optional[Dict[str, str]] = None, body: Any = b"",
         peer: str = "127.0.0.1", **environ_extra: Any) -> Answer:
    parts = urlsplit(uri)
    body = body.encode() if isinstance(body, str) else (body or b"")
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": parts.path, "QUERY_STRING": parts.query, "SCRIPT_NAME": "",
        "SERVER_NAME": "server.local", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": parts.scheme, "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": peer,
        "HTTP_HOST": parts.netloc, "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in (headers or {}).items():
        if name.lower() == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    environ.update(environ_extra)
    seen: Dict[str, Any] = {}

    def start_response(status: str, response_headers: List[Tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = int(status.split()[0]), dict(response_headers)

    out = b"".join(app(environ, start_response))
    assert seen["headers"].get("Content-Length", str(len(out))) == str(len(out))
    return seen["status"], seen["headers"], out


def send(app: Any, request: SignedRequest, caller: Any = call, **extra: Any) -> Answer:
    return caller(app, request.method, request.uri, request.headers, request.body or b"", **extra)


def three_legs(app: Any, base: str = "http://api.test", caller: Any = call, **extra: Any) -> Client:
    """The three legs through ``app`` (``caller`` drives it: WSGI here, ASGI in test_asgi)."""
    client = Client(KEY, SECRET, callback="https://client.example/cb")
    status, _, body = send(app, client.sign("POST", base + "/oauth/request_token"), caller, **extra)
    assert status == 200, body
    temporary = dict(parse_qsl(body.decode()))
    assert temporary["oauth_callback_confirmed"] == "true"
    token = temporary["oauth_token"]
    status, _, page = caller(app, "GET", f"{base}/oauth/authorize?oauth_token={token}", **extra)
    assert (status, page) == (200, b"log in for The WSGI App")
    form = f"oauth_token={token}&username=alice&password=pw&decision=approve"
    status, headers, _ = caller(app, "POST", base + "/oauth/authorize",
                              {"Content-Type": "application/x-www-form-urlencoded"}, form, **extra)
    assert status == 302
    location = dict(parse_qsl(urlsplit(headers["Location"]).query))
    assert headers["Location"].startswith("https://client.example/cb?") and location["oauth_token"] == token
    client = client.replace(callback=None, token=token, token_secret=temporary["oauth_token_secret"],
                            verifier=location["oauth_verifier"])
    status, _, body = send(app, client.sign("POST", base + "/oauth/access_token"), caller, **extra)
    assert status == 200, body
    credentials = dict(parse_qsl(body.decode()))
    return client.replace(token=credentials["oauth_token"], token_secret=credentials["oauth_token_secret"], verifier=None)


def problem(answer: Answer) -> str:
    return dict(parse_qsl(answer[2].decode())).get("oauth_problem", "")


def test_three_legs_then_the_application_reads_the_verified_request() -> None:
    provider = make_provider()
    app = stack(provider)
    client = three_legs(app)
    request = client.sign("POST", "http://api.test/api/notes?x=1", body=[("note", "hi there")])
    status, _, body = send(app, request)
    assert status == 200, body
    assert json.loads(body) == {"user": "alice", "consumer_key": KEY, "body": "note=hi%20there"}
    # the same request again: a replay, refused before the application
    status, headers, body = send(app, request)
    assert status == 401 and problem((status, headers, body)) == "nonce_used"
    assert headers["WWW-Authenticate"] == 'OAuth realm="oauth1core", oauth_problem="nonce_used"'


def test_verified_request_carries_consumer_token_user_and_parameters() -> None:
    provider = make_provider()
    seen: Dict[str, Any] = {}

    def app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        seen["request"] = environ[REQUEST_KEY]
        start_response("204 No Content", [])
        return []

    client = three_legs(stack(provider))
    status, _, _ = send(OAuth1Middleware(app, provider), client.sign("GET", "http://api.test/anything?a=1&a=2"))
    assert status == 204
    request = seen["request"]
    assert (request.consumer_key, request.token, request.user) == (KEY, client.token, "alice")
    assert [pair for pair in request.params if not pair[0].startswith("oauth_")] == [("a", "1"), ("a", "2")]
    assert dict(request.params)["oauth_token"] == client.token


def test_refusals_are_answered_by_the_middleware_with_a_challenge() -> None:
    provider = make_provider()
    called: List[str] = []

    def app(environ: Dict[str, Any], start_response: Any) -> List[bytes]:
        called.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"open"]

    endpoints = ProviderEndpoints(provider, authorize=login, app=app)
    client = three_legs(OAuth1Middleware(endpoints, provider, protect="/api/whoami", realm="Photos"))
    protected = OAuth1Middleware(app, provider, protect="/api/whoami", realm="Photos")
    good = client.sign("GET", "http://api.test/api/whoami")
    forged = dict(good.headers)
    forged["Authorization"] = re.sub(r'oauth_signature="[^"]+"', 'oauth_signature="AAAA"', forged["Authorization"])
    expired = client.sign("GET", "http://api.test/api/whoami", timestamp=1_000_000_000)
    cases = [
        (call(protected, "GET", good.uri, forged), 401, "signature_invalid"),
        (send(protected, expired), 401, "timestamp_refused"),
        (call(protected, "GET", good.uri), 400, "parameter_absent"),
    ]
    for answer, status, expected in cases:
        assert (answer[0], problem(answer)) == (status, expected)
        assert answer[1]["WWW-Authenticate"] == f'OAuth realm="Photos", oauth_problem="{expected}"'
    assert "oauth_acceptable_timestamps" in dict(parse_qsl(cases[1][0][2].decode()))
    assert called == []
    # an unprotected path is not checked
    assert call(protected, "GET", "http://api.test/public")[0] == 200 and called == ["/public"]


def test_a_store_that_cannot_answer_is_a_503_never_an_accept() -> None:
    class DownStore(MemoryStore):
        def add_nonce(self, *args: Any, **kwargs: Any) -> bool:
            raise ServiceUnavailable("the store is down")

    provider = make_provider()
    client = three_legs(stack(provider))
    down = Provider(provider.consumers, DownStore())
    down.store.add_token(provider.store.get_token(client.token))  # type: ignore[arg-type]
    status, headers, body = send(OAuth1Middleware(whoami, down), client.sign("GET", "http://api.test/api/x"))
    assert status == 503 and headers["Retry-After"] == "5" and problem((status, headers, body)) == "temporarily_unavailable"


def test_the_decision_can_be_a_denial_and_oob_shows_the_verifier() -> None:
    provider = make_provider()
    app = stack(provider)
    for decision in ("deny", "approve"):
        client = Client(KEY, SECRET, callback="oob")
        temporary = dict(parse_qsl(send(app, client.sign("POST", "http://api.test/oauth/request_token"))[2].decode()))
        form = f"oauth_token={temporary['oauth_token']}&username=alice&password=pw&decision={decision}"
        status, _, page = call(app, "POST", "http://api.test/oauth/authorize",
                               {"Content-Type": "application/x-www-form-urlencoded"}, form)
        assert status == 200
        verifier = re.search(rb'id="oauth_verifier">([^<]+)<', page)
        exchange = client.replace(callback=None, token=temporary["oauth_token"],
                                  token_secret=temporary["oauth_token_secret"],
                                  verifier=verifier.group(1).decode() if verifier else "guess")
        answer = send(app, exchange.sign("POST", "http://api.test/oauth/access_token"))
        if decision == "deny":
            assert verifier is None and (answer[0], problem(answer)) == (401, "permission_denied")
        else:
            assert answer[0] == 200


def test_authorize_for_an_unknown_token_is_token_rejected_and_wrong_methods_get_405() -> None:
    app = stack(make_provider())
    answer = call(app, "GET", "http://api.test/oauth/authorize?oauth_token=nope")
    assert (answer[0], problem(answer)) == (401, "token_rejected")
    assert call(app, "GET", "http://api.test/oauth/request_token")[:2] == (405, {
        "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "Allow": "POST",
        "Content-Length": "19"})


# -- where the verified URI comes from ------------------------------------------------------------


def test_forwarding_headers_from_an_untrusted_peer_are_ignored() -> None:
    provider = make_provider()
    client = three_legs(stack(provider))
    app = OAuth1Middleware(whoami, provider)
    # signed for the public https address, sent over http with the proxy headers: not believed
    request = client.sign("GET", "https://api.example.com/api/whoami")
    spoof = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com", "Forwarded": "proto=https;host=api.example.com"}
    answer = call(app, "GET", "http://10.0.0.5:8000/api/whoami", {**request.headers, **spoof}, peer="203.0.113.9")
    assert (answer[0], problem(answer)) == (401, "signature_invalid")
    trusted = OAuth1Middleware(whoami, provider, trusted_proxies=["10.1.0.0/16"])
    answer = call(trusted, "GET", "http://10.0.0.5:8000/api/whoami", {**request.headers, **spoof}, peer="203.0.113.9")
    assert (answer[0], problem(answer)) == (401, "signature_invalid")
    # the same bytes from a trusted proxy are verified for the forwarded origin
    answer = call(trusted, "GET", "http://10.0.0.5:8000/api/whoami", {**request.headers, **spoof}, peer="10.1.2.3")
    assert answer[0] == 200, answer


def test_x_forwarded_mode_ignores_forwarded_and_forwarded_mode_ignores_x_forwarded() -> None:
    provider = make_provider()
    client = three_legs(stack(provider))
    request = client.sign("GET", "https://api.example.com/api/whoami")
    x_mode = OAuth1Middleware(whoami, provider, trusted_proxies=["10.0.0.1"])
    rfc_mode = OAuth1Middleware(whoami, provider, trusted_proxies=["10.0.0.1"], proxy_headers="forwarded")
    injected = {"Forwarded": "proto=https;host=api.example.com"}
    answer = call(x_mode, "GET", "http://backend/api/whoami", {**request.headers, **injected}, peer="10.0.0.1")
    assert problem(answer) == "signature_invalid"
    injected = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com"}
    answer = call(rfc_mode, "GET", "http://backend/api/whoami", {**request.headers, **injected}, peer="10.0.0.1")
    assert problem(answer) == "signature_invalid"
    both = {"Forwarded": 'for=198.51.100.7;proto=https;host="api.example.com"'}
    assert call(rfc_mode, "GET", "http://backend/api/whoami", {**request.headers, **both}, peer="10.0.0.1")[0] == 200


def test_a_fixed_base_url_ignores_host_and_forwarding_headers_and_keeps_its_prefix() -> None:
    provider = make_provider()
    client = three_legs(stack(provider))
    app = OAuth1Middleware(whoami, provider, base_url="https://api.example.com/v1/")
    request = client.sign("GET", "https://api.example.com/v1/api/whoami?q=%2F")
    answer = call(app, "GET", "http://127.0.0.1:9000/api/whoami?q=%2F", request.headers,
                  peer="10.0.0.1", HTTP_X_FORWARDED_HOST="evil.example")
    assert answer[0] == 200, answer
    with pytest.raises(ValueError):
        OAuth1Middleware(whoami, provider, base_url="https://api.example.com/?x=1")


def test_x_forwarded_port_and_lists() -> None:
    provider = make_provider()
    client = three_legs(stack(provider))
    app = OAuth1Middleware(whoami, provider, trusted_proxies=["127.0.0.1"])
    request = client.sign("GET", "https://api.example.com:8443/api/whoami")
    headers = {**request.headers, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com:1",
               "X-Forwarded-Port": "8443"}
    assert call(app, "GET", "http://backend/api/whoami", headers)[0] == 200
    headers["X-Forwarded-Proto"] = "https, http"
    answer = call(app, "GET", "http://backend/api/whoami", headers)
    assert (answer[0], problem(answer)) == (400, "parameter_rejected")
    assert "WWW-Authenticate" in answer[1]


def test_the_raw_path_is_verified_not_the_decoded_path_info() -> None:
    provider = make_provider()
    client = three_legs(stack(provider))
    app = OAuth1Middleware(whoami, provider)
    request = client.sign("GET", "http://api.test/api/files/a%2Fb")
    # PEP 3333 hands over the decoded path; gunicorn also gives RAW_URI
    answer = call(app, "GET", "http://api.test/api/files/a/b", request.headers, RAW_URI="/api/files/a%2Fb")
    assert answer[0] == 200, answer
    request = client.sign("GET", "http://api.test/api/files/a%2Fb")
    answer = call(app, "GET", "http://api.test/api/files/a/b", request.headers)
    assert problem(answer) == "signature_invalid"


def test_a_body_over_the_limit_is_413_before_verification() -> None:
    provider = make_provider()
    app = OAuth1Middleware(whoami, provider, max_body=10)
    assert call(app, "POST", "http://api.test/x", {"Content-Type": "text/plain"}, b"x" * 11)[0] == 413
    assert call(app, "POST", "http://api.test/x", {"Content-Type": "text/plain"}, b"x", CONTENT_LENGTH="1e3")[0] == 400


@given(st.lists(st.text(alphabet="abcXYZ019-._~%!$&'()*+,;=:@", min_size=1, max_size=8), min_size=1, max_size=4),
       st.text(alphabet="ab=&%2F", max_size=10))
def test_the_raw_path_is_the_same_in_origin_form_and_absolute_form(segments: List[str], query: str) -> None:
    path = "/" + "/".join(segments)
    target = path + ("?" + query if query else "")
    origin = PublicOrigin.build()
    environ = {"HTTP_HOST": "api.test", "wsgi.url_scheme": "http", "QUERY_STRING": query, "PATH_INFO": "/ignored"}
    expected = "http://api.test" + target
    assert request_uri({**environ, "RAW_URI": target}, origin) == expected
    assert request_uri({**environ, "REQUEST_URI": "http://other.example:81" + target}, origin) == expected


def test_an_approval_redirect_is_always_ascii() -> None:
    assert ascii_uri("https://client.example/cb/\u2603?x=\u00e9\u0085&oauth_token=a%2Fb") == \
        "https://client.example/cb/%E2%98%83?x=%C3%A9%C2%85&oauth_token=a%2Fb"
    assert ascii_uri("http://127.0.0.1:9/cb?a=1") == "http://127.0.0.1:9/cb?a=1"
