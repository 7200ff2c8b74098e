"""``python -m oauth1core verify | explain | diagnose``: audit a captured request.

The request is a raw HTTP request file (``-`` for standard input), an entry of a HAR file
(``--har FILE [--entry N]``), or given by options (``--uri``, ``--method``, ``-H``, ``--data``).
Secrets come from options, files or the environment and are never printed: keys are masked,
PLAINTEXT signatures too, and the output is checked once more for the secrets' text.

Exit status: 0 valid, 1 invalid (the signature does not verify, or a provider rejects the
request), 2 unusable input (unreadable capture, no OAuth parameters, missing secret or key).
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import textwrap
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from ..audit import CaptureError, Diagnosis, Explanation, diagnose, explain, from_parts, parse_har, parse_raw
from ..audit.capture import CURL_NOTE, Capture
from ..audit.diagnose import available_methods
from ..audit.mistakes import MISTAKES
from ..audit.observe import Observed, observe
from ..audit.conformance import ConformanceError, Implementation, Outcome, by_kind, load_cases, run, totals
from ..audit.probe import FINDINGS, ProbeError, Report, Target, http_sender, run_probe
from ..audit.recipe import CANONICAL, Workbench
from ..encoding import percent_encode
from ..errors import OAuthError, SignatureInvalid
from ..methods import RSA_METHODS, signing_key
from ._common import (ENV, CliError, add_credential_options, client_key, die, parse_header_options, read_text_file,
                      secret)

__all__ = ["main", "main_verify", "main_explain", "main_diagnose", "main_probe", "main_conformance"]

_INPUT = """input (one of):
  REQUEST                a raw HTTP/1.1 request as a proxy or curl -v shows it ('-': standard input);
                         the scheme is --scheme (default https), the host the Host header's
  --har FILE [--entry N] an entry of a HAR file (N counts from 0; default: the first with OAuth)
  --uri URI [--method M] [-H 'Name: value']... [--data BODY | --data-file FILE]
"""

_EXAMPLES = {
    "verify": """example:
  python -m oauth1core verify request.http --scheme http \\
      --client-secret kd94hf93k423kf44 --token-secret pfkkdhi9sl3r4s00
  valid: the HMAC-SHA1 signature verifies
""",
    "explain": """example:
  OAUTH_CLIENT_SECRET=kd94hf93k423kf44 OAUTH_TOKEN_SECRET=pfkkdhi9sl3r4s00 \\
  python -m oauth1core explain --har session.har --entry 3
""",
    "diagnose": """example:
  python -m oauth1core diagnose request.http --client-secret-file client.secret \\
      --token-secret-file token.secret --json
  (findings such as "plus-for-space" or "wrong-scheme", with the base string the client signed)

