"""Probe a provider you are allowed to test: a report card against RFC 5849.

Theory of operation. A probe is a list of :class:`Check` values, each plain data: how to change a
correct request (:class:`Variant`), what a strict provider does with it (accept with a 2xx, or
refuse with a 4xx), the RFC 5849 section, and the id of the finding when the provider does
otherwise. The core is sans-I/O: :func:`build` turns a target and a variant into the octets of a
request (:class:`Wire`), :func:`judge` turns a check and the response's status into a
:class:`Result`. Only :func:`send` talks to the network (``http.client``), and :func:`run_probe`
sends one request at a time, never more than ``max_requests``, with a delay between them.

The first request is a correct one (the baseline). When it is not accepted, nothing else is sent:
the credentials or the URL are wrong, and every other verdict would be meaningless.

Secrets are never part of a result: requests are described by the parameter that changed, never
by their signature (a PLAINTEXT signature is the key itself).
"""

from __future__ import annotations

import hashlib
import http.client
import secrets
import socket
import ssl
import time
from base64 import b64encode
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from ..base_string import signature_base_string
from ..methods import resolve
from ..parameters import append_query, build_authorization_header, encode_form

__all__ = ["Target", "Variant", "Check", "Wire", "Result", "Report", "FINDINGS", "plan", "build", "judge",
           "http_sender", "run_probe", "ProbeError"]

Pairs = Tuple[Tuple[str, str], ...]

#: The finding ids, stable: what each means.
FINDINGS: Dict[str, str] = {
    "replay-accepted": "the same request (same nonce, timestamp and signature) was accepted twice",
    "stale-timestamp-accepted": "a timestamp a day in the past was accepted",
    "future-timestamp-accepted": "a timestamp a day in the future was accepted",
    "non-ascii-timestamp-accepted": "a timestamp written in non-ASCII (Arabic-Indic) digits was accepted",
    "duplicate-parameter-accepted": "a protocol parameter sent twice was accepted",
    "split-parameters-accepted": "protocol parameters split between the Authorization header and the query were accepted",
    "tampered-signature-accepted": "a request whose signature was changed was accepted",
    "body-hash-not-verified": "a JSON body with a wrong oauth_body_hash was accepted",
    "server-error": "a malformed request got a 5xx instead of a 400",
    "malformed-request-accepted": "a malformed request (bad header syntax or percent-escape) was accepted",
    "plaintext-over-http-accepted": "a PLAINTEXT signature (the secrets themselves) was accepted over plain http",
    "unknown-parameter-accepted": "an unknown oauth_* protocol parameter was accepted",
    "unsupported-version-accepted": "oauth_version 2.0 was accepted",
    "valid-request-refused": "a correct request was refused (the placement or encoding named)",
}

#: The HMAC methods a probe signs with, and the digest of their oauth_body_hash (Body Hash 3.1).
_HMAC_DIGESTS = {"HMAC-SHA1": "sha1", "HMAC-SHA256": "sha256", "HMAC-SHA512": "sha512"}
_ARABIC_INDIC = {ord(d): chr(0x0660 + int(d)) for d in "0123456789"}
_FORM = "application/x-www-form-urlencoded"
#: Form values that need encoding (section 3.6): a space, reserved characters, "+", "%", non-ASCII.
ENCODED_FORM: Pairs = (("text", "a b+c%20d&e=f"), ("marks", "!*'()~"), ("name", "Zoë ☃"))


class ProbeError(Exception):
    """The probe could not run (bad target, baseline refused, network failure): exit 2."""


@dataclass(frozen=True)
class Target:
    """What is probed: the URL (http or https) of an endpoint that requires a valid signature,
    and the credentials (a protected resource with a token, or temporary credentials with a
    callback, RFC 5849 section 2.1)."""

    url: str
    client_key: str
    client_secret: str
    token: str = ""
    token_secret: str = ""
    callback: str = ""
    method: str = "GET"
    signature_method: str = "HMAC-SHA1"  # of every check but the PLAINTEXT one

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProbeError("the target must be an http:// or https:// URL with a host")
        if self.method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            raise ProbeError("--method must be GET, POST, PUT, PATCH or DELETE")
        if self.signature_method not in _HMAC_DIGESTS:
            raise ProbeError("--signature-method must be HMAC-SHA1, HMAC-SHA256 or HMAC-SHA512")


