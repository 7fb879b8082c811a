"""One small interface over the two outbox databases: SQLite (a file in WAL mode) and PostgreSQL.

Statements are written once, with ``?`` placeholders; the PostgreSQL side rewrites them for
psycopg. Each thread (and each forked process) gets its own connection: a SQLite connection
must not cross a fork, and psycopg connections are not shared between threads here.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

SQLITE = "sqlite"
POSTGRES = "postgresql"
# Seconds a writer waits for another one's lock before giving up (SQLite's busy timeout).
SQLITE_BUSY_TIMEOUT_MS = 10_000


class OutboxUnavailable(Exception):
    """The outbox database cannot be opened or written; the message names no secret."""


class Transaction(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @property
    def rowcount(self) -> int: ...


class Database(Protocol):
    dialect: str

    def transaction(self, *, claim: bool = False) -> AbstractContextManager[Transaction]:
        """A context manager giving a ``Transaction``; ``claim`` asks for a write lock at once."""
        ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


class _SqliteTransaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._rowcount = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self._connection.execute(sql, tuple(params))
        rows = cursor.fetchall()
        self._rowcount = cursor.rowcount
        return rows

    @property
    def rowcount(self) -> int:
        return self._rowcount


class SqliteDatabase:
    """A SQLite file in WAL mode, with full fsync on commit: a committed alert survives a crash of
    the process and of the machine."""

    dialect = SQLITE

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def describe(self) -> str:
        return f"sqlite:{self.path.name}"

    def _connection(self) -> sqlite3.Connection:
        held: tuple[int, sqlite3.Connection] | None = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid():
            return held[1]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
            connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
        except (sqlite3.Error, OSError) as error:
            raise OutboxUnavailable(f"cannot open the alert database {self.path.name}: {error}") from None
        self._local.held = (os.getpid(), connection)
        return connection

    @contextmanager
    def transaction(self, *, claim: bool = False) -> Iterator[Transaction]:
        connection = self._connection()
        try:
            # IMMEDIATE takes the write lock at once: two writers never both read, then both write.
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise OutboxUnavailable(f"the alert database is not writable: {error}") from None
        try:
            yield _SqliteTransaction(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        try:
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise OutboxUnavailable(f"the alert database did not commit: {error}") from None

    def close(self) -> None:
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid():
            held[1].close()
        self._local.held = None


class _PostgresTransaction:
    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._cursor.execute(sql.replace("?", "%s"), tuple(params))
        if self._cursor.description is None:
            return []
        rows: list[tuple[Any, ...]] = self._cursor.fetchall()
        return rows

    @property
    def rowcount(self) -> int:
        count: int = self._cursor.rowcount
        return count


class PostgresDatabase:
    """PostgreSQL through psycopg 3 (the ``postgres`` extra). Claims use ``FOR UPDATE SKIP LOCKED``."""

    dialect = POSTGRES

    def __init__(self, url: str) -> None:
        self._url = url
        self._local = threading.local()

    def describe(self) -> str:
        return "postgresql"  # the URL may hold a password

    def _connection(self) -> Any:
        held: tuple[int, Any] | None = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid() and not held[1].closed:
            return held[1]
        try:
            import psycopg
        except ImportError:
            raise OutboxUnavailable(
                "DLP_ALERT_DATABASE_URL needs psycopg: pip install 'dlp-classifier[postgres]'"
            ) from None
        try:
            connection = psycopg.connect(self._url, autocommit=True, connect_timeout=10)
        except psycopg.Error as error:
            raise OutboxUnavailable(f"cannot connect to the alert database: {type(error).__name__}") from None
        self._local.held = (os.getpid(), connection)
        return connection

    @contextmanager
    def transaction(self, *, claim: bool = False) -> Iterator[Transaction]:
        import psycopg

        connection = self._connection()
        try:
            with connection.transaction(), connection.cursor() as cursor:
                yield _PostgresTransaction(cursor)
        except psycopg.OperationalError as error:
            connection.close()
            raise OutboxUnavailable(f"the alert database failed: {type(error).__name__}") from None

    def session_connection(self) -> Any:
        """The calling thread's connection, for session-level advisory locks."""
        return self._connection()

    def close(self) -> None:
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid():
            held[1].close()
        self._local.held = None


def open_database(path: Path | None, url: str | None) -> Database:
    """PostgreSQL when ``url`` is set, otherwise the SQLite file ``path``."""
    if url:
        return PostgresDatabase(url)
    if path is None:
        raise OutboxUnavailable("no alert database configured")
    return SqliteDatabase(path)
