"""The sans-I/O three-legged flow (oauth1core.flow): every leg against our provider called in-process
(plain data both ways), the serializable state, tolerant answer parsing, the callback checks, the
clock correction, and the transport helpers' retry-once rule with a fake transport."""

from __future__ import annotations

import json
from email.utils import formatdate
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import pytest
from store_suite import SECRETS, T0, FakeClock, consumers

from oauth1core.client import Client, SignedRequest
from oauth1core.flow import (
    AuthorizationDenied,
    CallbackError,
    Endpoints,
    FlowError,
    FlowState,
    ProviderError,
    ResponseError,
    ThreeLeggedFlow,
    TokenCredentials,
    clock_correction,
    parse_credentials_response,
    provider_problem,
)
from oauth1core.httpserver import ProviderApp
from oauth1core.server import Provider
from oauth1core.transport import HTTPResponse, obtain_temporary_credentials, obtain_token_credentials

BASE = "http://sp.example.net"
ENDPOINTS = Endpoints(BASE + "/oauth/request_token", BASE + "/oauth/authorize", BASE + "/oauth/access_token")
CALLBACK = "http://127.0.0.1:9/callback?from=flow"


class InProcess:
    """A transport that hands each signed request to a ProviderApp, as plain data."""

    def __init__(self, app: ProviderApp) -> None:
        self.app = app
        self.sent: List[SignedRequest] = []

    def send(self, request: SignedRequest) -> HTTPResponse:
        self.sent.append(request)
        parts = urlsplit(request.uri)
        target = parts.path + ("?" + parts.query if parts.query else "")
        body = request.body.encode() if isinstance(request.body, str) else (request.body or b"")
        headers = [("Host", parts.netloc), *request.headers.items()]
        response = self.app.handle(request.method, target, headers, body)
        return HTTPResponse(response.status, response.headers, response.body)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> ProviderApp:
    return ProviderApp(Provider(consumers(), clock=clock), users={"alice": "pw"}, auto_approve="alice")


def make_flow(clock: FakeClock, callback: str = CALLBACK, **kwargs: Any) -> ThreeLeggedFlow:
    return ThreeLeggedFlow(Client("c1", SECRETS["c1"], clock=clock), ENDPOINTS, callback=callback, **kwargs)


def approve(app: ProviderApp, state: FlowState) -> Tuple[int, Dict[str, str], bytes]:
    response = app.handle("GET", f"/oauth/authorize?oauth_token={state.token}", [("Host", "sp.example.net")], b"")
    return response.status, dict(response.headers), response.body


def test_three_legs_with_a_callback(app: ProviderApp, clock: FakeClock) -> None:
    flow = make_flow(clock)
    transport = InProcess(app)
    state = obtain_temporary_credentials(flow, transport)
    first = transport.sent[0]
    assert first.method == "POST" and first.uri == ENDPOINTS.request_token_url
    assert ("oauth_callback", CALLBACK) in first.oauth_params and state.callback == CALLBACK
    assert state.verifier is None and state.extra == ()

    url = flow.authorization_url(state)
    assert url == f"{ENDPOINTS.authorize_url}?oauth_token={state.token}"
    status, headers, _ = approve(app, state)
    assert status == 302 and headers["Location"].startswith(CALLBACK + "&oauth_token=")

    # A stateless worker: the state goes out as JSON and comes back.
    restored = FlowState.from_json(state.to_json())
    assert restored == state
    verified = flow.parse_callback(restored, headers["Location"])
    assert verified.verifier and verified.token == state.token

    credentials = obtain_token_credentials(flow, verified, transport)
    exchange = transport.sent[-1]
    names = dict(exchange.oauth_params)
    assert names["oauth_token"] == state.token and names["oauth_verifier"] == verified.verifier
    assert "oauth_callback" not in names
    assert credentials.token != state.token and credentials.extra == ()

    client = flow.authorized_client(credentials)
    assert (client.token, client.token_secret, client.verifier, client.callback) == (
        credentials.token, credentials.token_secret, None, None)
    whoami = transport.send(client.sign("GET", BASE + "/api/whoami"))
    assert whoami.status == 200 and json.loads(whoami.body) == {"user": "alice", "consumer_key": "c1"}


def test_out_of_band_pin(app: ProviderApp, clock: FakeClock) -> None:
    flow = make_flow(clock, callback="oob")
    transport = InProcess(app)
    state = obtain_temporary_credentials(flow, transport)
    status, _, page = approve(app, state)
    pin = page.decode().split('id="oauth_verifier">')[1].split("<")[0]
    assert status == 200 and pin
    state = flow.enter_verifier(state, f"  {pin}\n")
    assert state.verifier == pin
    credentials = obtain_token_credentials(flow, state, transport)
    assert credentials.token and credentials.token_secret
    with pytest.raises(CallbackError):
        flow.enter_verifier(state, "   ")