mistakes it knows, most common first:
""" + textwrap.fill(", ".join(m.id for m in MISTAKES), 96, initial_indent="  ", subsequent_indent="  ",
                    break_on_hyphens=False) + "\n",
}

_DESCRIPTIONS = {
    "verify": "Say whether a captured request's signature verifies (RFC 5849 section 3.2), and why not. "
    "Every stateless check a provider makes: strict parsing, protocol parameters, signature, body hash "
    "(not the timestamp window or the nonce store). Exit 0 valid, 1 invalid, 2 unusable input.",
    "explain": "Print every step of a captured request's signature with the RFC 5849 section it follows: "
    "the parameters and their sources, their encoded and sorted forms, the base string URI, the base "
    "string, the signing key (masked) and the signature. Exit 0 when the signature matches (or no "
    "secret was given to check it), 1 when it does not, 2 on unusable input.",
    "diagnose": "When a captured request's signature does not verify, recompute it under known client "
    "mistakes, alone and in pairs, and report those that reproduce the signature it carries, with the "
    "base string each produces and its difference from the correct one. Exit 0 valid, 1 invalid, "
    "2 unusable input.",
}


def _parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m oauth1core {command}",
        description=_DESCRIPTIONS[command],
        epilog=_INPUT + "\n" + _EXAMPLES[command],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("request", nargs="?", metavar="REQUEST", help="raw HTTP request file, '-' for standard input")
    parser.add_argument("--scheme", choices=("https", "http"), help="the scheme of a raw request (default https)")
    parser.add_argument("--har", metavar="FILE", help="read the request from a HAR file")
    parser.add_argument("--entry", type=int, metavar="N", help="the HAR entry, counted from 0")
    parser.add_argument("--uri", help="the absolute request URI, query included")
    parser.add_argument("--method", help="the HTTP method (with --uri; default GET)")
    parser.add_argument("-H", "--header", action="append", metavar="'Name: value'", help="a header (with --uri; repeatable)")
    parser.add_argument("-d", "--data", metavar="BODY", help="the request body (replaces a capture's)")
    parser.add_argument("--data-file", metavar="FILE", help="read the request body from FILE (replaces a capture's)")
    add_credential_options(parser, key=False)
    parser.add_argument("--rsa-public-key", metavar="PEM", help="the client's RSA public key or certificate: a PEM file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


# -- input ---------------------------------------------------------------------------------


def _read_octets(path: str, what: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CliError(f"cannot read the {what} file {path!r}: {exc.strerror or exc.__class__.__name__}") from None


def _capture(args: argparse.Namespace) -> Capture:
    sources = [name for name, value in (("REQUEST", args.request), ("--har", args.har), ("--uri", args.uri)) if value]
    if len(sources) != 1:
        raise CliError("give the request one way: a REQUEST file, --har FILE, or --uri URI" +
                       (f" (got {' and '.join(sources)})" if sources else ""))  # fmt: skip
    if args.entry is not None and not args.har:
        raise CliError("--entry goes with --har")
    if (args.method or args.header) and not args.uri:
        raise CliError("--method and -H/--header go with --uri (a captured request has its own)")
    if args.scheme and not args.request:
        raise CliError("--scheme goes with a raw REQUEST (HAR entries and --uri carry their scheme)")
    if args.data is not None and args.data_file:
        raise CliError("give the body once: --data or --data-file")
    if args.har:
        capture = parse_har(_read_octets(args.har, "HAR"), args.entry)
    elif args.uri:
        capture = from_parts(args.method or "GET", args.uri, parse_header_options(args.header))
    else:
        capture = parse_raw(_read_octets(args.request, "request"), scheme=args.scheme)
    body: Optional[bytes] = None
    if args.data is not None:
        body = args.data.encode("utf-8", "surrogateescape")
    elif args.data_file:
        body = _read_octets(args.data_file, "body")
    if body is not None:
        capture = Capture(capture.method, capture.uri, capture.headers, body, origin=capture.origin,
                          notes=[n for n in capture.notes if n != CURL_NOTE])  # fmt: skip
    return capture


def _given(args: argparse.Namespace, name: str) -> bool:
    """Whether a secret was given at all (an empty one counts)."""
    return getattr(args, name) is not None or bool(getattr(args, name + "_file")) or any(
        env in os.environ for env in ENV[name]
    )


class _Inputs:
    """What every command reads: the request, read, and the credentials."""

    def __init__(self, args: argparse.Namespace, client_secret: Optional[str], token_secret: str) -> None:
        self.client_secret = client_secret
        self.token_secret = token_secret
        self.capture = _capture(args)
        self.observed = observe(self.capture)
        self.rsa_public_key: Optional[str] = None
        if args.rsa_public_key:
            text = args.rsa_public_key
            self.rsa_public_key = text if text.lstrip().startswith("-----BEGIN") else read_text_file(text, "RSA public key")
        if not self.observed.oauth:
            raise CliError("the request carries no OAuth protocol parameters (no 'Authorization: OAuth' "
                           "header, no oauth_* parameter in the query or form body): nothing to check")  # fmt: skip
        try:
            self.methods = available_methods(self.client_secret, self.rsa_public_key)
        except ModuleNotFoundError:
            raise CliError("RSA verification is not available in this version") from None
        except OAuthError as exc:
            raise CliError(f"the RSA public key cannot be used: {exc.message}") from None

    def require_key(self) -> None:
        """Exit 2 unless the signature method the request names can be checked."""
        name = self.observed.signature_method
        if name in self.methods:
            return
        if name in RSA_METHODS:
            raise CliError(f"the request is signed with {name}: give the client's public key (--rsa-public-key PEM)")
        if self.client_secret is None and not (name or "").startswith("RSA-"):
            raise CliError("give the client secret (--client-secret, --client-secret-file or OAUTH_CLIENT_SECRET)")



def _redactor(client_secret: Optional[str], token_secret: str) -> Callable[[str], str]:
    """Replace any secret's text (raw, encoded, or as the key) by "***": the last safety net
    (nothing prints a secret; masked values and PLAINTEXT signatures are masked at the source)."""
    found: Set[str] = set()
    for value in (client_secret or "", token_secret):
        found.update((value, percent_encode(value)))
    if client_secret is not None:
        found.add(signing_key(client_secret, token_secret))
    hidden = sorted((s for s in found if len(s) >= 6), key=len, reverse=True)  # shorter ones match too much

    def redact(text: str) -> str:
        for value in hidden:
            text = text.replace(value, "***")
        return text

    return redact


def _redact_json(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_json(item, redact) for item in value]
    if isinstance(value, dict):
        return {key: _redact_json(item, redact) for key, item in value.items()}
    return value


def _run(command: str, argv: List[str], body: Callable[[_Inputs, argparse.Namespace], Tuple[int, Any, str]]) -> int:
    """Parse the options, read the inputs, run ``body`` and print its JSON or text, redacted."""
    args = _parser(command).parse_args(argv)
    redact: Callable[[str], str] = str
    try:
        client_secret = secret(args, "client_secret") if _given(args, "client_secret") else None
        token_secret = secret(args, "token_secret")
        redact = _redactor(client_secret, token_secret)
        status, data, text = body(_Inputs(args, client_secret, token_secret), args)
    except (CliError, CaptureError, OAuthError) as exc:  # OAuthError: a request that cannot be audited
        return die(redact(str(exc)))
    except Exception as exc:  # never a traceback: say what failed
        if os.environ.get("OAUTH1CORE_DEBUG"):
            raise
        return die(f"internal error ({exc.__class__.__name__}); set OAUTH1CORE_DEBUG=1 to see where")
    output = json.dumps(_redact_json(data, redact), indent=2, ensure_ascii=False) if args.json else redact(text)
    try:
        print(output)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped early (| head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, 100, initial_indent=indent, subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)  # fmt: skip


def _header(observed: Observed) -> str:
    where = {"header": "the Authorization header", "query": "the query", "body": "the form body"}
    return (f"{observed.method} {observed.display_uri()}\n  ({observed.capture.origin}; OAuth parameters in "
            f"{where.get(observed.placement or '', 'no place')})")  # fmt: skip


# -- verify --------------------------------------------------------------------------------


def _verify(inputs: _Inputs, args: argparse.Namespace) -> Tuple[int, Any, str]:
    from ..verify import verify_request

    inputs.require_key()
    capture, observed = inputs.capture, inputs.observed
    name = observed.signature_method
    try:
        verify_request(
            capture.method,
            capture.uri,
            capture.header_map(),
            capture.body,
            client_secret=inputs.client_secret or "",
            token_secret=inputs.token_secret,
            rsa_public_key=inputs.rsa_public_key,
        )
    except OAuthError as exc:
        lines = [f"invalid: {exc}"]
        if not isinstance(exc, SignatureInvalid):
            bench = Workbench(observed, inputs.methods, inputs.client_secret or "", inputs.token_secret)
            if bench.verifies(CANONICAL):
                lines.append("the signature itself is correct, over the request read leniently")
        lines.append("run 'python -m oauth1core diagnose' with the same arguments to find out why")
        data = {"valid": False, "reason": exc.message, "problem": exc.problem, "status": exc.status,
                "section": exc.section, "parameter": exc.parameter, "signature_method": name,
                "base_string": observed.base_string}  # fmt: skip
        return 1, data, "\n".join(lines)
    data = {"valid": True, "reason": None, "problem": None, "status": None, "section": None, "parameter": None,
            "signature_method": name, "base_string": observed.base_string}  # fmt: skip
    text = (f"valid: the {name} signature verifies (RFC 5849 section 3.2)\n"
            "(the timestamp window and the nonce are the provider's to check)")  # fmt: skip
    return 0, data, text


def main_verify(argv: List[str]) -> int:
    return _run("verify", argv, _verify)


# -- explain -------------------------------------------------------------------------------


def _explain_text(result: Explanation) -> str:
    out = []
    for number, step in enumerate(result.steps):
        out.append(f"{number}. {step.title}  [RFC 5849 section {step.section}]")
        out.extend("     " + line for line in step.lines)
        out.append("")
    return "\n".join(out).rstrip()


def _explain(inputs: _Inputs, args: argparse.Namespace) -> Tuple[int, Any, str]:
    result = explain(inputs.observed, client_secret=inputs.client_secret, token_secret=inputs.token_secret,
                     rsa_public_key=inputs.rsa_public_key)  # fmt: skip
    return (1 if result.verifies is False else 0), result.to_dict(), _explain_text(result)


def main_explain(argv: List[str]) -> int:
    return _run("explain", argv, _explain)


# -- diagnose ------------------------------------------------------------------------------


def _diagnose_text(result: Diagnosis) -> str:
    data = result.to_dict()
    observed = result.observed
    out = [_header(observed)]
    name = result.signature_method or "(none)"
    if result.valid:
        out.append(f"VALID: the {name} signature verifies and the request is well formed.")
        out.append("(the timestamp window and the nonce are the provider's to check)")
        return "\n".join(out)
    if result.signature_valid:
        out.append(f"INVALID, although the {name} signature itself is correct:")
    else:
        out.append(f"INVALID: the {name} signature does not verify.")
        out.append(f"  sent:    {data['provided_signature'] or '(none)'}")
        out.append(f"  correct: {data['signature'] or '(cannot be computed here: it needs the private key)'}")
    out.extend(_wrap("problem: " + problem) for problem in result.problems)
    out.extend(_wrap("note: " + note) for note in result.notes)
    if result.findings:
        count = len(result.findings)
        out.append(f"\n{count} known client mistake{'s' if count > 1 else ''} reproduce{'' if count > 1 else 's'} "
                   "the signature sent (most likely first):")  # fmt: skip
        for number, finding in enumerate(result.findings, 1):
            sections = ", ".join(m.section for m in finding.mistakes)
            out.append(f"\n[{number}] {finding.id}  (RFC 5849 section {sections}; signed with {finding.signature_method})")
            out.append(_wrap(finding.explanation, "    "))
            if finding.diff:
                out.append("    the base string the client signed differs from the correct one:")
                out.extend("      " + line for line in finding.diff)
                out.append("    the base string the client signed:")
                out.append("      " + finding.base_string)
            else:
                out.append("    the base string is the correct one: the key or the signature method differs")
    elif not result.signature_valid and result.tried:
        out.append("\nNo known client mistake reproduces the signature sent, alone or in pairs.")
        out.append(_wrap("tried: " + ", ".join(result.tried) + f" ({result.computations} signatures computed)"))
        if result.not_applicable:
            out.append(_wrap("changing nothing for this request: " + ", ".join(result.not_applicable)))
        out.append(_wrap("Check the secrets (a token secret of other credentials?), and whether something "
                         "changed the request after it was signed (a proxy rewriting the URI, a redirect, "
                         "a body re-encoded by a framework)."))  # fmt: skip
    out.append("\nthe correct base string (RFC 5849 section 3.4.1.1):")
    out.append("  " + result.base_string)
    return "\n".join(out)


def _diagnose(inputs: _Inputs, args: argparse.Namespace) -> Tuple[int, Any, str]:
    inputs.require_key()
    result = diagnose(inputs.observed, client_secret=inputs.client_secret, token_secret=inputs.token_secret,
                      rsa_public_key=inputs.rsa_public_key)  # fmt: skip
    data: Dict[str, Any] = result.to_dict()
    return (0 if result.valid else 1), data, _diagnose_text(result)


def main_diagnose(argv: List[str]) -> int:
    return _run("diagnose", argv, _diagnose)


# -- probe ---------------------------------------------------------------------------------

_PROBE_EPILOG = """example (probe only providers you are allowed to test):
  python -m oauth1core probe https://api.example.com/1/whoami --client-key K --client-secret-file client.secret \\
      --token T --token-secret-file token.secret --json
  python -m oauth1core probe https://api.example.com/oauth/request_token --method POST --callback oob \\
      --client-key K --client-secret-file client.secret

