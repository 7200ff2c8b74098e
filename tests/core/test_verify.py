"""Stateless verification (RFC 5849 sections 3.1, 3.2, 3.5): every rule, each with its status and problem."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth1core import Client, OAuthError, parse_request, verify_request
from oauth1core.errors import (
    DuplicateParameter,
    EncodingError,
    ParameterAbsent,
    ParameterRejected,
    SignatureInvalid,
    SignatureMethodRejected,
    VersionRejected,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
URI = "https://api.example.com/r?a=1"


def header(**params):
    base = {
        "oauth_consumer_key": "ck",
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": "1700000000",
        "oauth_nonce": "n1",
        "oauth_signature": "x",
    }
    base.update(params)
    return {"Authorization": "OAuth " + ", ".join(f'{k}="{v}"' for k, v in base.items() if v is not None)}


def signed(**kw):
    client = Client("ck", "cs", token="tk", token_secret="ts", nonce_source=lambda: "n1", clock=lambda: 1700000000, **kw)
    return client.sign("POST", URI, FORM, "b=2")


def check(error, problem, status, *args, **kwargs):
    kwargs.setdefault("client_secret", "cs")
    kwargs.setdefault("token_secret", "ts")
    with pytest.raises(error) as info:
        verify_request(*args, **kwargs)
    assert info.value.problem == problem and info.value.status == status
    return info.value


def test_valid_request():
    s = signed()
    v = verify_request(s.method, s.uri, s.headers, s.body, client_secret="cs", token_secret="ts")
    assert (v.consumer_key, v.token, v.nonce, v.timestamp) == ("ck", "tk", "n1", 1700000000)
    assert v.params == [("a", "1"), ("b", "2")] + [p for p in s.oauth_params if p[0] != "oauth_signature"]


@pytest.mark.parametrize("missing", ["oauth_consumer_key", "oauth_signature_method", "oauth_signature", "oauth_timestamp", "oauth_nonce"])
def test_missing_required(missing):
    err = check(ParameterAbsent, "parameter_absent", 400, "GET", URI, header(**{missing: None}))
    assert err.parameter == missing


def test_plaintext_may_omit_timestamp_and_nonce():
    h = {"Authorization": 'OAuth oauth_consumer_key="ck", oauth_signature_method="PLAINTEXT", oauth_signature="cs%26ts"'}
    assert verify_request("GET", URI, h, client_secret="cs", token_secret="ts").timestamp is None


def test_no_oauth_at_all():
    check(ParameterAbsent, "parameter_absent", 400, "GET", URI, {"Authorization": "Basic Zm9vOmJhcg=="})


@pytest.mark.parametrize("value", ["2.0", "1.0a", "1", ""])
def test_version(value):
    check(VersionRejected, "version_rejected", 400, "GET", URI, header(oauth_version=value))


@pytest.mark.parametrize("value", ["HMAC-MD5", "hmac-sha1", "RSA-SHA384", ""])
def test_unknown_method(value):
    check(SignatureMethodRejected, "signature_method_rejected", 400, "GET", URI, header(oauth_signature_method=value))


@pytest.mark.parametrize("value", ["-1", "%2B1", "1%20", "%201", "1_0", "0137", "0", "%EF%BC%91", "1e9", "", "1234567890123"])
def test_timestamp_format(value):
    err = check(ParameterRejected, "parameter_rejected", 400, "GET", URI, header(oauth_timestamp=value))
    assert err.parameter == "oauth_timestamp"


@pytest.mark.parametrize("value", ["", "%C3%A9", "a%20b", "a%0Ab", "x" * 256])
def test_nonce_format(value):
    check(ParameterRejected, "parameter_rejected", 400, "GET", URI, header(oauth_nonce=value))


def test_duplicate_in_header_query_body():
    check(DuplicateParameter, "parameter_rejected", 400, "GET", URI, {"Authorization": header()["Authorization"] + ', oauth_nonce="n2"'})
    check(DuplicateParameter, "parameter_rejected", 400, "GET", URI + "&oauth_nonce=a&oauth_nonce=b&oauth_consumer_key=ck")
    check(DuplicateParameter, "parameter_rejected", 400, "POST", URI, FORM, "oauth_nonce=a&oauth_nonce=a")


def test_protocol_parameters_from_one_place_only():
    s = signed()
    err = check(DuplicateParameter, "parameter_rejected", 400, s.method, s.uri + "&oauth_version=1.0", s.headers, s.body)
    assert "more than one place" in err.message


def test_two_authorization_headers():
    s = signed()
    h = dict(s.headers)
    h["authorization"] = h["Authorization"]
    check(DuplicateParameter, "parameter_rejected", 400, s.method, s.uri, h, s.body)


def test_unsupported_protocol_parameter():
    check(ParameterRejected, "parameter_rejected", 400, "GET", URI, header(oauth_foo="1"))


def test_bad_encoding_in_query_and_body():
    check(EncodingError, "parameter_rejected", 400, "GET", URI + "&x=%zz", header())
    check(EncodingError, "parameter_rejected", 400, "POST", URI, FORM, b"x=%C3")
    check(EncodingError, "parameter_rejected", 400, "POST", URI, FORM, b"x=\xff")


def test_sizes():
    check(ParameterRejected, "parameter_rejected", 400, "GET", URI, header(oauth_nonce="n" * 5000))
    check(ParameterRejected, "parameter_rejected", 400, "GET", "https://h/?" + "a=1&" * 1200, header())
    check(ParameterRejected, "parameter_rejected", 400, "GET", "https://h/" + "a" * 20000, header())


def test_body_swapped_after_signing():
    s = signed()
    check(SignatureInvalid, "signature_invalid", 401, s.method, s.uri, s.headers, "b=3")


def test_signature_is_checked_for_every_part():
    s = signed()
    assert verify_request(s.method, s.uri, s.headers, s.body, client_secret="cs", token_secret="ts")
    check(SignatureInvalid, "signature_invalid", 401, "PUT", s.uri, s.headers, s.body)
    check(SignatureInvalid, "signature_invalid", 401, s.method, s.uri.replace("https", "http"), s.headers, s.body)
    check(SignatureInvalid, "signature_invalid", 401, s.method, s.uri + "&c=3", s.headers, s.body)
    check(SignatureInvalid, "signature_invalid", 401, s.method, s.uri, s.headers, s.body, token_secret="")


def test_json_body_is_not_collected():
    parsed = parse_request("POST", URI, {"Content-Type": "application/json"}, '{"oauth_nonce": "x"}')
    assert parsed.body_params == [] and parsed.oauth == {}


def test_charset_parameter_still_form():
    parsed = parse_request("POST", URI, {"content-type": "application/x-www-form-urlencoded; charset=UTF-8"}, "x=1")
    assert parsed.body_params == [("x", "1")]


def test_form_parameter_named_realm_is_signed():
    parsed = parse_request("POST", URI, FORM, "realm=x")
    assert ("realm", "x") in parsed.params


def test_header_realm_is_not_signed():
    parsed = parse_request("GET", URI, {"Authorization": 'OAuth realm="R", oauth_nonce="n"'})
    assert parsed.realm == "R" and all(n != "realm" for n, _ in parsed.params)


def test_errors_carry_no_secret():
    s = signed()
    try:
        verify_request(s.method, s.uri, s.headers, s.body, client_secret="topsecret", token_secret="alsosecret")
    except SignatureInvalid as exc:
        assert "topsecret" not in str(exc) and "alsosecret" not in str(exc) and "topsecret" not in repr(exc)


anything = st.one_of(st.text(max_size=40), st.binary(max_size=40).map(lambda b: b.decode("latin-1")))


@settings(max_examples=300, deadline=None)
@given(
    method=st.one_of(st.sampled_from(["GET", "POST"]), st.text(max_size=8)),
    uri=st.one_of(st.just(URI), st.text(max_size=40), st.builds(lambda q: URI + "&" + q, st.text(max_size=30))),
    headers=st.dictionaries(st.sampled_from(["Authorization", "authorization", "Content-Type", "X"]), anything, max_size=3),
    body=st.one_of(st.none(), st.text(max_size=40), st.binary(max_size=40)),
)
def test_verification_is_total(method, uri, headers, body):
    try:
        verify_request(method, uri, headers, body, client_secret="cs")
    except OAuthError as exc:
        assert exc.status in (400, 401) and exc.problem


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_signed_requests_never_crash(data):
    s = signed()
    auth = s.headers["Authorization"]
    i = data.draw(st.integers(0, len(auth) - 1))
    replacement = data.draw(st.text(max_size=3))
    mutated = dict(s.headers, Authorization=auth[:i] + replacement + auth[i + 1 :])
    try:
        verify_request(s.method, s.uri, mutated, s.body, client_secret="cs", token_secret="ts")
    except OAuthError as exc:
        assert exc.status in (400, 401)


def test_wrong_types_are_typed_errors():
    for args in [(None, URI), ("GET", None), ("GET", URI, {"Authorization": 5}), ("GET", URI, None, 12)]:
        with pytest.raises(OAuthError):
            verify_request(*args)


# -- the fast paths agree with the plain definitions ---------------------------------------------

HEADER_TEXT = st.text(st.sampled_from(list("abAB09-._~%2F3Dé ")), max_size=8)


@settings(max_examples=400, deadline=None)
@given(
    params=st.lists(st.tuples(st.sampled_from(["oauth_nonce", "oauth_token", "realm", "oauth_signature", "x_y", "oauth_a", "a%20b"]),
                              HEADER_TEXT), max_size=6),
    spaces=st.sampled_from([" ", "", "\t", "  "]),
)
def test_header_fast_path_matches_general_parser(params, spaces):
    # The fast path against the general parser (parse_authorization_header itself takes the fast
    # path first, so the reference is the general one, _general_header).
    from oauth1core.parsing import _general_header, _parse_simple_header

    header = "OAuth " + ("," + spaces).join(f'{n}{spaces}={spaces}"{v}"' for n, v in params)
    try:
        expected = _general_header(header)
    except OAuthError:
        expected = None
    fast = _parse_simple_header(header)
    if fast is not None:
        assert expected is not None and fast[0] == expected
        realm = dict(expected).get("realm")
        assert fast[3] == realm
        assert fast[4] == {n: v for n, v in expected if n.startswith("oauth_")}
        from oauth1core.base_string import _items

        assert fast.signed == [p for p in expected if p[0] not in ("realm", "oauth_signature")]
        assert fast.items == _items(fast.signed)


FORM_TEXT = st.text(st.sampled_from(list("ab=&%2F3D+~é!* z")), max_size=20)


@settings(max_examples=400, deadline=None)
@given(query=FORM_TEXT, body=FORM_TEXT, header_params=st.lists(st.tuples(st.sampled_from(["oauth_nonce", "realm", "oauth_x"]), HEADER_TEXT), max_size=3, unique_by=lambda p: p[0]))
def test_parsed_base_string_matches_definition(query, body, header_params):
    """ParsedRequest builds its base string from the text as received; it must equal the
    definition (section 3.4.1.1) over the decoded parameters."""
    from oauth1core.base_string import _assemble, _items
    from oauth1core.parameters import build_authorization_header

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if header_params:
        headers["Authorization"] = build_authorization_header([p for p in header_params if p[0] != "realm"],
                                                              realm=dict(header_params).get("realm"))
    try:
        parsed = parse_request("POST", "https://h/p?" + query, headers, body)
    except OAuthError:
        return
    assert parsed.base_string == _assemble("POST", "https://h/p", _items(parsed.params))


# -- Limits: validated and immutable --------------------------------------------------------------


def test_limits_are_checked_and_immutable():
    from oauth1core.parsing import DEFAULT_LIMITS, Limits

    for bad in (0, -1, 1.5, True, "10"):
        with pytest.raises(ValueError, match="max_nonce must be a positive int"):
            Limits(max_nonce=bad)
    with pytest.raises(AttributeError):
        DEFAULT_LIMITS.max_nonce = 10_000
    assert DEFAULT_LIMITS.max_nonce == 255
    assert Limits(max_uri=10).max_uri == 10 and Limits(max_uri=10).max_nonce == 255


def test_verified_request_is_built_whole():
    from oauth1core.verify import VerifiedRequest

    signed = Client("ck", "cs").sign("GET", "https://h/p")
    parsed = parse_request(signed.method, signed.uri, signed.headers)
    verified = VerifiedRequest(parsed, None, consumer="c", access=None)  # type: ignore[arg-type]
    assert verified.consumer == "c" and verified.access is None
    assert VerifiedRequest(parsed, 5).consumer is None
