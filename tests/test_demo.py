"""``python -m oauth1core demo`` from a plain copy of the package: no install, no site-packages
(``python -S``), standard library only; it must walk the whole flow and exit 0."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from store_suite import ROOT


def test_demo_from_a_plain_copy(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "oauth1core", tmp_path / "oauth1core", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-S", "-E", "-m", "oauth1core", "demo"], cwd=str(tmp_path),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    steps = [
        r"a provider on http://127\.0\.0\.1:\d+ \(SQLite store .*provider\.db\)",
        r"1\. temporary credentials: POST /oauth/request_token -> 200",
        r"oauth_token=\S+  oauth_token_secret=\*\*\*\(\d+ chars\)  oauth_callback_confirmed=true",
        r"authorize URL: http://127\.0\.0\.1:\d+/oauth/authorize\?oauth_token=\S+",
        r"POST /oauth/authorize -> 302, redirect to http://127\.0\.0\.1/callback\?oauth_token=\S+&oauth_verifier=\S+",
        r"verifier: \S+",
        r"3\. token credentials: POST /oauth/access_token -> 200",
        r'4\. protected resource: GET /api/whoami -> 200 \{"consumer_key": "demo-consumer", "user": "alice"\}',
        r"5\. the same signed request again \(a replay\) -> 401",
        r'WWW-Authenticate: OAuth realm="oauth1core", oauth_problem="nonce_used"',
    ]
    position = 0
    for step in steps:
        match = re.compile(step).search(out, position)
        assert match is not None, f"missing or out of order: {step}\n{out}"
        position = match.end()
    # The temporary folder is gone, and no secret was printed.
    folder = re.search(r"SQLite store (\S+)/provider\.db", out)
    assert folder is not None and not Path(folder.group(1)).exists()
    assert "secret=" not in out.replace("secret=***(", "")
    assert result.stderr == ""
