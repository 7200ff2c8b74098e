"""The Redis store (and ``serve --store redis://``) says, when redis-py is missing, how to install
it: one line naming the extra; and the core needs none of the optional libraries. The missing
library is simulated in a subprocess with ``sys.modules[name] = None`` (an import of it then fails
as if it were not installed). The adapters' and integrations' hints are tested beside them
(tests/test_client_errors.py, tests/test_integrations.py). About 1 s in all."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run_without(blocked: str, code: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    program = f"import sys\nsys.modules[{blocked!r}] = None\n" + textwrap.dedent(code)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)


def test_redis_store_without_redis_names_the_extra() -> None:
    result = _run_without("redis", """
        from oauth1core.stores.redis import from_url
        try:
            from_url("redis://127.0.0.1:1/0")
        except ValueError as exc:
            print(exc)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "the redis store needs the redis package: pip install 'oauth1core[redis]'\n"


def test_serve_with_a_redis_store_and_no_redis_is_one_line() -> None:
    result = _run_without("redis", """
        import sys
        from oauth1core.cli import main
        sys.exit(main(["serve", "--port", "0", "--consumer", "a:b", "--store", "redis://127.0.0.1:1/0"]))
    """)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "pip install 'oauth1core[redis]'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_the_core_needs_none_of_them() -> None:
    code = """
        for name in ("requests", "httpx", "aiohttp", "yarl", "redis", "flask", "django", "starlette", "fastapi"):
            sys.modules[name] = None
        import oauth1core, oauth1core.server, oauth1core.adapters.urllib, oauth1core.stores.sqlite
        signed = oauth1core.Client("k", "s").sign("GET", "https://example.com/", nonce="n", timestamp="1")
        print(signed.signature)
    """
    result = _run_without("requests", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == oauth1core_signature()


def oauth1core_signature() -> str:
    import oauth1core

    return oauth1core.Client("k", "s").sign("GET", "https://example.com/", nonce="n", timestamp="1").signature
