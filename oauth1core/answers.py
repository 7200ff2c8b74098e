"""Reading a provider's answers to the flow's signed requests (RFC 5849 sections 2.1, 2.3).

Answers are read tolerantly (a form body whatever its Content-Type, or a JSON object; extra
fields kept); refusals become a :class:`~oauth1core.errors.ProviderError` that names the
provider's ``oauth_problem`` (OAuth Problem Reporting). Messages never quote a body that may
hold secrets.
"""

from __future__ import annotations

import json
import re
from email.message import Message
from typing import Iterable, List, Mapping, NamedTuple, Optional, Tuple, Union

from .errors import EncodingError, ProviderError, ResponseError
from .parameters import Param, header_value, parse_form

HeadersLike = Union[Mapping[str, str], Iterable[Tuple[str, str]], Message, None]
BodyLike = Union[bytes, str, None]

_MAX_BODY = 1 << 20


class Response(NamedTuple):
    """An HTTP response as plain data: ``status``, ``headers`` (name, value pairs), ``body``:
    what a provider answers (:mod:`oauth1core.server`) and what a transport returns to the flow
    (:mod:`oauth1core.transport`)."""

    status: int
    headers: List[Tuple[str, str]]
    body: bytes


def header_pairs(headers: HeadersLike) -> List[Tuple[str, str]]:
    """Any headers object (a mapping, pairs, an :class:`email.message.Message` such as
    :mod:`urllib`'s) as a list of pairs."""
    if headers is None:
        return []
    if isinstance(headers, (Mapping, Message)):
        return [(str(name), str(value)) for name, value in headers.items()]
    return [(str(name), str(value)) for name, value in headers]


def _text(body: BodyLike) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    return body[:_MAX_BODY].decode("utf-8", "replace")


_PROBLEM_IN_HEADER = re.compile(r'oauth_problem\s*=\s*"?([A-Za-z0-9_]+)"?', re.IGNORECASE)


def answer_fields(body: BodyLike) -> List[Param]:
    """The fields of an answer: a form body (whatever its Content-Type: providers answer
    ``text/plain`` or ``text/html`` too) or a JSON object of scalars. Raises ValueError."""
    text = _text(body).strip().lstrip("\ufeff").strip()
    if not text:
        return []
    if text.startswith("{"):
        document = json.loads(text)
        if not isinstance(document, dict):
            raise ValueError("not a JSON object")
        return [(str(name), value if isinstance(value, str) else json.dumps(value))
                for name, value in document.items() if value is not None]
    if "\n" in text or "<" in text:
        raise ValueError("not a form body")
    return parse_form(text)


def provider_problem(headers: HeadersLike, body: BodyLike) -> Tuple[Optional[str], Optional[str]]:
    """``(oauth_problem, oauth_problem_advice)`` of an answer (OAuth Problem Reporting), from its
    body or its ``WWW-Authenticate`` header; ``(None, None)`` when it names none."""
    problem = advice = None
    try:
        fields = answer_fields(body)
    except (ValueError, EncodingError):
        fields = []
    for name, value in fields:
        if name == "oauth_problem" and problem is None:
            problem = value
        elif name == "oauth_problem_advice" and advice is None:
            advice = value
    if problem is None:
        challenge = header_value(header_pairs(headers), "WWW-Authenticate")
        match = _PROBLEM_IN_HEADER.search(challenge or "")
        if match is not None:
            problem = match.group(1)
    return problem, advice


def _excerpt(body: BodyLike) -> str:
    text = " ".join(_text(body)[:300].split())
    return "".join(ch for ch in text if ch.isprintable())


def parse_credentials_response(what: str, status: int, headers: HeadersLike, body: BodyLike) -> List[Param]:
    """The fields of a credentials answer (sections 2.1, 2.3), with ``oauth_token`` and
    ``oauth_token_secret`` each present exactly once. A refusal is a :class:`ProviderError`; an
    unusable success a :class:`ResponseError` (whose message never quotes the body: it may hold
    secrets)."""
    problem, advice = provider_problem(headers, body)
    if not 200 <= status < 300 or problem is not None:
        named = f" (oauth_problem={problem}{': ' + advice if advice else ''})" if problem else ""
        excerpt = _excerpt(body)
        shown = f": {excerpt}" if excerpt and not problem else ""
        raise ProviderError(f"the provider refused the {what} request: HTTP {status}{named}{shown}",
                            status=status, problem=problem, advice=advice, excerpt=excerpt)
    try:
        fields = answer_fields(body)
    except (ValueError, EncodingError):
        raise ResponseError(f"the {what} answer is neither a form-encoded body nor a JSON object") from None
    for name in ("oauth_token", "oauth_token_secret"):
        count = sum(1 for key, _ in fields if key == name)
        if count != 1:
            raise ResponseError(f"the {what} answer has {'no' if not count else 'more than one'} {name}")
    return fields
