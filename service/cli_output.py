"""What ``dlp classify`` prints for people: one block per document, a progress line, a summary table."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TextIO

from service.engine import Report
from service.masking import mask_value

# Show progress when there is much to do: many files, or much data.
PROGRESS_MIN_FILES = 20
PROGRESS_MIN_BYTES = 10 * 1024 * 1024


def print_report(out: TextIO, name: str, report: Report, reveal: bool, explain: bool) -> None:
    for part in report.errors:
        assert part.error is not None
        print(f"{name}: {part.name}: {part.error.code}: {part.error.message}", file=out)
    for incomplete in report.incomplete:
        print(f"{name}: {incomplete.part}: {incomplete.sit_name}: incomplete: {incomplete.message}", file=out)
    if not report.results:
        print(f"{name}: no sensitive information found", file=out)
    for result in report.results:
        print(
            f"{name}: {result.sit_name}: confidence {result.confidence}, "
            f"{result.count} match{'es' if result.count != 1 else ''}, {result.unique_count} unique",
            file=out,
        )
        for match in result.matches:
            value = match.value if reveal else mask_value(match.value)
            evidence = ", ".join(sorted({e.element for e in match.evidence}))
            suffix = f" [evidence: {evidence}]" if evidence else ""
            where = f"{match.part}:{match.start}-{match.end}"
            print(f"    {where}  {match.confidence:>3}  {value}  ({match.pattern}){suffix}", file=out)
    if explain and report.trace:
        print(f"{name}: candidates that did not match:", file=out)
        for rejection in report.trace:
            value = rejection.value if reveal else mask_value(rejection.value)
            print(
                f"    {rejection.sit_name}: {rejection.element} {rejection.start}-{rejection.end} {value}: "
                f"{rejection.stage}: {rejection.reason}",
                file=out,
            )


class Progress:
    """A one-line progress display on a terminal; silent when not wanted or not a terminal."""

    def __init__(self, total_files: int, total_bytes: int, enabled: bool | None, stream: TextIO | None = None) -> None:
        stream = stream if stream is not None else sys.stderr
        wanted = total_files >= PROGRESS_MIN_FILES or total_bytes >= PROGRESS_MIN_BYTES
        self.enabled = enabled if enabled is not None else (wanted and stream.isatty())
        self.total_files = total_files
        self.total_bytes = max(total_bytes, 1)
        self.done_bytes = 0
        self.stream = stream
        self.started = time.monotonic()

    def advance(self, index: int, name: str, size: int) -> None:
        self.done_bytes += size
        if not self.enabled:
            return
        share = self.done_bytes / self.total_bytes
        bar = "#" * int(share * 30)
        rate = self.done_bytes / max(time.monotonic() - self.started, 1e-6) / 1e6
        shown = name if len(name) <= 40 else "…" + name[-39:]
        self.stream.write(f"\r[{bar:<30}] {index}/{self.total_files} {rate:6.1f} MB/s {shown:<40}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class RunSummary:
    files: int = 0
    with_findings: int = 0
    with_errors: int = 0
    per_sit: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))

    def add(self, report: Report) -> None:
        self.files += 1
        self.with_findings += bool(report.results)
        self.with_errors += not report.complete
        for result in report.results:
            row = self.per_sit[result.sit_name]
            row[0] += 1
            row[1] += result.count
            row[2] += result.unique_count

    def add_unreadable(self) -> None:
        self.files += 1
        self.with_errors += 1

    def print(self, out: TextIO) -> None:
        print(f"\n{self.files} files: {self.with_findings} with findings, {self.with_errors} with errors", file=out)
        if not self.per_sit:
            return
        width = max(len("SIT"), *(len(name) for name in self.per_sit))
        print(f"{'SIT':<{width}}  {'files':>6}  {'matches':>8}  {'unique*':>8}", file=out)
        for name, (files, matches, unique) in sorted(self.per_sit.items(), key=lambda item: -item[1][1]):
            print(f"{name:<{width}}  {files:>6}  {matches:>8}  {unique:>8}", file=out)
        print("* unique values summed per file", file=out)
