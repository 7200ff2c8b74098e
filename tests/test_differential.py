"""Differential tests: oauth1core against oauthlib and Authlib (test-only oracles).

Thousands of generated requests (unicode, reserved characters, repeated names, empty values,
ports, upper-case scheme and host, every placement and HMAC method) must get the same signature
from oauth1core and from oauthlib, and each library must accept the other's signed requests.
Generated user parameters never start with ``oauth_``: oauthlib decodes those twice (a known
quirk), which would test oauthlib, not us.
"""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import oauthlib.oauth1 as oauthlib_oauth1  # test-only oracles, in the test extra: a missing one fails, never skips

from oauth1core import Client, verify_request
from oauth1core.parameters import encode_form

pytestmark = pytest.mark.peers

METHODS = ["HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "PLAINTEXT"]
PLACEMENTS = {
    "header": oauthlib_oauth1.SIGNATURE_TYPE_AUTH_HEADER,
    "query": oauthlib_oauth1.SIGNATURE_TYPE_QUERY,
    "body": oauthlib_oauth1.SIGNATURE_TYPE_BODY,
}
FORM = "application/x-www-form-urlencoded"
ALPHABET = (
    "abcXYZ019-._~ !*'()%+&=;:@/?#[]$,\"<>\\^`{|}"
    "\u00e9\u00fc\u00df\u4e2d\u6587\u0410\u2603\U0001f600\u0301\t"
)


def rand_text(rnd, max_len=12, min_len=0):
    return "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(min_len, max_len)))


def rand_name(rnd):
    name = rand_text(rnd, 8, 1)
    return "x" + name if name.startswith("oauth_") else name


def rand_params(rnd, n_max=6):
    params = []
    for _ in range(rnd.randint(0, n_max)):
        if params and rnd.random() < 0.25:
            params.append((params[-1][0], rand_text(rnd)))  # repeated name
        else:
            params.append((rand_name(rnd), "" if rnd.random() < 0.15 else rand_text(rnd)))
    return params


def rand_uri(rnd):
    scheme = rnd.choice(["http", "https", "HTTP", "Https"])
    host = rnd.choice(["example.com", "API.Example.COM", "127.0.0.1", "sub.host-1.example.org"])
    port = rnd.choice(["", ":80", ":443", ":8080", ":1"])
    path = rnd.choice(["", "/", "/a/b", "/r%20v/X", "/1.1/statuses/update.json", "/caf%C3%A9/"])
    if not path and port == "":
        path = "/"
    query = rand_params(rnd)
    uri = f"{scheme}://{host}{port}{path or '/'}"
    if query:
        uri += "?" + encode_form(query)
    return uri


def oauthlib_sign(method, placement, uri, http_method, body, realm, nonce, timestamp, secrets, token):
    client = oauthlib_oauth1.Client(
        "ck 1", client_secret=secrets[0], resource_owner_key=token, resource_owner_secret=secrets[1],
        signature_method=method, signature_type=PLACEMENTS[placement], realm=realm, nonce=nonce, timestamp=timestamp,
    )
    headers = {"Content-Type": FORM} if body is not None or placement == "body" else {}
    return client.sign(uri, http_method, body if body is not None else ("" if placement == "body" else None), headers)


def case(seed):
    rnd = random.Random(seed)
    method = rnd.choice(METHODS)
    placement = rnd.choice(list(PLACEMENTS))
    http_method = "POST" if placement == "body" else rnd.choice(["GET", "POST", "PUT", "DELETE", "PATCH"])
    uri = rand_uri(rnd)
    form = rand_params(rnd) if http_method in ("POST", "PUT", "PATCH") and rnd.random() < 0.6 else []
    body = encode_form(form) if form else None
    realm = rnd.choice([None, "Photos", "http://sp.example.com/"])
    secrets = (rand_text(rnd, 10), rand_text(rnd, 10) if rnd.random() < 0.8 else "")
    token = rnd.choice([None, "tok-" + str(rnd.randrange(10**6))])
    nonce = "%032x" % rnd.getrandbits(128)
    timestamp = str(rnd.randrange(10**9, 2 * 10**9))
    return method, placement, http_method, uri, body, realm, secrets, token, nonce, timestamp


@pytest.mark.parametrize("block", range(10))
def test_same_signature_as_oauthlib(block):
    """3,000 generated requests (10 blocks of 300): identical signatures, and cross-verification."""
    for seed in range(block * 300, (block + 1) * 300):
        method, placement, http_method, uri, body, realm, secrets, token, nonce, timestamp = case(seed)
        o_uri, o_headers, o_body = oauthlib_sign(method, placement, uri, http_method, body, realm, nonce, timestamp, secrets, token)
        ours = Client(
            "ck 1", secrets[0], token=token, token_secret=secrets[1], signature_method=method,
            placement=placement, realm=realm,
        )
        headers = {"Content-Type": FORM} if body is not None or placement == "body" else {}
        signed = ours.sign(http_method, uri, headers, body, nonce=nonce, timestamp=timestamp)
        # oauthlib's request, verified by us: its signature is ours.
        verified = verify_request(http_method, o_uri, o_headers, o_body, client_secret=secrets[0], token_secret=secrets[1])
        provided = verified.oauth["oauth_signature"]
        assert provided == signed.signature, (seed, uri, body, method, placement)


def test_oauthlib_accepts_our_requests():
    from oauthlib.oauth1.rfc5849 import signature as osig
    from oauthlib.common import Request

    for seed in range(400):
        method, placement, http_method, uri, body, realm, secrets, token, nonce, timestamp = case(10_000 + seed)
        if method == "PLAINTEXT":
            method = "HMAC-SHA1"
        signed = Client("ck 1", secrets[0], token=token, token_secret=secrets[1], signature_method=method,
                        placement=placement, realm=realm).sign(
            http_method, uri, {"Content-Type": FORM} if body is not None or placement == "body" else {}, body)
        request = Request(signed.uri, http_method, signed.body, signed.headers)
        oauth = dict(signed.oauth_params)
        request.signature = oauth["oauth_signature"]
        request.params = osig.collect_parameters(uri_query=signed.uri.partition("?")[2].partition("#")[0],
                                                 body=signed.body if signed.body else [], headers=signed.headers,
                                                 exclude_oauth_signature=True, with_realm=False)
        verify = {"HMAC-SHA1": osig.verify_hmac_sha1, "HMAC-SHA256": osig.verify_hmac_sha256,
                  "HMAC-SHA512": osig.verify_hmac_sha512}[method]
        assert verify(request, secrets[0], secrets[1]), (seed, uri)



@pytest.fixture(scope="module", autouse=True)
def authlib_allows_http():
    """Authlib refuses http URIs unless told otherwise; the generated requests use both schemes."""
    import os

    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    yield
    if previous is None:
        del os.environ["AUTHLIB_INSECURE_TRANSPORT"]
    else:
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = previous


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_authlib_requests_verify(seed):
    """Authlib's ClientAuth signs; we verify. (Authlib implements HMAC-SHA1, PLAINTEXT and RSA-SHA1.)"""
    from authlib.oauth1 import ClientAuth, SIGNATURE_TYPE_HEADER, SIGNATURE_TYPE_QUERY, SIGNATURE_TYPE_BODY

    method, placement, http_method, uri, body, realm, secrets, token, nonce, timestamp = case(seed)
    method = "HMAC-SHA1" if method.startswith("HMAC") else method
    kind = {"header": SIGNATURE_TYPE_HEADER, "query": SIGNATURE_TYPE_QUERY, "body": SIGNATURE_TYPE_BODY}[placement]
    auth = ClientAuth("ck 1", secrets[0], token=token, token_secret=secrets[1], signature_method=method,
                      signature_type=kind, realm=realm)
    headers = {"Content-Type": FORM} if body is not None or placement == "body" else {}
    # Authlib collects form parameters from a str body only (a bytes body is silently not signed).
    a_uri, a_headers, a_body = auth.sign(http_method, uri, headers, body or "")
    verified = verify_request(http_method, a_uri, a_headers, a_body, client_secret=secrets[0], token_secret=secrets[1])
    assert verified.consumer_key == "ck 1" and verified.token == token