def test_the_flow_needs_client_credentials_only() -> None:
    for extra in ({"token": "t"}, {"verifier": "v"}, {"callback": "oob"}):
        with pytest.raises(ValueError):
            ThreeLeggedFlow(Client("c1", "s", **extra), ENDPOINTS)  # type: ignore[arg-type]
    for callback in ("", "ftp://x/cb", "/relative", "https://x/cb#frag", "http://x/\ncb"):
        with pytest.raises(ValueError):
            ThreeLeggedFlow(Client("c1", "s"), ENDPOINTS, callback=callback)
    with pytest.raises(ValueError):
        ThreeLeggedFlow(Client("c1", "s"), ENDPOINTS, authorize_params=[("oauth_token", "x")])


def test_request_token_params_and_headers_are_signed() -> None:
    flow = ThreeLeggedFlow(Client("c1", "s"), ENDPOINTS._replace(request_token_method="GET"),
                           request_token_params=[("x_auth_access_type", "read")], headers={"User-Agent": "t/1"})
    request = flow.temporary_credentials_request()
    assert request.method == "GET" and request.uri == ENDPOINTS.request_token_url + "?x_auth_access_type=read"
    assert "x_auth_access_type%3Dread" in request.base_string and request.headers["User-Agent"] == "t/1"
    assert ("oauth_callback", "oob") in request.oauth_params
    silent = ThreeLeggedFlow(Client("c1", "s"), ENDPOINTS, send_callback=False)
    assert "oauth_callback" not in dict(silent.temporary_credentials_request().oauth_params)


def test_authorization_url_extras() -> None:
    flow = ThreeLeggedFlow(Client("c1", "s"), ENDPOINTS._replace(authorize_url="https://sp/authorize?lang=en"),
                           callback="https://app.example/cb", authorize_params=[("perms", "read"), ("name", "My App")],
                           authorize_callback=True)
    state = FlowState("tok en", "s", "https://app.example/cb")
    url = flow.authorization_url(state, [("perms", "write")])
    assert url == ("https://sp/authorize?lang=en&oauth_token=tok%20en&name=My%20App&perms=write"
                   "&oauth_callback=https%3A%2F%2Fapp.example%2Fcb")
    with pytest.raises(ValueError):
        flow.authorization_url(state, [("oauth_verifier", "x")])
    no_authorize = ThreeLeggedFlow(Client("c1", "s"), ENDPOINTS._replace(authorize_url=None))
    with pytest.raises(FlowError):
        no_authorize.authorization_url(state)


def test_callback_checks() -> None:
    flow = make_flow(FakeClock())
    state = FlowState("request-token", "secret", CALLBACK)
    verified = flow.parse_callback(state, CALLBACK + "&oauth_token=request-token&oauth_verifier=v%20erifier")
    assert verified.verifier == "v erifier"
    assert flow.parse_callback(state, "?oauth_token=request-token&oauth_verifier=x").verifier == "x"
    assert flow.parse_callback(state, {"oauth_token": "request-token", "oauth_verifier": "y"}).verifier == "y"
    assert flow.parse_callback(state, [("oauth_token", "request-token"), ("oauth_verifier", "z")]).verifier == "z"
    for callback, error in [
        ("https://app/cb?oauth_token=another-token&oauth_verifier=v", CallbackError),  # crossed or forged
        ("https://app/cb?oauth_verifier=v", CallbackError),
        ("https://app/cb?oauth_token=request-token", CallbackError),
        ("https://app/cb?oauth_token=request-token&oauth_token=request-token&oauth_verifier=v", CallbackError),
        ("https://app/cb?oauth_token=request-token&oauth_verifier=%zz", CallbackError),
        ("https://app/cb?denied=request-token", AuthorizationDenied),  # X/Twitter
        ("https://app/cb?oauth_problem=permission_denied", AuthorizationDenied),
        ("https://app/cb?oauth_token=request-token&oauth_verifier=", AuthorizationDenied),  # NetSuite
    ]:
        with pytest.raises(error):
            flow.parse_callback(state, callback)
    echoed = "https://app/cb?oauth_token=request-token&oauth_verifier=v&state=abc123&company=1234567"
    assert flow.parse_callback(state, echoed, expected_state="abc123").verifier == "v"
    with pytest.raises(CallbackError):
        flow.parse_callback(state, echoed, expected_state="other")


