"""The SQLite store (standard library :mod:`sqlite3`): durable, shared by threads and processes.

* WAL journal, ``synchronous=FULL`` by default: a write is acknowledged (the method returns)
  only once committed to the write-ahead log, so it survives ``kill -9`` of the process (and,
  with ``FULL``, a power cut).
* Every write is one ``BEGIN IMMEDIATE`` transaction (the database's write lock is taken first,
  so concurrent writers queue instead of deadlocking), and unique keys back every atomic rule:
  the nonce key ``(consumer_key, token, nonce)`` is a primary key; a transition is an
  ``UPDATE ... WHERE token = ? AND state = ?`` whose row count says whether it won; the token
  credentials an exchange issues are inserted in the same transaction, and ``parent`` is
  unique, so one set of temporary credentials can never yield two access tokens.
* One connection per concurrent caller, from a pool; a process that forks starts a new pool
  (connections are never shared across processes).
* Any :class:`sqlite3.Error` (locked for longer than ``timeout``, disk full, corrupt file)
  becomes :class:`~oauth1core.errors.ServiceUnavailable` (503): never an accept.

Token secrets are stored as given (HMAC needs them: RFC 5849 section 4.5); verifiers only as
their SHA-256 hash. The file is created readable by its owner only (0600), and an existing
file (or its ``-wal``/``-shm`` companion) that its group or others may read or write is refused
with :class:`ValueError` naming the ``chmod`` that fixes it: the store never widens nor silently
narrows permissions someone chose.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from typing import Any, Callable, List, Optional, Tuple

from ..errors import ServiceUnavailable
from ..tokens import TokenState
from . import AddResult, TokenRecord

__all__ = ["SQLiteStore", "from_url"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth1_nonces (
    consumer_key TEXT NOT NULL,
    token        TEXT NOT NULL,
    nonce        TEXT NOT NULL,
    expires_at   REAL NOT NULL,
    PRIMARY KEY (consumer_key, token, nonce)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS oauth1_nonces_expiry ON oauth1_nonces (expires_at);
CREATE TABLE IF NOT EXISTS oauth1_tokens (
    token         TEXT NOT NULL PRIMARY KEY,
    secret        TEXT NOT NULL,
    consumer_key  TEXT NOT NULL,
    state         TEXT NOT NULL,
    created_at    REAL NOT NULL,
    expires_at    REAL,
    callback      TEXT,
    verifier_hash TEXT,
    user          TEXT,
    parent        TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS oauth1_tokens_expiry ON oauth1_tokens (expires_at);
CREATE INDEX IF NOT EXISTS oauth1_tokens_pending ON oauth1_tokens (consumer_key, state);
"""

_COLUMNS = "token, secret, consumer_key, state, created_at, expires_at, callback, verifier_hash, user, parent"
_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
_INSERT_TOKEN = f"INSERT INTO oauth1_tokens ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _row(record: TokenRecord) -> Tuple[Any, ...]:
    return (
        record.token,
        record.secret,
        record.consumer_key,
        record.state.value,
        record.created_at,
        record.expires_at,
        record.callback,
        record.verifier_hash,
        record.user,
        record.parent,
    )


def _run(connection: sqlite3.Connection, sql: str, args: Tuple[Any, ...] = ()) -> int:
    """Execute one statement to completion and close its cursor; returns its row count.

    (PyPy's :mod:`sqlite3` keeps a statement open until its cursor is exhausted or closed, and
    an open statement makes ``COMMIT`` fail.)"""
    cursor = connection.execute(sql, args)
    try:
        cursor.fetchall()
        return cursor.rowcount
    finally:
        cursor.close()


def _create_schema(connection: sqlite3.Connection) -> bool:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            _run(connection, statement)
    return True


def _check_private(path: str) -> None:
    """Refuse an existing database file (or journal) that others may read: token secrets are
    stored as they are (RFC 5849 section 4.5 needs them for HMAC)."""
    if os.name != "posix":  # pragma: no cover - mode bits mean little elsewhere
        return
    for name in (path, path + "-wal", path + "-shm"):
        try:
            mode = os.stat(name).st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode) and mode & 0o077:
            raise ValueError(f"the SQLite store {name!r} is readable by other users (mode "
                             f"{mode & 0o777:04o}); fix it with: chmod 600 {name}")


