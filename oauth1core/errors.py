"""Typed errors of oauth1core (RFC 5849 section 3.2).

Every error raised for bad input is a subclass of :class:`OAuthError`. Each class carries:

* ``status``: the HTTP status RFC 5849 section 3.2 gives the failure: 400 (Bad Request) for
  unsupported parameters, an unsupported signature method, missing parameters or duplicated
  protocol parameters; 401 (Unauthorized) for invalid client credentials, an invalid or expired
  token, an invalid signature, or an invalid or used nonce;
* ``problem``: the ``oauth_problem`` value of the OAuth Problem Reporting extension
  (``parameter_absent``, ``signature_invalid``...), suitable for a ``WWW-Authenticate`` header;
* ``section``: the RFC 5849 section (or extension) whose rule was broken.

Messages name parameters, never their secret values: an error may be logged or shown to a client.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: signing never needs it
if TYPE_CHECKING:  # pragma: no cover
    from typing import Optional

__all__ = [
    "OAuthError",
    "BadRequest",
    "Unauthorized",
    "ParameterAbsent",
    "ParameterRejected",
    "DuplicateParameter",
    "EncodingError",
    "SignatureMethodRejected",
    "VersionRejected",
    "BodyHashInvalid",
    "SignatureInvalid",
    "TimestampRefused",
    "NonceUsed",
    "ConsumerKeyUnknown",
    "TokenRejected",
    "TokenExpired",
    "TokenUsed",
    "VerifierInvalid",
    "PermissionDenied",
    "KeyFormatError",
    "ServiceUnavailable",
]
# The consumer flow's errors (FlowError and its subclasses, at the end of this module) are
# exported by oauth1core.flow, their documented home; this list is the verifier's and the
# provider's, which docs/provider.md's error table mirrors.


def mask(secret: Optional[str]) -> str:
    """A secret as it may be shown in a message, a log or the command line: never its text,
    only its length."""
    if not secret:
        return "(empty)"
    return f"***({len(secret)} chars)"


class OAuthError(Exception):
    """Base of every error oauth1core raises for bad input.

    ``status`` is the HTTP status to answer with, ``problem`` the ``oauth_problem`` value,
    ``section`` the RFC 5849 section of the rule, ``parameter`` the offending parameter's name
    (never its value) where one applies.
    """

    status: int = 400
    problem: str = "parameter_rejected"
    section: str = "3.2"

    def __init__(self, message: str, *, parameter: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter

    def __str__(self) -> str:
        return f"{self.message} [{self.problem}, HTTP {self.status}, RFC 5849 section {self.section}]"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, parameter={self.parameter!r})"


class BadRequest(OAuthError):
    """400: the request is malformed (RFC 5849 section 3.2)."""

    status = 400


class Unauthorized(OAuthError):
    """401: the request is well formed but not authorized (RFC 5849 section 3.2)."""

    status = 401


class ParameterAbsent(BadRequest):
    """400: a required parameter is missing (sections 3.1, 3.2)."""

    problem = "parameter_absent"
    section = "3.1"


class ParameterRejected(BadRequest):
    """400: a parameter is malformed, unsupported, too large or sent from the wrong place."""

    problem = "parameter_rejected"
    section = "3.2"


class DuplicateParameter(ParameterRejected):
    """400: a protocol parameter appears more than once, or in more than one place (3.2, 3.5)."""

    section = "3.5"


class EncodingError(ParameterRejected):
    """400: a value is not valid percent-encoding of UTF-8 text (section 3.6)."""

    section = "3.6"


class SignatureMethodRejected(BadRequest):
    """400: the signature method is unknown or not allowed (sections 3.2, 3.4)."""

    problem = "signature_method_rejected"
    section = "3.4"


class VersionRejected(BadRequest):
    """400: ``oauth_version`` is present and is not ``1.0`` (sections 3.1, 3.2)."""

    problem = "version_rejected"
    section = "3.1"


class SignatureInvalid(Unauthorized):
    """401: the signature does not verify (sections 3.2, 3.4)."""

    problem = "signature_invalid"
    section = "3.4"


class BodyHashInvalid(SignatureInvalid):
    """401: ``oauth_body_hash`` does not match the body (OAuth Request Body Hash, section 3.2)."""

    section = "Request Body Hash 3.2"


class TimestampRefused(Unauthorized):
    """401: the timestamp is outside the server's window (section 3.3)."""

    problem = "timestamp_refused"
    section = "3.3"


