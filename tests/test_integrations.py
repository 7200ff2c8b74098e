"""The Flask, Django and Starlette/FastAPI integrations in process (the frameworks' own test
clients): the three legs through the mounted endpoints with the application's login hook, a
protected view reading the verified request, refusals with the challenge, and the one-line hint
when a framework is missing. The same examples under real servers: test_integration_servers.py."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

import flask
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from test_asgi import acall
from test_wsgi import KEY, SECRET, Answer, call, make_provider, problem, send, three_legs

from oauth1core.client import Client
from oauth1core.gateway import Consent, Decision
from oauth1core.integrations import check_password, settings_from_env
from oauth1core.integrations.flask import FlaskProvider, verified
from oauth1core.integrations.starlette import StarletteProvider
from oauth1core.integrations.starlette import verified as starlette_verified

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.peers  # the frameworks (the test extra)


def client_caller(client: Any) -> Any:
    """A ``caller`` for test_wsgi.three_legs that drives Flask's test client."""

    def caller(app: Any, method: str, uri: str, headers: Optional[Dict[str, str]] = None, body: Any = b"",
               **_: Any) -> Answer:
        parts = urlsplit(uri)
        target = parts.path + ("?" + parts.query if parts.query else "")
        response = client.open(target, method=method, headers=headers or {}, data=body,
                               base_url=f"{parts.scheme}://{parts.netloc}")
        return response.status_code, {name.title(): value for name, value in response.headers.items()}, response.data

    return caller


# -- Flask ----------------------------------------------------------------------------------------


def flask_app(**options: Any) -> Tuple[flask.Flask, FlaskProvider]:
    app = flask.Flask("test")

    def authorize(consent: Consent) -> Any:
        form = flask.request.form
        if flask.request.method == "POST" and check_password({"alice": "pw"}, form["username"], form["password"]):
            return Decision("alice", form["decision"] == "approve")
        return f"log in for {consent.consumer_name}"

    oauth = FlaskProvider(make_provider(), authorize=authorize, **options)
    oauth.init_app(app)

    @app.route("/api/notes", methods=["GET", "POST"])
    @oauth.protect
    def notes() -> Any:
        caller = verified()
        return flask.jsonify(user=caller.user, consumer_key=caller.consumer_key, body=flask.request.get_data(as_text=True))

    @app.get("/api/app-only")
    @oauth.protect(require_token=False)
    def app_only() -> Any:
        return flask.jsonify(token=verified().token)

    return app, oauth


def test_flask_three_legs_and_a_protected_view() -> None:
    app, _ = flask_app(realm="Notes")
    caller = client_caller(app.test_client())
    client = three_legs(app, "http://localhost", caller)
    status, _, body = send(app, client.sign("POST", "http://localhost/api/notes", body=[("a", "b")]), caller)
    assert status == 200 and json.loads(body) == {"user": "alice", "consumer_key": KEY, "body": "a=b"}
    answer = send(app, client.replace(token_secret="nope").sign("GET", "http://localhost/api/notes"), caller)
    assert (answer[0], problem(answer)) == (401, "signature_invalid")
    assert answer[1]["Www-Authenticate"] == 'OAuth realm="Notes", oauth_problem="signature_invalid"'
    two_legged = client.replace(token=None, token_secret="")
    assert json.loads(send(app, two_legged.sign("GET", "http://localhost/api/app-only"), caller)[2]) == {"token": None}
    answer = send(app, two_legged.sign("GET", "http://localhost/api/notes"), caller)
    assert (answer[0], problem(answer)) == (400, "parameter_absent")
    with app.test_request_context("/"):
        with pytest.raises(LookupError):
            verified()


