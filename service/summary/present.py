"""A Report as callers see it: masked values, fingerprints and a contextual summary per match.

The REST API and the CLI's JSON output both use ``present_report``, so a match looks the
same wherever it is read.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.engine.document import Part
from service.engine.report import Match, Report
from service.engine.scanner import Scanner
from service.engine.sensitive import sensitive_spans
from service.summary.fingerprint import Fingerprinter
from service.summary.snippet import Summary, build_summary, snippet_window

# Seconds allowed for finding other secrets around the matches of one part.
MASKING_TIME_LIMIT = 2.0


@dataclass(frozen=True)
class PresentOptions:
    reveal: bool = False
    context: int = 100
    fingerprinter: Fingerprinter | None = None


def present_report(report: Report, parts: Sequence[Part], scanner: Scanner, options: PresentOptions) -> dict[str, Any]:
    data = report.to_dict(reveal=options.reveal)
    summaries = _summaries(report, parts, scanner, options)
    for result_data, result in zip(data["results"], report.results, strict=True):
        for match_data, match in zip(result_data["matches"], result.matches, strict=True):
            if options.fingerprinter is not None:
                match_data["fingerprint"] = options.fingerprinter.fingerprint(match.normalized)
            summary = summaries[id(match)]
            match_data["summary"] = {
                "text": summary.text,
                "highlights": [{"start": h.start, "end": h.end, "kind": h.kind} for h in summary.highlights],
            }
    return data


def _summaries(report: Report, parts: Sequence[Part], scanner: Scanner, options: PresentOptions) -> dict[int, Summary]:
    texts = {part.name: part.text for part in parts}
    windows: dict[str, list[tuple[Match, tuple[int, int]]]] = defaultdict(list)
    for result in report.results:
        for match in result.matches:
            evidence = _nearest_per_element(match)
            windows[match.part].append(
                (match, snippet_window(texts[match.part], (match.start, match.end), evidence, options.context))
            )
    summaries: dict[int, Summary] = {}
    for part_name, items in windows.items():
        text = texts[part_name]
        try:
            others = [] if options.reveal else sensitive_spans(scanner, text, [w for _, w in items], MASKING_TIME_LIMIT)
        except TimeoutError:
            # Without knowing what else is near, show no context rather than risk a leak.
            for match, _ in items:
                summaries[id(match)] = build_summary(
                    text, (match.start, match.end), (match.start, match.end), [], [], False
                )
            continue
        # ``others`` is sorted by start: the spans near a window are found by bisection.
        starts = [s for s, _ in others]
        longest = max((e - s for s, e in others), default=0)
        for match, window in items:
            first, last = bisect_left(starts, window[0] - longest), bisect_left(starts, window[1])
            near = [(s, e) for s, e in others[first:last] if s < window[1] and e > window[0]]
            marked = [(ev.start, ev.end, ev.sensitive) for ev in match.evidence]
            summaries[id(match)] = build_summary(text, window, (match.start, match.end), marked, near, options.reveal)
    return summaries


def _nearest_per_element(match: Match) -> list[tuple[int, int]]:
    """The closest occurrence of each evidence element: enough to show why, without a wall of text."""
    nearest: dict[str, tuple[int, tuple[int, int]]] = {}
    for item in match.evidence:
        distance = max(0, match.start - item.end, item.start - match.end)
        if item.element not in nearest or distance < nearest[item.element][0]:
            nearest[item.element] = (distance, (item.start, item.end))
    return [span for _, span in nearest.values()]
