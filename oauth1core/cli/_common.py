"""Helpers shared by the commands: credentials from options, files or the environment, masking."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Iterable, List, Optional

from ..errors import mask

__all__ = ["add_credential_options", "client_key", "secret", "mask", "die", "read_text_file", "CliError", "check_method",
           "check_http_url", "check_callback", "check_writable"]

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


# -- checks made before acting: one line, exit 2 ----------------------------------------------------

_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def check_method(method: str) -> str:
    """An HTTP method is a token (RFC 9110 section 9.1 / 5.6.2): ``GE T`` is not one."""
    if not method or not set(method) <= _TOKEN_CHARS:
        raise CliError(f"the method {method!r} is not an HTTP method (letters, digits and !#$%&'*+-.^_`|~ only)")
    return method


def check_http_url(url: str, what: str = "the URL") -> str:
    """An absolute ``http`` or ``https`` URL with a host and no spaces."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number in 0-65535
    except ValueError:
        raise CliError(f"{what} {url!r} is not a valid URL (its port?)") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(ch.isspace() for ch in url):
        raise CliError(f"{what} must be an absolute http(s) URL, got {url!r}")
    return url


def check_callback(callback: str) -> str:
    """``oob``, or an absolute URI (RFC 5849 section 2.1; a custom scheme such as ``myapp:/cb`` is
    fine, a path is not)."""
    from urllib.parse import urlsplit

    if callback == "oob":
        return callback
    scheme = urlsplit(callback).scheme
    if not scheme or not scheme[0].isalpha() or any(ch.isspace() for ch in callback) or callback.endswith(":"):
        raise CliError(f"the callback must be 'oob' or an absolute URI (https://app.example/cb), got {callback!r}")
    return callback


def check_writable(path: str) -> str:
    """``path`` can be written (created, or replaced) by this user: checked before the flow
    starts, so token credentials are never obtained only to be lost."""
    target = os.path.abspath(os.path.expanduser(path))
    if os.path.isdir(target):
        raise CliError(f"cannot save the credentials to {path}: it is a directory")
    if os.path.exists(target) and not os.access(target, os.W_OK):
        raise CliError(f"cannot save the credentials to {path}: the file is not writable")
    folder = os.path.dirname(target)
    while not os.path.exists(folder):  # the folder will be created: its nearest existing parent decides
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
        raise CliError(f"cannot save the credentials to {path}: {folder} is not a writable directory")
    return path
