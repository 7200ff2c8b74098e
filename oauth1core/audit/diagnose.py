"""Why a provider rejects a signature: recompute it under known client mistakes (RFC 5849 3.4).

:func:`diagnose` reads a captured request (strictly, as a provider, and leniently), checks its
signature the RFC's way, and when it does not verify, recomputes it under every mistake of
:data:`~oauth1core.audit.mistakes.MISTAKES`, alone and in compatible pairs, for the signature
method the request names and, as the ``signature-method-mismatch`` mistake, for the others
it can check (HMAC-SHA1/256/512 and PLAINTEXT with the client secret, RSA-SHA1/256/512 with
the client's public key). Every computation that reproduces the signature the request carries
is a :class:`Finding`, most likely first.
"""

from __future__ import annotations

import difflib
import hmac
from typing import Any, Dict, FrozenSet, List, Optional, Set, Tuple, Union

from ..errors import OAuthError
from ..errors import mask as mask  # re-exported: the command line imports it from here
from ..methods import RSA_METHODS, STANDARD_METHODS, SignatureMethod, keyed_signer, resolve
from ..verify import check_body_hash, check_protocol
from .capture import Capture
from .mistakes import MISTAKES, LevelBench, Mistake, Variant
from .observe import Observed, lenient_decode, observe
from .recipe import CANONICAL, Effect, Recipe, Workbench, encoder

__all__ = ["Finding", "Diagnosis", "diagnose"]

#: Above this many parameters, pairs of mistakes are not tried (the search stays fast).
MAX_PARAMETERS_FOR_PAIRS = 400



def available_methods(client_secret: Optional[str], rsa_public_key: Any = None) -> Dict[str, SignatureMethod]:
    """The signature methods that can be checked: HMAC and PLAINTEXT with a client secret (even
    empty), RSA with the client's public key (PEM or key object; a bad key raises
    :class:`~oauth1core.errors.KeyFormatError`)."""
    methods: Dict[str, SignatureMethod] = {}
    if client_secret is not None:
        for name in STANDARD_METHODS:
            if name not in RSA_METHODS:
                methods[name] = resolve(name)
    if rsa_public_key is not None:
        for name in RSA_METHODS:
            methods[name] = resolve(name, public_key=rsa_public_key)
    return methods


def base_string_lines(base_string: str) -> List[str]:
    """A base string as lines to compare: its method, its URI, and each normalized parameter."""
    parts = base_string.split("&")
    if len(parts) != 3:
        return [base_string]
    method, uri, params = parts
    normalized = lenient_decode(params, plus=False)[0]
    return ["method " + method, "uri    " + uri] + ["param  " + pair for pair in normalized.split("&") if pair]


def diff_lines(correct: str, signed: str) -> List[str]:
    """The lines of ``signed`` that differ from ``correct``: "-" correct, "+" as signed."""
    before, after = base_string_lines(correct), base_string_lines(signed)
    out: List[str] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out.extend("- " + line for line in before[i1:i2])
            out.extend("+ " + line for line in after[j1:j2])
    return out


class Finding:
    """A computation that reproduces the signature the request carries.

    ``mistakes`` (one or two of the table), ``details`` (what changed, per mistake),
    ``base_string`` (the one the client signed), ``signature_method`` (the one it used),
    ``diff`` (against the correct base string).
    """

    __slots__ = ("mistakes", "details", "base_string", "signature_method", "diff")

    def __init__(
        self, mistakes: List[Mistake], details: List[str], base_string: str, signature_method: str, diff: List[str]
    ) -> None:
        self.mistakes = mistakes
        self.details = details
        self.base_string = base_string
        self.signature_method = signature_method
        self.diff = diff

    @property
    def id(self) -> str:
        """The mistake's id; a pair's ids joined with "+"."""
        return "+".join(mistake.id for mistake in self.mistakes)

    @property
    def explanation(self) -> str:
        texts = [
            f"{m.explanation} (Here: {detail}.)" if detail else m.explanation
            for m, detail in zip(self.mistakes, self.details)
        ]
        if len(texts) == 1:
            return texts[0]
        return "Two mistakes together. " + " ".join(f"({n}) {text}" for n, text in enumerate(texts, 1))

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "explanation": self.explanation,
            "base_string": self.base_string,
            "mistakes": [m.id for m in self.mistakes],
            "sections": [m.section for m in self.mistakes],
            "signature_method": self.signature_method,
            "diff": self.diff,
            "details": self.details,
        }

    def __repr__(self) -> str:
        return f"<Finding {self.id}>"


