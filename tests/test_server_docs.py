"""docs/provider.md stays true: its error table and transition table are checked against the code."""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

from store_suite import ROOT

from oauth1core import errors
from oauth1core.tokens import TRANSITIONS, Event, TokenState

DOC = (ROOT / "docs" / "provider.md").read_text(encoding="utf-8")


def _table(heading: str) -> List[List[str]]:
    """The first table after ``heading``, without its header and separator rows."""
    lines = DOC.split(heading, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows: List[str] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in rows[2:]]


def test_error_table_matches_errors_py() -> None:
    rows = _table("### Errors")
    documented: Dict[str, Tuple[int, str]] = {row[0]: (int(row[1]), row[2]) for row in rows}
    actual = {name: (getattr(errors, name).status, getattr(errors, name).problem) for name in errors.__all__
              if name not in ("OAuthError", "BadRequest", "Unauthorized")}
    assert documented == actual


def test_transition_table_matches_tokens_py() -> None:
    rows = _table("### The token lifecycle")
    documented = {(TokenState(row[0]), Event(row[1])): TokenState(row[2]) for row in rows}
    assert documented == TRANSITIONS


def test_serve_options_are_documented() -> None:
    from oauth1core.cli.serve import build_parser

    options = {option for action in build_parser()._actions for option in action.option_strings
               if option.startswith("--") and option != "--help"}
    for option in options:
        assert re.search(re.escape(option) + r"\b", DOC), option


def test_policy_and_server_knobs_are_documented_with_their_defaults() -> None:
    import dataclasses

    from oauth1core.http11 import ServerLimits
    from oauth1core.policy import DEFAULT_POLICY

    section = DOC.split("### Hardening and policy", 1)[1].split("\n### ", 1)[0]
    for field in dataclasses.fields(DEFAULT_POLICY):
        assert f"`{field.name}`" in section, field.name
    for field in dataclasses.fields(ServerLimits):
        assert f"`{field.name}`" in section, field.name
    rows = {row[0].split("`")[0]: row[1] for row in _table("**The provider's policy**")}
    assert rows["uniform_token_errors"] == "True" and rows["max_pending_per_consumer"] == "100"
    assert DEFAULT_POLICY.uniform_token_errors is True and DEFAULT_POLICY.max_pending_per_consumer == 100
    assert rows["token_max_failures"] == str(DEFAULT_POLICY.token_max_failures)
    assert rows["login_free_failures"] == str(DEFAULT_POLICY.login_free_failures)
    assert rows["address_free_failures"] == str(DEFAULT_POLICY.address_free_failures)
    limits = {row[0].split("`")[0]: row[1] for row in _table("**The HTTP server**")}
    assert limits["max_connections"] == str(ServerLimits().max_connections)
    assert limits["workers"] == str(ServerLimits().workers) and limits["backlog"] == str(ServerLimits().backlog)
