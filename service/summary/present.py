"""A Report as callers see it: masked values, fingerprints and a contextual summary per match.

The REST API and the CLI's JSON output both use ``present_report``, so a match looks the
same wherever it is read. Masking is decided here, in one place: unless the caller may
see values, every character of every value that any regex or function element of any
loaded SIT finds near a match — the match itself, its evidence, any other secret — is
masked in ``value``, in ``evidence`` and in ``summary``, and a mask always wins over a
highlight.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from service.engine.deadline import Deadline, EngineTimeout
from service.engine.document import Part
from service.engine.report import Match, Report
from service.engine.scanner import Scanner
from service.engine.sensitive import sensitive_spans
from service.summary.fingerprint import Fingerprinter
from service.summary.masking import mask_value
from service.summary.snippet import Summary, build_summary, snippet_window

# Seconds allowed for masking when the caller gives no deadline of its own.
DEFAULT_MASKING_TIME_LIMIT = 2.0


@dataclass(frozen=True)
class PresentOptions:
    reveal: bool = False
    context: int = 100
    fingerprinter: Fingerprinter | None = None
    # The request's budget: masking and formatting count against it like every other stage.
    deadline: Deadline = field(default_factory=lambda: Deadline(DEFAULT_MASKING_TIME_LIMIT))


def present_report(report: Report, parts: Sequence[Part], scanner: Scanner, options: PresentOptions) -> dict[str, Any]:
    data = report.to_dict(reveal=options.reveal)
    presented = _present_matches(report, parts, scanner, options)
    for result_data, result in zip(data["results"], report.results, strict=True):
        for match_data, match in zip(result_data["matches"], result.matches, strict=True):
            if options.fingerprinter is not None:
                match_data["fingerprint"] = options.fingerprinter.fingerprint(match.normalized)
            summary, masked_evidence = presented[id(match)]
            evidence = zip(match_data["evidence"], match.evidence, masked_evidence, strict=True)
            for evidence_data, item, masked in evidence:
                if masked:
                    evidence_data["text"] = mask_value(item.text)
            match_data["summary"] = {
                "text": summary.text,
                "highlights": [{"start": h.start, "end": h.end, "kind": h.kind} for h in summary.highlights],
            }
    return data


def _present_matches(
    report: Report, parts: Sequence[Part], scanner: Scanner, options: PresentOptions
) -> dict[int, tuple[Summary, list[bool]]]:
    """Per match: its summary, and for each evidence item whether its text must be masked."""
    texts = {part.name: part.text for part in parts}
    windows: dict[str, list[tuple[Match, tuple[int, int]]]] = defaultdict(list)
    for result in report.results:
        for match in result.matches:
            evidence = _nearest_per_element(match)
            windows[match.part].append(
                (match, snippet_window(texts[match.part], (match.start, match.end), evidence, options.context))
            )
    presented: dict[int, tuple[Summary, list[bool]]] = {}
    for part_name, items in windows.items():
        text = texts[part_name]
        if options.reveal:
            for match, window in items:
                marked = [(ev.start, ev.end, ev.sensitive) for ev in match.evidence]
                summary = build_summary(text, window, (match.start, match.end), marked, [], True)
                presented[id(match)] = (summary, [False] * len(match.evidence))
            continue
        # Evidence may lie outside the snippet; whatever lies under it must be known too.
        ranges = [w for _, w in items] + [(ev.start, ev.end) for match, _ in items for ev in match.evidence]
        try:
            others = sensitive_spans(scanner, text, ranges, options.deadline)
        except EngineTimeout:
            # Without knowing what else is near, show the masked match alone and mask all evidence.
            for match, _ in items:
                span = (match.start, match.end)
                presented[id(match)] = (build_summary(text, span, span, [], [], False), [True] * len(match.evidence))
            continue
        near = _SortedSpans(others).overlapping
        for match, window in items:
            marked = [(ev.start, ev.end, ev.sensitive) for ev in match.evidence]
            summary = build_summary(text, window, (match.start, match.end), marked, near(*window), False)
            masked = [
                ev.sensitive or _overlaps(ev.start, ev.end, match.start, match.end) or bool(near(ev.start, ev.end))
                for ev in match.evidence
            ]
            presented[id(match)] = (summary, masked)
    return presented


class _SortedSpans:
    """Spans sorted by start; those overlapping a range are found by bisection."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        self.starts = [start for start, _ in spans]
        self.longest = max((end - start for start, end in spans), default=0)

    def overlapping(self, low: int, high: int) -> list[tuple[int, int]]:
        first, last = bisect_left(self.starts, low - self.longest), bisect_left(self.starts, high)
        return [(s, e) for s, e in self.spans[first:last] if s < high and e > low]


def _overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
    return start < other_end and other_start < end


def _nearest_per_element(match: Match) -> list[tuple[int, int]]:
    """The closest occurrence of each evidence element: enough to show why, without a wall of text."""
    nearest: dict[str, tuple[int, tuple[int, int]]] = {}
    for item in match.evidence:
        distance = max(0, match.start - item.end, item.start - match.end)
        if item.element not in nearest or distance < nearest[item.element][0]:
            nearest[item.element] = (distance, (item.start, item.end))
    return [span for _, span in nearest.values()]
