"""The executor side of ``dlp scan``: definitions shipped once, compiled once per Python worker
process, and each file classified by ``dlp classify``'s own code for one input.

Nothing here imports pyspark: Spark hands these functions plain iterators, and tests call them
directly. The built-in definitions come from the package installed on each executor; a user's own
definitions travel as file contents (they may live on the driver's disk only) and are written to a
private folder once per process. The version computed there must equal the driver's, or the run
stops: findings made with other definitions would be mislabelled.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.bulk.rows import file_row, finding_rows
from service.cli_inputs import InputFile
from service.cli_scan import Outcome, ScanSettings, scan_content, scan_file
from service.definitions import load_definitions
from service.definitions.loader import DEFINITION_SUFFIXES, builtin_definitions_dir
from service.engine import Scanner, compile_scanner

HASH_CHUNK = 1 << 20


class DefinitionsMismatch(RuntimeError):
    """An executor loaded definitions of another version than the driver's."""


@dataclass(frozen=True)
class ShippedDefinitions:
    """What an executor needs to rebuild the driver's scanner, small enough to broadcast."""

    builtin: bool
    folders: tuple[tuple[tuple[str, bytes], ...], ...]  # per --definitions folder: (relative path, content)
    engine: str
    version: str

    @classmethod
    def from_folders(cls, builtin: bool, folders: Iterable[Path], engine: str, version: str) -> ShippedDefinitions:
        shipped = []
        for folder in folders:
            files = sorted(p for p in folder.rglob("*") if p.suffix in DEFINITION_SUFFIXES and p.is_file())
            shipped.append(tuple((p.relative_to(folder).as_posix(), p.read_bytes()) for p in files))
        return cls(builtin, tuple(shipped), engine, version)


@dataclass(frozen=True)
class Task:
    """Everything a partition needs besides its files; broadcast once per run."""

    definitions: ShippedDefinitions
    settings: ScanSettings
    run: str
    # path → content hash of the files a previous run scanned with this definition-set version
    done: Mapping[str, str]


# One compiled scanner per worker process, kept across tasks and batches (Spark reuses its Python workers).
_scanners: dict[tuple[str, str, tuple[str, ...] | None], Scanner] = {}


def scanner_for(definitions: ShippedDefinitions, sits: tuple[str, ...] | None) -> Scanner:
    key = (definitions.version, definitions.engine, sits)
    scanner = _scanners.get(key)
    if scanner is None:
        scanner = compile_scanner(load_definitions(_folders(definitions)), engine=definitions.engine)
        if scanner.version != definitions.version:
            raise DefinitionsMismatch(
                f"this executor loaded definitions {scanner.version}, the driver {definitions.version}: "
                "install the same version of the classifier everywhere"
            )
        scanner.select(sits)
        _scanners[key] = scanner
    return scanner


def _folders(definitions: ShippedDefinitions) -> list[Path]:
    folders = [builtin_definitions_dir()] if definitions.builtin else []
    for index, files in enumerate(definitions.folders):
        folder = Path(tempfile.mkdtemp(prefix=f"dlp-definitions-{index}-"))
        for relative, content in files:
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        folders.append(folder)
    return folders


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def scan_local_files(task: Task, items: Iterable[tuple[str, str, int]]) -> Iterator[dict[str, Any]]:
    """Rows for files an executor reads itself, given as (name, path, size): one ``file`` row each,
    with its ``finding`` rows before it. A file whose content was already scanned gives a file row
    of status ``unchanged`` and is not classified again. Skipping is by path and content together:
    a copy of a scanned file under another name is a leak in another place, and is reported there."""
    scanner = scanner_for(task.definitions, task.settings.options.sits)
    for name, path, size in items:
        started = time.perf_counter()
        try:
            digest: str | None = content_hash(Path(path))
        except OSError:
            digest = None  # scan_file reports why it cannot be read
        if digest is not None and task.done.get(name) == digest:
            yield file_row(Outcome(name, size), task.run, task.definitions.version, digest, 0.0, unchanged=True)
            continue
        outcome = scan_file(scanner, InputFile(name, Path(path), size), task.settings)
        yield from _rows(outcome, task, digest, time.perf_counter() - started)


def scan_contents(task: Task, items: Iterable[tuple[str, bytes]]) -> Iterator[dict[str, Any]]:
    """Rows for files a distributed file source read, given as (URI, content)."""
    scanner = scanner_for(task.definitions, task.settings.options.sits)
    for name, content in items:
        started = time.perf_counter()
        digest = "sha256:" + hashlib.sha256(content).hexdigest()
        if task.done.get(name) == digest:
            yield file_row(Outcome(name, len(content)), task.run, task.definitions.version, digest, 0.0, unchanged=True)
            continue
        outcome = scan_content(scanner, Outcome(name, len(content)), content, task.settings)
        yield from _rows(outcome, task, digest, time.perf_counter() - started)


def _rows(outcome: Outcome, task: Task, digest: str | None, seconds: float) -> Iterator[dict[str, Any]]:
    version = task.definitions.version
    yield from finding_rows(outcome, task.run, version, digest)
    yield file_row(outcome, task.run, version, digest, seconds)
