"""One input of ``dlp classify`` or ``dlp git``, classified and judged: its findings with lines and
columns, those silenced by an allow comment or a baseline removed, and what went wrong.

What counts as a failure is decided here, once, for every output format: a file that cannot be
read, a document that hit the time limit, a supported format that is corrupt. Binary content of no
supported format (images, object files, compiled data) is skipped and counted, not an error,
unless the run is ``--strict``.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from service.classify import Document, UnreadableDocument, classify
from service.cli_findings import Finding, LineIndex, Position, is_allowed
from service.cli_inputs import InputFile
from service.engine import ClassifyOptions, Scanner
from service.engine.deadline import Deadline
from service.engine.document import Excerpt, Part
from service.engine.report import IncompleteSit, Match, Report, SitResult
from service.engine.stream import classify_stream_with_excerpts
from service.extract import ExtractionLimits
from service.extract.detect import Kind, detect
from service.masking import mask_value
from service.summary.fingerprint import Fingerprinter
from service.summary.present import MatchTexts, PresentOptions, excerpt_margin, present_report

# Plain-text files above this size are classified in windows instead of read whole.
STREAM_THRESHOLD = 64 * 1024 * 1024
# Part errors that mean "not a format we read": skipped and counted, not a failure.
SKIPPED_CODES = frozenset({"unsupported_format"})
# Part errors of content that was still read, by a safe fallback: XML whose DTD was ignored, or
# malformed XML read as text with its tags stripped (its error part is named "…#incomplete").
FALLBACK_CODES = frozenset({"forbidden_content"})
RECOVERED_SUFFIX = "#incomplete"
# Kinds whose bytes are text: when their reader gives up, the raw text is classified instead.
TEXT_KINDS = frozenset({Kind.TEXT, Kind.XML, Kind.HTML, Kind.EMAIL})
# (path, SIT id, fingerprint): a finding a baseline already knows.
BaselineKey = tuple[str, str, str]


@dataclass(frozen=True)
class ScanSettings:
    options: ClassifyOptions
    fingerprint_key: bytes
    reveal: bool = False
    strict: bool = False
    records: bool = False  # build the JSON record (with masked summaries) of each document
    baseline: frozenset[BaselineKey] = frozenset()


@dataclass
class Outcome:
    """What one input gave. ``findings`` follow the order of ``report``'s results and matches."""

    name: str
    size: int
    report: Report | None = None
    findings: list[Finding] = field(default_factory=list)
    record: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)  # real failures, one line each
    skipped: str | None = None  # why the whole input was not read
    skipped_parts: int = 0
    fallback_parts: int = 0
    suppressed: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.problems)


# Where a match is: its start and end positions, and the text of the lines it spans.
Locator = Callable[[Match], tuple[Position, Position, list[str]]]


@dataclass(frozen=True)
class Origin:
    """Where a text of ``dlp git`` came from: a commit (None for the staged changes) and its date."""

    commit: str | None = None
    date: str | None = None


def scan_file(scanner: Scanner, item: InputFile, settings: ScanSettings) -> Outcome:
    outcome = Outcome(item.name, item.size)
    options = settings.options
    try:
        if item.path is not None and item.size > STREAM_THRESHOLD and is_plain_text(item.path):
            margin = excerpt_margin(PresentOptions().context)
            chunks = read_text_chunks(item.path)
            streamed = classify_stream_with_excerpts(scanner, item.name, chunks, margin, options, size=item.size)
            locate = _stream_locator(item.path, streamed.report, streamed.excerpts)
            return _judge(outcome, scanner, streamed.report, streamed.excerpts, locate, settings)
        content = read_input(item.path, ExtractionLimits().max_input_bytes)
    except OSError as error:
        outcome.problems.append(f"cannot be read: {error.strerror or error}")
        return outcome
    return scan_content(scanner, outcome, content, settings)


def scan_content(scanner: Scanner, outcome: Outcome, content: bytes, settings: ScanSettings) -> Outcome:
    """A document already read whole (a file, or bytes a distributed file source handed over),
    classified and judged exactly as ``scan_file`` does for a file it reads itself."""
    name = outcome.name
    options = settings.options
    outcome.size = outcome.size or len(content)
    try:
        classification = classify(scanner, [Document(content, name=name)], options, ExtractionLimits())
    except UnreadableDocument as error:
        kind = detect(content[:65536], name)
        if kind is Kind.BINARY and not settings.strict:
            outcome.skipped = "binary content of no supported format"
            return outcome
        if kind not in TEXT_KINDS:
            # The message names the document already: the path is said once, by the caller.
            outcome.problems.append(f"cannot be read: {str(error).removeprefix(name + ': ')}")
            return outcome
        # Markup that is not what it looks like (a DTD, a template): its raw text is still text.
        outcome.fallback_parts += 1
        text = content.decode("utf-8", errors="replace")
        classification = classify(scanner, [Document(text, name=name)], options)
    parts = classification.parts
    return _judge(outcome, scanner, classification.report, parts, _parts_locator(parts), settings)


