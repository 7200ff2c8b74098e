"""The drop-in sessions' semantics, side by side with the peers they replace (requests-oauthlib's
``OAuth1Session``, Authlib's httpx ``OAuth1Client``): the same return values and errors for the
same calls, and the places where we differ on purpose (docs/migrating.md), each shown against the
peer. Loopback servers only; about 1 s."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Iterator, List, Tuple

import pytest
from peer_providers import Recorder, StartResponse, _read, _respond, serve_wsgi

pytestmark = pytest.mark.peers

KEY, SECRET = "sessionClientKey00000001", "session-secret"


class Hopper(Recorder):
    """Records every request; ``/hop?to=URL`` answers 302 to ``URL``; ``/deny`` a 401 problem report."""

    def __call__(self, environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        self.requests.append(_read(environ))
        query = dict(re.findall(r"([^&=]+)=([^&]*)", environ.get("QUERY_STRING", "")))
        if environ["PATH_INFO"] == "/hop":
            from urllib.parse import unquote

            return _respond(start_response, 302, [("Location", unquote(query["to"]))], b"")
        if environ["PATH_INFO"] == "/deny":
            return _respond(start_response, 401, [("Content-Type", "application/x-www-form-urlencoded")],
                            b"oauth_problem=signature_invalid")
        if environ["PATH_INFO"] == "/notoken":
            return _respond(start_response, 200, [("Content-Type", "text/plain")], b"foo=bar")
        if environ["PATH_INFO"] == "/token":
            return _respond(start_response, 200, [("Content-Type", "text/plain")],
                            b"oauth_token=tokenValue&oauth_token_secret=tokenSecret&user_id=42")
        return _respond(start_response, 200, [("Content-Type", "text/plain")], b"recorded")


@pytest.fixture()
def servers() -> Iterator[Tuple[str, Hopper, str, Recorder]]:
    first, second = Hopper(), Recorder()
    with serve_wsgi(first) as here, serve_wsgi(second) as there:
        yield here, first, there, second


def _sessions(**kwargs: Any) -> List[Any]:
    from requests_oauthlib import OAuth1Session as Theirs

    from oauth1core.adapters.requests import OAuth1Session as Ours

    sessions = [Ours(KEY, client_secret=SECRET, **kwargs), Theirs(KEY, client_secret=SECRET, **kwargs)]
    for session in sessions:
        session.trust_env = False
    return sessions


def _oauth(headers: Dict[str, str]) -> Dict[str, str]:
    return dict(re.findall(r'(oauth_[a-z_]+)="([^"]*)"', headers.get("Authorization", "")))


# -- the same as requests-oauthlib ---------------------------------------------------------------


def test_token_authorized_and_authorization_url_as_requests_oauthlib() -> None:
    ours, theirs = _sessions(callback_uri="http://127.0.0.1:9/cb")
    for session in (ours, theirs):
        assert session.token == {} and session.authorized is False
        session.token = {"oauth_token": "t1", "oauth_token_secret": "s1"}
    assert ours.token == theirs.token == {"oauth_token": "t1", "oauth_token_secret": "s1"}
    assert ours.authorized is theirs.authorized is True
    assert ours.authorization_url("https://sp.example/authorize", foo="bar") == \
        theirs.authorization_url("https://sp.example/authorize", foo="bar")
    callback = "http://127.0.0.1:9/cb?oauth_token=t1&oauth_verifier=v1"
    assert ours.parse_authorization_response(callback) == theirs.parse_authorization_response(callback)
    assert ours.token == theirs.token == {"oauth_token": "t1", "oauth_token_secret": "s1", "oauth_verifier": "v1"}


def test_errors_as_requests_oauthlib(servers: Tuple[str, Hopper, str, Recorder]) -> None:
    from requests_oauthlib.oauth1_session import TokenMissing as TheirMissing
    from requests_oauthlib.oauth1_session import TokenRequestDenied as TheirDenied
    from requests_oauthlib.oauth1_session import VerifierMissing as TheirVerifierMissing

    from oauth1core.adapters.requests import TokenMissing, TokenRequestDenied, VerifierMissing

    here = servers[0]
    ours, theirs = _sessions()
    for session, missing, denied, no_verifier in ((ours, TokenMissing, TokenRequestDenied, VerifierMissing),
                                                  (theirs, TheirMissing, TheirDenied, TheirVerifierMissing)):
        with pytest.raises(no_verifier):
            session.fetch_access_token(here + "/token")
        with pytest.raises(missing):
            session.token = {"oauth_token_secret": "x"}
        with pytest.raises(missing) as missed:
            session.fetch_request_token(here + "/notoken")
        assert missed.value.response == {"foo": "bar"}
        with pytest.raises(denied) as info:
            session.fetch_request_token(here + "/deny")
        assert info.value.status_code == 401 and info.value.response.text == "oauth_problem=signature_invalid"
        assert isinstance(info.value, ValueError)
        assert session.fetch_request_token(here + "/token") == {
            "oauth_token": "tokenValue", "oauth_token_secret": "tokenSecret", "user_id": "42"}
    error = pytest.raises(TokenRequestDenied, ours.fetch_request_token, here + "/deny").value
    assert error.problem == "signature_invalid"  # ours also reads the problem report
    with pytest.raises(TypeError, match="client_class"):
        type(ours)(KEY, client_class=object)


def test_callback_sent_once_and_verifier_used_once(servers: Tuple[str, Hopper, str, Recorder]) -> None:
    here, hopper, _, _ = servers
    ours, _ = _sessions(callback_uri="http://127.0.0.1:9/cb")
    ours.fetch_request_token(here + "/token")
    ours.get(here + "/resource")
    ours.fetch_access_token(here + "/token", verifier="v1")
    ours.get(here + "/resource")
    sent = [_oauth(headers) for _, _, headers, _ in hopper.requests]
    assert [("oauth_callback" in p, p.get("oauth_verifier")) for p in sent] == [
        (True, None), (False, None), (False, "v1"), (False, None)]
    assert all(len(p["oauth_nonce"]) == 24 and p["oauth_nonce"].isalnum() for p in sent)


# -- where we differ on purpose --------------------------------------------------------------------


def test_redirect_to_another_origin_carries_no_signature(servers: Tuple[str, Hopper, str, Recorder]) -> None:
    """requests-oauthlib's rebuild_auth signs the redirected request for whatever origin it goes
    to; ours signs again within the origin only (RFC 6454 origin: scheme, host, port)."""
    here, _, there, recorder = servers
    ours, theirs = _sessions(resource_owner_key="t1", resource_owner_secret="s1")
    for session in (ours, theirs):
        assert session.get(here + "/hop", params={"to": there + "/elsewhere"}).text == "recorded"
    our_request, their_request = recorder.requests
    assert "Authorization" not in our_request[2]
    assert _oauth(their_request[2])["oauth_token"] == "t1"  # the peer's known bug: signed for another host


def test_same_origin_redirect_is_signed_again(servers: Tuple[str, Hopper, str, Recorder]) -> None:
    here, hopper, _, _ = servers
    ours, _ = _sessions(resource_owner_key="t1", resource_owner_secret="s1")
    assert ours.get(here + "/hop", params={"to": here + "/landing"}).status_code == 200
    first, second = (_oauth(headers) for _, _, headers, _ in hopper.requests)
    assert first["oauth_nonce"] != second["oauth_nonce"] and second["oauth_token"] == "t1"
    # allow_redirects=False is honoured: the 302 comes back, nothing more is sent.
    assert ours.get(here + "/hop", params={"to": here + "/landing"}, allow_redirects=False).status_code == 302
    assert len(hopper.requests) == 3


def test_crossed_callback_is_refused(servers: Tuple[str, Hopper, str, Recorder]) -> None:
    """requests-oauthlib takes any oauth_token from the callback; ours refuses one that is not
    the temporary credentials this session obtained (RFC 5849 section 2.2)."""
    from oauth1core.adapters.requests import TokenMissing

    ours, theirs = _sessions(callback_uri="http://127.0.0.1:9/cb")
    for session in (ours, theirs):
        session.fetch_request_token(servers[0] + "/token")
    forged = "http://127.0.0.1:9/cb?oauth_token=attacker&oauth_verifier=v"
    assert theirs.parse_authorization_response(forged)["oauth_token"] == "attacker"
    with pytest.raises(TokenMissing, match="crossed or forged"):
        ours.parse_authorization_response(forged)


def test_force_include_body_is_the_body_hash(servers: Tuple[str, Hopper, str, Recorder]) -> None:
    """oauthlib's body hash is SHA-1 whatever the method; ours follows the signature method."""
    import base64
    import hashlib

    here, hopper, _, _ = servers
    ours, _ = _sessions(resource_owner_key="t1", resource_owner_secret="s1", force_include_body=True,
                        signature_method="HMAC-SHA256")
    ours.post(here + "/resource", json={"a": 1})
    _, _, headers, body = hopper.requests[0]
    expected = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert _oauth(headers)["oauth_body_hash"] == expected.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


