"""``python -m oauth1core vectors [FILE ...]``: check test-vector files.

The format is ``vectors/README.md`` (version 1). Every case of every file is checked
and ends as passed or failed; none is skipped. A file that does not follow the format (not
JSON, unknown kind, missing field) fails: its problems are printed and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from ..errors import OAuthError, SignatureInvalid

__all__ = ["check_file", "check_case", "FormatError", "KINDS", "main", "vectors_folder"]


class FormatError(Exception):
    """A vector file or case does not follow the format."""


_ERROR = {"error": True}


def _str(obj: Dict[str, Any], key: str, default: Optional[str] = None) -> str:
    if key not in obj:
        if default is not None:
            return default
        raise FormatError(f"missing field input.{key}")
    value = obj[key]
    if not isinstance(value, str):
        raise FormatError(f"input.{key} must be a string")
    return value


def _opt_str(obj: Dict[str, Any], key: str) -> Optional[str]:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise FormatError(f"input.{key} must be a string")
    return value


def _params(obj: Dict[str, Any]) -> List[Tuple[str, str]]:
    if "params" not in obj:
        raise FormatError("missing field input.params")
    raw = obj["params"]
    if not isinstance(raw, list):
        raise FormatError("input.params must be a list of [name, value] pairs")
    pairs: List[Tuple[str, str]] = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
            raise FormatError("input.params must be a list of [name, value] pairs of strings")
        pairs.append((item[0], item[1]))
    return pairs


def _text_or_error(func: Callable[[], str]) -> Any:
    try:
        return func()
    except OAuthError:
        return _ERROR


def _kind_percent_encode(inp: Dict[str, Any]) -> Any:
    from ..encoding import percent_encode

    value = _str(inp, "value")
    return _text_or_error(lambda: percent_encode(value))


def _kind_percent_decode(inp: Dict[str, Any]) -> Any:
    from ..encoding import percent_decode

    value = _str(inp, "value")
    return _text_or_error(lambda: percent_decode(value))


def _kind_base_string_uri(inp: Dict[str, Any]) -> Any:
    from ..base_string import base_string_uri

    uri = _str(inp, "uri")
    return _text_or_error(lambda: base_string_uri(uri))


def _kind_normalize_parameters(inp: Dict[str, Any]) -> Any:
    from ..parameters import normalize_parameters

    params = _params(inp)
    return _text_or_error(lambda: normalize_parameters(params))


def _kind_signature_base_string(inp: Dict[str, Any]) -> Any:
    from ..base_string import signature_base_string

    method, uri, params = _str(inp, "method"), _str(inp, "uri"), _params(inp)
    return _text_or_error(lambda: signature_base_string(method, uri, params))


def _rsa_keys(inp: Dict[str, Any]) -> Tuple[Optional[str], Optional[str]]:
    """(private PEM, public PEM or certificate) of a case."""
    private = _opt_str(inp, "rsa_private_key")
    public = _opt_str(inp, "rsa_public_key") or _opt_str(inp, "certificate")
    return private, public


def _signer(name: str, private: Optional[str]) -> Any:
    """The method that signs: with the private key only (RSA), so a case whose public key does
    not match its private key is reported as a failed case, not as a key error."""
    from ..methods import resolve

    return resolve(name, private_key=private) if name.startswith("RSA-") else resolve(name)


def _verifier(name: str, private: Optional[str], public: Optional[str]) -> Any:
    """The method that verifies: with the public key or certificate (RSA), else the private key's public half."""
    from ..methods import resolve

    if not name.startswith("RSA-"):
        return resolve(name)
    return resolve(name, public_key=public or (None if private is None else _public_of(private)))


def _public_of(private_pem: str) -> Any:
    from ..methods.rsa import load_private_key

    return load_private_key(private_pem).public_key


def _check_signature(case_input: Dict[str, Any], expect: Any) -> Optional[str]:
    """Kind ``signature``: sign where a secret or private key is given, verify where a public key is."""
    name = _str(case_input, "signature_method")
    base = _str(case_input, "base_string")
    client_secret = _str(case_input, "client_secret", "")
    token_secret = _str(case_input, "token_secret", "")
    private, public = _rsa_keys(case_input)
    if not isinstance(expect, str):
        raise FormatError("expect of a signature case must be a string")
    if name.startswith("RSA-") and private is None and public is None:
        raise FormatError("an RSA signature case needs rsa_private_key, rsa_public_key or certificate")
    try:
        problems = []
        if private is not None or not name.startswith("RSA-"):
            got = _signer(name, private).sign(base, client_secret, token_secret)
            if got != expect:
                problems.append(f"expected {expect!r}, got {got!r}")
        if not name.startswith("RSA-") or public is not None:
            if not _verifier(name, private, public).verify(base, expect, client_secret, token_secret):
                problems.append(f"the expected signature {expect!r} does not verify")
        return "; ".join(problems) or None
    except OAuthError as exc:
        return f"expected {expect!r}, got error {type(exc).__name__}: {exc.message}"


