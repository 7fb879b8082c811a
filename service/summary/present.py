"""A Report as callers see it: masked values, fingerprints and a contextual summary per match.

The REST API and the CLI's JSON output both use ``present_report``, so a match looks the
same wherever it is read, whether its document was held whole or streamed: a summary needs
only the text near its match, so a streamed text hands over an excerpt per match (cut
``excerpt_margin`` characters wide by the stream) and the summary is computed on it with
offsets translated, exactly as on the whole text. Masking is decided here, in one place: unless the caller may
see values, every character of every value that any regex or function element of any
loaded SIT finds near a match — the match itself, its evidence, any other secret — is
masked in ``value``, in ``evidence`` and in ``summary``, and a mask always wins over a
highlight.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.engine.deadline import Deadline, EngineTimeout
from service.engine.document import Excerpt, Part
from service.engine.prefilter import MARGIN
from service.engine.report import Match, Report
from service.engine.scanner import Scanner
from service.engine.sensitive import RANGE_MARGIN, sensitive_spans
from service.masking import mask_value
from service.spans import merge_spans
from service.summary.fingerprint import Fingerprinter
from service.summary.snippet import Summary, build_summary, snippet_window

# Seconds allowed for masking when the caller gives no deadline of its own.
DEFAULT_MASKING_TIME_LIMIT = 2.0

# The text a report's matches are shown from: the parts it was made from, or, for a text
# too large to hold, an excerpt per match.
MatchTexts = Sequence[Part] | Mapping[Match, Excerpt]


def excerpt_margin(context: int) -> int:
    """Characters an excerpt needs beyond a match and its evidence for its summary to be the
    one the whole text gives: the summary's context, and around that what masking scans
    for other values (and what their look-arounds see)."""
    return context + RANGE_MARGIN + MARGIN


@dataclass(frozen=True)
class PresentOptions:
    reveal: bool = False
    context: int = 100
    fingerprinter: Fingerprinter | None = None
    # The request's budget: masking and formatting count against it like every other stage.
    deadline: Deadline = field(default_factory=lambda: Deadline(DEFAULT_MASKING_TIME_LIMIT))
    # Scanners whose values are masked too: a draft tested against samples is shown with the
    # values of the loaded definitions masked as well, not only its own.
    also_mask: tuple[Scanner, ...] = ()


def present_report(report: Report, texts: MatchTexts, scanner: Scanner, options: PresentOptions) -> dict[str, Any]:
    data = report.to_dict(reveal=options.reveal)
    # Which definitions produced this answer: a reload between two requests changes it.
    data["definitions_version"] = scanner.version
    presented = _present_matches(report, texts, scanner, options)
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


def _grouped(report: Report, texts: MatchTexts) -> list[tuple[str, list[tuple[int, Match]]]]:
    """Each text matches are shown from, with its matches as (id of the match in the report,
    the match in the text's offsets): one group per part, or one per excerpt."""
    groups: dict[int, tuple[str, list[tuple[int, Match]]]] = {}
    if isinstance(texts, Mapping):
        for result in report.results:
            for match in result.matches:
                excerpt = texts[match]
                group = groups.setdefault(id(excerpt), (excerpt.text, []))
                group[1].append((id(match), match.shifted(-excerpt.offset)))
        return list(groups.values())
    by_name = {part.name: part.text for part in texts}
    named: dict[str, tuple[str, list[tuple[int, Match]]]] = {}
    for result in report.results:
        for match in result.matches:
            named.setdefault(match.part, (by_name[match.part], []))[1].append((id(match), match))
    return list(named.values())


def _present_matches(
    report: Report, texts: MatchTexts, scanner: Scanner, options: PresentOptions
) -> dict[int, tuple[Summary, list[bool]]]:
    """Per match (by id): its summary, and for each evidence item whether its text must be masked."""
    presented: dict[int, tuple[Summary, list[bool]]] = {}
    for text, group in _grouped(report, texts):
        shown = _present_in_text(text, [match for _, match in group], scanner, options)
        presented.update(zip((key for key, _ in group), shown, strict=True))
    return presented


def _present_in_text(
    text: str, matches: list[Match], scanner: Scanner, options: PresentOptions
) -> list[tuple[Summary, list[bool]]]:
    """For each match of one text (offsets into ``text``): its summary and evidence masks."""
    windows = [
        snippet_window(text, (match.start, match.end), _nearest_per_element(match), options.context)
        for match in matches
    ]
    if options.reveal:
        return [
            (build_summary(text, window, (m.start, m.end), _marked(m), [], True), [False] * len(m.evidence))
            for m, window in zip(matches, windows, strict=True)
        ]
    # Evidence may lie outside the snippet; whatever lies under it must be known too.
    ranges = windows + [(ev.start, ev.end) for match in matches for ev in match.evidence]
    try:
        others = sensitive_spans(scanner, text, ranges, options.deadline)
        if options.also_mask:
            extra = [
                span for masker in options.also_mask for span in sensitive_spans(masker, text, ranges, options.deadline)
            ]
            others = merge_spans([*others, *extra])
    except EngineTimeout:
        # Without knowing what else is near, show the masked match alone and mask all evidence.
        return [
            (build_summary(text, (m.start, m.end), (m.start, m.end), [], [], False), [True] * len(m.evidence))
            for m in matches
        ]
    near = _SortedSpans(others).overlapping
    shown: list[tuple[Summary, list[bool]]] = []
    for match, window in zip(matches, windows, strict=True):
        summary = build_summary(text, window, (match.start, match.end), _marked(match), near(*window), False)
        masked = [
            ev.sensitive or _overlaps(ev.start, ev.end, match.start, match.end) or bool(near(ev.start, ev.end))
            for ev in match.evidence
        ]
        shown.append((summary, masked))
    return shown


def _marked(match: Match) -> list[tuple[int, int, bool]]:
    return [(ev.start, ev.end, ev.sensitive) for ev in match.evidence]


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
