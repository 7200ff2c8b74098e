"""oauth1core: OAuth 1.0a (RFC 5849) for clients and service providers, standard library only.

Signing needs only the core modules imported here; verification, the provider, the RSA methods,
the adapters and the command line are loaded on first use, so ``import oauth1core`` stays fast.
"""

from __future__ import annotations

from .base_string import base_string_uri, signature_base_string
from .client import Client, SignedRequest
from .encoding import percent_decode, percent_encode
from .errors import (
    BadRequest,
    OAuthError,
    SignatureInvalid,
    Unauthorized,
)
from .parameters import build_authorization_header, normalize_parameters

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: signing never needs it
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from .parsing import Limits, ParsedRequest, parse_authorization_header, parse_request
    from .verify import VerifiedRequest, verify_request

__version__ = "0.1.0"

__all__ = [
    "percent_encode",
    "percent_decode",
    "base_string_uri",
    "normalize_parameters",
    "signature_base_string",
    "build_authorization_header",
    "parse_authorization_header",
    "parse_request",
    "ParsedRequest",
    "Limits",
    "Client",
    "SignedRequest",
    "verify_request",
    "VerifiedRequest",
    "OAuthError",
    "BadRequest",
    "Unauthorized",
    "SignatureInvalid",
    "__version__",
]

_LAZY = {
    "verify_request": "verify",
    "VerifiedRequest": "verify",
    "parse_authorization_header": "parsing",
    "parse_request": "parsing",
    "ParsedRequest": "parsing",
    "Limits": "parsing",
}


def __getattr__(name: str) -> Any:
    """PEP 562: load verification on first use (a client that only signs never pays for it)."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'oauth1core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value
