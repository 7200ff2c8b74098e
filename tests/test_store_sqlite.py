"""The store suite against SQLiteStore, and what is particular to it: durability, files, URLs,
failures as 503."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional

import pytest
from store_suite import T0, FakeClock, S, StoreSuite, consumers, record, signed, three_legged

from oauth1core.errors import ServiceUnavailable
from oauth1core.server import Provider
from oauth1core.stores import open_store
from oauth1core.stores.sqlite import SQLiteStore


class TestSQLiteStore(StoreSuite):
    @pytest.fixture
    def make_store(self, tmp_path: Path) -> Iterator[Callable[..., Any]]:
        opened: List[SQLiteStore] = []

        def make(same_as: Optional[SQLiteStore] = None) -> SQLiteStore:
            path = same_as.path if same_as is not None else str(tmp_path / f"store{len(opened)}.db")
            store = SQLiteStore(path)
            opened.append(store)
            return store

        yield make
        for store in opened:
            store.close()


def test_data_survives_reopening(tmp_path: Path) -> None:
    path = str(tmp_path / "p.db")
    store = SQLiteStore(path)
    provider = Provider(consumers(), store, clock=FakeClock())
    access, client = three_legged(provider)
    store.close()
    reopened = SQLiteStore(path)
    assert reopened.get_token(access.token) == access
    provider = Provider(consumers(), reopened, clock=FakeClock())
    assert provider.verify_request(*signed(client, "GET", "http://sp.example.net/api/whoami")).access.user == "alice"
    reopened.close()


def test_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = str(tmp_path / "p.db")
    store = SQLiteStore(path)
    store.add_token(record("t1"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()
    store.close()


def test_from_url(tmp_path: Path) -> None:
    relative = open_store("sqlite:" + str(tmp_path / "a.db"))
    assert isinstance(relative, SQLiteStore) and relative.path == str(tmp_path / "a.db")
    absolute = open_store("sqlite://" + str(tmp_path / "b.db"))
    assert isinstance(absolute, SQLiteStore) and absolute.path == str(tmp_path / "b.db")
    relative.close()
    absolute.close()
    for bad in ("sqlite:", "sqlite://", "sqlite::memory:"):
        with pytest.raises(ValueError):
            open_store(bad)
    with pytest.raises(ServiceUnavailable):
        open_store("sqlite:///")  # a folder, not a database file


def test_unknown_store_scheme() -> None:
    with pytest.raises(ValueError, match="unknown store"):
        open_store("postgres://db")


def test_closed_store_is_unavailable(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "p.db"))
    store.close()
    with pytest.raises(ServiceUnavailable) as info:
        store.get_token("t")
    assert info.value.status == 503
    with pytest.raises(ServiceUnavailable):
        store.add_nonce("c", "", "n", now=T0, expires_at=T0 + 1)


def test_an_existing_file_others_can_read_is_refused(tmp_path: Path) -> None:
    """Finding: an existing SQLite file with mode 0644 was used as it was (token secrets
    world-readable). Now refused with a one-line fix; a private file opens; a new one is 0600."""
    path = tmp_path / "shared.db"
    SQLiteStore(str(path)).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for mode in (0o644, 0o640, 0o604):
        path.chmod(mode)
        with pytest.raises(ValueError) as caught:
            SQLiteStore(str(path))
        message = str(caught.value)
        assert "\n" not in message and f"chmod 600 {path}" in message and f"{mode:04o}" in message
    path.chmod(0o600)
    wal = tmp_path / "shared.db-wal"
    wal.write_bytes(b"")
    wal.chmod(0o644)
    with pytest.raises(ValueError, match="chmod 600 .*shared.db-wal"):
        SQLiteStore(str(path))
    wal.chmod(0o600)
    SQLiteStore(str(path)).close()


def test_unusable_file_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not a database" * 100)
    path.chmod(0o600)
    with pytest.raises(ServiceUnavailable):
        SQLiteStore(str(path))
    with pytest.raises(ServiceUnavailable):
        SQLiteStore(str(tmp_path / "missing-folder" / "p.db"))


def test_locked_database_is_unavailable_not_accepted(tmp_path: Path) -> None:
    path = str(tmp_path / "p.db")
    store = SQLiteStore(path, timeout=0.2)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ServiceUnavailable):
            store.add_nonce("c1", "", "n", now=T0, expires_at=T0 + 300)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # Nothing was recorded while locked; the store works again afterwards.
    assert store.add_nonce("c1", "", "n", now=T0, expires_at=T0 + 300)
    store.close()


def test_state_values_on_disk(tmp_path: Path) -> None:
    path = str(tmp_path / "p.db")
    store = SQLiteStore(path)
    store.add_token(record("t1", S.AUTHORIZED, user="alice", verifier_hash="aa" * 32))
    connection = sqlite3.connect(path)
    row = connection.execute("SELECT state, user FROM oauth1_tokens WHERE token = 't1'").fetchone()
    assert row == ("authorized", "alice")
    connection.execute("UPDATE oauth1_tokens SET state = 'bogus'")
    connection.commit()
    connection.close()
    with pytest.raises(ServiceUnavailable):
        store.get_token("t1")
    store.close()


def test_synchronous_setting_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SQLiteStore(str(tmp_path / "p.db"), synchronous="sometimes")
    store = SQLiteStore(str(tmp_path / "p.db"), synchronous="normal")
    assert store.synchronous == "NORMAL"
    store.close()