def scan_text(
    scanner: Scanner, name: str, text: str, lines: Sequence[int], origin: Origin, settings: ScanSettings
) -> Outcome:
    """A text made of the lines a change added; ``lines[i]`` is the file's line number of its line i + 1."""
    outcome = Outcome(name, len(text.encode("utf-8")))
    classification = classify(scanner, [Document(text, name=name)], settings.options)
    index = LineIndex(text)

    def locate(match: Match) -> tuple[Position, Position, list[str]]:
        start, end = index.position(match.start), index.end_position(match.end, match.start)
        spanned = [index.line_text(n) for n in range(start.line, end.line + 1)]
        return Position(lines[start.line - 1], start.column), Position(lines[end.line - 1], end.column), spanned

    judged = _judge(outcome, scanner, classification.report, classification.parts, locate, settings)
    judged.findings = [replace(f, commit=origin.commit, date=origin.date) for f in judged.findings]
    if judged.record is not None and origin.commit is not None:
        judged.record = {**judged.record, "commit": origin.commit, "date": origin.date}
    return judged


def _judge(
    outcome: Outcome, scanner: Scanner, report: Report, texts: MatchTexts, locate: Locator, settings: ScanSettings
) -> Outcome:
    for part in report.errors:
        assert part.error is not None
        if part.error.code in SKIPPED_CODES and not settings.strict:
            outcome.skipped_parts += 1
        elif part.error.code in FALLBACK_CODES or (
            part.error.code == "corrupt" and part.name.endswith(RECOVERED_SUFFIX)
        ):
            outcome.fallback_parts += 1
        else:
            outcome.problems.append(f"{_inner(outcome.name, part.name)}: {part.error.code}: {part.error.message}")
    by_part: dict[str, list[IncompleteSit]] = {}
    for incomplete in report.incomplete:
        by_part.setdefault(incomplete.part, []).append(incomplete)
    for part_name, items in by_part.items():
        # One problem per part, however many SITs ran out of time in it.
        names = ", ".join(item.sit_name for item in items)
        outcome.problems.append(
            f"{_inner(outcome.name, part_name)}: incomplete ({plural_sits(len(items))}: {names}): {items[0].message}"
        )
    fingerprinter = Fingerprinter(settings.fingerprint_key)
    results: list[SitResult] = []
    positions: dict[int, tuple[Position, Position]] = {}
    for result in report.results:
        kept: list[Match] = []
        for match in result.matches:
            start, end, lines = locate(match)
            fingerprint = fingerprinter.fingerprint(match.normalized)
            if is_allowed(lines, result.sit_id, result.sit_name) or (
                (outcome.name, result.sit_id, fingerprint) in settings.baseline
            ):
                outcome.suppressed += 1
                continue
            kept.append(match)
            positions[id(match)] = (start, end)
            outcome.findings.append(_finding(outcome.name, result, match, start, end, fingerprint, settings.reveal))
        if len(kept) == len(result.matches):
            results.append(result)
        elif kept:
            results.append(SitResult.from_matches(result.sit_id, result.sit_name, tuple(kept)))
    report = replace(report, results=tuple(results))
    outcome.report = report
    if settings.records:
        outcome.record = _record(outcome, report, texts, scanner, settings, fingerprinter, positions)
    return outcome


def _inner(name: str, part: str) -> str:
    """A part's name without its document's, which the problem's line already gives."""
    return part.removeprefix(name + "/") if part != name else "text"


def plural_sits(count: int) -> str:
    return f"{count} SIT{'' if count == 1 else 's'}"


def _finding(
    name: str, result: SitResult, match: Match, start: Position, end: Position, fingerprint: str, reveal: bool
) -> Finding:
    return Finding(
        path=name,
        part=match.part,
        sit_id=result.sit_id,
        sit_name=result.sit_name,
        confidence=match.confidence,
        pattern=match.pattern,
        start=match.start,
        end=match.end,
        line=start.line,
        column=start.column,
        end_line=end.line,
        end_column=end.column,
        value=match.value if reveal else mask_value(match.value),
        fingerprint=fingerprint,
        evidence=tuple(sorted({item.element for item in match.evidence})),
    )


