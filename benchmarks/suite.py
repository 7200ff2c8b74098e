"""The benchmark suite: ``python -m oauth1core bench [--workload W] [--json] [--compare]``.

Rows of the table are (operation, workload); each row times oauth1core, the floor of that
operation and, with ``--compare``, every installed peer, side by side in the same rounds (see
timing.py for the method and peers.py for what each case does). README.md has the workloads,
the results and how to read them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import peers, workloads
from .peers import PEERS, Case, CheckFailed, Request
from .timing import Settings, Stats, loop_overhead, measure
from .workloads import SIGNATURE_METHODS, Workload

__all__ = ["main", "run"]

GROUPS = ("twitter", "photos", "large", "json-body-hash", "methods", "components", "import")
#: URIs the ``large`` rows cycle through: more than the client's per-URI cache holds (512).
LARGE_VARIANTS = 1024
QUICK_LARGE_VARIANTS = 16


class Row:
    """One line of the table's sections: an operation on a workload, and its cases."""

    def __init__(self, operation: str, workload: str, title: str, group: str) -> None:
        self.operation = operation
        self.workload = workload
        self.title = title
        self.group = group
        self.cases: List[Case] = []
        self.errors: Dict[str, str] = {}
        self.stats: Dict[str, Stats] = {}
        self.notes: List[str] = []

    def add(self, name: str, make: Callable[[], Optional[Case]]) -> None:
        """Add the case ``make`` builds, unless the library cannot do it (``None``); a case whose
        check fails is reported, not timed."""
        try:
            case = make()
        except CheckFailed as exc:
            self.errors[name] = str(exc)
            return
        except Exception as exc:  # a peer failing to do the operation at all
            self.errors[name] = f"{type(exc).__name__}: {exc}"[:200]
            return
        if case is not None:
            case.name = name
            self.cases.append(case)

    def as_dict(self) -> Dict[str, Any]:
        floor = self.stats.get("floor")
        ours = self.stats.get("oauth1core")
        results = []
        for case in self.cases:
            stats = self.stats.get(case.name)
            if stats is None:
                continue
            entry: Dict[str, Any] = {"implementation": case.name, **stats.as_dict()}
            if case.note:
                entry["note"] = case.note
            if floor is not None:
                entry["ratio_to_floor"] = stats.median / floor.median
            if ours is not None:
                entry["ratio_to_oauth1core"] = stats.median / ours.median
            results.append(entry)
        return {
            "operation": self.operation,
            "workload": self.workload,
            "title": self.title,
            "results": results,
            "errors": self.errors,
            "notes": self.notes,
        }


# -- rows -------------------------------------------------------------------------------------


def _floor_for(w: Workload, base_string: str) -> Case:
    method = w.signature_method
    if method.startswith("RSA-"):
        return peers.floor_rsa_sign(base_string, method)
    from oauth1core.methods import signing_key

    digest = {"HMAC-SHA256": "sha256", "HMAC-SHA512": "sha512"}.get(method, "sha1")
    return peers.floor_hmac(base_string, signing_key(w.consumer_secret, w.token_secret), digest)


def _tampered(request: Request) -> Request:
    """The request with one character of its signature changed."""
    method, uri, headers, body = request
    header = headers["Authorization"]
    at = header.index('oauth_signature="') + len('oauth_signature="')
    changed = "B" if header[at] != "B" else "C"
    return method, uri, dict(headers, Authorization=header[:at] + changed + header[at + 1:]), body


def sign_row(w: Workload, compare: bool, group: str, fresh: bool = False, variants: int = LARGE_VARIANTS) -> Row:
    row = Row("sign", w.name, f"sign {w.name} ({w.signature_method})", group)
    uris = workloads.large_variants(variants) if w.name == "large" else None
    expected = peers.signed_request(w)

    def ours() -> Case:
        case = peers.ours_sign(w, uris)
        result = case.call()
        if w.expected_signature is not None and uris is None and result.signature != w.expected_signature:
            raise CheckFailed(f"oauth1core signs {result.signature}, not the published {w.expected_signature}")
        peers._check_ours_verify(w, (result.method, result.uri, result.headers, result.body))
        return case

    row.add("oauth1core", ours)
    if fresh:
        row.add("oauth1core, own nonce+clock", lambda: peers.ours_sign_fresh(w))
    from oauth1core import parse_request

    row.add("floor", lambda: _floor_for(w, parse_request(*expected).base_string))
    if uris is not None:
        row.notes.append(f"each call signs the next of {variants} URIs that differ in one value, "
                         "for every implementation: no per-URI cache can answer")
    if compare:
        for peer in PEERS:
            if peer.available():
                row.add(peer.name, lambda peer=peer: _peer_sign(peer, w, uris))  # type: ignore[misc]
    return row


