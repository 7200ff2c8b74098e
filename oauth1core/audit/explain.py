"""Every step of a captured request's signature, with the RFC 5849 section each step follows.

:func:`explain` returns an :class:`Explanation`: the parameters collected, each with its source
and its encoded form (3.4.1.3.1, 3.6); the normalized parameters (3.4.1.3.2); the base string URI
(3.4.1.2); the base string (3.4.1.1); the signing key, masked (3.4.2, 3.4.4); the signature
(3.4.2 to 3.4.4) and whether the one sent matches (3.2). It computes with the library's own
functions, the ones a provider verifies with; when the strict parser rejects the request, it
says why and explains the request as read leniently.
"""

from __future__ import annotations

import hmac
from typing import Any, Dict, List, Optional, Union

from ..encoding import percent_encode
from ..errors import mask
from ..methods import SignatureMethod, signing_key
from ..parameters import normalize_parameters
from .capture import Capture
from .diagnose import available_methods
from .observe import Observed, observe

_SIGNATURE_SECTIONS = {"PLAINTEXT": "3.4.4", "RSA-SHA1": "3.4.3", "RSA-SHA256": "3.4.3", "RSA-SHA512": "3.4.3"}


class Step:
    """One step: its ``title``, the RFC 5849 ``section`` it follows, and ``lines`` of text."""

    __slots__ = ("title", "section", "lines")

    def __init__(self, title: str, section: str, lines: List[str]) -> None:
        self.title = title
        self.section = section
        self.lines = lines

    def to_dict(self) -> Dict[str, Any]:
        return {"title": self.title, "section": self.section, "lines": self.lines}


class Explanation:
    """The result of :func:`explain`; ``steps`` is the whole story, the other fields its data."""

    __slots__ = (
        "observed", "parameters", "normalized", "base_uri", "base_string", "signature_method",
        "signing_key", "signature", "provided_signature", "verifies", "steps", "notes",
    )  # fmt: skip

    def __init__(self, observed: Observed) -> None:
        self.observed = observed
        self.parameters: List[Dict[str, Any]] = []
        self.normalized = ""
        self.base_uri = observed.base_uri
        self.base_string = observed.base_string
        self.signature_method = observed.signature_method
        self.signing_key: Optional[str] = None  # masked
        self.signature: Optional[str] = None  # masked for PLAINTEXT
        self.provided_signature: Optional[str] = None  # masked for PLAINTEXT
        self.verifies: Optional[bool] = None
        self.steps: List[Step] = []
        self.notes: List[str] = list(observed.notes)

    def to_dict(self) -> Dict[str, Any]:
        observed = self.observed
        return {
            "method": observed.method,
            "uri": observed.display_uri(),
            "origin": observed.capture.origin,
            "placement": observed.placement,
            "realm": observed.realm,
            "strict_error": str(observed.strict_error) if observed.strict_error is not None else None,
            "parameters": self.parameters,
            "normalized_parameters": self.normalized,
            "base_string_uri": self.base_uri,
            "base_string": self.base_string,
            "signature_method": self.signature_method,
            "signing_key": self.signing_key,
            "signature": self.signature,
            "provided_signature": self.provided_signature,
            "verifies": self.verifies,
            "notes": self.notes,
            "steps": [step.to_dict() for step in self.steps],
        }


def _show(text: str) -> str:
    """Text as it can be printed on one line: control characters escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def explain(
    request: Union[Capture, Observed],
    *,
    client_secret: Optional[str] = None,
    token_secret: str = "",
    rsa_public_key: Any = None,
) -> Explanation:
    """Explain how the request's signature is computed and whether it verifies (see module)."""
    observed = request if isinstance(request, Observed) else observe(request)
    result = Explanation(observed)
    steps = result.steps
    steps.append(_read_step(observed))
    steps.append(_parameters_step(observed, result))
    steps.append(_normalize_step(observed, result))
    # Step 3: the base string URI (3.4.1.2).
    lines = [f"from {_show(observed.display_uri())}", result.base_uri]
    steps.append(Step("Base string URI: scheme and host lower-cased, default port dropped, "
                      "query and fragment excluded", "3.4.1.2", lines))  # fmt: skip
    # Step 4: the base string (3.4.1.1).
    steps.append(Step("Signature base string: METHOD & encode(base string URI) & encode(normalized parameters)",
                      "3.4.1.1", [result.base_string]))  # fmt: skip
    steps.append(_key_step(observed, result, client_secret, token_secret))
    methods = available_methods(client_secret, rsa_public_key)
    steps.append(_signature_step(observed, result, methods.get(observed.signature_method or ""), client_secret,
                                 token_secret))
    return result


def _read_step(observed: Observed) -> Step:
    """Step 0: how the request was read (sections 3.5, 3.2)."""
    where = {"header": "the Authorization header (3.5.1)", "body": "the form body (3.5.2)",
             "query": "the query (3.5.3)"}  # fmt: skip
    lines = [f"{observed.method} {_show(observed.display_uri())}  ({observed.capture.origin})"]
    if observed.placement:
        lines.append("protocol parameters sent in " + where[observed.placement])
    else:
        lines.append("the request carries no OAuth protocol parameters")
    if observed.strict_error is None:
        lines.append("a strict provider parses it without complaint")
    else:
        lines.append(f"a strict provider rejects it before checking the signature: {observed.strict_error}")
        lines.append("the steps below read it leniently, as the client probably meant it")
    lines.extend("note: " + note for note in observed.notes)
    return Step("Read the request", "3.5", lines)


