"""Auditing captured requests: explain a signature step by step, find why one is rejected.

Sans-I/O: captures are read from text or octets (:mod:`.capture`), and every result is plain
data with a ``to_dict()`` for JSON. The command line (``python -m oauth1core explain | verify |
diagnose``) is :mod:`oauth1core.cli.audit`.

* :func:`parse_raw`, :func:`parse_har`, :func:`from_parts` read a request into a :class:`Capture`.
* :func:`explain` shows every step of its signature, with the RFC 5849 section of each.
* :func:`diagnose` says whether it verifies and, when not, which known client mistakes
  (:data:`MISTAKES`), alone or in pairs, reproduce the signature it carries.

Secrets are never part of a result: keys are shown masked, and so are PLAINTEXT signatures.
"""

from __future__ import annotations

from .capture import Capture, CaptureError, from_parts, parse_har, parse_raw
from .diagnose import Diagnosis, Finding, diagnose
from .explain import Explanation, explain
from .mistakes import MISTAKES, Mistake
from .observe import Observed, observe

__all__ = [
    "Capture",
    "CaptureError",
    "parse_raw",
    "parse_har",
    "from_parts",
    "Observed",
    "observe",
    "explain",
    "Explanation",
    "diagnose",
    "Diagnosis",
    "Finding",
    "MISTAKES",
    "Mistake",
]