def test_state_serialization_refuses_what_it_did_not_write() -> None:
    state = FlowState("t", "s", "oob", extra=[("x", "1")]).with_verifier("v")
    assert FlowState.from_dict(state.to_dict()) == state
    assert "s" not in repr(state).replace("token_secret", "").replace("FlowState", "")
    assert "'***'" in repr(state) and "verifier='***'" not in repr(FlowState("t", "s", "oob"))
    with pytest.raises(AttributeError):
        state.token = "other"
    for bad in ["[]", "{}", '{"v": 2}', "not json", json.dumps({**state.to_dict(), "admin": True}),
                json.dumps({**state.to_dict(), "token": 5}), json.dumps({**state.to_dict(), "token": "a\nb"}),
                json.dumps({**state.to_dict(), "token": "x" * 5000}), json.dumps({**state.to_dict(), "extra": [["a"]]}),
                json.dumps({k: v for k, v in state.to_dict().items() if k != "token_secret"})]:
        with pytest.raises(ValueError):
            FlowState.from_json(bad)


def test_sealed_state() -> None:
    state = FlowState("t", "s", CALLBACK)
    key = b"k" * 32
    sealed = state.seal(key, now=T0)
    assert FlowState.unseal(sealed, key, now=T0 + 10) == state
    with pytest.raises(ValueError):
        FlowState.unseal(sealed, b"other key", now=T0)
    with pytest.raises(ValueError):
        FlowState.unseal(sealed, key, now=T0 + 901)
    issued, payload, mac = sealed.split(".")
    with pytest.raises(ValueError):
        FlowState.unseal(f"{int(issued) + 1}.{payload}.{mac}", key, now=T0)
    with pytest.raises(ValueError):
        FlowState.unseal("garbage", key)


def test_tolerant_answers() -> None:
    flow = make_flow(FakeClock())
    # Twitter answers text/html; providers add fields; a trailing newline; a BOM.
    state = flow.parse_temporary_credentials(
        200, [("Content-Type", "text/html; charset=utf-8")],
        b"\xef\xbb\xbfoauth_token=a%20b&oauth_token_secret=s&oauth_callback_confirmed=true&xoauth_expires=300\n")
    assert (state.token, state.token_secret, state.extra) == ("a b", "s", (("xoauth_expires", "300"),))
    credentials = flow.parse_token_credentials(
        200, {"Content-Type": "text/plain"}, "oauth_token=t&oauth_token_secret=&user_id=42&screen_name=jane")
    assert credentials == TokenCredentials("t", "", [("user_id", "42"), ("screen_name", "jane")])
    assert credentials.get("screen_name") == "jane" and credentials.get("nothing") is None
    assert "'***'" in repr(credentials)
    as_json = flow.parse_token_credentials(201, None, '{"oauth_token": "t", "oauth_token_secret": "s", "id": 7}')
    assert as_json.extra == (("id", "7"),)
    assert TokenCredentials.from_dict(credentials.to_dict()) == credentials


@pytest.mark.parametrize("status,headers,body,problem,kind", [
    (401, [("WWW-Authenticate", 'OAuth realm="x", oauth_problem="signature_invalid"')], b"", "signature_invalid",
     ProviderError),
    (401, [], b"oauth_problem=consumer_key_unknown&oauth_problem_advice=who%20are%20you", "consumer_key_unknown",
     ProviderError),
    (400, [], b"<html><body>Bad request</body></html>", None, ProviderError),
    (500, [], b"", None, ProviderError),
    (200, [], b"oauth_problem=token_rejected", "token_rejected", ProviderError),
    (200, [], b"oauth_token=t", None, ResponseError),
    (200, [], b"oauth_token=t&oauth_token=u&oauth_token_secret=s", None, ResponseError),
    (200, [], b"<html>hello</html>", None, ResponseError),
    (200, [], b"", None, ResponseError),
    (200, [], b"oauth_token=&oauth_token_secret=s", None, ResponseError),
])
def test_refusals_are_clear(status: int, headers: List[Tuple[str, str]], body: bytes, problem: Optional[str],
                            kind: type) -> None:
    flow = make_flow(FakeClock(), require_callback_confirmed=False)
    with pytest.raises(kind) as info:
        flow.parse_token_credentials(status, headers, body)
    if isinstance(info.value, ProviderError):
        assert info.value.status == status and info.value.problem == problem
        assert f"HTTP {status}" in str(info.value)
        if problem:
            assert problem in str(info.value)
    if status == 200:
        assert "oauth_token=" not in str(info.value)  # a success body may hold secrets: never quoted


def test_advice_is_shown() -> None:
    with pytest.raises(ProviderError) as info:
        parse_credentials_response("x", 401, None, b"oauth_problem=timestamp_refused&oauth_problem_advice=late")
    assert info.value.advice == "late" and "timestamp_refused: late" in str(info.value)
    assert provider_problem(None, b"\x00\xff") == (None, None)