class Diagnosis:
    """What :func:`diagnose` found.

    ``valid``: the request passes every stateless check (strict parse, protocol parameters,
    signature, body hash); ``signature_valid``: its signature verifies over the request as read
    leniently. ``base_string`` and ``signature`` are the correct ones (``signature`` is None
    where it cannot be computed here: RSA, or no secret); ``provided_signature`` the one sent.
    ``problems`` say why a provider rejects the request, besides its signature; ``findings``
    the mistakes that reproduce its signature; ``tried`` and ``not_applicable`` the mistake ids
    tried and those that change nothing for this request; ``computations`` how many distinct
    signatures were computed.
    """

    __slots__ = (
        "observed", "valid", "signature_valid", "base_string", "signature", "provided_signature",
        "signature_method", "findings", "tried", "not_applicable", "problems", "notes", "computations",
        "pairs_tried",
    )  # fmt: skip

    def __init__(self, observed: Observed) -> None:
        self.observed = observed
        self.valid = False
        self.signature_valid = False
        self.base_string = ""  # set by diagnose(), with the findings' own computation
        self.signature: Optional[str] = None
        self.provided_signature = observed.signature
        self.signature_method = observed.signature_method
        self.findings: List[Finding] = []
        self.tried: List[str] = []
        self.not_applicable: List[str] = []
        self.problems: List[str] = []
        self.notes: List[str] = list(observed.notes)
        self.computations = 0
        self.pairs_tried = False

    def to_dict(self) -> Dict[str, Any]:
        """The JSON object of ``diagnose --json``; PLAINTEXT signatures masked."""
        hide = mask if self.observed.secret_signature else (lambda value: value or "")
        return {
            "valid": self.valid,
            "base_string": self.base_string,
            "signature": hide(self.signature) if self.signature is not None else "",
            "provided_signature": hide(self.provided_signature) if self.provided_signature is not None else "",
            "findings": [finding.to_dict() for finding in self.findings],
            "signature_valid": self.signature_valid,
            "signature_method": self.signature_method,
            "problems": self.problems,
            "notes": self.notes,
            "tried": self.tried,
            "not_applicable": self.not_applicable,
            "pairs_tried": self.pairs_tried,
            "computations": self.computations,
        }


def _problems(observed: Observed, methods: Dict[str, SignatureMethod]) -> List[str]:
    """Why a provider rejects the request before or besides its signature (3.2, 3.5)."""
    if observed.strict_error is not None:
        return [f"a strict provider rejects the request: {observed.strict_error}"]
    parsed = observed.parsed
    assert parsed is not None
    try:
        check_protocol(parsed)
        method = methods.get(parsed.oauth["oauth_signature_method"])
        if method is not None:
            check_body_hash(parsed, method)
    except OAuthError as exc:
        return [str(exc)]
    return []


def _context_notes(observed: Observed, token_secret: str) -> List[str]:
    notes = []
    token = observed.oauth.get("oauth_token")
    if token and not token_secret:
        notes.append("the request carries oauth_token but no token secret was given: give it (--token-secret)")
    if not token and token_secret:
        notes.append("a token secret was given but the request carries no oauth_token")
    return notes