class NonceUsed(Unauthorized):
    """401: the nonce was already used with this timestamp, client and token (section 3.3)."""

    problem = "nonce_used"
    section = "3.3"


class ConsumerKeyUnknown(Unauthorized):
    """401: the client credentials are unknown (section 3.2)."""

    problem = "consumer_key_unknown"
    section = "3.2"


class TokenRejected(Unauthorized):
    """401: the token is unknown, of the wrong kind, or not bound to this client (section 3.2)."""

    problem = "token_rejected"
    section = "3.2"


class TokenExpired(Unauthorized):
    """401: the token has expired (section 3.2)."""

    problem = "token_expired"
    section = "3.2"


class TokenUsed(Unauthorized):
    """401: the temporary credentials were already exchanged (section 2.3)."""

    problem = "token_used"
    section = "2.3"


class VerifierInvalid(Unauthorized):
    """401: the verification code is missing, wrong or already used (section 2.3)."""

    problem = "verifier_invalid"
    section = "2.3"


class PermissionDenied(Unauthorized):
    """401: the resource owner denied the authorization request (section 2.2)."""

    problem = "permission_denied"
    section = "2.2"


class KeyFormatError(BadRequest):
    """400: an RSA key or certificate cannot be used (malformed, encrypted, wrong kind; 3.4.3)."""

    problem = "parameter_rejected"
    section = "3.4.3"


class ServiceUnavailable(OAuthError):
    """503: the server cannot check the request now (its store is down); never an accept."""

    status = 503
    problem = "temporarily_unavailable"
    section = "3.2"


# -- the consumer's side ---------------------------------------------------------------------------
# Raised by the client's three-legged flow (section 2) rather than by a provider's checks: their
# ``status`` is what a consumer's web application would answer its own caller with.


class FlowError(OAuthError):
    """A step of the consumer's flow (section 2) cannot go on. Messages name parameters, never
    secret values; ``str()`` is the message alone."""

    status = 400
    problem = "parameter_rejected"
    section = "2"

    def __init__(self, message: str, *, parameter: Optional[str] = None) -> None:
        super().__init__(message, parameter=parameter)

    def __str__(self) -> str:
        return self.message


class ProviderError(FlowError):
    """The provider refused a request (an error status, or an ``oauth_problem`` in its answer).

    ``status`` is the provider's HTTP status; ``problem`` the ``oauth_problem`` (OAuth Problem
    Reporting) when the provider sent one, from the body or ``WWW-Authenticate``, else ``None``;
    ``advice`` its ``oauth_problem_advice``; ``excerpt`` the start of the answer's body, for a
    person to read.
    """

    problem: Optional[str]  # type: ignore[assignment]  # the provider's, which it may not name

    def __init__(self, message: str, *, status: int, problem: Optional[str] = None, advice: Optional[str] = None,
                 excerpt: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem
        self.advice = advice
        self.excerpt = excerpt


class ResponseError(FlowError):
    """502: a successful status, but an answer the flow cannot use (a missing token, no
    ``oauth_callback_confirmed=true``...): the provider, upstream, answered badly."""

    status = 502
    section = "2.1"


class CallbackError(FlowError):
    """400: the callback does not complete this flow: no verifier, or another ``oauth_token``
    than the one this flow asked for (section 2.2; a forged or crossed callback)."""

    status = 400
    section = "2.2"


class AuthorizationDenied(FlowError):
    """401: the resource owner (or the provider) denied the authorization (section 2.2)."""

    status = 401
    problem = "permission_denied"
    section = "2.2"
