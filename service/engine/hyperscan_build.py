"""Building Hyperscan databases (several at once, each only once per machine) and scanning them.

Compiling the built-in definitions into Hyperscan takes a second or two, most of the
time a worker needs to start. The databases are compiled in parallel threads (the
compiler releases the interpreter lock for much of its work) and kept, serialized, in a
cache directory named by a hash of everything that determines them (library version,
machine, mode, expressions and flags). A restarted worker, a second worker or the next
CLI run loads them in milliseconds. A cache file that cannot be read or was made for
another machine is ignored and rebuilt.

``DLP_HYPERSCAN_CACHE`` names the directory; ``off`` turns the cache off. By default it
is ``dlp-classifier/hyperscan`` under ``$XDG_CACHE_HOME`` (or ``~/.cache``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.cache_dir import CACHE_ENV, cache_directory

__all__ = ["CACHE_ENV", "cache_directory"]

logger = logging.getLogger("dlp.engine")

try:
    import hyperscan
except ImportError:  # pragma: no cover - exercised where the wheel is unavailable
    hyperscan = None  # type: ignore[assignment]


# (expression, flags) pairs compiled into one database; ids are positions in the chunk.
Chunk = Sequence[tuple[bytes, int]]


def hyperscan_available() -> bool:
    return hyperscan is not None


def build_databases(chunks: Sequence[Chunk], literal: bool = False) -> list[Any] | None:
    """One block-mode database per chunk, in order; None if some expression is beyond Hyperscan.

    ``literal``: the expressions are plain strings, for Hyperscan's literal compiler.
    """
    if not chunks:
        return []
    directory = cache_directory()
    workers = max(1, min(len(chunks), os.cpu_count() or 1))
    # The largest chunks first, so that no thread is left with a long one at the end.
    order = sorted(range(len(chunks)), key=lambda i: -sum(len(expression) for expression, _ in chunks[i]))
    databases: list[Any | None] = [None] * len(chunks)
    pending = iter(order)
    taking = threading.Lock()
    failures: list[BaseException] = []

    def compile_pending() -> None:
        # Plain threads and a lock rather than an executor: in a gevent worker the queue module
        # is cooperative, and an executor's queue then cannot hand work to real threads.
        while True:
            with taking:
                index = next(pending, None)
            if index is None:
                return
            try:
                databases[index] = _database(chunks[index], directory, literal)
            except BaseException as error:  # re-raised in the caller's thread below
                failures.append(error)
                return

    threads = [threading.Thread(target=compile_pending, name="hyperscan-compile") for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return None if any(database is None for database in databases) else databases


def build_database_set(chunks: Sequence[Chunk], literal: bool = False) -> DatabaseSet | None:
    """The chunks' databases as one set, expression ids running on across them."""
    databases = build_databases(chunks, literal)
    if databases is None:
        return None
    parts: list[tuple[Any, int, int]] = []
    offset = 0
    for database, chunk in zip(databases, chunks, strict=True):
        parts.append((database, offset, len(chunk)))
        offset += len(chunk)
    return DatabaseSet(parts)


def _database(chunk: Chunk, directory: Path | None, literal: bool) -> Any | None:
    path = directory / f"{_cache_key(chunk, literal)}.hsdb" if directory is not None else None
    if path is not None:
        cached = _load(path)
        if cached is not None:
            return cached
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        database.compile(
            expressions=[expression for expression, _ in chunk],
            ids=list(range(len(chunk))),
            elements=len(chunk),
            flags=[flag for _, flag in chunk],
            literal=literal,
        )
    except hyperscan.error:
        return None
    if path is not None:
        _store(path, database)
    return database


def _cache_key(chunk: Chunk, literal: bool) -> str:
    digest = hashlib.sha256()
    version = getattr(hyperscan, "__version__", "")
    kind = "block literal" if literal else "block"
    digest.update(repr((version, platform.machine(), platform.python_implementation(), kind)).encode())
    for expression, flag in chunk:
        digest.update(len(expression).to_bytes(4, "big") + expression + flag.to_bytes(8, "big"))
    return digest.hexdigest()


def _load(path: Path) -> Any | None:
    try:
        serialized = path.read_bytes()
    except OSError:
        return None
    try:
        database = hyperscan.loadb(serialized, hyperscan.HS_MODE_BLOCK)
        # A compiled database comes with scratch space for scanning; a loaded one does not.
        database.scratch = hyperscan.Scratch(database)
        # A database built for another CPU loads but refuses to scan: find out now.
        database.scan(b"probe", match_event_handler=lambda *_: None)
    except Exception:  # corrupt, truncated or made for another CPU: compile instead
        logger.info("ignoring unusable Hyperscan cache file %s", path.name)
        return None
    return database


def _store(path: Path, database: Any) -> None:
    """Write atomically, so that concurrent workers never read a half-written file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as handle:
            handle.write(hyperscan.dumpb(database))
        os.replace(handle.name, path)
    except OSError as error:  # a read-only home or a full disk only costs the next start time
        logger.info("cannot cache a compiled Hyperscan database: %s", error.strerror)


class DatabaseSet:
    """Block-mode databases of consecutive expressions, scanned together, reporting global ids.

    A scan needs scratch space that only one scan at a time may use: each thread gets its
    own, so a scanner can be shared by threads (a threaded server, a library caller).
    """

    def __init__(self, parts: list[tuple[Any, int, int]]) -> None:
        self._parts = parts  # (database, id of its first expression, number of expressions)
        self._part_of = [position for position, (_, _, count) in enumerate(parts) for _ in range(count)]
        self._local = threading.local()

    @property
    def parts(self) -> list[tuple[Any, int, int]]:
        return list(self._parts)

    def needed(self, expression_ids: set[int]) -> list[tuple[Any, int, int]]:
        """The databases holding any of these expressions: only they need scanning."""
        positions = {self._part_of[i] for i in expression_ids}
        return [part for position, part in enumerate(self._parts) if position in positions]

    def _scratch(self, database: Any) -> Any:
        scratches: dict[int, Any] | None = getattr(self._local, "scratches", None)
        if scratches is None:
            scratches = self._local.scratches = {}
        scratch = scratches.get(id(database))
        if scratch is None:
            scratch = scratches[id(database)] = hyperscan.Scratch(database)
        return scratch

    def sees(self, expression_id: int, data: bytes) -> bool:
        """Whether the expression matches somewhere in ``data`` (the scan stops at its first report)."""
        database, offset, _ = self._parts[self._part_of[expression_id]]
        target = expression_id - offset
        try:
            database.scan(data, match_event_handler=lambda i, *_: i == target, scratch=self._scratch(database))
        except hyperscan.ScanTerminated:
            return True
        return False

    def scan(self, data: bytes, match_event_handler: Any, parts: list[tuple[Any, int, int]] | None = None) -> None:
        for database, offset, _ in self._parts if parts is None else parts:
            handler = (lambda i, *rest, o=offset: match_event_handler(i + o, *rest)) if offset else match_event_handler
            database.scan(data, match_event_handler=handler, scratch=self._scratch(database))
