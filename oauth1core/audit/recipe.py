"""How a client computed a signature, as data, and the computation itself.

A :class:`Recipe` records every choice a client makes on the way from a request to its
signature (RFC 5849 section 3.4): the method and URI it signed, which parameters it collected and
how it decoded them, how it encoded, sorted and joined them, how it built the key, which
signature method it used. The default recipe is the RFC's. A client mistake
(:mod:`.mistakes`) is a small change to a recipe; mistakes combine by changing several fields.

:class:`Workbench` computes a recipe over one observed request. Each piece is cached (the
parameters per way of reading them, each name and value per encoder, the base string per
recipe, the verdict per computation), so trying a thousand recipes costs little more than
building a thousand base strings.
"""

from __future__ import annotations

import hmac
from functools import lru_cache
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple

from ..base_string import DEFAULT_PORTS
from ..encoding import UNRESERVED, percent_encode
from ..methods import SignatureMethod, keyed_signer
from .observe import Observed, Token, form_tokens, lenient_decode

Param3 = Tuple[str, str, str]
#: (signature method, base string or "", key or "", provided signature): one computation.
Effect = Tuple[str, str, str, Optional[str]]

#: How the normalized parameters may be ordered: the RFC's, and the ways clients get it wrong.
ORDERS = ("sorted", "sent", "protocol-first", "decoded", "name-only")


class Recipe(NamedTuple):
    """One way of computing a signature. Every default is what RFC 5849 says."""

    # Section 3.4.1.1 step 1: the method.
    method: str = ""  # another method was signed ("" = the request's)
    method_lower: bool = False
    # Section 3.4.1.2: the base string URI.
    scheme: str = ""  # another scheme was signed ("" = the request's)
    keep_case: bool = False  # scheme and host as written, not lower-cased
    keep_port: bool = False  # the default port kept
    slash: str = ""  # "add" or "remove" a trailing slash
    query_in_uri: bool = False
    # Section 3.4.1.3.1: the parameters collected, and how they were decoded.
    header_plus: bool = False  # Authorization header values written with "+" for a space
    undo_double: bool = False  # values sent encoded twice, signed encoded once
    drop_query: bool = False
    drop_body: bool = False
    non_form_body: bool = False
    realm: bool = False
    signature_param: bool = False  # an empty oauth_signature signed
    # Sections 3.6 and 3.4.1.3.2: encoding and normalization.
    plus: bool = False  # space as "+"
    reserved: bool = False  # !*'() left raw
    lower: bool = False  # lower-case hex digits
    inner: str = "once"  # names and values encoded "once", "twice" or "none"
    order: str = "sorted"  # one of ORDERS
    # Sections 3.4.2 and 3.4.4: the key.
    token_missing: bool = False
    secrets_raw: bool = False
    no_ampersand: bool = False
    # Section 3.4: the method, and how the signature was sent.
    signature_method: str = ""  # another method was used ("" = the one the request names)
    fix_signature: bool = False  # the signature was sent unencoded: its "+" read as spaces


CANONICAL = Recipe()

_PARAM_FIELDS = ("header_plus", "undo_double", "drop_query", "drop_body", "non_form_body", "realm", "signature_param")
_BASE_END = Recipe._fields.index("order") + 1  # the fields the base string depends on


@lru_cache(maxsize=None)
def encoder(plus: bool = False, reserved: bool = False, lower: bool = False) -> Callable[[str], str]:
    """A percent-encoder (section 3.6) with the given mistakes: ``plus`` encodes a space as
    "+", ``reserved`` leaves ``!*'()`` raw, ``lower`` writes lower-case hex digits."""
    if not (plus or reserved or lower):
        return percent_encode
    keep = UNRESERVED + (b"!*'()" if reserved else b"")
    table = [
        chr(octet) if octet in keep else "+" if plus and octet == 0x20 else ("%%%02x" if lower else "%%%02X") % octet
        for octet in range(256)
    ]

    def encode(text: str) -> str:
        return "".join([table[octet] for octet in text.encode("utf-8", "replace")])

    return encode


def _identity(text: str) -> str:
    return text