def _record(
    outcome: Outcome,
    report: Report,
    texts: MatchTexts,
    scanner: Scanner,
    settings: ScanSettings,
    fingerprinter: Fingerprinter,
    positions: dict[int, tuple[Position, Position]],
) -> dict[str, Any]:
    # Masking a document's summaries gets the document's own time limit, not the short default
    # meant for callers without one: a large file's summaries would fall back to bare values.
    masking = Deadline(settings.options.time_limit or scanner.time_limit)
    present = PresentOptions(reveal=settings.reveal, deadline=masking, fingerprinter=fingerprinter)
    shown = present_report(report, texts, scanner, present)
    findings = iter(outcome.findings)
    summaries: list[str] = []
    for result_data, result in zip(shown["results"], report.results, strict=True):
        for match_data, match in zip(result_data["matches"], result.matches, strict=True):
            start, end = positions[id(match)]
            match_data.update(line=start.line, column=start.column, end_line=end.line, end_column=end.column)
            summaries.append(match_data["summary"]["text"])
    outcome.findings = [replace(finding, snippet=text) for finding, text in zip(findings, summaries, strict=True)]
    return {"name": outcome.name, **shown}


def _parts_locator(parts: Sequence[Part]) -> Locator:
    indexes: dict[str, LineIndex] = {}
    texts = {part.name: part.text for part in parts}

    def locate(match: Match) -> tuple[Position, Position, list[str]]:
        index = indexes.get(match.part)
        if index is None:
            index = indexes[match.part] = LineIndex(texts[match.part])
        start, end = index.position(match.start), index.end_position(match.end, match.start)
        return start, end, [index.line_text(n) for n in range(start.line, end.line + 1)]

    return locate


def _stream_locator(path: Path, report: Report, excerpts: Mapping[Match, Excerpt]) -> Locator:
    """Lines and columns of a streamed file's matches, from a second pass counting its line breaks
    (the text is never held whole); the lines a match spans are taken from its excerpt."""
    offsets = sorted({o for r in report.results for m in r.matches for o in (m.start, max(m.start, m.end - 1))})
    found = _positions_in_stream(read_text_chunks(path), offsets)

    def locate(match: Match) -> tuple[Position, Position, list[str]]:
        start = found[match.start]
        last = found[max(match.start, match.end - 1)]
        end = Position(last.line, last.column + 1) if match.end > match.start else start
        excerpt = excerpts[match]
        local = LineIndex(excerpt.text)
        first = local.position(match.start - excerpt.offset).line
        final = local.position(max(match.start, match.end - 1) - excerpt.offset).line
        return start, end, [local.line_text(n) for n in range(first, final + 1)]

    return locate


def _positions_in_stream(chunks: Iterator[str], offsets: Sequence[int]) -> dict[int, Position]:
    """Positions of sorted offsets, counting line breaks chunk by chunk up to each."""
    found: dict[int, Position] = {}
    pending = iter(offsets)
    wanted = next(pending, None)
    base, counted, line, line_start = 0, 0, 1, 0  # breaks before ``counted`` are counted
    for chunk in chunks:
        end = base + len(chunk)
        while wanted is not None and wanted < end:
            line, line_start = _count_breaks(chunk[counted - base : wanted - base], counted, line, line_start)
            counted = wanted
            found[wanted] = Position(line, wanted - line_start + 1)
            wanted = next(pending, None)
        line, line_start = _count_breaks(chunk[counted - base :], counted, line, line_start)
        base = counted = end
    return found


def _count_breaks(segment: str, at: int, line: int, line_start: int) -> tuple[int, int]:
    breaks = segment.count("\n")
    if not breaks:
        return line, line_start
    return line + breaks, at + segment.rfind("\n") + 1


def is_plain_text(path: Path) -> bool:
    with path.open("rb") as stream:
        head = stream.read(4096)
    return detect(head, path.name) is Kind.TEXT


def read_text_chunks(path: Path, size: int = 1 << 20) -> Iterator[str]:
    """The file's text, a megabyte at a time (UTF-8; undecodable bytes become U+FFFD)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    with path.open("rb") as stream:
        while chunk := stream.read(size):
            yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def read_input(path: Path | None, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes: enough for the extractor to report a file over the limit."""
    if path is None:
        return sys.stdin.buffer.read(limit + 1)
    with path.open("rb") as stream:
        # A read of limit + 1 bytes allocates that much first: for a tree of small files, most of
        # the reading time went to allocating and shrinking buffers of the size limit. A regular
        # file says its size; anything else (a pipe, a file in /proc reporting 0) reads as before.
        size = os.fstat(stream.fileno()).st_size
        if size <= 0:
            return stream.read(limit + 1)
        content = stream.read(min(size, limit) + 1)
        if size < len(content) <= limit:  # the file grew since it was measured
            content += stream.read(limit + 1 - len(content))
        return content
