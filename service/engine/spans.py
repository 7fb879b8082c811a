"""Character spans of a text: merging, intersecting, measuring."""

from __future__ import annotations

Spans = list[tuple[int, int]]


def merge_spans(spans: Spans) -> Spans:
    """Sorted, with overlapping or touching spans joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect(windows: Spans, regions: Spans | None) -> Spans:
    """Where both the proximity windows and the prefilter allow a match (None: no prefilter limit)."""
    if regions is None:
        return windows
    result: Spans = []
    i = j = 0
    while i < len(windows) and j < len(regions):
        low, high = max(windows[i][0], regions[j][0]), min(windows[i][1], regions[j][1])
        if low < high:
            result.append((low, high))
        if windows[i][1] < regions[j][1]:
            i += 1
        else:
            j += 1
    return result


def covered(spans: Spans) -> int:
    """Characters the (disjoint) spans cover."""
    return sum(high - low for low, high in spans)
