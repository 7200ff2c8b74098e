"""The client (RFC 5849 sections 3.1, 3.4, 3.5): every method and placement signs and verifies."""

import hashlib
import base64
import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth1core import Client, OAuthError, verify_request
from oauth1core.errors import BodyHashInvalid, SignatureInvalid, SignatureMethodRejected

SHARED = ["HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "PLAINTEXT"]
PLACEMENTS = ["header", "query", "body"]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def fixed(**kw):
    kw.setdefault("clock", lambda: 1700000000)
    kw.setdefault("nonce_source", lambda: "fixednonce")
    return Client("ck", "cs&", token="tok", token_secret="ts é", **kw)


def test_rfc_photos_header():
    client = Client(
        "dpf43f3p2l4k3l03", "kd94hf93k423kf44", token="nnch734d00sl2jdk", token_secret="pfkkdhi9sl3r4s00",
        realm="Photos", version=False,
    )
    signed = client.sign("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original",
                         nonce="chapoH", timestamp=137131202)
    assert signed.signature == "MdpQcU8iPSUjWoN/UDMsK2sui9I="
    assert signed.headers["Authorization"] == (
        'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", '
        'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", '
        'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"'
    )


def test_twitter_documented_signature():
    client = Client(
        "xvz1evFS4wEEPTGEFPHBog", "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        token_secret="LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    )
    signed = client.sign(
        "POST", "https://api.twitter.com/1.1/statuses/update.json?include_entities=true", FORM,
        "status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21",
        nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", timestamp=1318622958,
    )
    assert signed.signature == "hCtSmYh+iHYCEqBWrE7C7hYmtUk="


@pytest.mark.parametrize("method", SHARED)
@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("body_kind", ["str", "bytes", "none"])
def test_sign_then_verify(method, placement, body_kind):
    client = fixed(signature_method=method, placement=placement, realm="R")
    body = {"str": "a=1&b=%20x", "bytes": b"a=1&b=%20x", "none": None}[body_kind]
    signed = client.sign("POST", "https://api.example.com/r?q=1&q=2", FORM, body)
    verified = verify_request(signed.method, signed.uri, signed.headers, signed.body, client_secret="cs&", token_secret="ts é")
    assert verified.consumer_key == "ck" and verified.token == "tok" and verified.signature_method == method
    assert verified.nonce == "fixednonce" and verified.timestamp == 1700000000
    if body_kind == "bytes":
        assert isinstance(signed.body, bytes)
    elif placement == "body" or body_kind == "str":
        assert isinstance(signed.body, str)
    with pytest.raises(SignatureInvalid):
        verify_request(signed.method, signed.uri, signed.headers, signed.body, client_secret="other", token_secret="ts é")


def test_caller_headers_and_body_are_not_mutated():
    headers = {"Content-Type": "application/x-www-form-urlencoded", "authorization": "Basic x"}
    body = bytearray(b"a=1")
    before = copy.deepcopy(headers)
    signed = fixed(placement="header").sign("POST", "https://h/", headers, bytes(body))
    assert headers == before and body == bytearray(b"a=1")
    assert signed.headers is not headers
    assert "authorization" not in signed.headers and signed.headers["Authorization"].startswith("OAuth ")


def test_query_placement_keeps_fragment_and_existing_query():
    signed = fixed(placement="query").sign("GET", "https://h/p?x=1#frag")
    before, _, fragment = signed.uri.partition("#")
    assert fragment == "frag"
    assert before.startswith("https://h/p?x=1&oauth_consumer_key=ck&")
    assert "Authorization" not in signed.headers


def test_body_placement_needs_a_form_body():
    with pytest.raises(ValueError):
        fixed(placement="body").sign("POST", "https://h/", {"Content-Type": "application/json"}, "{}")
    with pytest.raises(ValueError):
        fixed(placement="body").sign("GET", "https://h/")
    signed = fixed(placement="body").sign("POST", "https://h/")
    assert signed.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert signed.body.startswith("oauth_consumer_key=ck&")


def test_pair_bodies_are_form_encoded():
    signed = fixed().sign("POST", "https://h/", None, {"status": "a b+c", "x": "é"})
    assert signed.body == "status=a%20b%2Bc&x=%C3%A9"
    assert signed.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "status%3Da%2520b%252Bc" in signed.base_string


def test_non_form_body_is_not_signed():
    a = fixed().sign("POST", "https://h/", {"Content-Type": "application/json"}, '{"a": 1}')
    b = fixed().sign("POST", "https://h/", {"Content-Type": "application/json"}, '{"a": 2}')
    assert a.signature == b.signature


@pytest.mark.parametrize("method, algorithm", [("HMAC-SHA1", "sha1"), ("HMAC-SHA256", "sha256"), ("HMAC-SHA512", "sha512")])
def test_body_hash(method, algorithm):
    body = b'{"k": "v\xc3\xa9"}'
    client = fixed(signature_method=method, body_hash=True)
    signed = client.sign("PUT", "https://h/x", {"Content-Type": "application/json"}, body)
    expected = base64.b64encode(hashlib.new(algorithm, body).digest()).decode()
    assert ("oauth_body_hash", expected) in signed.oauth_params
    verify_request("PUT", "https://h/x", signed.headers, body, client_secret="cs&", token_secret="ts é")
    with pytest.raises(BodyHashInvalid) as info:
        verify_request("PUT", "https://h/x", signed.headers, body + b" ", client_secret="cs&", token_secret="ts é")
    assert info.value.status == 401 and info.value.problem == "signature_invalid"


def test_body_hash_of_empty_body_and_never_on_form_bodies():
    signed = fixed(body_hash=True).sign("GET", "https://h/")
    assert ("oauth_body_hash", "2jmj7l5rSw0yVb/vlWAYkK/YBwk=") in signed.oauth_params
    signed = fixed(body_hash=True).sign("POST", "https://h/", FORM, "a=1")
    assert all(name != "oauth_body_hash" for name, _ in signed.oauth_params)


def test_body_hash_is_undefined_for_plaintext():
    with pytest.raises(ValueError):
        fixed(signature_method="PLAINTEXT", body_hash=True)


def test_callback_verifier_and_realm():
    client = Client("ck", "cs", callback="oob", realm="Photos", nonce_source=lambda: "n", clock=lambda: 5)
    signed = client.sign("POST", "https://h/initiate")
    assert ("oauth_callback", "oob") in signed.oauth_params
    assert signed.headers["Authorization"].startswith('OAuth realm="Photos", ')
    assert "realm" not in signed.base_string
    exchange = client.replace(callback=None, token="t", token_secret="s", verifier="v é")
    signed = exchange.sign("POST", "https://h/token")
    assert ("oauth_verifier", "v é") in signed.oauth_params and 'oauth_verifier="v%20%C3%A9"' in signed.headers["Authorization"]


def test_clock_offset_and_default_nonce():
    client = Client("ck", "cs", clock=lambda: 1000, clock_offset=-30)
    first, second = client.sign("GET", "https://h/"), client.sign("GET", "https://h/")
    nonces = [dict(s.oauth_params)["oauth_nonce"] for s in (first, second)]
    assert nonces[0] != nonces[1] and len(nonces[0]) == 24
    assert dict(first.oauth_params)["oauth_timestamp"] == "970"


def test_unknown_method_and_bad_arguments():
    with pytest.raises(SignatureMethodRejected):
        Client("ck", "cs", signature_method="HMAC-MD5")
    with pytest.raises(ValueError):
        Client("ck", "cs", placement="cookie")
    with pytest.raises(ValueError):
        Client("ck", "cs", signature_method="RSA-SHA1")
    with pytest.raises(ValueError):
        Client("ck", "cs", rsa_key="-----BEGIN RSA PRIVATE KEY-----")


def test_repr_masks_secrets():
    text = repr(Client("ck", "supersecret", token="t", token_secret="tokensecret"))
    assert "supersecret" not in text and "tokensecret" not in text and "ck" in text


class CustomMethod:
    """A method object from outside the library: the one extension point."""

    name = "HMAC-SHA256"
    body_hash = "sha256"
    shared_secret = True

    def sign(self, base_string, client_secret, token_secret):
        import hmac

        key = (client_secret + "&" + token_secret).encode()
        return base64.b64encode(hmac.new(key, base_string.encode(), "sha256").digest()).decode()

    def verify(self, base_string, signature, client_secret, token_secret):
        return self.sign(base_string, client_secret, token_secret) == signature


def test_custom_method_object():
    client = Client("ck", "cs", token="t", token_secret="ts", signature_method=CustomMethod())
    signed = client.sign("GET", "https://h/a?b=c")
    verify_request("GET", signed.uri, signed.headers, client_secret="cs", token_secret="ts")


params = st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=6)
safe_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=10)


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(SHARED),
    placement=st.sampled_from(PLACEMENTS),
    query=st.lists(st.tuples(safe_text, safe_text), max_size=5),
    form=st.lists(st.tuples(safe_text, safe_text), max_size=5),
    secrets=st.tuples(safe_text, safe_text),
    http_method=st.sampled_from(["POST", "PUT", "PATCH", "DELETE"]),
)
def test_sign_verify_property(method, placement, query, form, secrets, http_method):
    from oauth1core.parameters import encode_form

    uri = "https://Example.COM:443/p" + ("?" + encode_form(query) if query else "")
    client = Client("ck", secrets[0], token="tk", token_secret=secrets[1], signature_method=method, placement=placement)
    signed = client.sign(http_method, uri, FORM, encode_form(form) if form else None)
    try:
        verify_request(signed.method, signed.uri, signed.headers, signed.body, client_secret=secrets[0], token_secret=secrets[1])
    except OAuthError as exc:  # only a user parameter that looks like a protocol one may be refused
        assert any(n.startswith("oauth_") for n, _ in query + form), exc


