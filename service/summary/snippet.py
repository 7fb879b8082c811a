"""Contextual summaries: the text around a match, with the match and its evidence highlighted.

As in Purview's contextual summary, a reviewer sees *why* a value matched: the snippet
covers the match and the keywords that counted, is cut at word boundaries with '…', and
every sensitive value in it — the match and any other secret that happens to be near —
is masked unless the caller may see values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from service.masking import mask_value

ELLIPSIS = "…"
# How far a cut may move to land on a word boundary.
WORD_BOUNDARY_SLACK = 20
# Evidence further than this from the match is not pulled into the snippet.
MAX_EVIDENCE_REACH = 400
_LAYOUT = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\f": " ", "\v": " "})


class HighlightKind(StrEnum):
    MATCH = "match"
    KEYWORD = "keyword"  # evidence
    MASKED = "masked"  # another sensitive value


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    kind: HighlightKind


@dataclass(frozen=True)
class Summary:
    text: str
    highlights: tuple[Highlight, ...]


@dataclass(frozen=True)
class MarkedSpan:
    """A span of the summary's source text (see ``service.spans``) with what it shows."""

    start: int
    end: int
    kind: HighlightKind
    masked: bool


def snippet_window(
    text: str, match: tuple[int, int], evidence: Sequence[tuple[int, int]], context: int
) -> tuple[int, int]:
    """The range of ``text`` a summary shows: context around the match, widened to near evidence."""
    start, end = match
    low, high = start - context, end + context
    for ev_start, ev_end in evidence:
        if ev_start >= start - MAX_EVIDENCE_REACH and ev_end <= end + MAX_EVIDENCE_REACH:
            low, high = min(low, ev_start), max(high, ev_end)
    must_start = min([start, *(s for s, _ in evidence if s >= low)])
    must_end = max([end, *(e for _, e in evidence if e <= high)])
    low, high = max(0, low), min(len(text), high)
    if low > 0:
        # Start after a space, so no word is cut in half.
        space = text.find(" ", low, min(low + WORD_BOUNDARY_SLACK, must_start))
        low = space + 1 if space != -1 else low
    if high < len(text):
        space = text.rfind(" ", max(high - WORD_BOUNDARY_SLACK, must_end), high)
        high = space if space != -1 else high
    return low, high


def build_summary(
    text: str,
    window: tuple[int, int],
    match: tuple[int, int],
    evidence: Sequence[tuple[int, int, bool]],
    other_sensitive: Sequence[tuple[int, int]],
    reveal: bool,
) -> Summary:
    """Render ``text[window]`` with highlights; ``evidence`` items are (start, end, sensitive).

    A masked span always wins: unless revealing, every character of the match, of
    sensitive evidence and of ``other_sensitive`` values is masked, overlapping or touching
    values are masked as one run, and a keyword that overlaps a masked run is not
    highlighted (its text is under the mask). Highlights point into the masked text.
    """
    low, high = window
    if reveal:
        runs: list[MarkedSpan] = [MarkedSpan(match[0], match[1], HighlightKind.MATCH, False)]
    else:
        runs = _masked_runs(match, evidence, other_sensitive, low, high)
        # A value cut by the window's edge is masked whole: the mask shows its true length
        # and no piece of it is left outside.
        low = min([low, *(run.start for run in runs)])
        high = max([high, *(run.end for run in runs)])
    keywords = [
        MarkedSpan(s, e, HighlightKind.KEYWORD, False) for s, e, sensitive in evidence if reveal or not sensitive
    ]
    kept = list(runs)
    for keyword in sorted(keywords, key=lambda k: (k.start, k.end)):
        clipped = MarkedSpan(max(keyword.start, low), min(keyword.end, high), keyword.kind, False)
        if clipped.start >= clipped.end or any(clipped.start < k.end and k.start < clipped.end for k in kept):
            continue
        kept.append(clipped)
    kept.sort(key=lambda s: s.start)
    return _render(text, low, high, kept)


def _masked_runs(
    match: tuple[int, int],
    evidence: Sequence[tuple[int, int, bool]],
    other_sensitive: Sequence[tuple[int, int]],
    low: int,
    high: int,
) -> list[MarkedSpan]:
    """The masked runs of a summary: every value in the window, joined where they meet."""
    values = [(match[0], match[1], HighlightKind.MATCH)]
    values += [(s, e, HighlightKind.KEYWORD) for s, e, sensitive in evidence if sensitive]
    values += [(s, e, HighlightKind.MASKED) for s, e in other_sensitive]
    precedence = {HighlightKind.MATCH: 0, HighlightKind.KEYWORD: 1, HighlightKind.MASKED: 2}
    runs: list[MarkedSpan] = []
    for start, end, kind in sorted(values):
        if start >= end or ((end <= low or start >= high) and kind is not HighlightKind.MATCH):
            continue
        if runs and start <= runs[-1].end:
            last = runs[-1]
            # The run keeps the most telling kind among its values: the match, then evidence.
            best = kind if precedence[kind] < precedence[last.kind] else last.kind
            runs[-1] = MarkedSpan(last.start, max(last.end, end), best, True)
        else:
            runs.append(MarkedSpan(start, end, kind, True))
    return runs


def _render(text: str, low: int, high: int, spans: Sequence[MarkedSpan]) -> Summary:
    pieces: list[str] = [ELLIPSIS] if low > 0 else []
    length = len(pieces[0]) if pieces else 0
    highlights: list[Highlight] = []
    cursor = low
    for span in spans:
        plain = text[cursor : span.start].translate(_LAYOUT)
        pieces.append(plain)
        length += len(plain)
        shown = (
            mask_value(text[span.start : span.end]) if span.masked else text[span.start : span.end].translate(_LAYOUT)
        )
        highlights.append(Highlight(length, length + len(shown), span.kind))
        pieces.append(shown)
        length += len(shown)
        cursor = span.end
    pieces.append(text[cursor:high].translate(_LAYOUT))
    if high < len(text):
        pieces.append(ELLIPSIS)
    return Summary("".join(pieces), tuple(highlights))
