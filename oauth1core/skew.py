"""Clock correction from a provider's refusal (RFC 5849 section 3.3).

A provider refuses a timestamp outside its window; :func:`clock_correction` reads the refusal
for the ``clock_offset`` that would have made it acceptable, so a client (or an adapter) can
switch to a corrected :class:`~oauth1core.client.Client` and retry once.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Optional, Protocol

from .answers import BodyLike, HeadersLike, answer_fields, header_pairs, provider_problem
from .clock import Clock
from .errors import EncodingError
from .parameters import header_value


class _Clocked(Protocol):
    """What clock correction reads of a :class:`~oauth1core.client.Client`."""

    @property
    def clock(self) -> Clock: ...

    @property
    def clock_offset(self) -> int: ...


def _server_time(status: int, headers: HeadersLike, body: BodyLike, local: float, threshold: float) -> Optional[float]:
    problem, _ = provider_problem(headers, body)
    pairs = header_pairs(headers)
    refused = problem == "timestamp_refused"
    if refused:
        # OAuth Problem Reporting: oauth_acceptable_timestamps=low-high around the server's time.
        try:
            fields = answer_fields(body)
        except (ValueError, EncodingError):
            fields = []
        for name, value in fields:
            if name == "oauth_acceptable_timestamps":
                low, dash, high = value.partition("-")
                if dash and low.strip().isdigit() and high.strip().isdigit() and int(low) <= int(high):
                    return (int(low) + int(high)) / 2
    elif status != 401:
        return None
    date = header_value(pairs, "Date")
    if date is None:
        return None
    try:
        server = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if refused or abs(server - local) > threshold:
        return server
    return None


def clock_correction(client: _Clocked, status: int, headers: HeadersLike, body: BodyLike, *,
                     threshold: float = 60.0) -> Optional[int]:
    """The ``clock_offset`` the refused request should have been signed with, or ``None``.

    A provider that refuses the timestamp (section 3.3) answers ``oauth_problem=timestamp_refused``
    (preferably with ``oauth_acceptable_timestamps``); others answer a bare 401. The provider's
    time is read from ``oauth_acceptable_timestamps`` (the middle of the range), else from the
    ``Date`` header: for a refused timestamp always, for another 401 only when ``Date`` is more
    than ``threshold`` seconds from the client's (corrected) clock. ``None`` when nothing says
    the clocks differ, or when the correction would change nothing: retrying then cannot help.
    """
    local = client.clock()
    server = _server_time(status, headers, body, local + client.clock_offset, threshold)
    if server is None:
        return None
    offset = int(round(server - local))
    if abs(offset - client.clock_offset) < 2:
        return None
    return offset
