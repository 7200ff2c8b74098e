"""Races on the SQLite store with real threads and real processes: one nonce raced by 16 requests is
accepted exactly once; one authorized request token raced by 8 exchanges yields exactly one
access token."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from store_suite import BASE, ROOT, SECRETS, consumers, race, signed

from oauth1core.client import Client
from oauth1core.errors import OAuthError
from oauth1core.server import Provider
from oauth1core.stores import Store
from oauth1core.stores.memory import MemoryStore
from oauth1core.stores.sqlite import SQLiteStore

RACER = r"""
import json, sys
from oauth1core.errors import OAuthError
from oauth1core.server import Consumer, Provider
from oauth1core.stores.sqlite import SQLiteStore

config = json.loads(sys.argv[1])
store = SQLiteStore(config["path"])
provider = Provider({key: Consumer(key, secret) for key, secret in config["consumers"].items()}, store)
request = config["request"]
print("ready", flush=True)
sys.stdin.readline()  # the starting gun: every racer waits here
try:
    if config["endpoint"] == "resource":
        provider.verify_request(*request)
        outcome = {"ok": True}
    else:
        outcome = {"ok": True, "token": provider.issue_access_token(*request).token}
except OAuthError as error:
    outcome = {"ok": False, "problem": error.problem}
print(json.dumps(outcome), flush=True)
store.close()
"""


def _race_processes(path: str, endpoint: str, requests: List[Tuple[Any, ...]]) -> List[Dict[str, Any]]:
    processes = []
    try:
        for request in requests:
            config = {"path": path, "consumers": SECRETS, "endpoint": endpoint, "request": list(request)}
            processes.append(subprocess.Popen([sys.executable, "-c", RACER, json.dumps(config)], cwd=str(ROOT),
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        for process in processes:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        for process in processes:  # release them as close together as we can
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outcomes = []
        for process in processes:
            out, _ = process.communicate(timeout=120)
            assert process.returncode == 0
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
        return outcomes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(30)


def _access(provider: Provider) -> Client:
    client = Client("c1", SECRETS["c1"], callback="oob")
    record = provider.issue_request_token(*signed(client, "POST", BASE + "/oauth/request_token"))
    verifier = provider.authorize(record.token, "alice").verifier
    client = client.replace(callback=None, token=record.token, token_secret=record.secret, verifier=verifier)
    access = provider.issue_access_token(*signed(client, "POST", BASE + "/oauth/access_token"))
    return client.replace(token=access.token, token_secret=access.secret, verifier=None)


def _authorized(provider: Provider) -> Client:
    client = Client("c1", SECRETS["c1"], callback="oob")
    record = provider.issue_request_token(*signed(client, "POST", BASE + "/oauth/request_token"))
    verifier = provider.authorize(record.token, "alice").verifier
    return client.replace(callback=None, token=record.token, token_secret=record.secret, verifier=verifier)


def _access_tokens_of(path: str, parent: str) -> List[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT token FROM oauth1_tokens WHERE parent = ?", (parent,))]
    finally:
        connection.close()


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "race.db")


def test_sixteen_processes_one_nonce(path: str) -> None:
    store = SQLiteStore(path)
    client = _access(Provider(consumers(), store))
    request = signed(client, "GET", BASE + "/api/whoami")
    outcomes = _race_processes(path, "resource", [request] * 16)
    assert sorted(json.dumps(o, sort_keys=True) for o in outcomes) == sorted(
        [json.dumps({"ok": True})] + [json.dumps({"ok": False, "problem": "nonce_used"}, sort_keys=True)] * 15)
    store.close()


def test_eight_processes_one_exchange(path: str) -> None:
    store = SQLiteStore(path)
    client = _authorized(Provider(consumers(), store))
    requests = [signed(client, "POST", BASE + "/oauth/access_token") for _ in range(8)]  # 8 nonces
    outcomes = _race_processes(path, "access_token", requests)
    winners = [o for o in outcomes if o["ok"]]
    assert len(winners) == 1
    assert sorted(o["problem"] for o in outcomes if not o["ok"]) == ["token_used"] * 7
    assert _access_tokens_of(path, client.token or "") == [winners[0]["token"]]
    store.close()


def _stores(path: str, count: int, shared: bool) -> List[Store]:
    if shared:
        one = SQLiteStore(path)
        return [one] * count
    return [SQLiteStore(path) for _ in range(count)]


@pytest.mark.parametrize("shared", [True, False], ids=["one-store-object", "a-store-per-thread"])
def test_sixteen_threads_one_nonce(path: str, shared: bool) -> None:
    stores = _stores(path, 16, shared)
    providers = [Provider(consumers(), store) for store in stores]
    request = signed(_access(providers[0]), "GET", BASE + "/api/whoami")

    def attempt(i: int) -> str:
        try:
            providers[i].verify_request(*request)
            return "ok"
        except OAuthError as error:
            return error.problem

    assert sorted(race(16, attempt)) == ["nonce_used"] * 15 + ["ok"]
    for store in set(stores):
        store.close()


@pytest.mark.parametrize("shared", [True, False], ids=["one-store-object", "a-store-per-thread"])
def test_eight_threads_one_exchange(path: str, shared: bool) -> None:
    stores = _stores(path, 8, shared)
    providers = [Provider(consumers(), store) for store in stores]
    client = _authorized(providers[0])
    requests = [signed(client, "POST", BASE + "/oauth/access_token") for _ in range(8)]

    def attempt(i: int) -> str:
        try:
            return "ok:" + providers[i].issue_access_token(*requests[i]).token
        except OAuthError as error:
            return error.problem

    outcomes = race(8, attempt)
    winners = [o for o in outcomes if o.startswith("ok:")]
    assert len(winners) == 1 and sorted(o for o in outcomes if o not in winners) == ["token_used"] * 7
    assert _access_tokens_of(path, client.token or "") == [winners[0][3:]]
    for store in set(stores):
        store.close()


def test_memory_store_races_through_the_provider() -> None:
    provider = Provider(consumers(), MemoryStore())
    request = signed(_access(provider), "GET", BASE + "/api/whoami")

    def replay(i: int) -> bool:
        try:
            provider.verify_request(*request)
            return True
        except OAuthError:
            return False

    assert sorted(race(16, replay)) == [False] * 15 + [True]
    client = _authorized(provider)
    requests = [signed(client, "POST", BASE + "/oauth/access_token") for _ in range(8)]

    def exchange(i: int) -> bool:
        try:
            provider.issue_access_token(*requests[i])
            return True
        except OAuthError:
            return False

    assert sorted(race(8, exchange)) == [False] * 7 + [True]
