"""Classify many files on every core: worker processes, each with its own compiled set, the
results handed back in input order so that output does not depend on ``--jobs``.

Each worker compiles the definitions itself: the Hyperscan databases come from the compiled-set
cache the parent filled (``service.engine.hyperscan_build``), so that costs milliseconds, and no
compiled database crosses a process boundary. Where processes are forked, the loaded definitions
are inherited; otherwise each worker loads them from the same folders.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from service.cli_inputs import InputFile
from service.cli_scan import Outcome, ScanSettings, scan_file
from service.definitions import DefinitionSet, load_definitions
from service.engine import Scanner, compile_scanner

# Set in the parent just before the pool starts, so that forked workers inherit the loaded set.
_inherited: DefinitionSet | None = None
_worker: dict[str, object] = {}


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _init(directories: Sequence[Path], engine: str, settings: ScanSettings, sits: tuple[str, ...] | None) -> None:
    definitions = _inherited if _inherited is not None else load_definitions(list(directories))
    scanner = compile_scanner(definitions, engine=engine)
    scanner.select(sits)
    _worker["scanner"] = scanner
    _worker["settings"] = settings


def _scan(item: InputFile) -> Outcome:
    scanner = _worker["scanner"]
    settings = _worker["settings"]
    assert isinstance(scanner, Scanner) and isinstance(settings, ScanSettings)
    return scan_file(scanner, item, settings)


def scan_files(
    scanner: Scanner,
    items: Sequence[InputFile],
    settings: ScanSettings,
    jobs: int,
    directories: Sequence[Path],
    engine: str,
) -> Iterator[Outcome]:
    """Every item's outcome, in the order of ``items``."""
    standard_input = any(item.path is None for item in items)
    if jobs <= 1 or len(items) <= 1 or standard_input:
        for item in items:
            yield scan_file(scanner, item, settings)
        return
    global _inherited
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    _inherited = scanner.definitions if context.get_start_method() == "fork" else None
    sits = settings.options.sits
    try:
        with ProcessPoolExecutor(
            min(jobs, len(items)), mp_context=context, initializer=_init, initargs=(directories, engine, settings, sits)
        ) as pool:
            # Small chunks: one large file must not hold back the files queued behind it in its chunk.
            yield from pool.map(_scan, items, chunksize=4)
    finally:
        _inherited = None
