"""Helpers shared by the commands: credentials from options, files or the environment, masking."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Iterable, List, Optional

from ..errors import mask

__all__ = ["add_credential_options", "client_key", "secret", "mask", "die", "read_text_file", "CliError"]

ENV = {
    "client_key": ("OAUTH_CLIENT_KEY", "OAUTH_CONSUMER_KEY"),
    "client_secret": ("OAUTH_CLIENT_SECRET", "OAUTH_CONSUMER_SECRET"),
    "token": ("OAUTH_TOKEN",),
    "token_secret": ("OAUTH_TOKEN_SECRET",),
}


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit status 2."""


def add_credential_options(parser: argparse.ArgumentParser, *, key: bool = True, token: bool = True) -> None:
    group = parser.add_argument_group(
        "credentials",
        "each secret comes from its option, its -file option, or the environment "
        "(OAUTH_CLIENT_SECRET / OAUTH_CONSUMER_SECRET, OAUTH_TOKEN_SECRET); secrets are never printed",
    )
    if key:
        group.add_argument("--client-key", "--consumer-key", dest="client_key", help="env: OAUTH_CLIENT_KEY")
    group.add_argument("--client-secret", "--consumer-secret", dest="client_secret", help="env: OAUTH_CLIENT_SECRET")
    group.add_argument("--client-secret-file", dest="client_secret_file", metavar="FILE")
    if token:
        if key:
            group.add_argument("--token", dest="token", help="env: OAUTH_TOKEN")
        group.add_argument("--token-secret", dest="token_secret", help="env: OAUTH_TOKEN_SECRET")
        group.add_argument("--token-secret-file", dest="token_secret_file", metavar="FILE")


def _env(names: Iterable[str]) -> Optional[str]:
    for name in names:
        value = os.environ.get(name)
        if value is not None:
            return value
    return None


def read_text_file(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read the {what} file {path!r}: {exc.__class__.__name__}") from None


def secret(args: argparse.Namespace, name: str) -> str:
    """The secret ``name`` from ``--name``, ``--name-file`` (first line) or the environment."""
    value = getattr(args, name, None)
    if value is not None:
        return str(value)
    path = getattr(args, name + "_file", None)
    if path:
        lines = read_text_file(path, name.replace("_", " ")).splitlines()
        return lines[0] if lines else ""
    return _env(ENV[name]) or ""


def client_key(args: argparse.Namespace, name: str = "client_key") -> Optional[str]:
    value = getattr(args, name, None)
    return str(value) if value is not None else _env(ENV[name])



def die(message: str, code: int = 2) -> int:
    print(f"oauth1core: {message}", file=sys.stderr)
    return code


def parse_header_options(values: Optional[List[str]]) -> "dict[str, str]":
    headers = {}
    for item in values or []:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise CliError(f"a header must be 'Name: value', got {item!r}")
        headers[name.strip()] = value.strip()
    return headers