def test_flask_trusts_forwarding_headers_only_from_the_trusted_proxy() -> None:
    app, _ = flask_app(trusted_proxies=["10.0.0.1"])
    caller = client_caller(app.test_client())
    client = three_legs(app, "http://localhost", caller)
    request = client.sign("GET", "https://api.example.com/api/notes")
    headers = {**request.headers, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com"}
    test_client = app.test_client()
    answer = test_client.get("/api/notes", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert answer.status_code == 401
    answer = test_client.get("/api/notes", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert answer.status_code == 200 and answer.json["user"] == "alice"


# -- Starlette / FastAPI -----------------------------------------------------------------------------


def starlette_app() -> Starlette:
    async def authorize(request: Request, consent: Consent, form: List[Tuple[str, str]]) -> Any:
        fields = dict(form)
        if request.method == "POST" and fields.get("password") == "pw":
            return Decision("alice", fields["decision"] == "approve")
        return PlainTextResponse(f"log in for {consent.consumer_name}")

    oauth = StarletteProvider(make_provider(), authorize=authorize, realm="Notes")

    @oauth.protect
    async def notes(request: Request) -> JSONResponse:
        caller = starlette_verified(request)
        return JSONResponse({"user": caller.user, "body": (await request.body()).decode()})

    app = Starlette(routes=[Route("/api/notes", notes, methods=["GET", "POST"])])
    oauth.install(app)
    return app


def test_starlette_three_legs_and_a_decorated_endpoint() -> None:
    app = starlette_app()
    client = three_legs(app, "http://testserver", acall)
    status, _, body = send(app, client.sign("POST", "http://testserver/api/notes", body=[("a", "b")]), acall)
    assert status == 200 and json.loads(body) == {"user": "alice", "body": "a=b"}
    answer = send(app, client.sign("GET", "http://testserver/api/notes", timestamp=1_000_000_000), acall)
    assert answer[1]["Www-Authenticate"] == 'OAuth realm="Notes", oauth_problem="timestamp_refused"'


@pytest.fixture()
def example_env(tmp_path: Path) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(OAUTH1CORE_CONSUMERS=f"{KEY}:{SECRET}", OAUTH1CORE_USERS="alice:pw",
                      OAUTH1CORE_STORE=f"sqlite:{tmp_path / 'p.db'}")
    sys.path.insert(0, str(ROOT / "docs" / "examples"))
    try:
        yield
    finally:
        sys.path.remove(str(ROOT / "docs" / "examples"))
        os.environ.clear()
        os.environ.update(saved)


def test_the_fastapi_example_dependency_refuses_with_the_providers_answer(example_env: None) -> None:
    module = importlib.import_module("fastapi_provider")
    status, headers, body = acall(module.app, "GET", "http://testserver/api/whoami",
                                  {"Authorization": 'OAuth oauth_consumer_key="x"'})
    assert status == 400
    assert headers["Www-Authenticate"].startswith('OAuth realm="oauth1core", oauth_problem=')
    assert body.startswith(b"oauth_problem=")  # the provider's body, not FastAPI's JSON


# -- settings and the missing-library hint ------------------------------------------------------------


def test_settings_from_env_refuses_empty_secrets_and_passwords() -> None:
    settings = settings_from_env({"OAUTH1CORE_CONSUMERS": "a:1, b:2", "OAUTH1CORE_USERS": "alice:pw",
                                  "OAUTH1CORE_CALLBACKS": "https://c.example/cb", "OAUTH1CORE_TRUSTED_PROXIES": "10.0.0.0/8"})
    assert sorted(settings.provider.consumers) == ["a", "b"] and settings.users == {"alice": "pw"}
    assert settings.provider.consumers["a"].callbacks == ("https://c.example/cb",)
    assert settings.trusted_proxies == ("10.0.0.0/8",) and settings.base_url is None
    for bad in [{"OAUTH1CORE_CONSUMERS": "a:"}, {"OAUTH1CORE_CONSUMERS": "a:1", "OAUTH1CORE_USERS": "mallory:"},
                {"OAUTH1CORE_CONSUMERS": ""}]:
        with pytest.raises(ValueError) as error:
            settings_from_env(bad)
        assert "1" not in str(error.value).replace("OAUTH1CORE", "")
    assert check_password({"alice": "pw"}, "alice", "pw") and not check_password({"alice": "pw"}, "bob", "pw")


def test_a_missing_framework_gives_one_line_naming_the_extra() -> None:
    code = (
        "import sys\n"
        "for name, module in [('flask', 'flask'), ('django', 'django'), ('starlette', 'starlette')]:\n"
        "    sys.modules[name] = None\n"
        "    try:\n"
        "        __import__('oauth1core.integrations.' + module)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "this integration needs Flask: pip install 'oauth1core[flask]'",
        "this integration needs Django: pip install 'oauth1core[django]'",
        "this integration needs Starlette (or FastAPI): pip install 'oauth1core[fastapi]'",
    ]


def test_the_documented_middleware_keywords_are_the_real_ones() -> None:
    import inspect

    from oauth1core import asgi, wsgi

    doc = (ROOT / "docs" / "provider.md").read_text(encoding="utf-8")
    table = doc.split("| keyword | meaning |", 1)[1].split("\n\n", 1)[0]
    documented = re.findall(r"^\| `(\w+)`", table, flags=re.MULTILINE)
    wsgi_keywords = [name for name, parameter in inspect.signature(wsgi.OAuth1Middleware).parameters.items()
                     if parameter.kind is inspect.Parameter.KEYWORD_ONLY]
    asgi_keywords = [name for name, parameter in inspect.signature(asgi.OAuth1Middleware.__init__).parameters.items()
                     if parameter.kind is inspect.Parameter.KEYWORD_ONLY]
    assert documented == wsgi_keywords + asgi_keywords
    assert asgi_keywords == ["offload"]


def test_the_django_example_in_process(example_env: None) -> None:
    module = importlib.import_module("django_provider")
    from django.test import Client as DjangoClient

    django_client = DjangoClient()

    def caller(app: Any, method: str, uri: str, headers: Optional[Dict[str, str]] = None, body: Any = b"",
               **_: Any) -> Answer:
        parts = urlsplit(uri)
        extra = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in (headers or {}).items()
                 if name.lower() != "content-type"}
        response = django_client.generic(method, parts.path + ("?" + parts.query if parts.query else ""),
                                         data=body or b"", content_type=(headers or {}).get("Content-Type", ""),
                                         HTTP_HOST=parts.netloc, **extra)
        return response.status_code, {name.title(): value for name, value in response.items()}, response.content

    client = Client(KEY, SECRET, callback="oob")
    temporary = dict(parse_qsl(send(None, client.sign("POST", "http://testserver/oauth/request_token"), caller)[2].decode()))
    token = temporary["oauth_token"]
    status, headers, page = caller(None, "GET", f"http://testserver/oauth/authorize?oauth_token={token}")
    assert status == 200 and b'name="password"' in page and headers["X-Frame-Options"] == "DENY"
    form = f"oauth_token={token}&username=alice&password=pw&decision=approve"
    status, _, page = caller(None, "POST", "http://testserver/oauth/authorize",
                             {"Content-Type": "application/x-www-form-urlencoded"}, form)
    verifier = re.search(rb'id="oauth_verifier">([^<]+)<', page)
    assert status == 200 and verifier is not None, page
    client = client.replace(callback=None, token=token, token_secret=temporary["oauth_token_secret"],
                            verifier=verifier.group(1).decode())
    credentials = dict(parse_qsl(send(None, client.sign("POST", "http://testserver/oauth/access_token"), caller)[2].decode()))
    client = client.replace(token=credentials["oauth_token"], token_secret=credentials["oauth_token_secret"], verifier=None)
    status, headers, body = send(None, client.sign("GET", "http://testserver/api/whoami"), caller)
    assert (status, json.loads(body)) == (200, {"user": "alice", "consumer_key": KEY})
    answer = send(None, client.replace(token_secret="x").sign("GET", "http://testserver/api/whoami"), caller)
    assert answer[1]["Www-Authenticate"] == 'OAuth realm="oauth1core", oauth_problem="signature_invalid"'
    assert module.application is not None and module.asgi_application is not None


# -- the examples' logins under the provider's login policy (issue 12: password guessing) ----------


@pytest.mark.parametrize("module_name, attribute, caller", [
    ("flask_provider", "app", call),
    ("django_provider", "application", call),
    ("fastapi_provider", "app", acall),
])
def test_the_examples_logins_are_throttled_and_a_guessed_token_denied(example_env: None, module_name: str,
                                                                      attribute: str, caller: Any) -> None:
    app = getattr(importlib.import_module(module_name), attribute)
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def request_token() -> str:
        answer = send(app, Client(KEY, SECRET, callback="oob").sign("POST", "http://testserver/oauth/request_token"),
                      caller)
        return dict(parse_qsl(answer[2].decode()))["oauth_token"]

    def decide(token: str, username: str, password: str) -> Answer:
        body = f"oauth_token={token}&username={username}&password={password}&decision=approve"
        return caller(app, "POST", "http://testserver/oauth/authorize", form, body)

    token = request_token()
    assert [decide(token, "alice", f"guess{i}")[0] for i in range(3)] == [403, 403, 403]
    right = decide(token, "alice", "pw")  # the right password, too late: the token was denied
    assert right[0] >= 400 and b"oauth_verifier" not in right[2]
    # A fresh token for each guess: the account backs off after its 5 free failures.
    answers = [decide(request_token(), "mallory-" + module_name, "x") for _ in range(7)]
    assert [answer[0] for answer in answers] == [403] * 5 + [429, 429]
    assert int(answers[-1][1]["Retry-After"]) >= 1
    fresh = request_token()
    approved = decide(fresh, "alice", "pw")  # another account, the same address: still served
    assert approved[0] == 200 and b"oauth_verifier" in approved[2], approved
