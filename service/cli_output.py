"""What ``dlp classify`` prints for people: one block per document with findings, a progress line,
and a summary whose distinct counts are true across files (by fingerprint, not summed per file)."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO

from service.cli_findings import Finding
from service.cli_scan import Outcome
from service.masking import mask_value

# Show progress when there is much to do: many files, or much data.
PROGRESS_MIN_FILES = 20
PROGRESS_MIN_BYTES = 10 * 1024 * 1024


def print_outcome(out: TextIO, outcome: Outcome, reveal: bool, explain: bool, quiet: bool) -> None:
    """A document's findings, grouped by SIT, each at ``path:line:col``. A clean document prints
    nothing: a tree of a thousand clean files should end in its summary, not a thousand lines."""
    report = outcome.report
    if report is None:
        return
    findings = iter(outcome.findings)
    for result in report.results:
        print(
            f"{outcome.name}: {result.sit_name}: confidence {result.confidence}, "
            f"{result.count} match{'es' if result.count != 1 else ''}, {result.unique_count} unique",
            file=out,
        )
        for _ in result.matches:
            print(f"    {finding_line(next(findings))}", file=out)
    if explain and report.trace and not quiet:
        print(f"{outcome.name}: candidates that did not match:", file=out)
        for rejection in report.trace:
            value = rejection.value if reveal else mask_value(rejection.value)
            print(
                f"    {rejection.sit_name}: {rejection.element} {rejection.start}-{rejection.end} {value}: "
                f"{rejection.stage}: {rejection.reason}",
                file=out,
            )


def finding_line(finding: Finding) -> str:
    suffix = f" [evidence: {', '.join(finding.evidence)}]" if finding.evidence else ""
    commit = f"  {finding.commit[:12]} {finding.date}" if finding.commit else ""
    return f"{finding.where}  {finding.confidence:>3}  {finding.value}  ({finding.pattern}){suffix}{commit}"


class Progress:
    """A one-line progress display on stderr, counting files and bytes as results come back from
    every worker; silent when not wanted or not a terminal."""

    def __init__(self, total_files: int, total_bytes: int, enabled: bool | None, stream: TextIO | None = None) -> None:
        stream = stream if stream is not None else sys.stderr
        wanted = total_files >= PROGRESS_MIN_FILES or total_bytes >= PROGRESS_MIN_BYTES
        self.enabled = enabled if enabled is not None else (wanted and stream.isatty())
        self.total_files = total_files
        self.total_bytes = max(total_bytes, 1)
        self.done_files = 0
        self.done_bytes = 0
        self.stream = stream
        self.started = time.monotonic()

    def advance(self, name: str, size: int) -> None:
        self.done_files += 1
        self.done_bytes += size
        if not self.enabled:
            return
        share = min(self.done_bytes / self.total_bytes, 1.0)
        bar = "#" * int(share * 30)
        rate = self.done_bytes / max(time.monotonic() - self.started, 1e-6) / 1e6
        shown = name if len(name) <= 40 else "…" + name[-39:]
        megabytes = self.done_bytes / 1e6
        self.stream.write(
            f"\r[{bar:<30}] {self.done_files}/{self.total_files} files {megabytes:.1f} MB {rate:6.1f} MB/s {shown:<40}"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass
class SitTally:
    files: set[str] = field(default_factory=set)
    matches: int = 0
    distinct: set[str] = field(default_factory=set)  # fingerprints: the same value in two files counts once


@dataclass
class RunSummary:
    files: int = 0
    bytes: int = 0
    with_findings: int = 0
    failed: int = 0
    skipped: int = 0  # whole files of no supported format
    skipped_parts: int = 0
    fallback_parts: int = 0  # read by a fallback: a DTD ignored, malformed XML read as text
    suppressed: int = 0  # silenced by an allow comment or a baseline
    symlinks_skipped: int = 0
    special_skipped: int = 0
    excluded: int = 0
    per_sit: dict[str, SitTally] = field(default_factory=lambda: defaultdict(SitTally))

    def add(self, outcome: Outcome) -> None:
        self.files += 1
        self.bytes += outcome.size
        self.with_findings += bool(outcome.findings)
        self.failed += outcome.failed
        self.skipped += outcome.skipped is not None
        self.skipped_parts += outcome.skipped_parts
        self.fallback_parts += outcome.fallback_parts
        self.suppressed += outcome.suppressed
        for finding in outcome.findings:
            tally = self.per_sit[finding.sit_name]
            tally.files.add(finding.path)
            tally.matches += 1
            tally.distinct.add(finding.fingerprint)

    @property
    def findings(self) -> int:
        return sum(tally.matches for tally in self.per_sit.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "bytes": self.bytes,
            "with_findings": self.with_findings,
            "failed": self.failed,
            "skipped": self.skipped,
            "skipped_parts": self.skipped_parts,
            "fallback_parts": self.fallback_parts,
            "symlinks_skipped": self.symlinks_skipped,
            "special_skipped": self.special_skipped,
            "excluded": self.excluded,
            "suppressed": self.suppressed,
            "findings": self.findings,
            "sits": [
                {"sit": name, "files": len(t.files), "matches": t.matches, "distinct": len(t.distinct)}
                for name, t in self._rows()
            ],
        }

    def _rows(self) -> list[tuple[str, SitTally]]:
        return sorted(self.per_sit.items(), key=lambda item: (-item[1].matches, item[0]))

    def headline(self) -> str:
        extras = [
            f"{self.skipped} skipped (no supported format)" if self.skipped else "",
            f"{plural(self.skipped_parts, 'part')} skipped" if self.skipped_parts else "",
            f"{plural(self.fallback_parts, 'part')} read as plain text" if self.fallback_parts else "",
            f"{plural(self.symlinks_skipped, 'symlink')} not followed" if self.symlinks_skipped else "",
            f"{plural(self.special_skipped, 'special file')} skipped" if self.special_skipped else "",
            f"{self.excluded} excluded" if self.excluded else "",
            f"{plural(self.suppressed, 'finding')} allowed or in the baseline" if self.suppressed else "",
        ]
        tail = "".join(f", {extra}" for extra in extras if extra)
        return f"{plural(self.files, 'file')}: {self.with_findings} with findings, {self.failed} failed{tail}"

    def print(self, out: TextIO) -> None:
        print(f"\n{self.headline()}", file=out)
        if not self.per_sit:
            return
        width = max(len("SIT"), *(len(name) for name in self.per_sit))
        print(f"{'SIT':<{width}}  {'files':>6}  {'matches':>8}  {'distinct':>8}", file=out)
        for name, tally in self._rows():
            print(f"{name:<{width}}  {len(tally.files):>6}  {tally.matches:>8}  {len(tally.distinct):>8}", file=out)
