"""Building Hyperscan databases: several at once, and each only once per machine.

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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

logger = logging.getLogger("dlp.engine")

try:
    import hyperscan
except ImportError:  # pragma: no cover - exercised where the wheel is unavailable
    hyperscan = None  # type: ignore[assignment]

CACHE_ENV = "DLP_HYPERSCAN_CACHE"
_OFF = {"", "off", "none", "no", "0", "false"}

# (expression, flags) pairs compiled into one database; ids are positions in the chunk.
Chunk = Sequence[tuple[bytes, int]]


def cache_directory() -> Path | None:
    """Where compiled databases are kept, or None when caching is off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return None if value.strip().lower() in _OFF else Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dlp-classifier" / "hyperscan"


def build_databases(chunks: Sequence[Chunk]) -> list[Any] | None:
    """One block-mode database per chunk, in order; None if some expression is beyond Hyperscan."""
    if not chunks:
        return []
    directory = cache_directory()
    workers = max(1, min(len(chunks), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        databases = list(pool.map(lambda chunk: _database(chunk, directory), chunks))
    return None if any(database is None for database in databases) else databases


def _database(chunk: Chunk, directory: Path | None) -> Any | None:
    path = directory / f"{_cache_key(chunk)}.hsdb" if directory is not None else None
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
        )
    except hyperscan.error:
        return None
    if path is not None:
        _store(path, database)
    return database


def _cache_key(chunk: Chunk) -> str:
    digest = hashlib.sha256()
    version = getattr(hyperscan, "__version__", "")
    digest.update(repr((version, platform.machine(), platform.python_implementation(), "block")).encode())
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
