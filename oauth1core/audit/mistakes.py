"""The client mistakes :func:`~oauth1core.audit.diagnose` knows, as a table.

Each :class:`Mistake` is plain data: an ``id``, the RFC 5849 ``section`` the client broke, an
``explanation`` for people, and ``apply``, a small function that changes a
:class:`~oauth1core.audit.recipe.Recipe` the way that mistake does. It returns the variants
(a recipe and a detail naming what changed here, e.g. "signed as POST") or nothing when the
mistake cannot be made on this request (no query to leave out, no token secret to forget).
Mistakes change different fields of a recipe, so two of them combine by applying both; the
few that cannot be made together name each other in ``conflicts``.

The table is ordered from the most to the least common in practice: findings are reported in
this order.
"""

from __future__ import annotations

from typing import Callable, FrozenSet, List, NamedTuple, Tuple

from ..base_string import DEFAULT_PORTS
from .recipe import ORDERS, Recipe, Workbench

__all__ = ["Mistake", "MISTAKES", "Variant"]

#: A changed recipe and what changed, in words ("" when the explanation says it all).
Variant = Tuple[Recipe, str]


class Mistake(NamedTuple):
    id: str
    section: str
    explanation: str
    apply: Callable[[Workbench, Recipe], List[Variant]]
    conflicts: FrozenSet[str] = frozenset()


def _token_secret_missing(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(token_missing=True), "")] if bench.token_secret else []


def _wrong_scheme(bench: Workbench, recipe: Recipe) -> List[Variant]:
    sent = bench.observed.scheme
    other = {"http": "https", "https": "http"}.get(sent)
    if other is None:
        return []
    return [(recipe._replace(scheme=other), f"signed as {other}://, sent as {sent}://")]


def _plus_for_space(bench: Workbench, recipe: Recipe) -> List[Variant]:
    # The same encoder wrote the Authorization header, so a raw "+" there was a space.
    return [(recipe._replace(plus=True, header_plus=True), "")]


def _reserved_not_encoded(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(reserved=True), "")]


def _not_encoded(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(inner="none"), "")]


def _double_encoded(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [
        (recipe._replace(inner="twice"), "names and values encoded twice in the base string"),
        (recipe._replace(undo_double=True), "values sent encoded twice but signed encoded once"),
    ]


def _has_request_params(bench: Workbench, source: str) -> bool:
    tokens = bench.observed.query if source == "query" else bench.observed.body_tokens
    return any(not token.protocol for token in tokens)


def _query_not_signed(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(drop_query=True), "")] if _has_request_params(bench, "query") else []


def _body_not_signed(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(drop_body=True), "")] if _has_request_params(bench, "body") else []


def _port_not_dropped(bench: Workbench, recipe: Recipe) -> List[Variant]:
    observed = bench.observed
    if observed.port or (recipe.scheme or observed.scheme) not in DEFAULT_PORTS:
        return []
    return [(recipe._replace(keep_port=True), "")]


def _query_in_base_uri(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(query_in_uri=True), "")] if bench.query_without_protocol else []


def _signature_not_encoded(bench: Workbench, recipe: Recipe) -> List[Variant]:
    provided = bench.provided
    return [(recipe._replace(fix_signature=True), "")] if provided and " " in provided else []


_ORDER_DETAILS = {
    "sent": "kept in the order they were sent (query, body, header)",
    "protocol-first": "the oauth_* parameters first, then the others, unsorted",
    "decoded": "sorted before encoding instead of after",
    "name-only": "sorted by name only: a repeated name kept its values in sent order",
}


def _unsorted_parameters(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(order=order), _ORDER_DETAILS[order]) for order in ORDERS if order != "sorted"]


def _realm_signed(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(realm=True), "")] if bench.observed.realm is not None else []


def _lowercase_hex(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(lower=True), "")]


def _non_form_body_signed(bench: Workbench, recipe: Recipe) -> List[Variant]:
    if not bench.non_form_tokens:
        return []
    content_type = bench.observed.content_type
    return [(recipe._replace(non_form_body=True), f"Content-Type: {content_type}" if content_type else "no Content-Type")]


