"""Where the time of signing and verifying the twitter request goes: each stage timed alone.

    python -m oauth1core bench --stages

Each stage is one of the functions the operation calls, timed on the inputs the operation gives
it (same method as the suite: interleaved rounds, medians); "the rest" is the operation's time
minus the stages', i.e. the glue: argument handling, lists, the result objects. The stages use
internal functions, so this is a profile for developers, not an API.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from . import workloads
from .timing import Case, Settings, measure

__all__ = ["stages"]


def _sign_stages() -> Tuple[Case, List[Case]]:
    from oauth1core.base_string import _assemble, _form_items, _signing_uri

    w = workloads.TWITTER
    from .peers import _client

    client = _client(w)
    total = Case("sign (total)", lambda: client.sign(w.method, w.uri, w.headers, w.body, nonce=w.nonce,
                                                     timestamp=w.timestamp))
    signed = total.call()
    template = client._template
    base_uri, encoded_base_uri, query_items = _signing_uri(w.uri)
    body = w.body or ""
    items = list(query_items) + _form_items(body) + template.items + [
        "oauth_timestamp 1318622958", "oauth_nonce " + w.nonce]
    base_string = signed.base_string
    stages = [
        Case("signing_uri (split, query: cached per URI)", lambda: _signing_uri(w.uri)),
        Case("_form_items(body)", lambda: _form_items(body)),
        Case("_assemble (sort, join)", lambda: _assemble(w.method, base_uri, items, encoded_base_uri)),
        Case("HMAC-SHA1, keyed, + base64", lambda: template.sign(base_string)),
    ]
    return total, stages


def _verify_stages() -> Tuple[Case, List[Case]]:
    from oauth1core import parse_request, verify_request
    from oauth1core.methods import HMAC_SHA1
    from oauth1core.parameters import parse_form
    from oauth1core.parsing import _parse_simple_header
    from oauth1core.verify import VerifiedRequest, check_protocol

    from .peers import signed_request

    w = workloads.TWITTER
    method, uri, headers, body = signed_request(w)
    cs, ts = w.consumer_secret, w.token_secret
    total = Case("verify_request (total)", lambda: verify_request(method, uri, headers, body, client_secret=cs,
                                                                   token_secret=ts))
    parsed = parse_request(method, uri, headers, body)
    header = headers["Authorization"]
    signature = parsed.oauth["oauth_signature"]
    query = uri.partition("?")[2]

    def base_string() -> str:
        parsed._base_string = None
        return parsed.base_string

    stages = [
        Case("Authorization header parse", lambda: _parse_simple_header(header)),
        Case("query and body parse (decoded)", lambda: (parse_form(query), parse_form(body or ""))),
        Case("parse_request: the rest (checks, objects)", lambda: parse_request(method, uri, headers, body)),
        Case("check_protocol", lambda: check_protocol(parsed)),
        Case("base string (from the text received)", base_string),
        Case("HMAC-SHA1 verify (hmac.digest, compare)", lambda: HMAC_SHA1.verify(parsed.base_string, signature, cs, ts)),
        Case("VerifiedRequest", lambda: VerifiedRequest(parsed, 1318622958)),
    ]
    return total, stages


def stages(settings: Settings) -> List[Dict[str, Any]]:
    out = []
    for total, parts in (_sign_stages(), _verify_stages()):
        stats = measure([total] + parts, settings)
        whole = stats[total.name].median
        rows = [{"stage": total.name, "median_us": whole * 1e6, "share": 1.0}]
        spent = 0.0
        for part in parts:
            median = stats[part.name].median
            if part.name.startswith("parse_request: the rest"):
                # parse_request includes the two parses above: show only what it adds.
                median -= stats[parts[0].name].median + stats[parts[1].name].median
            spent += median
            rows.append({"stage": part.name, "median_us": median * 1e6, "share": median / whole})
        rows.append({"stage": "the rest (glue)", "median_us": (whole - spent) * 1e6, "share": (whole - spent) / whole})
        out.append({"operation": total.name, "stages": rows})
    return out


def render(result: List[Dict[str, Any]]) -> str:
    lines = []
    for operation in result:
        lines.append("")
        for row in operation["stages"]:
            lines.append(f"    {row['stage']:<46}{row['median_us']:8.2f} us  {row['share'] * 100:5.1f} %")
    return "\n".join(lines)