def _peer_sign(peer: peers.Peer, w: Workload, uris: Optional[List[str]]) -> Optional[Case]:
    made = peer.sign(w)
    if made is None:
        return None
    call, to_request = made
    if uris is not None:
        calls = []
        for index, uri in enumerate(uris):
            variant = peer.sign(w.replace(uri=uri))
            assert variant is not None
            calls.append(variant[0])
            if index == 0:
                peers._check_ours_verify(w.replace(uri=uri), variant[1](variant[0]()))
        cycle = peers._Cycle(calls)
        return Case(peer.name, lambda: cycle()())
    peers._check_ours_verify(w, to_request(call()))
    return Case(peer.name, call)


def verify_row(w: Workload, compare: bool, group: str, variants: int = LARGE_VARIANTS) -> Row:
    row = Row("verify", w.name, f"verify {w.name} as it arrives ({w.signature_method})", group)
    if w.name == "large":
        requests = [peers.signed_request(w, uri=uri) for uri in workloads.large_variants(variants)]
        row.notes.append(f"each call verifies the next of {variants} requests that differ in one value")
    else:
        requests = [peers.signed_request(w)]
    from oauth1core import parse_request

    def ours() -> Case:
        peers._check_ours_verify(w, requests[0])
        _expect_refusal("oauth1core", lambda r: _ours_accepts(w, r), requests[0])
        return peers.ours_verify(w, requests)

    row.add("oauth1core", ours)
    base_string = parse_request(*requests[0]).base_string
    if w.signature_method.startswith("RSA-"):
        signature = _signature_of(requests[0])
        row.add("floor", lambda: peers.floor_rsa_verify(signature))
    else:
        row.add("floor", lambda: _floor_for(w, base_string))
    if compare:
        for peer in PEERS:
            if peer.available():
                row.add(peer.name, lambda peer=peer: _peer_verify(peer, w, requests))  # type: ignore[misc]
    return row


def _signature_of(request: Request) -> str:
    from oauth1core import parse_request

    return parse_request(*request).oauth["oauth_signature"]


def _ours_accepts(w: Workload, request: Request) -> bool:
    from oauth1core import OAuthError

    try:
        peers._check_ours_verify(w, request)
    except CheckFailed:
        return False
    except OAuthError:
        return False
    return True


def _expect_refusal(name: str, verify: Callable[[Request], bool], request: Request) -> None:
    if not verify(request):
        raise CheckFailed(f"{name} refuses the valid request")
    if verify(_tampered(request)):
        raise CheckFailed(f"{name} accepts a request whose signature was changed")


def _peer_verify(peer: peers.Peer, w: Workload, requests: List[Request]) -> Optional[Case]:
    verify = peer.verify(w, requests[0])
    if verify is None:
        return None
    _expect_refusal(peer.name, verify, requests[0])
    if len(requests) == 1:
        request = requests[0]
        return Case(peer.name, lambda: verify(request))
    cycle = peers._Cycle(requests)
    return Case(peer.name, lambda: verify(cycle()))


def provider_row(w: Workload, compare: bool, group: str, pool_size: int) -> Row:
    row = Row("provider", w.name, f"provider: full verification of {w.name}, in-memory nonce store", group)
    row.notes.append(f"each call verifies a different request (a pool of {pool_size} signed with fresh nonces "
                     "and the current time); a new nonce store before each sample")
    pool = peers._Pool(w, pool_size)
    row.add("oauth1core", lambda: peers.ours_provider(w, pool))
    from oauth1core import parse_request

    base_string = parse_request(*pool.requests[0]).base_string
    row.add("floor", lambda: _floor_for(w, base_string))
    if compare:
        for peer in PEERS:
            if peer.available():
                row.add(peer.name, lambda peer=peer: peer.provider(w, pool))  # type: ignore[misc]
    return row