@dataclass(frozen=True)
class Variant:
    """How a request differs from a correct one (every default is a correct request).

    ``placement``: "header", "query", "body" or "split" (section 3.5); ``timestamp_offset``
    moves the timestamp, ``arabic_digits`` writes it in U+0660-0669; ``duplicate_nonce`` sends
    ``oauth_nonce`` twice; ``extra_oauth`` adds signed protocol parameters; ``form`` is a form
    body, ``query`` parameters added to the URL; ``json_body`` a JSON body with ``body_hash``
    "right" or "wrong"; ``tamper`` changes the signature after signing; ``mangle`` breaks the
    request after signing."""

    placement: str = "header"
    timestamp_offset: int = 0
    arabic_digits: bool = False
    duplicate_nonce: bool = False
    extra_oauth: Pairs = ()
    version: str = "1.0"
    signature_method: str = ""  # "" = the target's
    form: Pairs = ()
    query: Pairs = ()
    json_body: str = ""
    body_hash: str = ""
    realm: Optional[str] = None
    tamper: bool = False
    mangle: str = ""  # "header-syntax", "header-escape" or "query-escape", applied after signing


@dataclass(frozen=True)
class Check:
    name: str
    expect: str  # "accept" or "refuse"
    section: str
    finding: str
    variant: Variant = Variant()
    request: str = ""  # the request in words (what changed)
    needs_body: bool = False  # sent only when the target method carries a body
    needs_http: bool = False  # only meaningful over plain http
    replay: bool = False  # resend the baseline as it was
    optional: bool = False  # an extension: a refusal means "not supported", not a finding


@dataclass(frozen=True)
class Wire:
    """A request as octets to send."""

    method: str
    url: str
    headers: Pairs
    body: bytes = b""


@dataclass(frozen=True)
class Result:
    check: Check
    status: int  # 0: not sent
    verdict: str  # "pass", "finding", "skipped"
    finding: str = ""
    observed: str = ""
    note: str = ""

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"check": self.check.name, "section": self.check.section,
                               "expected": _expected(self.check), "observed": self.observed,
                               "request": self.check.request}
        if self.verdict == "finding":
            out = {"id": self.finding, **out, "explanation": FINDINGS[self.finding] + (
                f" ({self.note})" if self.note else "")}
        elif self.note:
            out["note"] = self.note
        return out


@dataclass
class Report:
    target: str
    baseline: Dict[str, Any] = field(default_factory=dict)
    results: List[Result] = field(default_factory=list)
    requests: int = 0

    @property
    def findings(self) -> List[Result]:
        return [r for r in self.results if r.verdict == "finding"]

    def to_dict(self) -> Dict[str, Any]:
        return {
            "target": self.target,
            "baseline": self.baseline,
            "findings": [r.to_dict() for r in self.findings],
            "passed": [r.to_dict() for r in self.results if r.verdict == "pass"],
            "skipped": [r.to_dict() for r in self.results if r.verdict == "skipped"],
            "requests": self.requests,
        }


def _expected(check: Check) -> str:
    return "accept (2xx)" if check.expect == "accept" else "refuse (4xx)"


_DAY = 86400
_JSON = '{"probe": "oauth1core", "n": 1}'