class _RequestCase(NamedTuple):
    """The input of a ``request`` case, read and checked."""

    method: str
    uri: str
    headers: Dict[str, str]
    body: Optional[str]
    client_secret: str
    token_secret: str
    private: Optional[str]
    public: Optional[str]

    def verify(self) -> None:
        """``verify_request`` with the case's secrets and public key (raises on refusal)."""
        from ..verify import verify_request

        public_key = self.public or (None if self.private is None else _public_of(self.private))
        verify_request(self.method, self.uri, self.headers, self.body, client_secret=self.client_secret,
                       token_secret=self.token_secret, rsa_public_key=public_key)


def _read_request_case(case_input: Dict[str, Any], expect: Any) -> _RequestCase:
    headers = case_input.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise FormatError("input.headers must be an object of strings")
    if not isinstance(expect, dict) or not expect:
        raise FormatError("expect of a request case must be a non-empty object")
    unknown = set(expect) - {"base_string", "signature", "valid", "error"}
    if unknown:
        raise FormatError(f"unknown field(s) in expect: {sorted(unknown)}")
    private, public = _rsa_keys(case_input)
    return _RequestCase(_str(case_input, "method"), _str(case_input, "uri"), headers, _opt_str(case_input, "body"),
                        _str(case_input, "client_secret", ""), _str(case_input, "token_secret", ""), private, public)


def _expect_request_error(case: _RequestCase, expect: Dict[str, Any]) -> Optional[str]:
    """``{"error": true}``: the request must be refused for a reason other than its signature."""
    from ..parsing import parse_request
    from ..verify import check_protocol

    if expect["error"] is not True or len(expect) != 1:
        raise FormatError('an error expectation is exactly {"error": true}')
    try:
        check_protocol(parse_request(case.method, case.uri, case.headers, case.body))
        case.verify()
    except SignatureInvalid:
        return "expected a malformed-request error, got signature_invalid (the request parsed)"
    except OAuthError:
        return None
    return "expected an error, the request verified"


def _signature_problem(case: _RequestCase, base_string: str, name: str, expected: Any) -> Optional[str]:
    try:
        signer = _signer(name, case.private)
        if name.startswith("RSA-") and case.private is None:
            return "signature: an RSA case needs rsa_private_key to compute a signature"
        got = signer.sign(base_string, case.client_secret, case.token_secret)
    except OAuthError as exc:
        return f"signature: got error {type(exc).__name__}: {exc.message}"
    return None if got == expected else f"signature: expected {expected!r}, got {got!r}"


def _validity_problem(case: _RequestCase, expected: Any) -> Optional[str]:
    if not isinstance(expected, bool):
        raise FormatError("expect.valid must be a boolean")
    try:
        case.verify()
        valid = True
    except SignatureInvalid:
        valid = False
    except OAuthError as exc:
        return f"valid: expected {expected}, got error {type(exc).__name__}: {exc.message}"
    return None if valid == expected else f"valid: expected {expected}, got {valid}"


def _check_request(case_input: Dict[str, Any], expect: Any) -> Optional[str]:
    """Kind ``request``: every stateless rule (no timestamp window, no nonce store)."""
    from ..parsing import parse_request

    case = _read_request_case(case_input, expect)
    if "error" in expect:
        return _expect_request_error(case, expect)
    try:
        parsed = parse_request(case.method, case.uri, case.headers, case.body)
    except OAuthError as exc:
        return f"expected {expect!r}, got error {type(exc).__name__}: {exc.message}"
    problems: List[Optional[str]] = []
    if "base_string" in expect and parsed.base_string != expect["base_string"]:
        problems.append(f"base_string: expected {expect['base_string']!r}, got {parsed.base_string!r}")
    if "signature" in expect:
        name = parsed.oauth.get("oauth_signature_method", "")
        problems.append(_signature_problem(case, parsed.base_string, name, expect["signature"]))
    if "valid" in expect:
        problems.append(_validity_problem(case, expect["valid"]))
    return "; ".join(p for p in problems if p) or None