def _oauth_signature_signed(bench: Workbench, recipe: Recipe) -> List[Variant]:
    present = any(token.name == "oauth_signature" for token in bench.observed.tokens)
    return [(recipe._replace(signature_param=True), "")] if present else []


def _trailing_slash(bench: Workbench, recipe: Recipe) -> List[Variant]:
    path = bench.observed.path
    if path.endswith("/"):
        return [(recipe._replace(slash="remove"), f"signed the path {path[:-1] or '(empty)'}, sent {path}")]
    return [(recipe._replace(slash="add"), f"signed the path {path}/, sent {path}")]


def _scheme_host_case(bench: Workbench, recipe: Recipe) -> List[Variant]:
    observed = bench.observed
    if observed.raw_scheme == observed.scheme and observed.raw_host == observed.host:
        return []
    return [(recipe._replace(keep_case=True), f"signed {observed.raw_scheme}://{observed.raw_host}")]


def _method_lowercase(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(method_lower=True), "")]


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def _wrong_method(bench: Workbench, recipe: Recipe) -> List[Variant]:
    sent = bench.observed.method.upper()
    return [(recipe._replace(method=m), f"signed as {m}, sent as {sent}") for m in _METHODS if m != sent]


def _secrets_not_encoded(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(secrets_raw=True), "")]


