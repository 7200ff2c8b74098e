"""The consumer flow's state between its legs, and its sealed cookie (RFC 5849 sections 2.1-2.3).

:class:`FlowState` is where a three-legged flow stands between its legs (the temporary
credentials, the callback, the verifier): an immutable value that serializes to JSON, and seals
into a cookie that cannot be altered. :class:`TokenCredentials` is what the flow ends with.
Every field is checked when built, since serialized state may come back from outside.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from .parameters import Param

_MAX_VALUE = 4096  # bytes: tokens, secrets and verifiers longer than this are refused


def check_value(value: Any, name: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not empty) or len(value.encode("utf-8", "surrogatepass")) > _MAX_VALUE:
        raise ValueError(f"{name} must be a non-empty str of at most {_MAX_VALUE} bytes")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError(f"{name} must not contain control characters")
    return value


def _get(data: Dict[str, Any], name: str) -> Any:
    """A field of serialized data; an absent one is None, which the constructors refuse."""
    return data.get(name)


def _check_pairs(value: Any, name: str) -> Tuple[Param, ...]:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of [name, value] pairs")
    pairs: List[Param] = []
    for item in value:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise ValueError(f"{name} must be a list of [name, value] pairs")
        pairs.append((check_value(item[0], name), check_value(item[1], name, empty=True)))
    return tuple(pairs)



class FlowState:
    """Where a flow stands between its legs: the temporary credentials (section 2.1), the
    callback they were asked with, and, once known, the verifier (section 2.2).

    Immutable; :meth:`to_json` / :meth:`from_json` (or :meth:`to_dict` / :meth:`from_dict`)
    carry it between requests. It holds the temporary credentials' *secret*: keep it in a
    server-side session, or :meth:`seal` it (integrity, not secrecy) for a cookie. ``extra``
    holds the provider's other fields of the temporary credentials answer.
    """

    __slots__ = ("token", "token_secret", "callback", "verifier", "extra")

    def __init__(self, token: str, token_secret: str, callback: str, verifier: Optional[str] = None,
                 extra: Iterable[Param] = ()) -> None:
        object.__setattr__(self, "token", check_value(token, "token"))
        object.__setattr__(self, "token_secret", check_value(token_secret, "token_secret", empty=True))
        object.__setattr__(self, "callback", check_value(callback, "callback"))
        object.__setattr__(self, "verifier", None if verifier is None else check_value(verifier, "verifier"))
        object.__setattr__(self, "extra", _check_pairs(list(extra), "extra"))

    token: str
    token_secret: str
    callback: str
    verifier: Optional[str]
    extra: Tuple[Param, ...]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FlowState is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FlowState):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.token, self.callback, self.verifier))

    def __repr__(self) -> str:
        return (f"FlowState(token={self.token!r}, token_secret='***', callback={self.callback!r}, "
                f"verifier={'***' if self.verifier else None})")

    def with_verifier(self, verifier: str) -> "FlowState":
        return FlowState(self.token, self.token_secret, self.callback, verifier, self.extra)

    def to_dict(self) -> Dict[str, Any]:
        return {"v": 1, "token": self.token, "token_secret": self.token_secret, "callback": self.callback,
                "verifier": self.verifier, "extra": [list(pair) for pair in self.extra]}

    @classmethod
    def from_dict(cls, data: Any) -> "FlowState":
        """The state :meth:`to_dict` gave; ``ValueError`` for anything else (it may come back
        from outside: every field is checked)."""
        if not isinstance(data, dict) or data.get("v") != 1:
            raise ValueError("not a serialized FlowState (version 1)")
        unknown = set(data) - {"v", "token", "token_secret", "callback", "verifier", "extra"}
        if unknown:
            raise ValueError(f"unknown FlowState fields: {sorted(unknown)}")
        return cls(_get(data, "token"), _get(data, "token_secret"), _get(data, "callback"),
                   _get(data, "verifier"), _check_pairs(data.get("extra", []), "extra"))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> "FlowState":
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise ValueError("not a serialized FlowState (invalid JSON)") from None
        return cls.from_dict(data)

    def seal(self, key: bytes, *, now: Optional[float] = None) -> str:
        """The state as a URL-safe string, with its time and an HMAC-SHA256 under ``key``: a
        cookie that cannot be altered. It is *not* encrypted."""
        issued = int(time.time() if now is None else now)
        payload = base64.urlsafe_b64encode(self.to_json().encode("utf-8")).decode("ascii").rstrip("=")
        body = f"{issued}.{payload}"
        mac = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
        return body + "." + base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    @classmethod
    def unseal(cls, sealed: str, key: bytes, *, max_age: float = 900, now: Optional[float] = None) -> "FlowState":
        """The state :meth:`seal` gave, if its HMAC verifies and it is at most ``max_age``
        seconds old; ``ValueError`` otherwise."""
        parts = sealed.split(".") if isinstance(sealed, str) else []
        if len(parts) != 3 or not parts[0].isdigit():
            raise ValueError("not a sealed FlowState")
        body = parts[0] + "." + parts[1]
        expected = base64.urlsafe_b64encode(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())
        if not hmac.compare_digest(expected.decode("ascii").rstrip("="), parts[2]):
            raise ValueError("the sealed FlowState does not verify")
        age = (time.time() if now is None else now) - int(parts[0])
        if not -60 <= age <= max_age:
            raise ValueError("the sealed FlowState has expired")
        try:
            text = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        except ValueError:
            raise ValueError("not a sealed FlowState") from None
        return cls.from_json(text)


class TokenCredentials:
    """Token credentials (section 2.3): ``token``, ``token_secret`` and the provider's other
    fields (``extra``: Twitter's ``screen_name``, Flickr's ``user_nsid``...). ``repr`` hides
    the secret."""

    __slots__ = ("token", "token_secret", "extra")

    def __init__(self, token: str, token_secret: str, extra: Iterable[Param] = ()) -> None:
        self.token = check_value(token, "token")
        self.token_secret = check_value(token_secret, "token_secret", empty=True)
        self.extra: Tuple[Param, ...] = tuple(extra)

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first extra field ``name``."""
        for key, value in self.extra:
            if key == name:
                return value
        return default

    def to_dict(self) -> Dict[str, Any]:
        return {"token": self.token, "token_secret": self.token_secret, "extra": [list(pair) for pair in self.extra]}

    @classmethod
    def from_dict(cls, data: Any) -> "TokenCredentials":
        if not isinstance(data, dict):
            raise ValueError("not serialized TokenCredentials")
        return cls(_get(data, "token"), _get(data, "token_secret"), _check_pairs(data.get("extra", []), "extra"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TokenCredentials):
            return NotImplemented
        return (self.token, self.token_secret, self.extra) == (other.token, other.token_secret, other.extra)

    def __hash__(self) -> int:
        return hash(self.token)

    def __repr__(self) -> str:
        return f"TokenCredentials(token={self.token!r}, token_secret='***', extra={list(self.extra)!r})"
