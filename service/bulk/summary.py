"""The summary at the end of ``dlp scan``: files, bytes, findings by SIT and confidence, distinct
values by fingerprint across the whole scan (the same leaked token in a thousand files is one
token to rotate), and errors. Computed from the rows, so it says the same whatever ran them."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO

from service.cli_output import plural

SHOWN_ERRORS = 10


@dataclass
class BulkSummary:
    files: int = 0
    bytes: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    findings: int = 0
    fingerprints: set[str] = field(default_factory=set)
    by_sit: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    distinct_by_sit: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    errors: list[tuple[str, str]] = field(default_factory=list)
    scanned: int = 0  # this run: files classified
    unchanged: int = 0  # this run: files skipped, already scanned with these definitions

    @classmethod
    def of(cls, files: list[dict[str, Any]], findings: list[dict[str, Any]]) -> BulkSummary:
        summary = cls()
        for row in files:
            summary.files += 1
            summary.bytes += row["bytes"] or 0
            summary.statuses[row["status"]] += 1
            summary.errors.extend((row["path"], error) for error in row["errors"] or ())
        for finding in findings:
            summary.findings += 1
            summary.fingerprints.add(finding["fingerprint"])
            summary.by_sit[finding["sit_name"]][finding["confidence"]] += 1
            summary.distinct_by_sit[finding["sit_name"]].add(finding["fingerprint"])
        return summary

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "bytes": self.bytes,
            "statuses": dict(sorted(self.statuses.items())),
            "findings": self.findings,
            "unique_fingerprints": len(self.fingerprints),
            "sits": [
                {
                    "sit": name,
                    "findings": sum(levels.values()),
                    "unique": len(self.distinct_by_sit[name]),
                    "by_confidence": {str(level): count for level, count in sorted(levels.items(), reverse=True)},
                }
                for name, levels in self._rows()
            ],
            "errors": len(self.errors),
            "this_run": {"scanned": self.scanned, "unchanged": self.unchanged},
        }

    def _rows(self) -> list[tuple[str, Counter[int]]]:
        return sorted(self.by_sit.items(), key=lambda item: (-sum(item[1].values()), item[0]))

    def print(self, out: TextIO) -> None:
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(self.statuses.items()))
        print(
            f"{plural(self.files, 'file')} ({self.bytes / 1e6:.1f} MB; {statuses or 'none'}); "
            f"this run scanned {self.scanned}, skipped {self.unchanged} unchanged",
            file=out,
        )
        print(
            f"{plural(self.findings, 'finding')}, {len(self.fingerprints)} unique by fingerprint, "
            f"{plural(len(self.errors), 'error')}",
            file=out,
        )
        if self.by_sit:
            width = max(len("SIT"), *(len(name) for name in self.by_sit))
            print(f"{'SIT':<{width}}  {'findings':>8}  {'unique':>6}  by confidence", file=out)
            for name, levels in self._rows():
                spread = ", ".join(f"{level}: {count}" for level, count in sorted(levels.items(), reverse=True))
                total = sum(levels.values())
                print(f"{name:<{width}}  {total:>8}  {len(self.distinct_by_sit[name]):>6}  {spread}", file=out)
        for path, error in self.errors[:SHOWN_ERRORS]:
            print(f"error: {path}: {error}", file=out)
        if len(self.errors) > SHOWN_ERRORS:
            print(f"… and {len(self.errors) - SHOWN_ERRORS} more errors in files.jsonl", file=out)