class _Rollback(Exception):
    """Raised inside a write to undo it and report ``False``."""


class SQLiteStore:
    """Implements :class:`~oauth1core.stores.Store` on one SQLite database file.

    ``path`` is the database file (created if missing, mode 0600); ``timeout`` how long a writer
    waits for the lock before :class:`ServiceUnavailable`; ``synchronous`` the SQLite setting
    (``FULL`` by default; ``NORMAL`` still survives a killed process, not a power cut).
    """

    def __init__(self, path: str, *, timeout: float = 30.0, synchronous: str = "FULL") -> None:
        if not path or path == ":memory:" or path.startswith("file::memory:"):
            raise ValueError("SQLiteStore needs a file (each connection would see its own :memory: database)")
        synchronous = synchronous.upper()
        if synchronous not in _SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {', '.join(_SYNCHRONOUS)}")
        self.path = path
        self.timeout = timeout
        self.synchronous = synchronous
        self._lock = threading.Lock()
        self._pool: List[sqlite3.Connection] = []
        self._pid = os.getpid()
        self._closed = False
        _check_private(path)
        try:
            if not os.path.exists(path):
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            connection = self._connect()
            try:
                _run(connection, "PRAGMA journal_mode=WAL")
                self._write_with(connection, _create_schema)
            except BaseException:
                connection.close()
                raise
        except (OSError, sqlite3.Error) as exc:
            raise ServiceUnavailable(f"cannot open the SQLite store ({exc.__class__.__name__})") from None
        self._pool.append(connection)

    # -- connections ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
        _run(connection, f"PRAGMA synchronous={self.synchronous}")
        return connection

    def _acquire(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise ServiceUnavailable("the SQLite store is closed")
            if os.getpid() != self._pid:
                # A forked child: the parent's connections must not be used (nor closed) here.
                self._pool = []
                self._pid = os.getpid()
            if self._pool:
                return self._pool.pop()
        try:
            return self._connect()
        except sqlite3.Error as exc:
            raise ServiceUnavailable(f"cannot open the SQLite store ({exc.__class__.__name__})") from None

    def _release(self, connection: sqlite3.Connection, healthy: bool) -> None:
        with self._lock:
            if healthy and not self._closed and os.getpid() == self._pid:
                self._pool.append(connection)
                return
        try:
            connection.close()
        except sqlite3.Error:  # pragma: no cover - closing a broken connection
            pass

    def _write_with(self, connection: sqlite3.Connection, work: Callable[[sqlite3.Connection], bool]) -> bool:
        """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction: commit when it returns ``True``,
        roll back when it returns ``False`` or raises."""
        _run(connection, "BEGIN IMMEDIATE")
        try:
            result = work(connection)
        except BaseException as exc:
            try:
                _run(connection, "ROLLBACK")
            except sqlite3.Error:
                pass
            if isinstance(exc, _Rollback):
                return False
            raise
        _run(connection, "COMMIT" if result else "ROLLBACK")
        return result

    def _write(self, work: Callable[[sqlite3.Connection], bool]) -> bool:
        connection = self._acquire()
        healthy = False
        try:
            result = self._write_with(connection, work)
            healthy = True
            return result
        except sqlite3.Error as exc:
            raise ServiceUnavailable(f"the SQLite store failed ({exc.__class__.__name__})") from None
        finally:
            self._release(connection, healthy)

    def _read(self, sql: str, args: Tuple[Any, ...]) -> Optional[Tuple[Any, ...]]:
        connection = self._acquire()
        healthy = False
        try:
            cursor = connection.execute(sql, args)
            try:
                rows = cursor.fetchall()
            finally:
                cursor.close()
            healthy = True
            return tuple(rows[0]) if rows else None
        except sqlite3.Error as exc:
            raise ServiceUnavailable(f"the SQLite store failed ({exc.__class__.__name__})") from None
        finally:
            self._release(connection, healthy)

    # -- the Store protocol -----------------------------------------------------------------

    def add_nonce(self, consumer_key: str, token: str, nonce: str, *, now: float, expires_at: float) -> bool:
        def work(c: sqlite3.Connection) -> bool:
            key = (consumer_key, token, nonce)
            _run(
                c,
                "DELETE FROM oauth1_nonces WHERE consumer_key = ? AND token = ? AND nonce = ? AND expires_at <= ?",
                key + (now,),
            )
            return _run(c, "INSERT OR IGNORE INTO oauth1_nonces VALUES (?, ?, ?, ?)", key + (expires_at,)) == 1

        return self._write(work)

    def add_token(self, record: TokenRecord) -> bool:
        def work(c: sqlite3.Connection) -> bool:
            try:
                _run(c, _INSERT_TOKEN, _row(record))
            except sqlite3.IntegrityError:
                raise _Rollback() from None
            return True

        return self._write(work)

    def add_request_token(self, record: TokenRecord, *, limit: int, now: float) -> AddResult:
        outcome: List[AddResult] = ["taken"]

        def work(c: sqlite3.Connection) -> bool:
            cursor = c.execute(
                "SELECT COUNT(*) FROM oauth1_tokens WHERE consumer_key = ? AND state = ?"
                " AND (expires_at IS NULL OR expires_at > ?)",
                (record.consumer_key, TokenState.TEMPORARY.value, now),
            )
            try:
                held = cursor.fetchone()[0]
            finally:
                cursor.close()
            if held >= limit:
                outcome[0] = "quota"
                return False
            try:
                _run(c, _INSERT_TOKEN, _row(record))
            except sqlite3.IntegrityError:
                raise _Rollback() from None
            outcome[0] = "added"
            return True

        self._write(work)
        return outcome[0]

    def get_token(self, token: str) -> Optional[TokenRecord]:
        row = self._read(f"SELECT {_COLUMNS} FROM oauth1_tokens WHERE token = ?", (token,))
        if row is None:
            return None
        try:
            state = TokenState(row[3])
        except ValueError:
            raise ServiceUnavailable("the SQLite store holds a token in an unknown state") from None
        return TokenRecord(
            token=row[0],
            secret=row[1],
            consumer_key=row[2],
            state=state,
            created_at=row[4],
            expires_at=row[5],
            callback=row[6],
            verifier_hash=row[7],
            user=row[8],
            parent=row[9],
        )

    def transition(
        self,
        token: str,
        expected: TokenState,
        new: TokenRecord,
        *,
        now: float,
        issue: Optional[TokenRecord] = None,
    ) -> bool:
        if new.token != token:
            raise ValueError("a transition keeps the token's identifier")

        def work(c: sqlite3.Connection) -> bool:
            updated = _run(
                c,
                "UPDATE oauth1_tokens SET secret = ?, consumer_key = ?, state = ?, created_at = ?, expires_at = ?,"
                " callback = ?, verifier_hash = ?, user = ?, parent = ?"
                " WHERE token = ? AND state = ? AND (expires_at IS NULL OR expires_at > ?)",
                _row(new)[1:] + (token, expected.value, now),
            )
            if updated != 1:
                return False
            if issue is not None:
                try:
                    _run(c, _INSERT_TOKEN, _row(issue))
                except sqlite3.IntegrityError:
                    raise _Rollback() from None
            return True

        return self._write(work)

    def sweep(self, now: float) -> int:
        removed = [0]

        def work(c: sqlite3.Connection) -> bool:
            removed[0] = _run(c, "DELETE FROM oauth1_nonces WHERE expires_at <= ?", (now,))
            removed[0] += _run(c, "DELETE FROM oauth1_tokens WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,))
            return True

        self._write(work)
        return removed[0]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, []
        for connection in pool:
            try:
                connection.close()
            except sqlite3.Error:  # pragma: no cover
                pass

    def __repr__(self) -> str:
        return f"<SQLiteStore {self.path!r}>"


def from_url(url: str) -> SQLiteStore:
    """``sqlite:PATH`` (relative or absolute) or ``sqlite:///ABSOLUTE/PATH``."""
    scheme, _, path = url.partition(":")
    if scheme.lower() != "sqlite":
        raise ValueError("not a sqlite: URL")
    if path.startswith("//"):
        path = path[2:]
    if not path:
        raise ValueError("the sqlite store needs a path: sqlite:PATH")
    return SQLiteStore(path)