class Workbench:
    """Computes recipes over one observed request, with the secrets and the methods to try.

    ``methods`` maps each signature method name that can be checked to its object (HMAC and
    PLAINTEXT when the client secret is known, RSA when the client's public key is).
    """

    def __init__(
        self,
        observed: Observed,
        methods: Mapping[str, SignatureMethod],
        client_secret: str = "",
        token_secret: str = "",
    ) -> None:
        self.observed = observed
        self.methods = dict(methods)
        self.client_secret = client_secret
        self.token_secret = token_secret
        self.claimed = observed.signature_method or ""
        self.provided = observed.signature
        self._params: Dict[Tuple[bool, ...], List[Param3]] = {}
        self._bases: Dict[Tuple[Any, ...], str] = {}
        self._verdicts: Dict[Effect, bool] = {}
        self._encoded: Dict[Tuple[Callable[[str], str], str], str] = {}
        self.computations = 0
        # The query as the client wrote it before adding its protocol parameters (section 3.5.3).
        self.query_without_protocol = "&".join(
            piece
            for piece in observed.raw_query.split("&")
            if piece and not lenient_decode(piece.partition("=")[0], plus=True)[0].startswith("oauth_")
        )
        self.non_form_tokens: List[Token] = []
        body = observed.capture.body
        if not observed.is_form and body:
            self.non_form_tokens = form_tokens(body.decode("utf-8", "replace"), "body")

    # -- section 3.4.1.3.1 ---------------------------------------------------------------

    def params(self, recipe: Recipe) -> List[Param3]:
        """``(name, value, source)`` as the recipe's client collected them, in sent order."""
        flags = tuple(getattr(recipe, name) for name in _PARAM_FIELDS)
        cached = self._params.get(flags)
        if cached is not None:
            return cached
        header_plus, undo_double, drop_query, drop_body, non_form_body, realm, signature_param = flags
        observed = self.observed
        body = self.non_form_tokens if non_form_body else observed.body_tokens
        out: List[Param3] = []
        for token in observed.query + body + observed.header:
            name, value, source = token.name, token.value, token.source
            if name == "oauth_signature":
                if signature_param:
                    out.append((name, "", source))
                continue
            if source == "header":
                if name == "realm":
                    if realm:
                        out.append((name, value, source))
                    continue
                if header_plus:
                    value = lenient_decode(token.raw_value, plus=True)[0]
            elif not token.protocol and (drop_query if source == "query" else drop_body):
                continue
            if undo_double:
                name, value = lenient_decode(name, plus=False)[0], lenient_decode(value, plus=False)[0]
            out.append((name, value, source))
        self._params[flags] = out
        return out

    # -- sections 3.4.1.1, 3.4.1.2, 3.4.1.3.2 --------------------------------------------------

    def base_uri(self, recipe: Recipe) -> str:
        """The base string URI as the recipe's client built it (section 3.4.1.2)."""
        observed = self.observed
        scheme = recipe.scheme or (observed.raw_scheme if recipe.keep_case else observed.scheme)
        host = observed.raw_host if recipe.keep_case else observed.host
        port = observed.port
        if not port and recipe.keep_port and scheme.lower() in DEFAULT_PORTS:
            port = ":%d" % DEFAULT_PORTS[scheme.lower()]
        path = observed.path
        if recipe.slash == "add":
            path += "/"
        elif recipe.slash == "remove":
            path = path[:-1]
        uri = scheme + "://" + host + port + path
        if recipe.query_in_uri:
            uri += "?" + self.query_without_protocol
        return uri

    def _encode(self, encode: Callable[[str], str], text: str) -> str:
        key = (encode, text)
        value = self._encoded.get(key)
        if value is None:
            value = self._encoded[key] = encode(text)
        return value

    def normalized(self, recipe: Recipe) -> str:
        """The normalized parameters as the recipe's client built them (section 3.4.1.3.2)."""
        params = self.params(recipe)
        outer = encoder(recipe.plus, recipe.reserved, recipe.lower)
        encode = self._encode
        if recipe.inner == "none":
            pairs = [(n, v) for n, v, _ in params]
        elif recipe.inner == "twice":
            pairs = [(encode(outer, encode(outer, n)), encode(outer, encode(outer, v))) for n, v, _ in params]
        else:
            pairs = [(encode(outer, n), encode(outer, v)) for n, v, _ in params]
        order = recipe.order
        if order == "sorted":
            pairs.sort()
        elif order == "name-only":
            pairs.sort(key=lambda pair: pair[0])
        elif order == "decoded":
            pairs = [pair for _, pair in sorted(zip([(n, v) for n, v, _ in params], pairs))]
        elif order == "protocol-first":
            flags = [n.startswith("oauth_") for n, _, _ in params]
            pairs = [p for p, f in zip(pairs, flags) if f] + [p for p, f in zip(pairs, flags) if not f]
        return "&".join([n + "=" + v for n, v in pairs])

    def base_string(self, recipe: Recipe) -> str:
        """The signature base string as the recipe's client built it (section 3.4.1.1)."""
        key = recipe[:_BASE_END]
        cached = self._bases.get(key)
        if cached is not None:
            return cached
        method = recipe.method or self.observed.method.upper()
        if recipe.method_lower:
            method = method.lower()
        outer = encoder(recipe.plus, recipe.reserved, recipe.lower)
        value = outer(method) + "&" + outer(self.base_uri(recipe)) + "&" + outer(self.normalized(recipe))
        self._bases[key] = value
        return value

    # -- sections 3.4.2 to 3.4.4 ----------------------------------------------------------------

    def key(self, recipe: Recipe) -> str:
        """The HMAC or PLAINTEXT key as the recipe's client built it (sections 3.4.2, 3.4.4)."""
        encode = _identity if recipe.secrets_raw else encoder(recipe.plus, recipe.reserved, recipe.lower)
        client = encode(self.client_secret)
        token = "" if recipe.token_missing else encode(self.token_secret)
        if recipe.no_ampersand and not token:
            return client
        return client + "&" + token

    def method_name(self, recipe: Recipe) -> str:
        return recipe.signature_method or self.claimed

    def provided_signature(self, recipe: Recipe) -> Optional[str]:
        provided = self.provided
        if provided is not None and recipe.fix_signature:
            provided = provided.replace(" ", "+")
        return provided

    def effect(self, recipe: Recipe) -> Effect:
        """What the recipe's computation depends on: two recipes with the same effect are the
        same computation (PLAINTEXT ignores the base string, RSA the secrets)."""
        name = self.method_name(recipe)
        method = self.methods.get(name)
        provided = self.provided_signature(recipe)
        if method is None or provided is None:
            return ("unavailable " + name, "", "", provided)
        if not method.shared_secret:  # RSA: a key of its own
            return (name, self.base_string(recipe), "", provided)
        if name == "PLAINTEXT":  # section 3.4.4: the base string plays no part
            return (name, "", self.key(recipe), provided)
        return (name, self.base_string(recipe), self.key(recipe), provided)

    def verifies(self, recipe: Recipe) -> Optional[bool]:
        """Whether the recipe reproduces the signature the request carries (None when it
        cannot be checked: no signature, or a method without its key)."""
        method = self.methods.get(self.method_name(recipe))
        provided = self.provided_signature(recipe)
        if method is None or provided is None:
            return None
        effect = self.effect(recipe)
        cached = self._verdicts.get(effect)
        if cached is not None:
            return cached
        _, base, key, _ = effect
        self.computations += 1
        sign = keyed_signer(method, key) if method.shared_secret else None
        if sign is not None:
            result = hmac.compare_digest(sign(base).encode("utf-8"), provided.encode("utf-8", "replace"))
        elif method.shared_secret:
            result = hmac.compare_digest(key.encode("utf-8"), provided.encode("utf-8", "replace"))
        else:
            result = method.verify(base, provided, "", "")
        self._verdicts[effect] = result
        return result

    def signature(self, recipe: Recipe = CANONICAL) -> Optional[str]:
        """The signature the recipe computes, when it can be computed here (HMAC, PLAINTEXT)."""
        method = self.methods.get(self.method_name(recipe))
        if method is None or not method.shared_secret:
            return None
        sign = keyed_signer(method, self.key(recipe))
        return self.key(recipe) if sign is None else sign(self.base_string(recipe))