# -- Authlib's httpx clients -------------------------------------------------------------------------


def test_httpx_client_as_authlib(servers: Tuple[str, Hopper, str, Recorder]) -> None:
    from authlib.integrations.httpx_client import OAuth1Client as Theirs
    from authlib.integrations.httpx_client import OAuthError as TheirError

    from oauth1core.adapters.httpx import OAuth1Client as Ours
    from oauth1core.adapters.httpx import OAuthError

    here = servers[0]
    for cls, error in ((Ours, OAuthError), (Theirs, TheirError)):
        with cls(KEY, SECRET, redirect_uri="http://127.0.0.1:9/cb", trust_env=False) as client:
            assert client.token == {"oauth_token": None, "oauth_token_secret": None, "oauth_verifier": None}
            with pytest.raises(error) as info:
                client.fetch_access_token(here + "/token")
            assert info.value.error == "missing_verifier"
            with pytest.raises(error) as info:
                client.fetch_request_token(here + "/deny")
            assert info.value.error == "fetch_token_denied"
            assert client.fetch_request_token(here + "/token")["user_id"] == "42"
            assert client.create_authorization_url("https://sp.example/a", x="1") == (
                "https://sp.example/a?x=1&oauth_token=tokenValue&oauth_callback=http%3A%2F%2F127.0.0.1%3A9%2Fcb")
            with pytest.raises(error) as info:
                client.token = {"nothing": "here"}
            assert info.value.error == "missing_token"
            client.token = None
            assert client.token["oauth_token"] is None