def plan() -> List[Check]:
    """The checks, in the order they are sent (the replay first, while the baseline is fresh)."""
    return [
        Check("replay", "refuse", "3.3", "replay-accepted", replay=True,
              request="the baseline request sent again, unchanged (same nonce and timestamp)"),
        Check("timestamp a day in the past", "refuse", "3.3", "stale-timestamp-accepted",
              Variant(timestamp_offset=-_DAY), request="oauth_timestamp = now - 86400, correctly signed"),
        Check("timestamp a day in the future", "refuse", "3.3", "future-timestamp-accepted",
              Variant(timestamp_offset=_DAY), request="oauth_timestamp = now + 86400, correctly signed"),
        Check("timestamp in non-ASCII digits", "refuse", "3.3", "non-ascii-timestamp-accepted",
              Variant(arabic_digits=True), request="oauth_timestamp = now in Arabic-Indic digits (U+0660-0669), "
              "UTF-8 percent-encoded, correctly signed"),
        Check("protocol parameter twice", "refuse", "3.2", "duplicate-parameter-accepted",
              Variant(duplicate_nonce=True), request="two oauth_nonce in the Authorization header, both signed"),
        Check("parameters split across header and query", "refuse", "3.5", "split-parameters-accepted",
              Variant(placement="split"), request="oauth_nonce and oauth_timestamp in the query, the other "
              "protocol parameters in the Authorization header, all signed"),
        Check("tampered signature", "refuse", "3.2", "tampered-signature-accepted", Variant(tamper=True),
              request="the correct request with one character of oauth_signature changed"),
        Check("JSON body with its oauth_body_hash", "accept", "Body Hash 3.2", "valid-request-refused",
              Variant(json_body=_JSON, body_hash="right"), needs_body=True, optional=True,
              request="Content-Type: application/json body, oauth_body_hash = base64(SHA-1(body)), signed"),
        Check("JSON body with a wrong oauth_body_hash", "refuse", "Body Hash 3.2", "body-hash-not-verified",
              Variant(json_body=_JSON, body_hash="wrong"), needs_body=True,
              request="Content-Type: application/json body, oauth_body_hash of another body, signed"),
        Check("malformed Authorization header", "refuse", "3.5.1", "malformed-request-accepted",
              Variant(mangle="header-syntax"), request='Authorization: OAuth with an unterminated quoted value'),
        Check("bad percent-escape in the header", "refuse", "3.6", "malformed-request-accepted",
              Variant(mangle="header-escape"), request='oauth_nonce="...%zz" in the Authorization header'),
        Check("bad percent-escape in the query", "refuse", "3.6", "malformed-request-accepted",
              Variant(mangle="query-escape"), request="?probe=%E9%zz added to the correct request's URL"),
        Check("PLAINTEXT over http", "refuse", "3.4.4", "plaintext-over-http-accepted",
              Variant(signature_method="PLAINTEXT"), needs_http=True,
              request="oauth_signature_method=PLAINTEXT (the signature is the secrets) over plain http"),
        Check("unknown oauth_ parameter", "refuse", "3.2", "unknown-parameter-accepted",
              Variant(extra_oauth=(("oauth_probe", "1"),)), request="oauth_probe=1 added and signed"),
        Check("unsupported oauth_version", "refuse", "3.1", "unsupported-version-accepted",
              Variant(version="2.0"), request='oauth_version="2.0", signed'),
        Check("protocol parameters in the query", "accept", "3.5.3", "valid-request-refused",
              Variant(placement="query"), request="every protocol parameter in the query"),
        Check("protocol parameters in a form body", "accept", "3.5.2", "valid-request-refused",
              Variant(placement="body"), needs_body=True,
              request="every protocol parameter in an application/x-www-form-urlencoded body"),
        Check("form values that need encoding", "accept", "3.4.1.3.1", "valid-request-refused",
              Variant(form=ENCODED_FORM), needs_body=True,
              request="form body text=a b+c%20d&e=f, marks=!*'()~, name=Zoë ☃ (encoded), header placement"),
        Check("query values that need encoding", "accept", "3.4.1.3.1", "valid-request-refused",
              Variant(query=ENCODED_FORM), request="query text=a b+c%20d&e=f, marks=!*'()~, name=Zoë ☃ (encoded)"),
        Check("a realm in the header", "accept", "3.5.1", "valid-request-refused", Variant(realm="Probe Realm"),
              request='Authorization: OAuth realm="Probe Realm", ...'),
    ]


def _timestamp(variant: Variant, now: int) -> str:
    text = str(now + variant.timestamp_offset)
    return text.translate(_ARABIC_INDIC) if variant.arabic_digits else text


