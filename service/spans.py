"""Character spans of a text, ``(start, end)`` in code points, end exclusive: one type and
one set of helpers for every layer (the engine's windows and prefilter regions, the
detectors' findings, the masked runs of a summary).

A plain tuple rather than a class: the scanner builds millions of them in its hot loops.
Lists of spans are kept sorted and disjoint by the functions that build them here.
"""

from __future__ import annotations

from collections.abc import Iterable

Span = tuple[int, int]
Spans = list[Span]


def merge_spans(spans: Iterable[Span]) -> Spans:
    """Sorted, with overlapping or touching spans joined."""
    merged: Spans = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def widen(spans: Iterable[Span], reach: int, size: int, most: float | None = None) -> Spans | None:
    """``spans`` (sorted by start) each widened by ``reach`` on both sides within ``[0, size)``,
    merged in one sweep; None as soon as they cover more than ``most`` characters.

    One sweep because the input is already sorted: a keyword on every line of a padded
    part is not sorted and merged again for every element it gates.
    """
    merged: Spans = []
    total = 0
    for start, end in spans:
        low, high = max(0, start - reach), min(size, end + reach)
        if merged and low <= merged[-1][1]:
            if high > merged[-1][1]:
                total += high - merged[-1][1]
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
            total += high - low
        if most is not None and total > most:
            return None
    return merged


def intersect(first: Spans, second: Spans | None) -> Spans:
    """Where both sorted, disjoint span lists allow (``second`` None: no limit)."""
    if second is None:
        return first
    result: Spans = []
    i = j = 0
    while i < len(first) and j < len(second):
        low, high = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if low < high:
            result.append((low, high))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


def covered(spans: Iterable[Span]) -> int:
    """Characters the (disjoint) spans cover."""
    return sum(high - low for low, high in spans)