def test_callback_confirmed_is_required_unless_switched_off() -> None:
    for body in (b"oauth_token=t&oauth_token_secret=s", b"oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=no"):
        with pytest.raises(ResponseError) as info:
            make_flow(FakeClock()).parse_temporary_credentials(200, None, body)
        assert "oauth_callback_confirmed" in str(info.value)
        state = make_flow(FakeClock(), require_callback_confirmed=False).parse_temporary_credentials(200, None, body)
        assert state.token == "t"


def test_token_request_needs_a_verifier() -> None:
    with pytest.raises(FlowError):
        make_flow(FakeClock()).token_credentials_request(FlowState("t", "s", "oob"))


# -- the provider's clock (section 3.3) -------------------------------------------------------------


def test_clock_correction_from_acceptable_timestamps() -> None:
    client = Client("c1", "s", clock=lambda: T0)
    body = f"oauth_problem=timestamp_refused&oauth_acceptable_timestamps={int(T0) + 3300}-{int(T0) + 3900}"
    assert clock_correction(client, 401, None, body) == 3600
    # Already corrected: nothing to change, do not retry.
    assert clock_correction(client.replace(clock_offset=3600), 401, None, body) is None


def test_clock_correction_from_the_date_header() -> None:
    client = Client("c1", "s", clock=lambda: T0)
    late = [("Date", formatdate(T0 - 7200, usegmt=True))]
    refused = [("WWW-Authenticate", 'OAuth oauth_problem="timestamp_refused"')]
    assert clock_correction(client, 401, refused + late, b"") == -7200
    assert clock_correction(client, 401, late, b"") == -7200  # a bare 401, far from our clock
    assert clock_correction(client, 401, [("Date", formatdate(T0 + 30, usegmt=True))], b"") is None  # close enough
    assert clock_correction(client, 403, late, b"") is None
    assert clock_correction(client, 401, [("Date", "not a date")], b"") is None
    assert clock_correction(client, 401, refused, b"") is None  # refused, but nothing says the provider's time
    assert clock_correction(client, 200, late, b"") is None


class Scripted:
    """A transport answering from a script, recording what it was sent."""

    def __init__(self, *answers: HTTPResponse) -> None:
        self.answers = list(answers)
        self.sent: List[SignedRequest] = []

    def send(self, request: SignedRequest) -> HTTPResponse:
        self.sent.append(request)
        return self.answers.pop(0)


def refused_at(now: float) -> HTTPResponse:
    return HTTPResponse(401, [("Date", formatdate(now, usegmt=True))],
                        b"oauth_problem=timestamp_refused")


def test_transport_retries_once_with_the_providers_clock() -> None:
    flow = make_flow(FakeClock(T0))
    ok = HTTPResponse(200, [], b"oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=true")
    transport = Scripted(refused_at(T0 + 3600), ok)
    state = obtain_temporary_credentials(flow, transport)
    assert state.token == "t" and flow.client.clock_offset == 3600
    timestamps = [int(dict(request.oauth_params)["oauth_timestamp"]) for request in transport.sent]
    assert timestamps == [int(T0), int(T0) + 3600]
    nonces = {dict(request.oauth_params)["oauth_nonce"] for request in transport.sent}
    assert len(nonces) == 2


def test_transport_never_loops() -> None:
    flow = make_flow(FakeClock(T0))
    transport = Scripted(refused_at(T0 + 3600), refused_at(T0 + 7200), refused_at(T0))
    with pytest.raises(ProviderError) as info:
        obtain_temporary_credentials(flow, transport)
    assert info.value.problem == "timestamp_refused" and len(transport.sent) == 2
    # Another refusal is not retried at all.
    flow = make_flow(FakeClock(T0))
    transport = Scripted(HTTPResponse(401, [], b"oauth_problem=signature_invalid"))
    with pytest.raises(ProviderError):
        obtain_token_credentials(flow, FlowState("t", "s", "oob", "v"), transport)
    assert len(transport.sent) == 1


def test_against_a_provider_with_a_skewed_clock(clock: FakeClock) -> None:
    app = ProviderApp(Provider(consumers(), clock=FakeClock(T0 + 3600)), auto_approve="alice")
    flow = make_flow(clock)
    transport = InProcess(app)
    state = obtain_temporary_credentials(flow, transport)
    assert len(transport.sent) == 2 and flow.client.clock_offset == 3600
    status, headers, _ = approve(app, state)
    verified = flow.parse_callback(state, headers["Location"])
    credentials = obtain_token_credentials(flow, verified, transport)
    assert len(transport.sent) == 3 and credentials.token  # corrected once, for the whole flow