def _oauth(target: Target, variant: Variant, now: int, nonce: str) -> List[Tuple[str, str]]:
    """The protocol parameters of the request (section 3.1), before the signature."""
    method = variant.signature_method or target.signature_method
    params = [("oauth_consumer_key", target.client_key), ("oauth_nonce", nonce),
              ("oauth_signature_method", method), ("oauth_timestamp", _timestamp(variant, now)),
              ("oauth_version", variant.version)]
    if variant.duplicate_nonce:
        params.append(("oauth_nonce", nonce[::-1]))
    if target.token:
        params.append(("oauth_token", target.token))
    if target.callback:
        params.append(("oauth_callback", target.callback))
    params.extend(variant.extra_oauth)
    if variant.json_body:
        body = variant.json_body + ("" if variant.body_hash == "right" else " ")
        digest = hashlib.new(_HMAC_DIGESTS[method], body.encode()).digest()
        params.append(("oauth_body_hash", b64encode(digest).decode("ascii")))
    return params


def _tampered(signature: str) -> str:
    first = signature[:1]
    return ("B" if first == "A" else "A") + signature[1:]


def build(target: Target, variant: Variant, now: int, nonce: str) -> Wire:
    """The request ``variant`` describes, signed with the target's credentials (sections 3.4,
    3.5): the sans-I/O half of a check."""
    method = target.method.upper()
    url = append_query(target.url, variant.query)
    oauth = _oauth(target, variant, now, nonce)
    signer = resolve(variant.signature_method or target.signature_method)
    base = signature_base_string(method, url, oauth, form=variant.form)  # a form field may be named realm
    signature = signer.sign(base, target.client_secret, target.token_secret)
    signed = oauth + [("oauth_signature", _tampered(signature) if variant.tamper else signature)]
    headers: List[Tuple[str, str]] = []
    body = ""
    if variant.placement == "header":
        headers.append(("Authorization", build_authorization_header(signed, variant.realm)))
    elif variant.placement == "query":
        url = append_query(url, signed)
    elif variant.placement == "split":
        late = {"oauth_nonce", "oauth_timestamp"}
        headers.append(("Authorization", build_authorization_header([p for p in signed if p[0] not in late])))
        url = append_query(url, [p for p in signed if p[0] in late])
    if variant.placement == "body" or variant.form:
        body = encode_form(list(variant.form) + (signed if variant.placement == "body" else []))
        headers.append(("Content-Type", _FORM))
    elif variant.json_body:
        body = variant.json_body
        headers.append(("Content-Type", "application/json"))
    wire = Wire(method, url, tuple(headers), body.encode("utf-8"))
    return _mangle(wire, variant.mangle, nonce) if variant.mangle else wire


def _mangle(wire: Wire, how: str, nonce: str) -> Wire:
    """Break a signed request on purpose (sections 3.5.1, 3.6)."""
    if how == "query-escape":
        return replace(wire, url=wire.url + ("&" if "?" in wire.url else "?") + "probe=%E9%zz")
    headers = []
    for name, value in wire.headers:
        if name == "Authorization" and how == "header-syntax":
            value = value.replace('", ', ' ', 1).replace('="', '=="', 1)
        elif name == "Authorization":
            value = value.replace(f'oauth_nonce="{nonce}"', f'oauth_nonce="{nonce}%zz"')
        headers.append((name, value))
    return replace(wire, headers=tuple(headers))


def new_nonce() -> str:
    """A nonce of 24 letters and digits (section 3.3): the shape stock providers accept
    (oauthlib's default is 20 to 30 characters of letters and digits)."""
    return secrets.token_hex(12)


def judge(check: Check, status: int, problem: str = "") -> Result:
    """The verdict on one response (sans-I/O): a 5xx is always a finding; otherwise a strict
    provider answers 2xx to what it accepts and 4xx to what it refuses."""
    observed = (f"{status} {problem}".strip() if status else problem or "no response")
    if status >= 500:
        return Result(check, status, "finding", "server-error", observed, f"{check.name}: {status}")
    accepted = 200 <= status < 300
    if check.expect == "refuse" and not accepted:
        return Result(check, status, "pass", observed=observed, note="" if 400 <= status < 500 else "refused without a 4xx")
    if check.expect == "accept" and accepted:
        return Result(check, status, "pass", observed=observed)
    if check.expect == "accept" and check.optional:
        return Result(check, status, "skipped", observed=observed, note="refused: the extension is not supported")
    note = check.name if check.finding == "valid-request-refused" else ""
    return Result(check, status, "finding", check.finding, observed, note)


