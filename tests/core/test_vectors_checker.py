"""The vector checker: every case checked, none skipped, malformed files fail."""

import json
import os
import subprocess
import sys

import pytest

from oauth1core.cli.vectors import check_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*args):
    return subprocess.run([sys.executable, "-m", "oauth1core", "vectors", *args], cwd=ROOT, capture_output=True, text=True)


def write(tmp_path, document, name="v.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return str(path)


def test_shipped_vectors_all_pass():
    result = run()
    assert result.returncode == 0, result.stdout
    last = result.stdout.strip().splitlines()[-1]
    passed, failed = last.split(", ")
    assert failed == "0 failed" and int(passed.split()[0]) >= 200


def test_every_shipped_file_names_its_source():
    folder = os.path.join(ROOT, "vectors")
    for name in [n for n in os.listdir(folder) if n.endswith(".json")]:  # README.md documents them
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            document = json.load(handle)
        assert document["format"] == 1 and document["source"] and document["cases"], name


def test_a_failing_case_is_reported(tmp_path):
    path = write(tmp_path, {"format": 1, "source": "t", "cases": [
        {"id": "ok", "kind": "percent_encode", "input": {"value": " "}, "expect": "%20"},
        {"id": "bad", "kind": "percent_encode", "input": {"value": " "}, "expect": "+"},
    ]})
    result = run(path)
    assert result.returncode == 1
    assert "bad" in result.stdout and "'+'" in result.stdout and "'%20'" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "1 passed, 1 failed"


@pytest.mark.parametrize(
    "case, reason",
    [
        ({"id": "x", "kind": "no_such_kind", "input": {}, "expect": ""}, "unknown kind"),
        ({"id": "x", "kind": "percent_encode", "input": {}, "expect": ""}, "missing field input.value"),
        ({"id": "x", "kind": "percent_encode", "input": {"value": "a"}}, "missing field expect"),
        ({"id": "x", "kind": "request", "input": {"method": "GET", "uri": "http://h/"}, "expect": {"colour": 1}}, "unknown field"),
        ({"id": "x", "kind": "normalize_parameters", "input": {"params": [["a"]]}, "expect": ""}, "pairs"),
    ],
)
def test_malformed_cases_fail_the_run(tmp_path, case, reason):
    path = write(tmp_path, {"format": 1, "source": "t", "cases": [case]})
    result = run(path)
    assert result.returncode == 1 and reason in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_not_json_and_wrong_format(tmp_path):
    assert run(write(tmp_path, "{nope")).returncode == 1
    assert run(write(tmp_path, {"format": 2, "source": "t", "cases": []})).returncode == 1


def test_error_expectations(tmp_path):
    path = write(tmp_path, {"format": 1, "source": "t", "cases": [
        {"id": "dec", "kind": "percent_decode", "input": {"value": "%zz"}, "expect": {"error": True}},
        {"id": "dup", "kind": "request", "input": {"method": "GET", "uri": "http://h/",
         "headers": {"Authorization": 'OAuth oauth_nonce="a", oauth_nonce="a"'}}, "expect": {"error": True}},
        {"id": "wrong", "kind": "percent_decode", "input": {"value": "%41"}, "expect": {"error": True}},
    ]})
    passed, failures, well_formed = check_file(path)
    assert passed == 2 and well_formed and len(failures) == 1 and "wrong" in failures[0]


def test_valid_false_is_a_signature_failure_not_an_error(tmp_path):
    from oauth1core import Client

    s = Client("ck", "cs").sign("GET", "http://h/?a=1")
    case = {"method": "GET", "uri": s.uri, "headers": s.headers, "client_secret": "cs"}
    path = write(tmp_path, {"format": 1, "source": "t", "cases": [
        {"id": "good", "kind": "request", "input": case, "expect": {"valid": True, "base_string": s.base_string, "signature": s.signature}},
        {"id": "badsecret", "kind": "request", "input": dict(case, client_secret="x"), "expect": {"valid": False}},
        {"id": "claims-valid", "kind": "request", "input": dict(case, client_secret="x"), "expect": {"valid": True}},
    ]})
    passed, failures, _ = check_file(path)
    assert passed == 2 and len(failures) == 1 and "claims-valid" in failures[0]
