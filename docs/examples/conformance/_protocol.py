"""The conformance line protocol, adapter side (see vectors/README.md).

Each adapter maps the kinds it supports to a function of the case's input; this loop reads one
JSON object per line, answers ``{"id", "output"}``, ``{"id", "error"}`` when the implementation
refuses the input (it raised), or ``{"id", "unsupported": true}`` for another kind or when the
function raises :class:`Unsupported`.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from unittest import mock
from urllib.parse import urlsplit

Handler = Callable[[Dict[str, Any]], Any]


class Unsupported(Exception):
    """The implementation has no way to do this case (a method or key type it lacks)."""


def answer(handlers: Dict[str, Handler], message: Dict[str, Any]) -> Dict[str, Any]:
    case_id = message.get("id")
    handler = handlers.get(message.get("kind", ""))
    if handler is None:
        return {"id": case_id, "unsupported": True}
    try:
        return {"id": case_id, "output": handler(message["input"])}
    except Unsupported:
        return {"id": case_id, "unsupported": True}
    except Exception as exc:  # the implementation refused the input
        return {"id": case_id, "error": f"{type(exc).__name__}: {exc}"[:300]}


def serve(handlers: Dict[str, Handler]) -> None:
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(answer(handlers, json.loads(line))), flush=True)


def query_params(uri: str) -> List[Tuple[str, str]]:
    """The query's parameters, decoded (section 3.4.1.3.1)."""
    from urllib.parse import parse_qsl

    return parse_qsl(urlsplit(uri).query, keep_blank_values=True)


class Headers(dict):  # type: ignore[type-arg]
    """Header names matched case-insensitively, as every web framework hands them over."""

    def __init__(self, headers: Dict[str, str]) -> None:
        super().__init__({name.title(): value for name, value in headers.items()})

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.title(), default)

    def __getitem__(self, name: str) -> Any:
        return super().__getitem__(name.title())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.title())


@contextlib.contextmanager
def clock_at(timestamp: Optional[str]) -> Iterator[None]:
    """Check a request at the moment it says it was sent: the timestamp window is a stateful rule
    the vectors leave out (their examples are old), so the clock is set, not the window widened."""
    if timestamp is None or not timestamp.isascii() or not timestamp.isdigit():
        yield
        return
    with mock.patch.object(time, "time", return_value=float(timestamp)):
        yield