#: What sends a request: a Wire in, (status, oauth_problem or reason) out; status 0 = no response.
Sender = Callable[[Wire], Tuple[int, str]]


def _problem(response: http.client.HTTPResponse, body: bytes) -> str:
    """The oauth_problem of a refusal (header or body), else the reason phrase."""
    for text in (response.getheader("WWW-Authenticate") or "", body[:2048].decode("latin-1")):
        start = text.find("oauth_problem=")
        if start >= 0:
            value = text[start + len("oauth_problem="):].lstrip('"')
            return "".join(ch for ch in value[:40] if ch.isalnum() or ch in "_-") or response.reason
    return response.reason


def http_sender(timeout: float = 10.0, context: Optional[ssl.SSLContext] = None) -> Sender:
    """A :data:`Sender` over ``http.client``: one connection per request."""

    def send(wire: Wire) -> Tuple[int, str]:
        parts = urlsplit(wire.url)
        host, port = parts.hostname or "", parts.port
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        try:
            headers = dict(wire.headers)
            if wire.body or wire.method in ("POST", "PUT", "PATCH"):
                headers["Content-Length"] = str(len(wire.body))
            connection.request(wire.method, path, body=wire.body or None, headers=headers)
            response = connection.getresponse()
            return response.status, _problem(response, response.read(65536))
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            return 0, "connection closed without a response"
        except (TimeoutError, socket.timeout):
            return 0, f"no response within {timeout:g} s"
        finally:
            connection.close()

    return send


def _skip_reason(target: Target, check: Check) -> str:
    if check.needs_body and target.method.upper() not in ("POST", "PUT", "PATCH"):
        return "needs a body: probe with --method POST"
    if check.needs_http and urlsplit(target.url).scheme != "http":
        return "the target is https"
    return ""


def run_probe(target: Target, sender: Sender, *, max_requests: int = 40, delay: float = 0.2,
              clock: Callable[[], float] = time.time, nonce: Callable[[], str] = new_nonce) -> Report:
    """Send the baseline, then each check of :func:`plan`, one at a time, ``delay`` seconds
    apart, never more than ``max_requests`` requests in all. Raises :class:`ProbeError` when the
    baseline is not accepted (nothing else is sent then) or cannot be sent."""
    if max_requests < 1:
        raise ProbeError("--max-requests must be at least 1")
    report = Report(_describe(target))
    baseline = build(target, Variant(), int(clock()), nonce())
    try:
        status, problem = sender(baseline)
    except OSError as exc:
        raise ProbeError(f"cannot reach the target: {exc.__class__.__name__}: {exc.strerror or exc}") from None
    report.requests = 1
    report.baseline = {"request": "a correct request, protocol parameters in the Authorization header",
                       "status": status, "observed": f"{status} {problem}".strip(), "accepted": 200 <= status < 300}
    if not 200 <= status < 300:
        raise ProbeError(_refused_baseline(status, problem))
    for check in plan():
        reason = _skip_reason(target, check) or ("" if report.requests < max_requests else
                                                 f"not sent: --max-requests {max_requests} reached")
        if reason:
            report.results.append(Result(check, 0, "skipped", note=reason))
            continue
        time.sleep(delay)
        wire = baseline if check.replay else build(target, check.variant, int(clock()), nonce())
        try:
            status, problem = sender(wire)
        except OSError as exc:
            status, problem = 0, f"{exc.__class__.__name__}"
        report.requests += 1
        report.results.append(judge(check, status, problem))
    return report


def _refused_baseline(status: int, problem: str) -> str:
    if status == 0:
        why = problem
    elif status in (401, 403):
        why = f"{status} {problem}: the credentials are wrong (key, secret, token), or the token has expired"
    elif status in (404, 405):
        why = f"{status} {problem}: the URL or the method is wrong"
    else:
        why = f"{status} {problem}"
    return f"the correct request was not accepted ({why}); nothing else was sent"


def _describe(target: Target) -> str:
    return f"{target.method.upper()} {target.url}"