def test_httpx_client_redirects(servers: Tuple[str, Hopper, str, Recorder]) -> None:
    """As Authlib's (httpx's default), a redirect is returned unless following is asked for; when
    followed, Authlib's client sends the first signature again (the nonce reused: a replay to the
    provider), ours signs the hop afresh within the origin and sends nothing of ours outside."""
    from authlib.integrations.httpx_client import OAuth1Client as Theirs

    from oauth1core.adapters.httpx import OAuth1Client as Ours

    here, hopper, there, recorder = servers
    for cls in (Ours, Theirs):
        with cls(KEY, SECRET, token="t1", token_secret="s1", trust_env=False) as client:
            assert client.get(here + "/hop", params={"to": here + "/landing"}).status_code == 302
            assert client.get(here + "/hop", params={"to": here + "/landing"}, follow_redirects=True).status_code == 200
            assert client.get(here + "/hop", params={"to": there + "/x"}, follow_redirects=True).text == "recorded"
    nonces = [_oauth(headers).get("oauth_nonce") for _, _, headers, _ in hopper.requests]
    # Each client: /hop (302 returned), /hop then /landing (followed), /hop to the other origin.
    assert len(nonces) == 8 and None not in nonces[:4]
    assert nonces[2] != nonces[1]  # ours: a fresh nonce for the same-origin hop
    assert nonces[6] == nonces[5]  # Authlib's: the same nonce again
    assert "Authorization" not in recorder.requests[0][2]


def test_httpx_client_query_placement_keeps_a_json_body(servers: Tuple[str, Hopper, str, Recorder]) -> None:
    """Authlib's httpx auth, with the query placement, sends a non-form body as empty
    (authlib/authlib#543); ours sends it as given."""
    from authlib.integrations.httpx_client import OAuth1Client as Theirs

    from oauth1core.adapters.httpx import OAuth1Client as Ours

    here, hopper, _, _ = servers
    for cls in (Ours, Theirs):
        with cls(KEY, SECRET, token="t1", token_secret="s1", signature_type="QUERY", trust_env=False) as client:
            client.put(here + "/r", content=b'{"a": 1}', headers={"Content-Type": "application/json"})
    (_, ours_uri, _, ours_body), (_, theirs_uri, _, theirs_body) = hopper.requests
    assert "oauth_signature=" in ours_uri and "oauth_signature=" in theirs_uri
    assert (ours_body, theirs_body) == (b'{"a": 1}', b"")


def test_a_body_without_content_type_is_not_guessed_as_a_form(servers: Tuple[str, Hopper, str, Recorder]) -> None:
    """requests-oauthlib takes a body that parses as ``a=b`` for a form, sets the form
    Content-Type and signs its parameters; ours sends it as written and signs no body
    parameter (section 3.4.1.3.1: only a form Content-Type makes a body parameters)."""
    here, hopper, _, _ = servers
    for session in _sessions(resource_owner_key="t1", resource_owner_secret="s1"):
        session.post(here + "/r", data="title=Vacation")
    (_, _, ours, _), (_, _, theirs, _) = hopper.requests
    assert ours["Content-Type"] == "text/plain"  # none was sent: wsgiref reports its default
    assert theirs["Content-Type"] == "application/x-www-form-urlencoded"
