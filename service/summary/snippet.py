"""Contextual summaries: the text around a match, with the match and its evidence highlighted.

As in Purview's contextual summary, a reviewer sees *why* a value matched: the snippet
covers the match and the keywords that counted, is cut at word boundaries with '…', and
every sensitive value in it — the match and any other secret that happens to be near —
is masked unless the caller may see values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.summary.masking import mask_value

ELLIPSIS = "…"
# How far a cut may move to land on a word boundary.
WORD_BOUNDARY_SLACK = 20
# Evidence further than this from the match is not pulled into the snippet.
MAX_EVIDENCE_REACH = 400
_LAYOUT = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\f": " ", "\v": " "})


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    kind: str  # 'match', 'keyword' (evidence) or 'masked' (another sensitive value)


@dataclass(frozen=True)
class Summary:
    text: str
    highlights: tuple[Highlight, ...]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
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
    """Render ``text[window]`` with highlights; ``evidence`` items are (start, end, sensitive)."""
    low, high = window
    spans = [Span(match[0], match[1], "match", not reveal)]
    spans += [Span(s, e, "keyword", sensitive and not reveal) for s, e, sensitive in evidence]
    spans += [Span(s, e, "masked", not reveal) for s, e in other_sensitive]
    kept: list[Span] = []
    # Earlier kinds win where spans overlap: the match, then evidence, then other values.
    for span in spans:
        clipped = Span(max(span.start, low), min(span.end, high), span.kind, span.masked)
        if clipped.start >= clipped.end:
            continue
        if any(clipped.start < k.end and k.start < clipped.end for k in kept):
            continue
        if clipped.kind == "masked" and reveal:
            continue  # nothing to hide and nothing to point at
        kept.append(clipped)
    kept.sort(key=lambda s: s.start)
    pieces: list[str] = [ELLIPSIS] if low > 0 else []
    length = len(pieces[0]) if pieces else 0
    highlights: list[Highlight] = []
    cursor = low
    for span in kept:
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
