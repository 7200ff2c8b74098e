"""``python -m oauth1core sign``: reproducible signatures, secrets never echoed."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sign(*args, env=None):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "oauth1core", "sign", *args], cwd=ROOT, capture_output=True, text=True, env=full_env)


PHOTOS = ["GET", "http://photos.example.net/photos?file=vacation.jpg&size=original", "--client-key", "dpf43f3p2l4k3l03",
          "--token", "nnch734d00sl2jdk", "--realm", "Photos", "--nonce", "chapoH", "--timestamp", "137131202", "--no-version"]
SECRETS = {"OAUTH_CLIENT_SECRET": "kd94hf93k423kf44", "OAUTH_TOKEN_SECRET": "pfkkdhi9sl3r4s00"}


def test_header_from_environment_secrets():
    result = sign(*PHOTOS, env=SECRETS)
    assert result.returncode == 0, result.stderr
    assert 'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"' in result.stdout
    assert "kd94hf93k423kf44" not in result.stdout + result.stderr


def test_json_output_and_secret_files(tmp_path):
    (tmp_path / "cs").write_text("kd94hf93k423kf44\n")
    (tmp_path / "ts").write_text("pfkkdhi9sl3r4s00\n")
    result = sign(*PHOTOS, "--json", "--client-secret-file", str(tmp_path / "cs"), "--token-secret-file", str(tmp_path / "ts"))
    data = json.loads(result.stdout)
    assert data["signature"] == "MdpQcU8iPSUjWoN/UDMsK2sui9I="
    assert data["base_string"].startswith("GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg")


def test_plaintext_is_masked():
    result = sign("POST", "https://h/initiate", "--client-key", "k", "--signature-method", "PLAINTEXT", env={"OAUTH_CLIENT_SECRET": "hunter2"})
    assert result.returncode == 0 and "hunter2" not in result.stdout + result.stderr and "***" in result.stdout


def test_user_errors_are_one_line():
    for args in (["GET", "not-a-uri", "--client-key", "k"], ["GET", "https://h/", "--client-key", "k", "--signature-method", "MD5"],
                 ["GET", "https://h/"]):
        result = sign(*args, env={"OAUTH_CLIENT_KEY": ""})
        assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.startswith("oauth1core: ")
