"""diagnose names the level of each encoding mistake: the parameters, the base string, or both.

The mistaken signer here is independent of oauth1core: each level has its own encoder built on
urllib.parse.quote, the base string is joined by hand and signed with hmac. The request is sent
correctly encoded (the mistake is in the signing only). Cost: under 2 s (about 20 diagnoses).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import FrozenSet, List, Optional, Set, Tuple
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth1core.audit import diagnose, from_parts

Pair = Tuple[str, str]
PARAMETER, BASE = "parameter", "base-string"
LEVEL_TEXT = {PARAMETER: "at the parameter level", BASE: "at the base-string level", "both": "at both levels"}
ID = {"plus": "plus-for-space", "reserved": "reserved-not-encoded", "lower": "lowercase-hex", "none": "not-encoded",
      "twice": "double-encoded"}

METHOD, HOST, PATH = "POST", "api.example.com", "/photos(1)!/up*load"
QUERY: List[Pair] = [("q", "a b/c"), ("marks", "it's (ok)!*"), ("name", "Zoë=1&2")]
OAUTH: List[Pair] = [("oauth_consumer_key", "ck123"), ("oauth_token", "tk456"), ("oauth_signature_method", "HMAC-SHA1"),
                     ("oauth_timestamp", "1700000000"), ("oauth_nonce", "n0nce7"), ("oauth_version", "1.0")]
CLIENT_SECRET, TOKEN_SECRET = "cs!sec ret", "ts/secret"


def encoder(mistakes: Set[str]):  # type: ignore[no-untyped-def]
    """Section 3.6 with the given mistakes (none, twice, plus, reserved, lower), by urllib."""

    def once(text: str) -> str:
        out = quote(text, safe="-._~" + ("!*'()" if "reserved" in mistakes else ""))
        if "plus" in mistakes:
            out = out.replace("%20", "+")
        if "lower" in mistakes:
            out = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), out)
        return out

    if "none" in mistakes:
        return lambda text: text
    if "twice" in mistakes:
        return lambda text: once(once(text))
    return once


def sign(parameter: Set[str], base_level: Set[str], *, token_missing: bool = False, query_signed: bool = True,
         method: Optional[str] = None) -> Tuple[object, str]:
    """A capture signed with the given mistakes at each level, and the base string signed."""
    enc1, enc2 = encoder(parameter), encoder(base_level)
    params = (QUERY if query_signed else []) + OAUTH
    normalized = "&".join(sorted(enc1(n) + "=" + enc1(v) for n, v in params))
    base = "&".join(enc2(part) for part in (method or METHOD, f"https://{HOST}{PATH}", normalized))
    secret = encoder(parameter - {"none", "twice"})  # skipping or doubling is about the parameters only
    key = secret(CLIENT_SECRET) + "&" + ("" if token_missing else secret(TOKEN_SECRET))
    signature = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()
    wire = encoder(set())
    header = "OAuth " + ", ".join(f'{n}="{wire(v)}"' for n, v in OAUTH + [("oauth_signature", signature)])
    query = "&".join(wire(n) + "=" + wire(v) for n, v in QUERY)
    return from_parts(METHOD, f"https://{HOST}{PATH}?{query}", {"Authorization": header}), base


CASES = [(flag, level) for flag in ID for level in (PARAMETER, BASE, "both") if (flag, level) != ("plus", BASE)]


@pytest.mark.parametrize("flag,level", CASES)
def test_each_mistake_at_each_level(flag: str, level: str) -> None:
    capture, base = sign({flag} if level != BASE else set(), {flag} if level != PARAMETER else set())
    result = diagnose(capture, client_secret=CLIENT_SECRET, token_secret=TOKEN_SECRET)  # type: ignore[arg-type]
    found = [f for f in result.findings if f.id == ID[flag]]
    assert found, [(f.id, f.details) for f in result.findings]
    assert found[0].base_string == base
    assert LEVEL_TEXT[level] in found[0].details[0], found[0].details
    assert found[0].to_dict()["details"] == found[0].details


def test_plus_at_the_base_string_level_alone_changes_nothing() -> None:
    """After a correct first level no space is left for the second to write as "+": the request
    verifies, and the mistake shows only on top of another (below)."""
    capture, _ = sign(set(), {"plus"})
    assert diagnose(capture, client_secret=CLIENT_SECRET, token_secret=TOKEN_SECRET).valid  # type: ignore[arg-type]


@pytest.mark.parametrize("parameter,base_level,extra,expected", [
    ({"plus"}, set(), {"token_missing": True}, ("token-secret-missing", "plus-for-space", PARAMETER)),
    (set(), {"lower"}, {"query_signed": False}, ("lowercase-hex", "query-not-signed", BASE)),
    ({"none"}, {"plus"}, {}, ("plus-for-space", "not-encoded", "")),
    ({"reserved"}, {"lower"}, {}, ("reserved-not-encoded", "lowercase-hex", "")),
    (set(), {"twice"}, {"method": "PUT"}, ("double-encoded", "wrong-method", BASE)),
])  # fmt: skip
def test_level_mistakes_combined_with_others(parameter: Set[str], base_level: Set[str], extra: dict,  # type: ignore[type-arg]
                                             expected: Tuple[str, str, str]) -> None:
    capture, base = sign(parameter, base_level, **extra)
    result = diagnose(capture, client_secret=CLIENT_SECRET, token_secret=TOKEN_SECRET)  # type: ignore[arg-type]
    first, second, level = expected
    pairs = {tuple(sorted(m.id for m in f.mistakes)): f for f in result.findings if len(f.mistakes) == 2}
    finding = pairs.get(tuple(sorted((first, second))))
    assert finding is not None, [(f.id, f.details) for f in result.findings]
    assert finding.base_string == base
    texts = dict(zip([m.id for m in finding.mistakes], finding.details))
    if level:
        assert LEVEL_TEXT[level] in texts[ID[next(iter(parameter or base_level))]]
    else:  # one mistake at each level
        assert LEVEL_TEXT[PARAMETER] in texts[ID[next(iter(parameter))]]
        assert LEVEL_TEXT[BASE] in texts[ID[next(iter(base_level))]]


def test_another_implementations_base_string_is_explained_with_its_levels() -> None:
    """explain_base_string (what conformance uses): PHP's urlencode over raw joined parameters."""
    from oauth1core.audit import observe
    from oauth1core.audit.diagnose import explain_base_string

    capture, _ = sign(set(), set())
    raw = "&".join(sorted(n + "=" + v for n, v in QUERY + OAUTH))
    wrong = "&".join(encoder({"plus"})(part) for part in (METHOD, f"https://{HOST}{PATH}", raw))
    found = explain_base_string(observe(capture), wrong)  # type: ignore[arg-type]
    assert [(f.id, f.details) for f in found] == [("plus-for-space+not-encoded", [
        "at the base-string level (the joined string, section 3.4.1.1)",
        "at the parameter level (each name and value, section 3.4.1.3.2)"])]


FLAGS = st.frozensets(st.sampled_from(["plus", "reserved", "lower", "none", "twice"]))


@given(parameter=FLAGS, base_level=FLAGS)
def test_the_levels_of_a_recipe_round_trip(parameter: FrozenSet[str], base_level: FrozenSet[str]) -> None:
    from oauth1core.audit.mistakes import _with_levels, levels_of
    from oauth1core.audit.recipe import CANONICAL

    recipe = _with_levels(CANONICAL, parameter, base_level)
    assert levels_of(recipe) == (parameter, base_level)
    assert (recipe == CANONICAL) == (not parameter and not base_level)
