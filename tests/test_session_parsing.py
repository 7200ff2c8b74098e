"""Property tests for what the drop-in sessions parse and build (oauth1core.adapters._session):
token answers (form or JSON) and the authorization URL's parameters round-trip; the placements'
names. Standard library and Hypothesis only; about 1 s."""

from __future__ import annotations

import json
from typing import Dict, List, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oauth1core.adapters._session import add_params, parse_token_answer, placement_of

names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@given(st.dictionaries(names, values, max_size=6))
def test_form_answer_round_trips(fields: Dict[str, str]) -> None:
    assert parse_token_answer(urlencode(list(fields.items()))) == fields


@given(st.dictionaries(names, values, max_size=6))
def test_json_answer_round_trips(fields: Dict[str, str]) -> None:
    assert parse_token_answer(" \ufeff" + json.dumps(fields) + "\n") == fields


def test_json_answer_keeps_non_strings_as_json_and_drops_nulls() -> None:
    assert parse_token_answer('{"oauth_token": "t", "user_id": 42, "x": null, "ok": true}') == {
        "oauth_token": "t", "user_id": "42", "ok": "true"}
    with pytest.raises(ValueError):
        parse_token_answer('{"oauth_token": ')  # cut short


@given(st.lists(st.tuples(names, values), max_size=4), st.lists(st.tuples(names, values), max_size=4),
       st.sampled_from(["", "#frag"]))
def test_add_params_keeps_the_query_and_appends(existing: List[Tuple[str, str]], added: List[Tuple[str, str]],
                                                fragment: str) -> None:
    base = "https://sp.example/authorize" + ("?" + urlencode(existing) if existing else "")
    url = add_params(base + fragment, added)
    parts = urlsplit(url)
    assert parse_qsl(parts.query, keep_blank_values=True) == existing + added
    assert url.startswith(base) and parts.fragment == fragment[1:]


@pytest.mark.parametrize("given_type,placement", [("AUTH_HEADER", "header"), ("auth_header", "header"),
                                                  ("HEADER", "header"), ("query", "query"), ("Body", "body")])
def test_placement_names(given_type: str, placement: str) -> None:
    assert placement_of(given_type) == placement


def test_unknown_placement_names_the_value() -> None:
    with pytest.raises(ValueError, match="'URI'"):
        placement_of("URI")