def _key_ampersand_missing(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return [(recipe._replace(no_ampersand=True), "")]


def _signature_method_mismatch(bench: Workbench, recipe: Recipe) -> List[Variant]:
    claimed = bench.claimed or "(none)"
    return [
        (recipe._replace(signature_method=name), f"signed with {name}, the request says {claimed}")
        for name in bench.methods
        if name != bench.claimed
    ]


MISTAKES: Tuple[Mistake, ...] = (
    Mistake(
        "token-secret-missing",
        "3.4.2",
        'The signing key was built without the token secret ("encoded client secret&"). Section 3.4.2 '
        'makes the key the encoded client secret, "&", and the encoded token secret of the oauth_token '
        "sent; check that the client has the secret of this very token.",
        _token_secret_missing,
    ),
    Mistake(
        "wrong-scheme",
        "3.4.1.2",
        "The base string URI has the other scheme (http instead of https, or the reverse). This is also "
        "how a provider behind a TLS-terminating proxy or load balancer fails: it receives plain http and, "
        "unless it rebuilds the URI the client used (from X-Forwarded-Proto or a configured public URL), "
        "verifies http:// against a signature over https://. Section 3.4.1.2 signs the URI as the client "
        "sent it.",
        _wrong_scheme,
    ),
    Mistake(
        "plus-for-space",
        "3.6",
        'Spaces were encoded as "+" (HTML form encoding, as Python\'s quote_plus, Java\'s URLEncoder or '
        'PHP\'s urlencode write them); section 3.6 encodes a space as "%20".',
        _plus_for_space,
    ),
    Mistake(
        "reserved-not-encoded",
        "3.6",
        "The characters ! * ' ( ) were left unencoded, as JavaScript's encodeURIComponent leaves them; "
        "section 3.6 encodes every character but A-Z a-z 0-9 - . _ ~.",
        _reserved_not_encoded,
    ),
    Mistake(
        "not-encoded",
        "3.4.1.3.2",
        "Parameter names and values were not percent-encoded before being sorted and joined; section "
        "3.4.1.3.2 step 1 encodes each of them (section 3.6), and the joined string is encoded again.",
        _not_encoded,
        frozenset({"double-encoded"}),
    ),
    Mistake(
        "double-encoded",
        "3.4.1.3.2",
        "Parameter values were percent-encoded once too often (values encoded before they reached a "
        "signer that encodes them again); section 3.4.1.3.2 encodes the decoded values once.",
        _double_encoded,
        frozenset({"not-encoded"}),
    ),
    Mistake(
        "query-not-signed",
        "3.4.1.3.1",
        "The query parameters of the request URI were left out of the base string; section 3.4.1.3.1 "
        "signs them.",
        _query_not_signed,
    ),
    Mistake(
        "body-not-signed",
        "3.4.1.3.1",
        "The form-encoded body parameters were left out of the base string (the body was set after "
        "signing, or the client signs the URL only); section 3.4.1.3.1 signs them when the Content-Type "
        "is application/x-www-form-urlencoded.",
        _body_not_signed,
    ),
    Mistake(
        "port-not-dropped",
        "3.4.1.2",
        "The base string URI kept the default port (:80 for http, :443 for https); section 3.4.1.2 "
        "includes the port only when it is not the scheme's default.",
        _port_not_dropped,
    ),
    Mistake(
        "query-in-base-uri",
        "3.4.1.2",
        "The base string URI included the query string; section 3.4.1.2 excludes it (the query's "
        "parameters are signed among the normalized parameters instead).",
        _query_in_base_uri,
    ),
    Mistake(
        "signature-not-encoded",
        "3.5",
        'The oauth_signature value was sent without percent-encoding, so its "+" characters read as '
        "spaces in the query or form body and the provider compares another string; section 3.5 sends "
        'every parameter encoded per section 3.6 ("+" as %2B, "/" as %2F, "=" as %3D).',
        _signature_not_encoded,
    ),
    Mistake(
        "unsorted-parameters",
        "3.4.1.3.2",
        "The parameters were not sorted as section 3.4.1.3.2 step 2 requires: by encoded name, then "
        "by encoded value, in ascending byte order.",
        _unsorted_parameters,
    ),
    Mistake(
        "realm-signed",
        "3.4.1.3.1",
        "The realm of the Authorization header was signed; section 3.4.1.3.1 excludes it.",
        _realm_signed,
    ),
    Mistake(
        "lowercase-hex",
        "3.6",
        "Percent-encoding used lower-case hexadecimal digits (%2f); section 3.6 requires upper case "
        "(%2F), and the base string is compared octet for octet.",
        _lowercase_hex,
    ),
    Mistake(
        "non-form-body-signed",
        "3.4.1.3.1",
        "A body that is not application/x-www-form-urlencoded (by its Content-Type) was signed as "
        "form parameters; section 3.4.1.3.1 signs the body only when the Content-Type says it is "
        "form-encoded (other bodies can be covered by oauth_body_hash).",
        _non_form_body_signed,
    ),
    Mistake(
        "oauth-signature-signed",
        "3.4.1.3.1",
        "An empty oauth_signature parameter was left in the base string; section 3.4.1.3.1 excludes "
        "oauth_signature.",
        _oauth_signature_signed,
    ),
    Mistake(
        "trailing-slash",
        "3.4.1.2",
        "The path was signed with a trailing slash the request does not have, or without the one it "
        "has; section 3.4.1.2 signs the path exactly as sent.",
        _trailing_slash,
    ),
    Mistake(
        "scheme-host-case",
        "3.4.1.2",
        "The scheme or host was signed as written instead of in lower case, as section 3.4.1.2 step 1 "
        "requires.",
        _scheme_host_case,
    ),
    Mistake(
        "method-lowercase",
        "3.4.1.1",
        "The HTTP method was signed in lower case; section 3.4.1.1 step 1 signs it in upper case.",
        _method_lowercase,
    ),
    Mistake(
        "wrong-method",
        "3.4.1.1",
        "The request was signed for another HTTP method than the one sent (the method changed after "
        "signing: a redirect, a method override, a client that signs before choosing the method).",
        _wrong_method,
    ),
    Mistake(
        "secrets-not-encoded",
        "3.4.2",
        "The client and token secrets went into the signing key without percent-encoding; section "
        '3.4.2 encodes each (section 3.6) before joining them with "&".',
        _secrets_not_encoded,
    ),
    Mistake(
        "key-ampersand-missing",
        "3.4.2",
        'The signing key lacks its "&": with no token secret the key is still "encoded client '
        'secret&" (sections 3.4.2 and 3.4.4: the "&" MUST be included even when a secret is empty).',
        _key_ampersand_missing,
    ),
    Mistake(
        "signature-method-mismatch",
        "3.4",
        "The signature was computed with another signature method than oauth_signature_method names.",
        _signature_method_mismatch,
    ),
)
