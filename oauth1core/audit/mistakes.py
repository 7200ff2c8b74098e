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
from .recipe import ORDERS, Recipe, Workbench, encoder

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


# -- encoding mistakes at either level ------------------------------------------------------
#
# A base string is encoded twice (section 3.4.1.1): each name and value first (the parameter
# level, section 3.4.1.3.2 step 1), then the method, the URI and the joined parameters (the
# base-string level, section 3.4.1.1 steps 1, 3 and 5). An encoding mistake can sit at either
# level or both. The recipe's ``inner`` field carries the per-level mistakes as
# "PARAMETER|BASE-STRING", each a "+"-joined set of plus, reserved, lower, none, twice ("once" and
# the older "twice" and "none" are the parameter level alone). The secrets are encoded by the
# parameter-level encoder (section 3.4.2 encodes them as parameters are encoded).

_LEVEL_NAMES = ("at the parameter level (each name and value, section 3.4.1.3.2)",
                "at the base-string level (the joined string, section 3.4.1.1)",
                "at both levels")


def levels_of(recipe: Recipe) -> Tuple[FrozenSet[str], FrozenSet[str]]:
    """The encoding mistakes of a recipe at the parameter and at the base-string level."""
    both = {name for name, on in (("plus", recipe.plus), ("reserved", recipe.reserved), ("lower", recipe.lower)) if on}
    inner = recipe.inner
    if "|" in inner:
        first, _, second = inner.partition("|")
        return frozenset(set(first.split("+")) - {""} | both), frozenset(set(second.split("+")) - {""} | both)
    return frozenset({inner} - {"once"} | both), frozenset(both)


def _with_levels(recipe: Recipe, parameter: FrozenSet[str], base: FrozenSet[str]) -> Recipe:
    inner = "+".join(sorted(parameter)) + "|" + "+".join(sorted(base))
    return recipe._replace(inner="once" if inner == "|" else inner, plus=False, reserved=False, lower=False)


def _at_levels(recipe: Recipe, flag: str) -> List[Variant]:
    """``flag`` added at the parameter level, the base-string level, and both; never next to
    "none" or "twice" at the same level (they cannot be made together)."""
    parameter, base = levels_of(recipe)
    exclusive = {"none", "twice"}
    out: List[Variant] = []
    for index, (first, second) in enumerate(((True, False), (False, True), (True, True))):
        levels = [(parameter, first), (base, second)]
        if any(add and (flag in current or (flag in exclusive and current & exclusive)) for current, add in levels):
            continue
        changed = _with_levels(recipe, parameter | {flag} if first else parameter, base | {flag} if second else base)
        if flag == "plus" and first:
            changed = changed._replace(header_plus=True)  # the parameter encoder wrote the header too
        out.append((changed, _LEVEL_NAMES[index]))
    return out


class LevelBench(Workbench):
    """A :class:`~oauth1core.audit.recipe.Workbench` that applies the encoding mistakes of a
    recipe at their own level (see :func:`levels_of`)."""

    def normalized(self, recipe: Recipe) -> str:
        parameter, _ = levels_of(recipe)
        mode = "none" if "none" in parameter else "twice" if "twice" in parameter else "once"
        return super().normalized(recipe._replace(plus="plus" in parameter, reserved="reserved" in parameter,
                                                  lower="lower" in parameter, inner=mode))  # fmt: skip

    def base_string(self, recipe: Recipe) -> str:
        _, base = levels_of(recipe)
        if not base:
            return super().base_string(_with_levels(recipe, levels_of(recipe)[0], base))
        key = ("levels",) + tuple(recipe)
        cached = self._bases.get(key)
        if cached is None:
            method = recipe.method or self.observed.method.upper()
            outer = encoder("plus" in base, "reserved" in base, "lower" in base)
            encode = (lambda text: text) if "none" in base else (lambda text: outer(outer(text))) if "twice" in base else outer
            parts = (method.lower() if recipe.method_lower else method, self.base_uri(recipe), self.normalized(recipe))
            cached = self._bases[key] = "&".join(encode(part) for part in parts)
        return cached

    def key(self, recipe: Recipe) -> str:
        parameter, _ = levels_of(recipe)
        return super().key(recipe._replace(plus="plus" in parameter, reserved="reserved" in parameter,
                                           lower="lower" in parameter))  # fmt: skip


def _plus_for_space(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return _at_levels(recipe, "plus")


def _reserved_not_encoded(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return _at_levels(recipe, "reserved")


def _not_encoded(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return _at_levels(recipe, "none")


def _double_encoded(bench: Workbench, recipe: Recipe) -> List[Variant]:
    return _at_levels(recipe, "twice") + [
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
    return _at_levels(recipe, "lower")


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
        'PHP\'s urlencode write them); section 3.6 encodes a space as "%20". The finding says at which of '
        "the two encodings of the base string (each parameter, then the joined string) it happened.",
        _plus_for_space,
    ),
    Mistake(
        "reserved-not-encoded",
        "3.6",
        "The characters ! * ' ( ) were left unencoded, as JavaScript's encodeURIComponent leaves them; "
        "section 3.6 encodes every character but A-Z a-z 0-9 - . _ ~. A client may use it for its "
        "parameters and a correct function for the base string, or the other way round: the finding says "
        "which level.",
        _reserved_not_encoded,
    ),
    Mistake(
        "not-encoded",
        "3.4.1.3.2",
        "A level of encoding was skipped: the parameter names and values were not percent-encoded before "
        "being sorted and joined (section 3.4.1.3.2 step 1), or the method, URI and joined parameters were "
        "not encoded when the base string was built (section 3.4.1.1), or both.",
        _not_encoded,
        frozenset({"double-encoded"}),
    ),
    Mistake(
        "double-encoded",
        "3.4.1.3.2",
        "Something was percent-encoded once too often: the parameters (values encoded before they reached a "
        "signer that encodes them again), or the parts of the base string; sections 3.4.1.3.2 and 3.4.1.1 "
        "encode the decoded values once at each level.",
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
        "(%2F), and the base string is compared octet for octet. The finding says at which level.",
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
