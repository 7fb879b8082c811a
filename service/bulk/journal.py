"""The results folder of ``dlp scan`` as a journal: ``files.jsonl`` and ``findings.jsonl`` grow by
one batch at a time, findings written and synced before the rows of their files, so that a file
row on disk means its findings are there too. A run that was killed leaves at most a torn last
line and findings of files with no file row; opening the journal drops both, and the files they
came from are scanned again. Everything a file row records as done is not.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

FILES = "files.jsonl"
FINDINGS = "findings.jsonl"


class JournalError(Exception):
    """The results folder cannot be used (not a folder, not writable)."""


@dataclass
class Journal:
    folder: Path
    files: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    repaired: int = 0  # rows dropped on opening: a torn line, or findings of a file never recorded

    @classmethod
    def open(cls, folder: Path) -> Journal:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise JournalError(f"{folder}: {error.strerror or error}") from None
        journal = cls(folder)
        files, torn_files = _read(folder / FILES)
        findings, torn_findings = _read(folder / FINDINGS)
        recorded = {(row.get("run"), row.get("path")) for row in files}
        kept = [row for row in findings if (row.get("run"), row.get("path")) in recorded]
        journal.files, journal.findings = files, kept
        journal.repaired = torn_files + torn_findings + len(findings) - len(kept)
        if torn_files:
            _rewrite(folder / FILES, files)
        if torn_findings or len(kept) != len(findings):
            _rewrite(folder / FINDINGS, kept)
        return journal

    def done(self, version: str) -> dict[str, str]:
        """path → content hash of every file already scanned with this definition-set version."""
        return {
            row["path"]: row["content_hash"]
            for row in self.files
            if row.get("definitions_version") == version and row.get("content_hash")
        }

    def append(self, files: list[dict[str, Any]], findings: list[dict[str, Any]]) -> None:
        """One batch: its findings first, then its files, each synced to disk."""
        _append(self.folder / FINDINGS, findings)
        _append(self.folder / FILES, files)
        self.findings.extend(findings)
        self.files.extend(files)

    def current(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The latest row of each path, and the findings of that row's run: what the folder says today."""
        latest: dict[str, dict[str, Any]] = {}
        for row in self.files:
            latest[row["path"]] = row
        runs = {path: row["run"] for path, row in latest.items()}
        findings = [row for row in self.findings if runs.get(row["path"]) == row["run"]]
        return list(latest.values()), findings


def _read(path: Path) -> tuple[list[dict[str, Any]], int]:
    rows: list[dict[str, Any]] = []
    torn = 0
    try:
        with path.open(encoding="utf-8") as stream:
            for line in stream:
                try:
                    row = json.loads(line)
                except ValueError:
                    torn += 1
                    continue
                if isinstance(row, dict) and line.endswith("\n"):
                    rows.append(row)
                else:
                    torn += 1
    except FileNotFoundError:
        return [], 0
    except OSError as error:
        raise JournalError(f"{path}: {error.strerror or error}") from None
    return rows, torn


def _write_rows(stream: TextIO, rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        stream.write(json.dumps({k: v for k, v in row.items() if k != "kind"}, ensure_ascii=False) + "\n")


def _append(path: Path, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    try:
        with path.open("a", encoding="utf-8") as stream:
            _write_rows(stream, rows)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as error:
        raise JournalError(f"{path}: {error.strerror or error}") from None


def _rewrite(path: Path, rows: list[dict[str, Any]]) -> None:
    temporary = path.with_suffix(".jsonl.tmp")
    with temporary.open("w", encoding="utf-8") as stream:
        _write_rows(stream, rows)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