def rsa_primitive_rows(method: str, compare: bool) -> List[Row]:
    """RSA alone, on the photos base string: oauth1core's method against `rsa` and `cryptography`."""
    from oauth1core import parse_request
    from oauth1core.methods.rsa import rsa_method

    w = workloads.photos_with_method(method)
    request = peers.signed_request(w)
    base_string = parse_request(*request).base_string
    key = peers.rsa_key()
    ours = rsa_method(method, private_key=key)
    ours_public = rsa_method(method, public_key=key.public_key)
    signature = ours.sign(base_string, "", "")
    sign = Row("rsa sign", f"photos/{method}", f"{method} 2048-bit: sign the base string (no OAuth around it)", "methods")
    verify = Row("rsa verify", f"photos/{method}", f"{method} 2048-bit: verify a signature of the base string",
                 "methods")
    sign.add("oauth1core", lambda: Case("oauth1core", lambda: ours.sign(base_string, "", "")))
    sign.add("floor", lambda: peers.floor_rsa_sign(base_string, method))
    if not ours_public.verify(base_string, signature, "", ""):
        verify.errors["oauth1core"] = "oauth1core does not verify its own signature"
    else:
        verify.add("oauth1core", lambda: Case("oauth1core", lambda: ours_public.verify(base_string, signature, "", "")))
    verify.add("floor", lambda: peers.floor_rsa_verify(signature))
    if compare:
        try:
            sign_cases, verify_cases, _ = peers.rsa_primitive_cases(method, base_string, signature)
        except CheckFailed as exc:
            sign.errors["peers"] = str(exc)
        else:
            sign.cases.extend(sign_cases)
            verify.cases.extend(verify_cases)
    return [sign, verify]