_SIMPLE: Dict[str, Callable[[Dict[str, Any]], Any]] = {
    "percent_encode": _kind_percent_encode,
    "percent_decode": _kind_percent_decode,
    "base_string_uri": _kind_base_string_uri,
    "normalize_parameters": _kind_normalize_parameters,
    "signature_base_string": _kind_signature_base_string,
}
KINDS = tuple(_SIMPLE) + ("signature", "request")


def check_case(case: Any) -> Optional[str]:
    """Check one case: ``None`` when it passes, else what went wrong. Raises FormatError."""
    if not isinstance(case, dict):
        raise FormatError("a case must be an object")
    for key in ("id", "kind", "input", "expect"):
        if key not in case:
            raise FormatError(f"missing field {key}")
    kind, case_input, expect = case["kind"], case["input"], case["expect"]
    if not isinstance(case_input, dict):
        raise FormatError("input must be an object")
    if kind in _SIMPLE:
        if not (isinstance(expect, str) or expect == _ERROR):
            raise FormatError('expect must be a string or {"error": true}')
        got = _SIMPLE[kind](case_input)
        if got != expect:
            return f"expected {expect!r}, got {got!r}"
        return None
    if kind == "signature":
        return _check_signature(case_input, expect)
    if kind == "request":
        return _check_request(case_input, expect)
    raise FormatError(f"unknown kind {kind!r}")


def check_file(path: str) -> Tuple[int, List[str], bool]:
    """Check every case of one file: ``(passed, failure lines, file is well-formed)``."""
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as exc:
        return 0, [f"{name}: not a readable JSON file: {exc}"], False
    if not isinstance(document, dict):
        return 0, [f"{name}: the file must hold one JSON object"], False
    problems: List[str] = []
    if document.get("format") != 1:
        problems.append(f"{name}: unsupported or missing format (expected 1)")
    if not isinstance(document.get("source"), str):
        problems.append(f"{name}: missing field source")
    cases = document.get("cases")
    if not isinstance(cases, list):
        return 0, problems + [f"{name}: missing field cases (a list)"], False
    passed, failures, well_formed = 0, list(problems), not problems
    seen = set()
    for index, case in enumerate(cases):
        case_id = case.get("id", f"#{index}") if isinstance(case, dict) else f"#{index}"
        if case_id in seen:
            failures.append(f"{name}: {case_id}: duplicate case id")
            well_formed = False
        seen.add(case_id)
        try:
            problem = check_case(case)
        except FormatError as exc:
            failures.append(f"{name}: {case_id}: malformed case: {exc}")
            well_formed = False
            continue
        except Exception as exc:  # a crash is a failure of the library, reported, never hidden
            failures.append(f"{name}: {case_id}: crashed: {type(exc).__name__}: {exc}")
            continue
        if problem is None:
            passed += 1
        else:
            failures.append(f"{name}: {case_id}: {problem}")
    return passed, failures, well_formed


def vectors_folder() -> str:
    """The published vectors: ``vectors/`` beside the package in a checkout or an unpacked sdist,
    else the copy an installed wheel carries (``oauth1core/_vectors``, see setup.py), else
    ``vectors/`` in the current directory; ``""`` when there is none."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for folder in (
        os.path.join(os.path.dirname(package), "vectors"),
        os.path.join(package, "_vectors"),
        os.path.join(os.getcwd(), "vectors"),
    ):
        if os.path.isdir(folder):
            return folder
    return ""


def _default_files() -> List[str]:
    folder = vectors_folder()
    files: List[str] = []
    for root, _, names in os.walk(folder) if folder else ():
        files.extend(os.path.join(root, n) for n in names if n.endswith(".json"))
    return sorted(files)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m oauth1core vectors",
        description="Check test-vector files (format: vectors/README.md, installed as oauth1core/_vectors/README.md). Prints one line per "
        "failing case and ends with 'N passed, M failed'; exits 1 on any failure or malformed file.",
        epilog="example: python -m oauth1core vectors vectors/rfc5849.json",
    )
    parser.add_argument("files", nargs="*", help="vector files (default: every .json file of the published vectors, vectors/ in a checkout)")
    args = parser.parse_args(argv)
    files = args.files or _default_files()
    if not files:
        print("no vector files found", file=sys.stderr)
        print("0 passed, 0 failed")
        return 1
    total_passed = total_failed = 0
    ok = True
    for path in files:
        passed, failures, well_formed = check_file(path)
        total_passed += passed
        total_failed += len(failures)
        ok = ok and well_formed
        for line in failures:
            print("FAIL " + line)
    print(f"{total_passed} passed, {total_failed} failed")
    return 0 if ok and total_failed == 0 else 1
