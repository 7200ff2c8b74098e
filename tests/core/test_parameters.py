"""RFC 5849 sections 3.4.1.3 (collection, normalization) and 3.5.1 (the Authorization header)."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth1core import build_authorization_header, normalize_parameters, parse_authorization_header
from oauth1core.errors import DuplicateParameter, EncodingError, OAuthError, ParameterRejected
from oauth1core.parameters import encode_form, header_value, is_form_content_type, parse_form

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
pairs = st.lists(st.tuples(text, text), max_size=12)


def test_rfc_3_4_1_3_2_table():
    # The parameters of section 3.4.1.3.2, decoded, in the order of the request.
    params = [
        ("b5", "=%3D"),
        ("a3", "a"),
        ("c@", ""),
        ("a2", "r b"),
        ("oauth_consumer_key", "9djdj82h48djs9d2"),
        ("oauth_token", "kkk9d7dh3k39sjv7"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131201"),
        ("oauth_nonce", "7d8f3e4a"),
        ("c2", ""),
        ("a3", "2 q"),
    ]
    assert normalize_parameters(params) == (
        "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9dj"
        "dj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1"
        "&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
    )


def test_sort_is_by_encoded_bytes():
    # "a b" encodes to a%20b, which sorts before "a+b" (a%2Bb) and after "a!" (a%21)... byte order.
    params = [("a+b", "1"), ("a b", "2"), ("B", "3"), ("a", "4"), ("a", "3"), ("~", "5")]
    assert normalize_parameters(params) == "B=3&a=3&a=4&a%20b=2&a%2Bb=1&~=5"


@given(pairs, st.randoms())
def test_normalization_independent_of_order(params, rnd):
    shuffled = list(params)
    rnd.shuffle(shuffled)
    assert normalize_parameters(shuffled) == normalize_parameters(params)


@given(pairs)
def test_duplicates_survive_normalization(params):
    normalized = normalize_parameters(params)
    assert (normalized.count("&") + 1 if normalized else 0) == len(params)


def test_parse_form():
    assert parse_form("a=1&b=&c&&d=x+y%2B&e=%3D=") == [("a", "1"), ("b", ""), ("c", ""), ("d", "x y+"), ("e", "=" + "=")]
    with pytest.raises(EncodingError):
        parse_form("a=%zz")


@given(pairs)
def test_form_round_trip(params):
    assert parse_form(encode_form(params)) == params


RFC_3_5_1 = (
    'OAuth realm="Example",\n'
    '        oauth_consumer_key="0685bd9184jfhq22",\n'
    '        oauth_token="ad180jjd733klru7",\n'
    '        oauth_signature_method="HMAC-SHA1",\n'
    '        oauth_signature="wOJIO9A2W5mFwDgiDvZbTSMK%2FPY%3D",\n'
    '        oauth_timestamp="137131200",\n'
    '        oauth_nonce="4572616e48616d6d65724c61686176",\n'
    '        oauth_version="1.0"'
).replace("\n        ", " ")


def test_parse_rfc_3_5_1_header():
    assert parse_authorization_header(RFC_3_5_1) == [
        ("realm", "Example"),
        ("oauth_consumer_key", "0685bd9184jfhq22"),
        ("oauth_token", "ad180jjd733klru7"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_signature", "wOJIO9A2W5mFwDgiDvZbTSMK/PY="),
        ("oauth_timestamp", "137131200"),
        ("oauth_nonce", "4572616e48616d6d65724c61686176"),
        ("oauth_version", "1.0"),
    ]


@pytest.mark.parametrize(
    "header, error",
    [
        ('OAuth oauth_nonce="a", oauth_nonce="b"', DuplicateParameter),
        ('OAuth realm="a", realm="b"', DuplicateParameter),
        ("OAuth oauth_nonce=abc", ParameterRejected),
        ('OAuth oauth_nonce="a" oauth_token="b"', ParameterRejected),
        ('OAuth oauth_nonce="a",', ParameterRejected),
        ('OAuth ,oauth_nonce="a"', ParameterRejected),
        ('OAuth oauth_nonce="a b"', ParameterRejected),
        ('OAuth oauth_signature="abc="', ParameterRejected),
        ('OAuth oauth_nonce="%zz"', ParameterRejected),
        ('OAuth oauth_nonce="%C3"', ParameterRejected),
        ('OAuth oauth_nonce="a', ParameterRejected),
        ('Basic oauth_nonce="a"', ParameterRejected),
        ("OAuth " + "a" * 9000, ParameterRejected),
    ],
)
def test_parse_rejects(header, error):
    with pytest.raises(error) as info:
        parse_authorization_header(header)
    assert info.value.status == 400


def test_parse_lenient_mode_accepts_raw_characters():
    assert parse_authorization_header('OAuth oauth_signature="abc+/="', strict=False) == [("oauth_signature", "abc+/=")]


def test_realm_is_a_quoted_string():
    header = build_authorization_header([("oauth_nonce", "n")], realm='a "quoted" \\ realm')
    assert header == 'OAuth realm="a \\"quoted\\" \\\\ realm", oauth_nonce="n"'
    assert parse_authorization_header(header)[0] == ("realm", 'a "quoted" \\ realm')


def test_realm_with_control_characters_is_refused():
    with pytest.raises(ValueError):
        build_authorization_header([], realm="a\r\nX-Injected: 1")


def test_scheme_is_case_insensitive_and_empty_header_is_empty():
    assert parse_authorization_header('oauth oauth_nonce="x"') == [("oauth_nonce", "x")]
    assert parse_authorization_header("OAuth") == []


realms = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)


names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)


@given(st.lists(st.tuples(names, text), max_size=10, unique_by=lambda p: p[0]), st.one_of(st.none(), realms))
def test_header_round_trip(params, realm):
    params = [p for p in params if p[0] != "realm"]
    header = build_authorization_header(params, realm=realm)
    parsed = parse_authorization_header(header)
    expected = ([("realm", realm)] if realm is not None else []) + params
    assert parsed == expected


@given(st.text(max_size=200))
def test_header_parser_is_total(value):
    try:
        result = parse_authorization_header(value)
    except OAuthError as exc:
        assert exc.status == 400
    else:
        assert all(isinstance(n, str) and isinstance(v, str) for n, v in result)


@given(st.text(alphabet='OAuth ="\\,%a1_\t', max_size=60))
def test_header_parser_is_total_on_structured_noise(value):
    try:
        parse_authorization_header(value)
    except OAuthError:
        pass


def test_header_value_is_case_insensitive():
    assert header_value({"content-TYPE": "x"}, "Content-Type") == "x"
    assert header_value(None, "Content-Type") is None


@pytest.mark.parametrize(
    "content_type, expected",
    [
        ("application/x-www-form-urlencoded", True),
        ("application/x-www-form-urlencoded; charset=UTF-8", True),
        ("Application/X-WWW-Form-Urlencoded;charset=iso-8859-1", True),
        ("application/json", False),
        ("multipart/form-data; boundary=x", False),
        ("", False),
        (None, False),
    ],
)
def test_form_content_type(content_type, expected):
    assert is_form_content_type(content_type) is expected


def test_random_repeated_names_sort_by_value():
    rnd = random.Random(5849)
    values = [str(rnd.randrange(1000)) for _ in range(20)]
    normalized = normalize_parameters([("x", v) for v in values])
    assert normalized == "&".join("x=" + v for v in sorted(values))


def test_header_value_reads_pairs_too():
    pairs = [("Date", "one"), ("content-type", "x"), ("DATE", "two")]
    assert header_value(pairs, "date") == "one"
    assert header_value(pairs, "Content-Type") == "x"
    assert header_value([], "Date") is None


@given(
    params=st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6)), max_size=5),
    holes=st.lists(st.booleans(), min_size=5, max_size=5),
    realm=st.none() | st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=5),
)
def test_header_pieces_filled_in_give_the_header(params, holes, realm):
    # The client's header: pieces built once, each request's values filled in (section 3.5.1).
    from oauth1core.encoding import percent_encode
    from oauth1core.parameters import _header_pieces

    shaped = [(n, None if hole else v) for (n, v), hole in zip(params, holes)]
    pieces = _header_pieces(shaped, realm)
    filled = pieces[0]
    missing = [v for (n, v), (_, shape) in zip(params, shaped) if shape is None]
    for value, piece in zip(missing, pieces[1:]):
        filled += percent_encode(value) + piece
    assert len(pieces) == len(missing) + 1
    assert filled == build_authorization_header(params, realm)