def component_rows(compare: bool) -> List[Row]:
    """The pieces of a signature, on the twitter request."""
    from oauth1core import normalize_parameters, percent_encode, signature_base_string
    from oauth1core.methods import HMAC_SHA1, signing_key
    from oauth1core.parameters import parse_form

    w = workloads.TWITTER
    value = w.form[0][1] if w.form else ""
    params = parse_form(w.uri.partition("?")[2]) + list(w.form or []) + [
        ("oauth_consumer_key", w.consumer_key), ("oauth_nonce", w.nonce), ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", str(w.timestamp)), ("oauth_token", w.token), ("oauth_version", "1.0")]
    oauth_params = params[2:]
    body_params = list(w.form or [])
    base = signature_base_string(w.method, w.uri, body_params + oauth_params)
    key = signing_key(w.consumer_secret, w.token_secret)
    rows = []

    encode = Row("encode", "twitter", f"percent-encode the status value ({len(value)} characters)", "components")
    encode.add("oauth1core", lambda: Case("oauth1core", lambda: percent_encode(value)))
    normalize = Row("normalize", "twitter", "normalize the 8 parameters (section 3.4.1.3.2)", "components")
    normalize.add("oauth1core", lambda: Case("oauth1core", lambda: normalize_parameters(params)))
    base_row = Row("base string", "twitter", "signature base string from the URI and the other parameters", "components")
    base_row.add("oauth1core", lambda: Case("oauth1core", lambda: signature_base_string(w.method, w.uri, body_params + oauth_params)))
    hmac_row = Row("hmac", "twitter", "HMAC-SHA1 signature of the precomputed base string", "components")
    hmac_row.add("oauth1core", lambda: Case("oauth1core", lambda: HMAC_SHA1.sign(base, w.consumer_secret, w.token_secret)))
    keyed = HMAC_SHA1.keyed(key)
    hmac_row.add("oauth1core, keyed", lambda: Case("oauth1core, keyed", lambda: keyed(base),
                                                    note="the client's signer: key states computed once"))
    hmac_row.add("floor", lambda: peers.floor_hmac(base, key))
    if compare:
        if PEERS[0].available():
            from oauthlib.oauth1.rfc5849 import signature as oauthlib_signature
            from oauthlib.oauth1.rfc5849 import utils as oauthlib_utils

            normalized = normalize_parameters(params)
            base_uri = "https://api.twitter.com/1.1/statuses/update.json"
            encode.add("oauthlib", lambda: Case("oauthlib", lambda: oauthlib_utils.escape(value)))
            normalize.add("oauthlib", lambda: Case("oauthlib", lambda: oauthlib_signature.normalize_parameters(params)))
            base_row.add("oauthlib", lambda: Case("oauthlib", lambda: oauthlib_signature.signature_base_string(
                w.method, oauthlib_signature.base_string_uri(w.uri),
                oauthlib_signature.normalize_parameters(
                    oauthlib_signature.collect_parameters(uri_query="include_entities=true",
                                                          body=body_params + oauth_params)))))
            hmac_row.add("oauthlib", lambda: Case("oauthlib", lambda: oauthlib_signature.sign_hmac_sha1(
                base, w.consumer_secret, w.token_secret)))
            assert oauthlib_signature.signature_base_string(w.method, base_uri, normalized) == base
        if PEERS[2].available():
            from authlib.oauth1.rfc5849 import signature as authlib_signature
            from authlib.oauth1.rfc5849.util import escape as authlib_escape

            encode.add("Authlib", lambda: Case("Authlib", lambda: authlib_escape(value)))
            normalize.add("Authlib", lambda: Case("Authlib", lambda: authlib_signature.normalize_parameters(params)))
            base_row.add("Authlib", lambda: Case("Authlib", lambda: authlib_signature.construct_base_string(
                w.method, w.uri, body_params + oauth_params)))
            hmac_row.add("Authlib", lambda: Case("Authlib", lambda: authlib_signature.hmac_sha1_signature(
                base, w.consumer_secret, w.token_secret)))
    rows.extend([encode, normalize, base_row, hmac_row])
    return rows


# -- import time --------------------------------------------------------------------------------


def import_times(rounds: int, compare: bool) -> Dict[str, Any]:
    """Cumulative ``-X importtime`` of ``oauth1core`` (and ``oauthlib.oauth1``), each in a fresh
    interpreter, alternated; compiled bytecode is written first, so no run compiles."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    modules = ["oauth1core"] + (["oauthlib.oauth1"] if compare and PEERS[0].available() else [])
    times: Dict[str, List[float]] = {m: [] for m in modules}
    loaded: Dict[str, List[str]] = {}

    def once(module: str) -> float:
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}, sys; print('\\n'.join(sorted(sys.modules)))"],
            capture_output=True, text=True, env=env, cwd=root, check=True,
        )
        loaded[module] = result.stdout.split()
        for line in result.stderr.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) == 3 and parts[2] == module:
                return int(parts[1]) / 1e6
        raise RuntimeError(f"no importtime line for {module}")

    for module in modules:
        once(module)  # writes the bytecode
    for _ in range(max(rounds, 3)):
        for module in modules:
            times[module].append(once(module))
    ours = [m for m in loaded["oauth1core"] if m == "oauth1core" or m.startswith("oauth1core.")]
    result: Dict[str, Any] = {
        module: {"median_ms": statistics.median(values) * 1e3, "min_ms": min(values) * 1e3,
                 "max_ms": max(values) * 1e3, "samples": len(values)}
        for module, values in times.items()
    }
    result["oauth1core_modules"] = sorted(ours)
    unwanted = [m for m in loaded["oauth1core"] if m.split(".")[0] in ("ssl", "http", "socket", "urllib", "email",
                                                                      "logging", "sqlite3", "threading")
                and m not in _baseline(env, root)]
    result["unneeded_stdlib_modules"] = unwanted
    return result


def _baseline(env: Dict[str, str], root: str) -> List[str]:
    result = subprocess.run([sys.executable, "-c", "import sys; print('\\n'.join(sorted(sys.modules)))"],
                            capture_output=True, text=True, env=env, cwd=root, check=True)
    return result.stdout.split()


# -- the run ------------------------------------------------------------------------------------


def build_rows(groups: List[str], compare: bool, quick: bool) -> List[Row]:
    rows: List[Row] = []
    pool = 256 if quick else 4096
    variants = QUICK_LARGE_VARIANTS if quick else LARGE_VARIANTS
    for name in ("twitter", "photos", "large", "json-body-hash"):
        if name in groups:
            w = workloads.WORKLOADS[name]
            rows.append(sign_row(w, compare, name, fresh=(name == "twitter"), variants=variants))
            rows.append(verify_row(w, compare, name, variants=variants))
            if name in ("twitter", "photos"):
                rows.append(_Lazy(lambda w=w: provider_row(w, compare, w.name, pool), "provider", name))  # type: ignore[misc]
    if "methods" in groups:
        for method in SIGNATURE_METHODS[1:]:
            w = workloads.photos_with_method(method)
            rows.append(sign_row(w, compare, "methods"))
            rows.append(verify_row(w, compare, "methods"))
        for method in ("RSA-SHA1", "RSA-SHA256"):
            rows.extend(rsa_primitive_rows(method, compare))
    if "components" in groups:
        rows.extend(component_rows(compare))
    return rows


class _Lazy(Row):
    """A row built just before it is measured (a provider's pool carries the current time)."""

    def __init__(self, build: Callable[[], Row], operation: str, workload: str) -> None:
        super().__init__(operation, workload, "", workload)
        self.build = build


def run(groups: List[str], compare: bool, settings: Settings, quick: bool,
        progress: Optional[Callable[[str], None]] = None) -> Dict[str, Any]:
    started = time.time()
    rows_out = []
    for row in build_rows(groups, compare, quick):
        if isinstance(row, _Lazy):
            row = row.build()
        if progress:
            progress(row.title)
        if row.cases:
            row.stats = measure(row.cases, settings)
        rows_out.append(row)
    report: Dict[str, Any] = {
        "suite": "oauth1core benchmarks",
        "format": 1,
        "quick": quick,
        "compare": compare,
        "groups": groups,
        "machine": machine(),
        "python": {"implementation": sys.implementation.name, "version": platform.python_version(),
                   "executable": sys.executable},
        "versions": versions(),
        "method": {**settings.as_dict(), "loop_overhead_us": loop_overhead(settings) * 1e6},
        "rows": [row.as_dict() for row in rows_out],
    }
    if "import" in groups and sys.implementation.name == "cpython":
        report["import_time"] = import_times(3 if quick else 15, compare)
    report["targets"] = targets(report)
    report["seconds"] = time.time() - started
    return report


def machine() -> Dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "system": f"{platform.system()} {platform.release()}",
            "machine": platform.machine()}


def versions() -> Dict[str, Optional[str]]:
    import oauth1core

    found: Dict[str, Optional[str]] = {"oauth1core": oauth1core.__version__}
    for peer in PEERS:
        if peer.available():
            found[peer.name] = peer.version()
    for extra in ("rsa", "cryptography"):
        try:
            from importlib.metadata import version

            found[extra] = version(extra)
        except Exception:
            pass
    return found


# -- targets --------------------------------------------------------------------------------------


def _median(report: Dict[str, Any], operation: str, workload: str, implementation: str) -> Optional[float]:
    for row in report["rows"]:
        if row["operation"] == operation and row["workload"] == workload:
            for result in row["results"]:
                if result["implementation"] == implementation:
                    return float(result["median_us"])
    return None


def targets(report: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The issue's targets, from this run's medians: each with its value, its limit, met or not."""
    out: List[Dict[str, Any]] = []

    def add(name: str, value: Optional[float], limit: float, higher_is_better: bool, detail: str) -> None:
        entry: Dict[str, Any] = {"target": name, "limit": limit, "detail": detail}
        if value is None:
            entry.update(value=None, met=None)
        else:
            entry.update(value=round(value, 3), met=value >= limit if higher_is_better else value <= limit)
        out.append(entry)

    def ratio(op: str, workload: str, other: str) -> Optional[float]:
        ours, theirs = _median(report, op, workload, "oauth1core"), _median(report, op, workload, other)
        return theirs / ours if ours and theirs else None

    add("twitter sign: x oauthlib", ratio("sign", "twitter", "oauthlib"), 25, True, "oauthlib time / oauth1core time")
    peer_times = [t for t in (_median(report, "sign", "twitter", p.name) for p in PEERS) if t]
    ours = _median(report, "sign", "twitter", "oauth1core")
    add("twitter sign: x fastest peer", min(peer_times) / ours if peer_times and ours else None, 10, True,
        "fastest peer's time / oauth1core time")
    floor = _median(report, "sign", "twitter", "floor")
    add("twitter sign: / floor", ours / floor if ours and floor else None, 2.5, False, "oauth1core time / floor time")
    add("large sign: x oauthlib", ratio("sign", "large", "oauthlib"), 15, True, "oauthlib time / oauth1core time")
    add("twitter verify: x oauthlib SignatureOnlyEndpoint", ratio("verify", "twitter", "oauthlib"), 10, True,
        "oauthlib time / oauth1core time")
    add("twitter provider: x oauthlib ResourceEndpoint", ratio("provider", "twitter", "oauthlib"), 8, True,
        "oauthlib time / oauth1core time")
    sign_rsa = ratio("rsa sign", "photos/RSA-SHA1", "rsa")
    add("RSA-SHA1 2048 sign: x rsa package", sign_rsa, 1.0, True, "rsa time / oauth1core time")
    verify_ours = _median(report, "rsa verify", "photos/RSA-SHA1", "oauth1core")
    verify_floor = _median(report, "rsa verify", "photos/RSA-SHA1", "floor")
    add("RSA-SHA1 2048 verify: / pow(s, 65537, n)",
        verify_ours / verify_floor if verify_ours and verify_floor else None, 1.5, False, "oauth1core time / pow time")
    imports = report.get("import_time") or {}
    if "oauth1core" in imports and "oauthlib.oauth1" in imports:
        add("import: / oauthlib.oauth1", imports["oauth1core"]["median_ms"] / imports["oauthlib.oauth1"]["median_ms"],
            0.5, False, "cumulative -X importtime, medians")
    else:
        add("import: / oauthlib.oauth1", None, 0.5, False, "cumulative -X importtime, medians")
    return out


# -- output -------------------------------------------------------------------------------------


def _fmt_us(us: float) -> str:
    if us >= 1000:
        return f"{us / 1000:8.2f} ms"
    return f"{us:8.2f} us"


def render(report: Dict[str, Any], pypy: Optional[Dict[str, Any]] = None) -> str:
    lines = []
    py = report["python"]
    lines.append(f"oauth1core benchmarks: {py['implementation']} {py['version']} on {report['machine']['cpu']} "
                 f"({report['machine']['cores']} cores); {report['method']['rounds']} rounds of "
                 f"{report['method']['sample_seconds'] * 1000:g} ms samples, interleaved; median [IQR]")
    if pypy is not None:
        lines.append(f"PyPy column: {pypy['python']['implementation']} {pypy['python']['version']}, same machine, "
                     "run right after")
    versions_text = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
    lines.append(f"versions: {versions_text}")
    pypy_rows = {(r["operation"], r["workload"]): r for r in (pypy or {}).get("rows", [])}
    for row in report["rows"]:
        lines.append("")
        lines.append(f"{row['title']}")
        for note in row["notes"]:
            lines.append(f"    ({note})")
        header = f"    {'implementation':<28}{'median':>12}  {'IQR':>19}  {'x floor':>8}  {'x oauth1core':>12}"
        if pypy is not None:
            header += f"  {'PyPy':>12}  {'x floor':>8}"
        lines.append(header)
        other = pypy_rows.get((row["operation"], row["workload"]), {})
        other_results = {r["implementation"]: r for r in other.get("results", [])}
        for result in row["results"]:
            iqr = f"[{result['q1_us']:.2f}, {result['q3_us']:.2f}]"
            line = (f"    {result['implementation']:<28}{_fmt_us(result['median_us']):>12}  {iqr:>19}  "
                    f"{result.get('ratio_to_floor', float('nan')):>8.2f}  {result.get('ratio_to_oauth1core', float('nan')):>12.2f}")
            if pypy is not None:
                twin = other_results.get(result["implementation"])
                if twin:
                    line += f"  {_fmt_us(twin['median_us']):>12}  {twin.get('ratio_to_floor', float('nan')):>8.2f}"
                else:
                    line += f"  {'-':>12}  {'-':>8}"
            lines.append(line)
        for name, error in row["errors"].items():
            lines.append(f"    {name:<28}not timed: {error}")
    imports = report.get("import_time")
    if imports:
        lines.append("")
        lines.append("import time (cumulative, python -X importtime, fresh interpreter, median)")
        for module in ("oauth1core", "oauthlib.oauth1"):
            if module in imports:
                lines.append(f"    {module:<28}{imports[module]['median_ms']:8.2f} ms  "
                             f"[{imports[module]['min_ms']:.2f}, {imports[module]['max_ms']:.2f}]")
        lines.append(f"    oauth1core loads: {', '.join(imports['oauth1core_modules'])}")
    lines.append("")
    lines.append("targets (this run)")
    for target in report["targets"]:
        if target["met"] is None:
            state = "not measured"
        else:
            state = "met" if target["met"] else "MISSED"
        value = "-" if target["value"] is None else f"{target['value']:.2f}"
        direction = ">=" if "x " in target["target"] else "<="
        lines.append(f"    {target['target']:<50}{value:>8}  ({direction} {target['limit']:g})  {state}")
    lines.append("")
    lines.append(f"loop overhead (a call doing nothing): {report['method']['loop_overhead_us'] * 1000:.0f} ns, "
                 f"included in every figure; the run took {report['seconds']:.0f} s")
    return "\n".join(lines)


def render_markdown(report: Dict[str, Any], pypy: Optional[Dict[str, Any]] = None) -> str:
    """The results as the Markdown tables of README.md."""
    py = report["python"]
    lines = [f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, {report['machine']['system']}. "
             f"CPython {py['version']}" + (f", PyPy {pypy['python']['version']}" if pypy else "") + ". "
             + "Versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()) + ". "
             f"{report['method']['rounds']} interleaved rounds of {report['method']['sample_seconds'] * 1000:g} ms samples; "
             "medians in microseconds, IQR in brackets; x floor = median / the floor's median, measured in the same rounds.",
             ""]
    pypy_rows = {(r["operation"], r["workload"]): r for r in (pypy or {}).get("rows", [])}
    header = "| operation | implementation | CPython median [IQR] | x floor |"
    rule = "|---|---|---|---|"
    if pypy is not None:
        header += " PyPy median [IQR] | x floor |"
        rule += "---|---|"
    lines += [header, rule]
    for row in report["rows"]:
        other = {r["implementation"]: r for r in pypy_rows.get((row["operation"], row["workload"]), {}).get("results", [])}
        first = True
        for result in row["results"]:
            cells = [row["title"] if first else "", result["implementation"],
                     f"{result['median_us']:.2f} [{result['q1_us']:.2f}, {result['q3_us']:.2f}]",
                     f"{result['ratio_to_floor']:.2f}" if "ratio_to_floor" in result else ""]
            if pypy is not None:
                twin = other.get(result["implementation"])
                cells += ([f"{twin['median_us']:.2f} [{twin['q1_us']:.2f}, {twin['q3_us']:.2f}]",
                           f"{twin['ratio_to_floor']:.2f}" if "ratio_to_floor" in twin else ""] if twin else ["", ""])
            lines.append("| " + " | ".join(cells) + " |")
            first = False
        for name, error in row["errors"].items():
            lines.append(f"| {row['title'] if first else ''} | {name} | not timed: {error} | |" + (" | |" if pypy else ""))
            first = False
    imports = report.get("import_time")
    if imports and "oauthlib.oauth1" in imports:
        lines += ["", f"Import (python -X importtime, cumulative, fresh interpreter, median of {imports['oauth1core']['samples']}): "
                  f"oauth1core {imports['oauth1core']['median_ms']:.2f} ms, oauthlib.oauth1 "
                  f"{imports['oauthlib.oauth1']['median_ms']:.2f} ms. `import oauth1core` loads "
                  + ", ".join(f"`{m}`" for m in imports["oauth1core_modules"]) + "."]
    lines += ["", "| target | this run | limit | |", "|---|---|---|---|"]
    for target in report["targets"]:
        value = "-" if target["value"] is None else f"{target['value']:.2f}"
        state = "not measured" if target["met"] is None else ("met" if target["met"] else "**missed**")
        direction = ">=" if "x " in target["target"] else "<="
        lines.append(f"| {target['target']} | {value} | {direction} {target['limit']:g} | {state} |")
    return "\n".join(lines)


def run_pypy(executable: str, argv: List[str]) -> Optional[Dict[str, Any]]:
    """The same suite under PyPy, in a subprocess; its JSON report, or None."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    try:
        result = subprocess.run([executable, "-m", "oauth1core", "bench", "--json", *argv], capture_output=True,
                                text=True, env=env, cwd=root, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"bench: PyPy run failed: {exc}", file=sys.stderr)
        return None
    if result.returncode != 0:
        print(f"bench: PyPy run failed:\n{result.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m oauth1core bench",
        description="Time signing and verification against the floor and, with --compare, the installed peers.",
        epilog="Example: python -m oauth1core bench --compare --pypy    (the README's table)",
    )
    parser.add_argument("--workload", "-w", action="append", choices=GROUPS, metavar="W",
                        help=f"run only these (repeatable): {', '.join(GROUPS)}; default: all")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the results as README.md's tables")
    parser.add_argument("--from-json", metavar="FILE", help="render a saved report (--output) instead of running")
    parser.add_argument("--stages", action="store_true",
                        help="instead: where the time of signing and verifying the twitter request goes, stage by stage")
    parser.add_argument("--compare", action="store_true", help="also time every installed peer library")
    parser.add_argument("--quick", action="store_true", help="a few seconds: 3 short rounds (a smoke test, not figures)")
    parser.add_argument("--rounds", type=int, help="samples per case (default 15; quick: 3)")
    parser.add_argument("--sample-ms", type=float, help="milliseconds per sample (default 20; quick: 1)")
    parser.add_argument("--warmup-ms", type=float, help="warm-up per case (default 50, PyPy 1000; quick: 0)")
    parser.add_argument("--pypy", nargs="?", const="pypy3", metavar="EXE",
                        help="also run the suite under PyPy (default: pypy3) and show its figures beside")
    parser.add_argument("--output", metavar="FILE", help="also write the JSON report to FILE")
    args = parser.parse_args(argv)

    is_pypy = sys.implementation.name == "pypy"
    rounds = args.rounds or (3 if args.quick else 15)
    sample = (args.sample_ms if args.sample_ms is not None else (1 if args.quick else 20)) / 1000
    default_warmup = 0 if args.quick else (1000 if is_pypy else 50)
    warmup = (args.warmup_ms if args.warmup_ms is not None else default_warmup) / 1000
    settings = Settings(rounds, sample, warmup)
    groups = list(dict.fromkeys(args.workload)) if args.workload else list(GROUPS)

    def progress(title: str) -> None:
        if not args.json:
            print(f"  timing: {title}", file=sys.stderr, flush=True)

    if args.stages:
        from .stages import render as render_stages
        from .stages import stages

        staged = stages(settings)
        print(json.dumps(staged, indent=1) if args.json else f"{py_name()}: twitter, stage by stage" + render_stages(staged))
        return 0
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as handle:
            saved = json.load(handle)
        print(render_markdown(saved, saved.get("pypy")) if args.markdown else render(saved, saved.get("pypy")))
        return 0
    report = run(groups, args.compare, settings, args.quick, progress)
    pypy = None
    if args.pypy:
        forwarded = [a for a in (argv if argv is not None else sys.argv[1:]) if not a.startswith("--pypy")
                     and a not in ("--json", "--markdown")]
        forwarded = _strip_option(forwarded, "--output")
        if args.pypy != "pypy3" and args.pypy in forwarded:
            forwarded.remove(args.pypy)
        pypy = run_pypy(args.pypy, forwarded)
        if pypy is not None:
            report["pypy"] = pypy
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=1)
    if args.json:
        print(json.dumps(report, indent=1))
    elif args.markdown:
        print(render_markdown(report, pypy))
    else:
        print(render(report, pypy))
    return 0


def py_name() -> str:
    return f"{sys.implementation.name} {platform.python_version()}"


def _strip_option(argv: List[str], name: str) -> List[str]:
    out: List[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == name:
            skip = True
            continue
        if arg.startswith(name + "="):
            continue
        out.append(arg)
    return out


if __name__ == "__main__":
    sys.exit(main())