def diagnose(
    request: Union[Capture, Observed],
    *,
    client_secret: Optional[str] = None,
    token_secret: str = "",
    rsa_public_key: Any = None,
    pairs: bool = True,
    signature: Optional[str] = None,
) -> Diagnosis:
    """Check a captured request's signature and, when it does not verify, find the client
    mistakes that reproduce it (see the module's docstring).

    ``client_secret`` is needed for HMAC and PLAINTEXT (``""`` is a secret too; None means
    unknown), ``rsa_public_key`` (PEM or key object) for RSA. Secrets never appear in the result.
    """
    observed = request if isinstance(request, Observed) else observe(request)
    methods = available_methods(client_secret, rsa_public_key)
    result = Diagnosis(observed)
    bench = LevelBench(observed, methods, client_secret or "", token_secret)
    result.base_string = bench.base_string(CANONICAL)
    result.signature = bench.signature(CANONICAL)
    result.problems = _problems(observed, methods)
    result.notes += _context_notes(observed, token_secret)
    if bench.provided is None:
        result.problems.append("the request carries no oauth_signature: there is nothing to reproduce")
        return result
    claimed = observed.signature_method
    if claimed not in methods:
        if claimed in RSA_METHODS:
            result.notes.append(f"{claimed} needs the client's RSA public key to be checked")
        elif claimed in STANDARD_METHODS:
            result.notes.append(f"{claimed} needs the client secret to be checked")
        else:
            result.notes.append(f"the request names an unsupported signature method ({claimed!r})")
    result.signature_valid = bench.verifies(CANONICAL) is True
    result.valid = result.signature_valid and not result.problems
    if not result.signature_valid:
        _search(bench, result, pairs and len(observed.tokens) <= MAX_PARAMETERS_FOR_PAIRS)
    result.computations = bench.computations
    return result


Single = Tuple[Mistake, List[Tuple[Variant, Effect]]]


def _search(bench: Workbench, result: Diagnosis, pairs: bool) -> None:
    """Every mistake alone, then every compatible pair; a pair counts only when both of its
    mistakes change the computation."""
    singles, seen, partial = _singles(bench, result)
    if not pairs:
        result.notes.append("pairs of mistakes were not tried: the request has too many parameters")
        return
    result.pairs_tried = True
    _pairs(bench, result, singles, seen, partial)


def _singles(bench: Workbench, result: Diagnosis) -> Tuple[List[Single], Set[Effect], Set[str]]:
    """Each mistake alone: the distinct computations it makes (variants that compute the same
    are one, with both details), the effects seen, and the mistakes with a variant that changes
    nothing alone (a level of encoding that has nothing to encode, say)."""
    canonical = bench.effect(CANONICAL)
    singles: List[Single] = []
    seen: Set[Effect] = {canonical}
    partial: Set[str] = set()
    for mistake in MISTAKES:
        variants: List[Tuple[Variant, Effect]] = []
        for recipe, detail in mistake.apply(bench, CANONICAL):
            effect = bench.effect(recipe)
            same = [index for index, (_, other) in enumerate(variants) if other == effect]
            if effect == canonical:
                partial.add(mistake.id)
            elif same and detail:  # two ways to the same computation: name both
                (kept, kept_detail), _ = variants[same[0]]
                variants[same[0]] = ((kept, _either(kept_detail, detail)), effect)
            elif not same:
                variants.append(((recipe, detail), effect))
        if not variants:
            result.not_applicable.append(mistake.id)
            continue
        result.tried.append(mistake.id)
        singles.append((mistake, variants))
        for (recipe, detail), effect in variants:
            seen.add(effect)
            if bench.verifies(recipe):
                result.findings.append(_finding(bench, result, [mistake], [detail], recipe))
    return singles, seen, partial


def _pairs(bench: Workbench, result: Diagnosis, singles: List[Single], seen: Set[Effect], partial: Set[str]) -> None:
    """Every compatible pair, each once; a mistake that changes nothing alone (or only in some
    of its variants) is also tried on top of the mistakes before it in the table."""
    order = {mistake.id: index for index, mistake in enumerate(MISTAKES)}
    complete = {mistake.id for mistake, _ in singles} - partial
    reported: Set[Tuple[FrozenSet[str], Effect]] = set()
    for first, first_variants in singles:
        for second in MISTAKES:
            if second.id == first.id or (second.id in complete and order[second.id] < order[first.id]):
                continue
            if second.id in first.conflicts or first.id in second.conflicts:
                continue
            ids = frozenset((first.id, second.id))
            for (recipe, detail), _ in first_variants:
                for combined, second_detail in second.apply(bench, recipe):
                    effect = bench.effect(combined)
                    if effect in seen or (ids, effect) in reported:
                        continue  # one of the two changes nothing on top of the other
                    if bench.verifies(combined):
                        reported.add((ids, effect))
                        result.findings.append(
                            _finding(bench, result, [first, second], [detail, second_detail], combined)
                        )


