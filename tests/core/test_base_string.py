"""RFC 5849 sections 3.4.1.1 (signature base string) and 3.4.1.2 (base string URI)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth1core import OAuthError, base_string_uri, signature_base_string
from oauth1core.errors import ParameterRejected


@pytest.mark.parametrize(
    "uri, expected",
    [
        ("HTTP://EXAMPLE.COM:80/r%20v/X?id=123", "http://example.com/r%20v/X"),
        ("https://www.example.net:8080/?q=1", "https://www.example.net:8080/"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com:443/", "http://example.com:443/"),
        ("https://example.com:80/", "https://example.com:80/"),
        ("https://example.com:443/a?b#c", "https://example.com/a"),
        ("http://example.com:/p", "http://example.com/p"),
        ("http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"),
        ("https://[::1]:8443/x", "https://[::1]:8443/x"),
        ("http://[::1]", "http://[::1]/"),
        ("http://user:pw@Example.com/p", "http://example.com/p"),
        ("http://example.com/CaSe/%7e", "http://example.com/CaSe/%7e"),
        ("http://example.com/caf\u00e9 x", "http://example.com/caf%C3%A9%20x"),
        ("http://example.com?x=1", "http://example.com/"),
        ("http://example.com#frag", "http://example.com/"),
    ],
)
def test_base_string_uri(uri, expected):
    assert base_string_uri(uri) == expected


@pytest.mark.parametrize(
    "uri",
    ["/relative", "example.com/x", "http:/x", "://x", "http://", "http://[::1/", "http://h:99999/", "http://h:8a/", "http://h:-1/", "1http://h/"],
)
def test_invalid_uris_are_typed_errors(uri):
    with pytest.raises(ParameterRejected) as info:
        base_string_uri(uri)
    assert info.value.status == 400


def test_rfc_3_4_1_1_example():
    params = [
        ("oauth_consumer_key", "9djdj82h48djs9d2"),
        ("oauth_token", "kkk9d7dh3k39sjv7"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131201"),
        ("oauth_nonce", "7d8f3e4a"),
        ("oauth_signature", "bYT5CMsGcbgUdFHObYMEfcx6bsw="),
        ("realm", "Example"),
        ("c2", ""),
        ("a3", "2 q"),
    ]
    assert signature_base_string("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", params) == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"
        "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_"
        "key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m"
        "ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk"
        "9d7dh3k39sjv7"
    )


def test_method_is_upper_cased_and_custom_methods_encoded():
    assert signature_base_string("get", "http://h/", []).startswith("GET&")
    assert signature_base_string("m-search", "http://h/", []).startswith("M-SEARCH&")


def test_query_plus_is_space_and_repeats_kept():
    base = signature_base_string("GET", "http://h/?a=x+y&a=x%2By&a=", [("a", "z")])
    assert base == "GET&http%3A%2F%2Fh%2F&a%3D%26a%3Dx%2520y%26a%3Dx%252By%26a%3Dz"


def test_query_realm_is_signed_but_params_realm_is_not():
    assert "realm" in signature_base_string("GET", "http://h/?realm=q", [])
    assert "realm" not in signature_base_string("GET", "http://h/", [("realm", "x")])


@given(st.text(max_size=80))
def test_base_string_uri_is_total(uri):
    try:
        result = base_string_uri(uri)
    except OAuthError as exc:
        assert exc.status == 400
    else:
        assert "://" in result and result.split("://", 1)[0] == result.split("://", 1)[0].lower()


@given(
    st.sampled_from(["http", "https", "HTTP", "Https"]),
    st.from_regex(r"[A-Za-z0-9-]{1,10}(\.[A-Za-z]{2,5})?", fullmatch=True),
    st.one_of(st.none(), st.integers(1, 65535)),
    st.from_regex(r"(/[A-Za-z0-9._~%-]{0,8}){0,3}", fullmatch=True),
)
def test_base_string_uri_structure(scheme, host, port, path):
    uri = f"{scheme}://{host}{'' if port is None else ':%d' % port}{path}?q=1#f"
    result = base_string_uri(uri)
    default = {"http": 80, "https": 443}[scheme.lower()]
    expected_port = "" if port in (None, default) else ":%d" % port
    assert result == f"{scheme.lower()}://{host.lower()}{expected_port}{path or '/'}"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "Z", "=", "&", "+", "%", "%2B", "%2b", "%41", "%7E", "%C3%A9", "%C3", "%20", "~", "!", " "]),
                max_size=12).map("".join))
def test_form_items_fast_path_matches_definition(text):
    """_form_items reads canonical text without decoding it; it must give the items of the
    decoded parameters (or the same error)."""
    from oauth1core.base_string import _form_items, _items
    from oauth1core.parameters import parse_form

    def outcome(f):
        try:
            return f(text)
        except OAuthError as exc:
            return type(exc)

    assert outcome(_form_items) == outcome(lambda t: _items(parse_form(t)))


def test_a_form_parameter_named_realm_is_signed_only_through_form():
    """Section 3.4.1.3.1: only the Authorization header's realm is left out of the base string."""
    from oauth1core.base_string import signature_base_string

    oauth = [("oauth_consumer_key", "k"), ("realm", "Photos")]
    assert signature_base_string("POST", "https://a.example/r", oauth) == "POST&https%3A%2F%2Fa.example%2Fr&oauth_consumer_key%3Dk"
    assert signature_base_string("POST", "https://a.example/r", oauth, form=[("realm", ""), ("oauth_signature", "x")]) == (
        "POST&https%3A%2F%2Fa.example%2Fr&oauth_consumer_key%3Dk%26realm%3D")
