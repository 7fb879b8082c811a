"""Classifying a text too large to hold: overlapping windows, each match reported exactly once.

The text arrives in chunks. It is classified a window at a time; consecutive windows
overlap by more than the largest proximity plus the longest match, so every match, with
all the evidence within its proximity, lies whole inside some window. Each window *owns*
the matches that start in its middle stretch (the first and last windows also own their
outer edges), so a match on a window boundary is neither lost nor counted twice. Memory
stays at about one window, whatever the size of the text.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import replace

from service.engine.document import Part, PartError
from service.engine.report import Evidence, IncompleteSit, Match, PartSummary, Rejection, Report
from service.engine.scanner import ClassifyOptions, Scanner
from service.engine.selection import SitTally, results

DEFAULT_WINDOW = 4_000_000  # characters
# Assumed length of a match whose pattern has no upper bound (such as a PEM block).
LONGEST_UNBOUNDED_MATCH = 16_384


def window_overlap(scanner: Scanner) -> int:
    """Characters two consecutive windows share."""
    proximity = max((sit.definition.max_proximity for sit in scanner.sits), default=0)
    widths = [compiled.width for compiled in scanner.regexes]
    longest = max((LONGEST_UNBOUNDED_MATCH if w is None else w for w in widths), default=0)
    return proximity + longest + 64


def _windows(chunks: Iterable[str], window: int, overlap: int) -> Iterator[tuple[int, str, bool]]:
    """(offset of the window in the text, its text, whether it is the last) for each window."""
    buffer = ""
    offset = 0
    iterator = iter(chunks)
    exhausted = False
    while True:
        while not exhausted and len(buffer) < window:
            chunk = next(iterator, None)
            if chunk is None:
                exhausted = True
            else:
                buffer += chunk
        yield offset, buffer, exhausted
        if exhausted:
            return
        keep = 2 * overlap
        offset += len(buffer) - keep
        buffer = buffer[-keep:]


def classify_stream(
    scanner: Scanner,
    name: str,
    chunks: Iterable[str],
    options: ClassifyOptions | None = None,
    window: int | None = None,
) -> Report:
    """Classify the concatenation of ``chunks`` as one part named ``name``.

    The time limit applies to each window, since a stream's length is not known ahead.
    The caps on returned matches apply to the whole stream; counts are exact.
    """
    options = options or ClassifyOptions()
    window = window or DEFAULT_WINDOW
    overlap = window_overlap(scanner)
    if window <= 4 * overlap:
        raise ValueError(f"window must be larger than {4 * overlap} characters for these definitions")
    started = time.perf_counter()
    tallies: dict[str, SitTally] = {}
    names: dict[str, str] = {}
    trace: list[Rejection] | None = [] if options.explain else None
    incomplete: dict[str, IncompleteSit] = {}
    # Each window returns all it found; what the stream returns is chosen over all windows.
    uncapped = replace(options, max_matches_per_sit=None, max_matches=None, max_trace=None)
    chars = 0
    errors: list[PartError] = []
    for offset, text, last in _windows(chunks, window, overlap):
        owned_start = offset if offset == 0 else offset + overlap
        owned_end = offset + len(text) if last else offset + len(text) - overlap
        chars = offset + len(text)
        report = scanner.classify([Part(name, text)], uncapped)
        errors.extend(p.error for p in report.parts if p.error is not None)
        for item in report.incomplete:
            incomplete.setdefault(item.sit_id, item)
        for result in report.results:
            names[result.sit_id] = result.sit_name
            tally = tallies.setdefault(result.sit_id, SitTally(options.max_matches_per_sit))
            for match in result.matches:
                if owned_start <= offset + match.start < owned_end:
                    tally.add(_shift(match, offset))
        if trace is not None and report.trace:
            trace.extend(
                replace(r, start=r.start + offset, end=r.end + offset)
                for r in report.trace
                if owned_start <= offset + r.start < owned_end
            )
    order = [sit.definition.id for sit in scanner.sits]
    found = results(
        ((sit_id, names[sit_id], tallies[sit_id]) for sit_id in order if sit_id in tallies), options.max_matches
    )
    summary = PartSummary(name, "text/plain", chars, error=errors[0] if errors else None)
    limit = options.max_trace
    return Report(
        results=found,
        parts=(summary,),
        elapsed_ms=(time.perf_counter() - started) * 1000,
        sits_scanned=len(scanner.select(options.sits)),
        trace=tuple(trace[:limit] if limit is not None else trace) if trace is not None else None,
        incomplete=tuple(incomplete.values()),
        trace_truncated=trace is not None and limit is not None and len(trace) > limit,
    )


def _shift(match: Match, offset: int) -> Match:
    return replace(
        match,
        start=match.start + offset,
        end=match.end + offset,
        evidence=tuple(replace(e, start=e.start + offset, end=e.end + offset) for e in match.evidence),
    )


__all__ = ["DEFAULT_WINDOW", "Evidence", "classify_stream", "window_overlap"]
