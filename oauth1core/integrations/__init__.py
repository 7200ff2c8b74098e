"""Web-framework integrations of the provider: Flask, Django, Starlette/FastAPI (RFC 5849 2 and 3).

Each is a module of this package that imports its framework when it is imported, and says which
extra to install when the framework is missing (:func:`missing`):

* :mod:`oauth1core.integrations.flask` (``pip install 'oauth1core[flask]'``);
* :mod:`oauth1core.integrations.django` (``pip install 'oauth1core[django]'``);
* :mod:`oauth1core.integrations.starlette`, for Starlette and FastAPI
  (``pip install 'oauth1core[fastapi]'``).

Each one protects a view (a decorator, or a FastAPI dependency), gives the view the verified
:class:`~oauth1core.gateway.OAuth1Request`, and mounts the three endpoints. The resource owner is
whoever the application says: the authorize step calls the application's own hook (its login, its
session), which returns a :class:`~oauth1core.gateway.Decision` or a page of its own.

This module itself is standard library only: the settings the examples read from the
environment (:func:`settings_from_env`), a constant-time password check for their logins, and
:func:`login`, that check under the provider's login policy (throttling, a pending token denied after
a few wrong passwords).
"""

from __future__ import annotations

import hmac
import os
from typing import Dict, Generic, Iterable, List, Mapping, NamedTuple, Optional, Tuple, TypeVar, Union

from ..errors import OAuthError
from ..gateway import Consent, Network, PublicOrigin, endpoint_routes, error_answer
from ..server import Consumer, Provider, Response

__all__ = ["Integration", "EnvSettings", "settings_from_env", "check_password", "login"]

Hook = TypeVar("Hook")


def missing(library: str, extra: str) -> ModuleNotFoundError:
    """The one-line error for a framework that is not installed."""
    return ModuleNotFoundError(f"this integration needs {library}: pip install 'oauth1core[{extra}]'", name=library)


class Integration(Generic[Hook]):
    """What every framework integration holds. ``authorize``: the application's hook (its own
    login; the signature is the framework's). ``base_url``, ``trusted_proxies``,
    ``proxy_headers``: where the verified URI's origin comes from
    (:class:`~oauth1core.gateway.PublicOrigin`). ``realm``: the realm of the challenges of
    protected views (default: the provider's). ``paths``: other endpoint paths."""

    def __init__(self, provider: Provider, *, authorize: Hook, base_url: Optional[str] = None,
                 trusted_proxies: Iterable[Union[str, Network]] = (), proxy_headers: str = "x-forwarded",
                 realm: Optional[str] = None, paths: Optional[Mapping[str, str]] = None) -> None:
        self.provider = provider
        self.authorize = authorize
        self.origin = PublicOrigin.build(base_url, trusted_proxies, proxy_headers)
        self.realm = realm
        self.endpoints = endpoint_routes(paths)

    def refusal(self, error: OAuthError, *, protected: bool = False) -> Response:
        """The answer to ``error``: at a protected view, with this integration's realm."""
        return error_answer(self.provider, error, self.realm if protected else None)


class EnvSettings(NamedTuple):
    """What :func:`settings_from_env` read: the ``provider``, the example's own ``users``
    (name -> password), and the origin settings ``base_url`` and ``trusted_proxies``."""

    provider: Provider
    users: Mapping[str, str]
    base_url: Optional[str]
    trusted_proxies: Tuple[str, ...]


def _pairs(text: str, variable: str) -> List[Tuple[str, str]]:
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition(":")
        if not sep or not name or not value:
            raise ValueError(f"{variable}: each item must be NAME:VALUE with neither empty")
        pairs.append((name, value))
    return pairs


def _items(text: str) -> Tuple[str, ...]:
    return tuple(filter(None, (part.strip() for part in text.split(","))))


def settings_from_env(environ: Optional[Mapping[str, str]] = None) -> EnvSettings:
    """A provider configured by environment variables (the examples' settings):

    * ``OAUTH1CORE_CONSUMERS``: ``key:secret,...`` (HMAC-SHA1/256/512 clients; required);
    * ``OAUTH1CORE_USERS``: ``name:password,...``, the example application's own user table;
    * ``OAUTH1CORE_STORE``: ``memory`` (default), ``sqlite:PATH`` or a ``redis://`` URL;
    * ``OAUTH1CORE_CALLBACKS``: the accepted callbacks, exact matches (optional);
    * ``OAUTH1CORE_BASE_URL``, ``OAUTH1CORE_TRUSTED_PROXIES`` (comma-separated addresses or
      networks): where the verified URI's origin comes from (optional; see
      :class:`~oauth1core.gateway.PublicOrigin`).

    Empty secrets and passwords are refused (:class:`ValueError`); no value is ever echoed.
    """
    from ..stores import open_store

    env = os.environ if environ is None else environ
    callbacks = _items(env.get("OAUTH1CORE_CALLBACKS", ""))
    consumers: Dict[str, Consumer] = {
        key: Consumer(key, secret, callbacks=callbacks)
        for key, secret in _pairs(env.get("OAUTH1CORE_CONSUMERS", ""), "OAUTH1CORE_CONSUMERS")
    }
    if not consumers:
        raise ValueError("OAUTH1CORE_CONSUMERS must name at least one key:secret")
    users = dict(_pairs(env.get("OAUTH1CORE_USERS", ""), "OAUTH1CORE_USERS"))
    provider = Provider(consumers, open_store(env.get("OAUTH1CORE_STORE", "memory")))
    return EnvSettings(provider, users, env.get("OAUTH1CORE_BASE_URL") or None,
                       _items(env.get("OAUTH1CORE_TRUSTED_PROXIES", "")))


_DECOY = os.urandom(32)


def check_password(users: Mapping[str, str], username: str, password: str) -> bool:
    """Whether ``password`` is ``username``'s: constant time, the same work for an unknown user."""
    expected = users.get(username)
    reference = expected.encode("utf-8", "surrogatepass") if expected is not None else _DECOY
    matches = hmac.compare_digest(reference, password.encode("utf-8", "surrogatepass"))
    return matches and expected is not None


def login(provider: Provider, users: Mapping[str, str], consent: Consent, username: str, password: str,
          address: Optional[str]) -> bool:
    """:func:`check_password` under the provider's login policy (docs/provider.md, "Hardening and
    policy"; RFC 5849 section 2.2 leaves the resource owner's login to the server).

    Raises :class:`~oauth1core.policy.Throttled` (``retry_after`` seconds) while the account or
    the client ``address`` is backing off, without checking the password. A wrong password counts
    against the account, the address and the pending token, which is denied after the policy's
    ``token_max_failures``; a right one forgets the account's and the address's failures.
    """
    provider.login_allowed(consent.token, username, address)
    if not check_password(users, username, password):
        provider.login_failed(consent.token, username, address)
        return False
    provider.login_succeeded(username, address)
    return True