def _either(first: str, second: str) -> str:
    """One detail for two variants that compute the same signature on this request."""
    if first.startswith("at ") and second.startswith("at "):
        return f"{first.partition(' (')[0]} or {second.partition(' (')[0]}: the same here"
    return f"{first} (or: {second})"


def _finding(bench: Workbench, result: Diagnosis, mistakes: List[Mistake], details: List[str], recipe: Recipe) -> Finding:
    base = bench.base_string(recipe)
    return Finding(mistakes, details, base, bench.method_name(recipe), diff_lines(result.base_string, base))



def explain_base_string(observed: Observed, base_string: str, pairs: bool = True) -> List[Finding]:
    """The mistakes, alone or in pairs, whose base string is ``base_string`` (a base string
    another implementation computed for ``observed``, section 3.4.1.1)."""
    bench = LevelBench(observed, {}, "", "")
    correct = bench.base_string(CANONICAL)
    found: List[Finding] = []
    singles: List[Tuple[Mistake, Recipe, str]] = []
    for mistake in MISTAKES:
        for recipe, detail in mistake.apply(bench, CANONICAL):
            singles.append((mistake, recipe, detail))  # even one that changes nothing alone
            if bench.base_string(recipe) == base_string != correct:
                found.append(Finding([mistake], [detail], base_string, "", diff_lines(correct, base_string)))
    if found or not pairs:
        return found
    seen: Set[Tuple[str, str]] = set()
    for first, recipe, detail in singles:
        for second in MISTAKES[MISTAKES.index(first) + 1:]:
            if second.id in first.conflicts or (first.id, second.id) in seen:
                continue
            for combined, second_detail in second.apply(bench, recipe):
                if bench.base_string(combined) == base_string:
                    seen.add((first.id, second.id))
                    found.append(Finding([first, second], [detail, second_detail], base_string, "",
                                         diff_lines(correct, base_string)))
                    break
    return found


def _keys(client_secret: str, token_secret: str) -> List[Tuple[str, str]]:
    """(mistake id or "", key): the signing key (section 3.4.2) and the ways clients get it wrong."""
    right = encoder()
    keys = [("", right(client_secret) + "&" + right(token_secret)),
            ("secrets-not-encoded", client_secret + "&" + token_secret),
            ("token-secret-missing", right(client_secret) + "&"),
            ("key-ampersand-missing", right(client_secret) + ("&" + right(token_secret) if token_secret else ""))]
    for name, flags in (("plus-for-space", (True, False, False)), ("reserved-not-encoded", (False, True, False)),
                        ("lowercase-hex", (False, False, True))):
        wrong = encoder(*flags)
        keys.append((name, wrong(client_secret) + "&" + wrong(token_secret)))
    return [(name, key) for name, key in keys if not name or key != keys[0][1]]


def explain_signature(method_name: str, base_string: str, client_secret: str, token_secret: str,
                      signature: str) -> List[str]:
    """The key mistakes (section 3.4.2) and signature method mismatches (section 3.4) that turn
    ``base_string`` into ``signature`` (HMAC and PLAINTEXT only)."""
    found: List[str] = []
    for name in STANDARD_METHODS:
        if name in RSA_METHODS:
            continue
        method = resolve(name)
        for mistake, key in _keys(client_secret, token_secret):
            if name == method_name and not mistake:
                continue
            sign = keyed_signer(method, key)  # HMAC; PLAINTEXT's signature is the key itself
            computed = key if sign is None else sign(base_string)
            if hmac.compare_digest(computed.encode("utf-8"), signature.encode("utf-8", "replace")):
                ids = [mistake] if mistake else []
                if name != method_name:
                    ids.append(f"signature-method-mismatch (signed with {name})")
                found.append("+".join(ids))
    return found
