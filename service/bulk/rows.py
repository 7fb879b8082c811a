"""The rows ``dlp scan`` writes: one per finding and one per file, the same in JSON lines and
Parquet. Columns are declared once here, with Spark SQL types, so that every run, the journal and
the Parquet snapshot agree on them (and an empty run still has its schema)."""

from __future__ import annotations

from typing import Any

from service.cli_scan import Outcome

FINDING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("path", "string"),
    ("part", "string"),
    ("line", "int"),
    ("column", "int"),
    ("end_line", "int"),
    ("end_column", "int"),
    ("start", "int"),
    ("end", "int"),
    ("sit_id", "string"),
    ("sit_name", "string"),
    ("confidence", "int"),
    ("pattern", "string"),
    ("value", "string"),  # masked unless the run reveals values
    ("fingerprint", "string"),
    ("evidence", "array<string>"),  # the elements that supported the match
    ("content_hash", "string"),
    ("definitions_version", "string"),
    ("run", "string"),
)

FILE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("path", "string"),
    ("status", "string"),  # clean, findings, skipped, error; unchanged rows are counted, not kept
    ("parts", "int"),
    ("findings", "int"),
    ("errors", "array<string>"),
    ("skipped", "string"),  # why a file of no supported format was not read
    ("bytes", "long"),
    ("seconds", "double"),
    ("content_hash", "string"),  # None when the file could not be read
    ("definitions_version", "string"),
    ("run", "string"),
)

UNCHANGED = "unchanged"


def ddl(columns: tuple[tuple[str, str], ...]) -> str:
    """A Spark DDL schema string: ``path string, line int, …`` (names quoted: ``end`` is a keyword)."""
    return ", ".join(f"`{name}` {kind}" for name, kind in columns)


def finding_rows(outcome: Outcome, run: str, version: str, digest: str | None) -> list[dict[str, Any]]:
    return [
        {
            "kind": "finding",
            "path": finding.path,
            "part": finding.part,
            "line": finding.line,
            "column": finding.column,
            "end_line": finding.end_line,
            "end_column": finding.end_column,
            "start": finding.start,
            "end": finding.end,
            "sit_id": finding.sit_id,
            "sit_name": finding.sit_name,
            "confidence": finding.confidence,
            "pattern": finding.pattern,
            "value": finding.value,
            "fingerprint": finding.fingerprint,
            "evidence": list(finding.evidence),
            "content_hash": digest,
            "definitions_version": version,
            "run": run,
        }
        for finding in outcome.findings
    ]


def file_status(outcome: Outcome) -> str:
    if outcome.failed:
        return "error"
    if outcome.skipped is not None:
        return "skipped"
    return "findings" if outcome.findings else "clean"


def file_row(
    outcome: Outcome, run: str, version: str, digest: str | None, seconds: float, unchanged: bool = False
) -> dict[str, Any]:
    report = outcome.report
    return {
        "kind": "file",
        "path": outcome.name,
        "status": UNCHANGED if unchanged else file_status(outcome),
        "parts": len(report.parts) if report is not None else 0,
        "findings": len(outcome.findings),
        "errors": list(outcome.problems),
        "skipped": outcome.skipped,
        "bytes": outcome.size,
        "seconds": round(seconds, 6),
        "content_hash": digest,
        "definitions_version": version,
        "run": run,
    }
