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
from dataclasses import dataclass, replace

from service.engine.document import Excerpt, Part, PartError
from service.engine.report import Evidence, IncompleteSit, Match, PartSummary, Rejection, Report
from service.engine.scanner import ClassifyOptions, Scanner
from service.engine.selection import SitTally, results

DEFAULT_WINDOW = 4_000_000  # characters
# Assumed length of a match whose pattern has no upper bound (such as a PEM block).
LONGEST_UNBOUNDED_MATCH = 16_384
# Excerpts held before those of matches that can no longer be returned are dropped.
EXCERPTS_BEFORE_PRUNING = 4096


def window_overlap(scanner: Scanner, excerpt_margin: int = 0) -> int:
    """Characters two consecutive windows share.

    With ``excerpt_margin``, also enough that a match's evidence and that many characters
    on either side of both lie inside the window that owns the match.
    """
    proximity = max((sit.definition.max_proximity for sit in scanner.sits), default=0)
    widths = [compiled.width for compiled in scanner.regexes]
    longest = max((LONGEST_UNBOUNDED_MATCH if w is None else w for w in widths), default=0)
    return proximity + longest + 64 + excerpt_margin


@dataclass(frozen=True)
class StreamClassification:
    """A streamed text's report, and for each match it returns the excerpt around it."""

    report: Report
    excerpts: dict[Match, Excerpt]


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
    return classify_stream_with_excerpts(scanner, name, chunks, 0, options, window).report


def classify_stream_with_excerpts(
    scanner: Scanner,
    name: str,
    chunks: Iterable[str],
    excerpt_margin: int,
    options: ClassifyOptions | None = None,
    window: int | None = None,
    size: int | None = None,
) -> StreamClassification:
    """``classify_stream``, keeping for each returned match the text from ``excerpt_margin``
    characters before the match and its evidence to as many after (or to the text's edge).
    ``size`` is the bytes of the source, when known.

    The text is gone once its window has passed, so what a summary of a match needs is cut
    from the window that owns it. Only excerpts of matches the report may still return are
    held, so memory stays bounded by the caps on returned matches.
    """
    options = options or ClassifyOptions()
    window = window or DEFAULT_WINDOW
    overlap = window_overlap(scanner, excerpt_margin)
    if window <= 4 * overlap:
        raise ValueError(f"window must be larger than {4 * overlap} characters for these definitions")
    started = time.perf_counter()
    collected = _Collected(options, excerpt_margin)
    # Each window returns all it found; what the stream returns is chosen over all windows.
    uncapped = replace(options, max_matches_per_sit=None, max_matches=None, max_trace=None)
    chars = 0
    for offset, text, last in _windows(chunks, window, overlap):
        owned = (
            offset if offset == 0 else offset + overlap,
            offset + len(text) if last else offset + len(text) - overlap,
        )
        chars = offset + len(text)
        collected.add(scanner.classify([Part(name, text)], uncapped), text, offset, owned)
    order = [sit.definition.id for sit in scanner.sits]
    found = results(
        (
            (sit_id, collected.names[sit_id], collected.tallies[sit_id])
            for sit_id in order
            if sit_id in collected.tallies
        ),
        options.max_matches,
    )
    errors = collected.errors
    trace, limit = collected.trace, options.max_trace
    report = Report(
        results=found,
        parts=(PartSummary(name, "text/plain", chars, size, error=errors[0] if errors else None),),
        elapsed_ms=(time.perf_counter() - started) * 1000,
        sits_scanned=len(scanner.select(options.sits)),
        trace=tuple(trace[:limit] if limit is not None else trace) if trace is not None else None,
        incomplete=tuple(collected.incomplete.values()),
        trace_truncated=trace is not None and limit is not None and len(trace) > limit,
        input_bytes=size,
    )
    returned = {match for result in found for match in result.matches}
    return StreamClassification(report, {m: e for m, e in collected.excerpts.items() if m in returned})


class _Collected:
    """What the windows found so far: the matches each owns, tallied per SIT, and the rest."""

    def __init__(self, options: ClassifyOptions, excerpt_margin: int) -> None:
        self.limit = options.max_matches_per_sit
        self.margin = excerpt_margin
        self.tallies: dict[str, SitTally] = {}
        self.names: dict[str, str] = {}
        self.trace: list[Rejection] | None = [] if options.explain else None
        self.incomplete: dict[str, IncompleteSit] = {}
        self.errors: list[PartError] = []
        self.excerpts: dict[Match, Excerpt] = {}
        self.prune_at = EXCERPTS_BEFORE_PRUNING

    def add(self, report: Report, text: str, offset: int, owned: tuple[int, int]) -> None:
        """One window's report (offsets in ``text``, which starts at ``offset`` of the stream)."""
        owned_start, owned_end = owned
        self.errors.extend(p.error for p in report.parts if p.error is not None)
        for item in report.incomplete:
            self.incomplete.setdefault(item.sit_id, item)
        for result in report.results:
            self.names[result.sit_id] = result.sit_name
            tally = self.tallies.setdefault(result.sit_id, SitTally(self.limit))
            for match in result.matches:
                if owned_start <= offset + match.start < owned_end:
                    shifted = match.shifted(offset)
                    if self.margin:
                        self.excerpts[shifted] = _excerpt(match, text, offset, self.margin)
                    tally.add(shifted)
        if self.trace is not None and report.trace:
            self.trace.extend(
                replace(r, start=r.start + offset, end=r.end + offset)
                for r in report.trace
                if owned_start <= offset + r.start < owned_end
            )
        if len(self.excerpts) > self.prune_at:
            # A match a tally no longer ranks can never be returned: its excerpt goes. Ranking
            # sorts every distinct value, so it is done when the excerpts have doubled, not per window.
            held = {match for tally in self.tallies.values() for _, match in tally.ranked()}
            self.excerpts = {match: excerpt for match, excerpt in self.excerpts.items() if match in held}
            self.prune_at = max(EXCERPTS_BEFORE_PRUNING, 2 * len(self.excerpts))


def _excerpt(match: Match, text: str, offset: int, margin: int) -> Excerpt:
    """The window's text around ``match`` (offsets in the window) and its evidence, with ``margin`` more."""
    low = min([match.start, *(e.start for e in match.evidence)]) - margin
    high = max([match.end, *(e.end for e in match.evidence)]) + margin
    low, high = max(0, low), min(len(text), high)
    return Excerpt(offset + low, text[low:high])


__all__ = [
    "DEFAULT_WINDOW",
    "Evidence",
    "StreamClassification",
    "classify_stream",
    "classify_stream_with_excerpts",
    "window_overlap",
]
