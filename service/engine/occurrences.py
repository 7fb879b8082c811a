"""Where each element was found in a part, sorted by offset, answering window queries by bisection."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from typing import NamedTuple

# (SIT index in the scanner, element name): element names are only unique within a SIT.
ElementKey = tuple[int, str]


class Occurrence(NamedTuple):
    start: int
    end: int
    text: str


class OccurrenceList:
    """Occurrences of one element in one part; built once, then only queried."""

    __slots__ = ("_items", "_starts")

    def __init__(self, items: Iterable[Occurrence]) -> None:
        self._items = sorted(set(items))
        self._starts = [item.start for item in self._items]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Occurrence]:
        return iter(self._items)

    def within(self, window_start: int, window_end: int) -> list[Occurrence]:
        """Occurrences lying entirely inside ``[window_start, window_end)``."""
        low = bisect_left(self._starts, window_start)
        high = bisect_right(self._starts, window_end)
        return [item for item in self._items[low:high] if item.end <= window_end]

    def nearest_distance(self, start: int, end: int) -> int | None:
        """Characters between the span and the closest occurrence, for explanations."""
        if not self._items:
            return None
        index = bisect_left(self._starts, start)
        best: int | None = None
        for item in self._items[max(0, index - 8) : index + 8]:
            gap = max(0, start - item.end, item.start - end)
            best = gap if best is None else min(best, gap)
        return best


EMPTY = OccurrenceList(())