def test_oauth_parameters_are_what_sign_sends():
    client = Client("ck", "cs", token="t", token_secret="ts", callback="oob", verifier="v", clock=lambda: 77)
    signed = client.sign("POST", "https://h/", nonce="n")
    assert signed.oauth_params == client.oauth_parameters(nonce="n") + [("oauth_signature", signed.signature)]
    assert [name for name, _ in client.oauth_parameters(nonce="n")] == [
        "oauth_consumer_key", "oauth_token", "oauth_signature_method", "oauth_timestamp", "oauth_nonce",
        "oauth_version", "oauth_callback", "oauth_verifier"]


def test_client_is_an_immutable_value_with_a_derived_replace():
    from oauth1core.client import Credentials

    client = Client("ck", "cs", token="t", token_secret="ts", realm="R")
    with pytest.raises(AttributeError):
        client.token = "other"
    assert client.credentials == Credentials("ck", "cs", "t", "ts")
    same = Client(credentials=Credentials("ck", "cs", "t", "ts"), realm="R")
    assert same == client and hash(same) == hash(client)
    changed = client.replace(token="t2", placement="query")
    assert (changed.token, changed.token_secret, changed.placement, changed.realm) == ("t2", "ts", "query", "R")
    assert client.token == "t" and changed != client
    with pytest.raises(TypeError):
        client.replace(no_such_field=1)
    with pytest.raises(TypeError):
        Client("ck", credentials=Credentials("ck"))
    assert "cs" not in repr(client.credentials) and "ts" not in repr(client.credentials).replace("token_secret", "")


def test_issued_tokens_are_letters_and_digits_never_an_option_lookalike():
    """generate_token: 192 bits as 33 letters and digits (section 3.6 unreserved, oauthlib's default
    safe_characters); never a leading '-', which a command line takes for an option."""
    from oauth1core.clock import generate_token

    tokens = [generate_token() for _ in range(300)]
    assert all(len(t) == 33 and t.isascii() and t.isalnum() for t in tokens) and len(set(tokens)) == 300
    assert len(generate_token(16)) == 22  # ceil(128 / log2(62))