finding ids: """ + ", ".join(FINDINGS) + """
exit status: 0 no finding, 1 findings, 2 the probe could not run (the correct request was refused,
the target is unreachable or not http(s), bad options)
"""


def _probe_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m oauth1core probe",
        description="Send a provider a correct request, then a bounded set of requests a strict provider "
        "must refuse or accept (RFC 5849), and report what it did. Probe only providers you are allowed to test.",
        epilog=_PROBE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("url", metavar="URL", help="an http(s) endpoint that requires a valid signature")
    add_credential_options(parser)
    parser.add_argument("--callback", default="", help="oauth_callback (probing a temporary-credentials endpoint)")
    parser.add_argument("--method", default="GET", type=str.upper, choices=("GET", "POST", "PUT", "PATCH", "DELETE"))
    parser.add_argument("--signature-method", default="HMAC-SHA1", type=str.upper,
                        choices=("HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512"), help="of every check (default HMAC-SHA1)")
    parser.add_argument("--max-requests", type=int, default=40, metavar="N", help="never more requests (default 40)")
    parser.add_argument("--delay", type=float, default=0.2, metavar="SECONDS", help="between requests (default 0.2)")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per request (default 10)")
    parser.add_argument("--cafile", metavar="FILE", help="trust this CA (PEM) for an https target")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _probe_table(report: Report) -> str:
    rows = [("check", "strict provider", "this one", "verdict", "section")]
    for result in report.results:
        verdict = {"pass": "ok", "finding": result.finding, "skipped": "skipped: " + result.note}[result.verdict]
        rows.append((result.check.name, "accepts" if result.check.expect == "accept" else "refuses",
                     result.observed or "-", verdict, result.check.section))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths + [0])).rstrip() for row in rows]
    count = len(report.findings)
    head = f"probe of {report.target}: baseline {report.baseline['observed']}, {report.requests} requests"
    tail = f"{count} finding{'s' if count != 1 else ''}" + "".join(
        f"\n  {r.finding}: {r.to_dict()['explanation']}\n    request: {r.check.request}" for r in report.findings)
    return "\n".join([head, ""] + lines + ["", tail])


def _probe_target(args: argparse.Namespace) -> Target:
    key = client_key(args)
    if not key:
        raise CliError("give the client key (--client-key or OAUTH_CLIENT_KEY)")
    if args.max_requests < 1 or args.delay < 0 or args.timeout <= 0:
        raise CliError("--max-requests must be at least 1, --delay not negative, --timeout positive")
    return Target(args.url, key, secret(args, "client_secret"), args.token or client_key(args, "token") or "",
                  secret(args, "token_secret"), args.callback, args.method, args.signature_method)  # fmt: skip


def main_probe(argv: List[str]) -> int:
    args = _probe_parser().parse_args(argv)
    client_secret, token_secret = secret(args, "client_secret"), secret(args, "token_secret")
    redact = _redactor(client_secret, token_secret)
    try:
        target = _probe_target(args)
        context = ssl.create_default_context(cafile=args.cafile) if args.cafile else None
        report = run_probe(target, http_sender(args.timeout, context), max_requests=args.max_requests,
                           delay=args.delay)  # fmt: skip
    except (CliError, ProbeError) as exc:
        return die(redact(str(exc)))
    except (OSError, ssl.SSLError) as exc:
        return die(redact(f"cannot probe: {exc.__class__.__name__}: {exc}"))
    data = _redact_json(report.to_dict(), redact)
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else redact(_probe_table(report)))
    return 1 if report.findings else 0


# -- conformance ---------------------------------------------------------------------------

_CONFORMANCE_EPILOG = """protocol (vectors/README.md, "The conformance line protocol"): the command reads one JSON object
per line on stdin, {"id", "kind", "input"}, and writes one per line on stdout: {"id", "output"},
{"id", "error"} when it refuses the input, or {"id", "unsupported": true}.