def _parameters_step(observed: Observed, result: Explanation) -> Step:
    """Step 1: the parameters and their sources (3.4.1.3.1), each encoded (3.6)."""
    plaintext = observed.secret_signature
    lines = []
    for token in observed.tokens:
        value = mask(token.value) if token.name == "oauth_signature" and plaintext else token.value
        if token.name == "oauth_signature":
            encoded, is_signed, why = "", False, "excluded: oauth_signature is never signed"
        elif token.source == "header" and token.name == "realm":
            encoded, is_signed, why = "", False, "excluded: the header's realm is not signed"
        else:
            encoded, is_signed, why = percent_encode(token.name) + "=" + percent_encode(token.value), True, ""
        result.parameters.append(
            {"source": token.source, "name": token.name, "value": value, "encoded": encoded, "signed": is_signed}
        )
        shown = f"{token.source:<6}  {_show(token.name)} = {_show(value)!r}"
        lines.append(shown + (f"  -> {encoded}" if is_signed else f"  ({why})"))
    if not lines:
        lines.append("(no parameters)")
    body = observed.capture.body
    if body and not observed.is_form:
        kind = f"Content-Type {observed.content_type}" if observed.content_type else "no Content-Type"
        lines.append(f"the body ({len(body)} octets, {kind}) is not form-encoded: its content is not signed")
    return Step("Collect the parameters from the query, the form body and the Authorization header; "
                "encode each name and value (section 3.6)", "3.4.1.3.1", lines)  # fmt: skip


def _normalize_step(observed: Observed, result: Explanation) -> Step:
    """Step 2: normalization (3.4.1.3.2)."""
    signed = [(n, v) for n, v, _ in observed.signed()]
    result.normalized = normalize_parameters(signed)
    pairs = sorted((percent_encode(n), percent_encode(v)) for n, v in signed)
    lines = [f"{n}={v}" for n, v in pairs] + ["joined with '&':", result.normalized]
    return Step("Sort by encoded name, then value (byte order); join name=value pairs with '&'",
                "3.4.1.3.2", lines)  # fmt: skip


def _key_step(observed: Observed, result: Explanation, client_secret: Optional[str], token_secret: str) -> Step:
    """Step 5: the signing key (3.4.2 to 3.4.4), masked."""
    name = observed.signature_method
    provided = observed.signature
    section = _SIGNATURE_SECTIONS.get(name or "", "3.4.2")
    if provided is not None:
        result.provided_signature = mask(provided) if observed.secret_signature else provided
    if name is not None and name.startswith("RSA-"):
        result.signing_key = "the client's RSA private key (the provider verifies with its public key)"
    elif client_secret is not None:
        result.signing_key = mask(percent_encode(client_secret)) + "&" + (mask(percent_encode(token_secret)) if token_secret else "")
        if name == "PLAINTEXT":
            result.signature = mask(signing_key(client_secret, token_secret))
    title = ("Signing key: the client's RSA private key" if section == "3.4.3" else
             "Signing key: encode(client secret) & encode(token secret), shown masked")  # fmt: skip
    return Step(title, section, [result.signing_key or "not known: give --client-secret (and --token-secret)"])


def _signature_step(observed: Observed, result: Explanation, method: Optional[SignatureMethod],
                    client_secret: Optional[str], token_secret: str) -> Step:
    """Step 6: the signature (3.4.2 to 3.4.4) and the comparison with the one sent (3.2)."""
    name = observed.signature_method
    provided = observed.signature
    lines = []
    if method is None:
        if name is None:
            lines.append("the request names no signature method")
        elif name.startswith("RSA-"):
            lines.append(f"{name} is checked with the client's public key: give --rsa-public-key")
        elif name in ("HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "PLAINTEXT"):
            lines.append(f"{name} needs the client secret: give --client-secret")
        else:
            lines.append(f"{name!r} is not a signature method RFC 5849 or this library defines")
    elif provided is None:
        lines.append("the request carries no oauth_signature to compare")
    elif method.shared_secret:
        expected = method.sign(result.base_string, client_secret or "", token_secret)
        if name != "PLAINTEXT":
            result.signature = expected
            lines.append(f"{name}: base64(HMAC(key, base string)) = {expected}")
        else:
            lines.append("PLAINTEXT: the signature is the key itself (masked)")
        result.verifies = hmac.compare_digest(expected.encode("utf-8"), provided.encode("utf-8", "replace"))
    else:
        result.verifies = method.verify(result.base_string, provided, "", "")
        lines.append(f"{name}: RSASSA-PKCS1-v1_5 over the base string, checked with the public key")
    if result.provided_signature is not None:
        lines.append(f"sent: {result.provided_signature}")
    if result.verifies is not None:
        lines.append("the signature matches" if result.verifies else
                     "the signature does NOT match: run 'diagnose' to find which client mistake explains it")  # fmt: skip
    section = _SIGNATURE_SECTIONS.get(name or "", "3.4.2")
    return Step(f"Signature ({name or 'no method'}) and comparison with the one sent (section 3.2)", section, lines)
