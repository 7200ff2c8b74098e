"""RFC 5849 section 3.6: percent-encoding and strict decoding."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth1core import OAuthError, percent_decode, percent_encode
from oauth1core.encoding import form_decode
from oauth1core.errors import EncodingError

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("", ""),
        (UNRESERVED, UNRESERVED),
        (" ", "%20"),
        ("+", "%2B"),
        ("*", "%2A"),
        ("%", "%25"),
        ("!*'()", "%21%2A%27%28%29"),
        ("é", "%C3%A9"),
        ("☃", "%E2%98%83"),
        ("😀", "%F0%9F%98%80"),
        ("Ladies + Gentlemen", "Ladies%20%2B%20Gentlemen"),
        ("a/b?c=d&e", "a%2Fb%3Fc%3Dd%26e"),
    ],
)
def test_encode_known_values(value, expected):
    assert percent_encode(value) == expected


def test_every_ascii_octet():
    for code in range(128):
        ch = chr(code)
        expected = ch if ch in UNRESERVED else "%%%02X" % code
        assert percent_encode(ch) == expected


def test_encode_rejects_lone_surrogate():
    with pytest.raises(EncodingError) as info:
        percent_encode("a\ud800")
    assert info.value.status == 400 and info.value.problem == "parameter_rejected"


@pytest.mark.parametrize(
    "value, expected",
    [("%41", "A"), ("%7e", "~"), ("%7E", "~"), ("+", "+"), ("a%20b", "a b"), ("%E2%98%83", "☃"), ("é", "é"), ("", "")],
)
def test_decode_known_values(value, expected):
    assert percent_decode(value) == expected


@pytest.mark.parametrize(
    "value",
    ["%", "%4", "%G1", "%zz", "% 1", "%+1", "%-1", "%0x", "abc%", "%C3", "%C3%28", "%FF", "%C0%AF", "%ED%A0%80", "%F4%90%80%80"],
)
def test_decode_rejects(value):
    with pytest.raises(EncodingError) as info:
        percent_decode(value)
    assert isinstance(info.value, OAuthError)
    assert info.value.status == 400


def test_form_decode_plus_is_space():
    assert form_decode("a+b%2B") == "a b+"


@given(st.text())
def test_round_trip(value):
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        with pytest.raises(EncodingError):
            percent_encode(value)
        return
    encoded = percent_encode(value)
    assert set(encoded) <= set(UNRESERVED + "%0123456789ABCDEF")
    assert percent_decode(encoded) == value
    # Idempotent on unreserved text, and upper-case hex only.
    assert encoded == encoded.upper() or any(c in UNRESERVED for c in encoded)


@given(st.text())
def test_decode_is_total(value):
    try:
        result = percent_decode(value)
    except EncodingError:
        return
    assert isinstance(result, str)


@given(st.binary())
def test_decode_of_escaped_bytes(data):
    escaped = "".join("%%%02X" % b for b in data)
    try:
        expected = data.decode("utf-8")
    except UnicodeDecodeError:
        with pytest.raises(EncodingError):
            percent_decode(escaped)
    else:
        assert percent_decode(escaped) == expected
        assert percent_decode(escaped.lower()) == expected


def reference_decode(value):
    """A deliberately plain strict decoder, to check the optimized one against."""
    out = bytearray()
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "%":
            pair = value[i + 1 : i + 3]
            if len(pair) != 2 or any(c not in "0123456789abcdefABCDEF" for c in pair):
                raise EncodingError("bad escape")
            out.append(int(pair, 16))
            i += 3
        else:
            out += ch.encode("utf-8")
            i += 1
    return out.decode("utf-8")


NOISY = st.text(st.sampled_from(list("%%%0123456789abcdefABCDEFG=+&_ \t\r\n~.-éx\u2603")), max_size=30)


def _outcome(func, value):
    try:
        return func(value)
    except (EncodingError, UnicodeError):
        return "error"


@given(NOISY)
def test_decode_matches_plain_reference(value):
    assert _outcome(percent_decode, value) == _outcome(reference_decode, value)


@given(NOISY.map(lambda v: v.replace("&", "")))
def test_signed_form_of_received_values_matches_round_trip(value):
    # A name or value as split from a query or form body: it holds no "&" (a value may hold "=").
    # (form_encode_decoded is gone: its fast path now lives in base_string._form_items, and the
    # same property is checked through it.)
    from oauth1core.base_string import _form_items

    expected = _outcome(lambda v: ["n " + percent_encode(form_decode(v)).replace("%", "%25")], value)
    assert _outcome(lambda v: _form_items("n=" + v), value) == expected