example:
  python -m oauth1core conformance --exec 'node docs/examples/conformance/node_adapter.js'
exit status: 0 no failure, 1 failures, 2 the run could not go on (the command crashed, timed out,
or wrote something that is not a protocol answer; a vector file is unreadable)
"""


def _conformance_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m oauth1core conformance",
        description="Run the test vectors against another OAuth 1.0a implementation through a JSON line "
        "protocol; print each failure with the expected and actual value and the diagnose mistake that "
        "explains it; end with 'N passed, M failed, K unsupported'.",
        epilog=_CONFORMANCE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--exec", dest="command", required=True, metavar="COMMAND",
                        help="the implementation's command line (split like a POSIX shell, run without a shell)")
    parser.add_argument("files", nargs="*", metavar="FILE", help="more vector files (vectors/ is always run)")
    parser.add_argument("--only", action="store_true", help="run only the files given, not vectors/")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per answer (default 10)")
    parser.add_argument("--json", action="store_true", help="print every outcome and the totals per kind as JSON")
    return parser


def _vector_files() -> List[str]:
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for folder in (os.path.join(package_root, "vectors"), os.path.join(os.getcwd(), "vectors")):
        if os.path.isdir(folder):
            return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".json"))
    return []


def _conformance_text(outcomes: List[Outcome]) -> str:
    out = []
    for outcome in outcomes:
        if outcome.verdict != "failed":
            continue
        out.append(f"FAIL {outcome.case.file}: {outcome.case.id}  [{outcome.case.kind}]")
        out.append(f"  expected: {json.dumps(outcome.case.expect, ensure_ascii=False)}")
        out.append(f"  actual:   {json.dumps(outcome.actual, ensure_ascii=False)}")
        out.extend(f"  problem:  {problem}" for problem in outcome.problems if problem != "wrong output")
        out.extend(f"  diagnose: {mistake}" for mistake in outcome.diagnosis)
    counts = totals(outcomes)
    out.append(f"{counts['passed']} passed, {counts['failed']} failed, {counts['unsupported']} unsupported")
    return "\n".join(out)


def main_conformance(argv: List[str]) -> int:
    args = _conformance_parser().parse_args(argv)
    files = (args.files if args.only else _vector_files() + args.files)
    if not files or args.timeout <= 0:
        return die("no vector files to run" if not files else "--timeout must be positive")
    try:
        cases = load_cases(files)
        implementation = Implementation(args.command, args.timeout)
        try:
            outcomes = run(cases, implementation.ask)
        finally:
            implementation.close()
    except ConformanceError as exc:
        return die(str(exc))
    if args.json:
        data = {"implementation": args.command, "totals": totals(outcomes), "by_kind": by_kind(outcomes),
                "outcomes": [outcome.to_dict() for outcome in outcomes]}
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(_conformance_text(outcomes))
    return 1 if totals(outcomes)["failed"] else 0


_COMMANDS = {"verify": main_verify, "explain": main_explain, "diagnose": main_diagnose, "probe": main_probe,
             "conformance": main_conformance}


def main(argv: List[str]) -> int:
    """Fallback entry point: ``main(["diagnose", ...])``."""
    if not argv or argv[0] not in _COMMANDS:
        return die("usage: python -m oauth1core {verify,explain,diagnose} REQUEST [options] (see --help)")
    return _COMMANDS[argv[0]](argv[1:])
