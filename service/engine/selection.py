"""Which matches an answer returns when there are more than it may hold, with figures kept exact.

A padded document can hold hundreds of thousands of matches; an answer listing them all
runs to tens of megabytes. Each SIT returns at most ``max_matches_per_sit`` matches and
the whole answer at most ``max_matches``, but ``count``, ``unique_count`` and
``confidence`` still describe every match found.

Which are kept, in this order: one match per distinct value before any repeat (a reviewer
learns more from another value than from the same one again), each value represented by
its most confident match (the first one, among equals); within each of the two groups,
the most confident first, then document order. The request-wide cap then takes each
SIT's best match before any SIT's second, so one noisy SIT cannot crowd out the others.
Kept matches are returned in document order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from service.engine.report import Match, SitResult

T = TypeVar("T")


def _goodness(match: Match, order: int) -> tuple[int, int, int]:
    """Higher is better: more confident, then earlier (part order, then offset)."""
    return (match.confidence, -order, -match.start)


@dataclass
class SitTally:
    """Every match of one SIT, counted as it arrives; only what may be returned is held.

    ``limit`` None keeps every match. Memory is one match per distinct value plus at most
    ``limit`` repeats: distinct values must be remembered anyway to count them exactly.
    """

    limit: int | None
    count: int = 0
    confidence: int = 0
    # normalized value → (goodness, order, match) of the value's best match
    best: dict[str, tuple[tuple[int, int, int], int, Match]] = field(default_factory=dict)
    # the best repeats so far: a min-heap on goodness (the worst on top, to be pushed out)
    repeats: list[tuple[tuple[int, int, int], int, int, Match]] = field(default_factory=list)
    _pushed: int = 0  # tie-breaker, so that matches themselves are never compared

    def add(self, match: Match, order: int = 0) -> None:
        """One more match; ``order`` is the position of its part in the document."""
        self.count += 1
        self.confidence = max(self.confidence, match.confidence)
        goodness = _goodness(match, order)
        current = self.best.get(match.normalized)
        if current is None:
            self.best[match.normalized] = (goodness, order, match)
            return
        if goodness > current[0]:
            self.best[match.normalized] = (goodness, order, match)
            goodness, order, match = current  # the former representative becomes a repeat
        self._add_repeat(goodness, order, match)

    def _add_repeat(self, goodness: tuple[int, int, int], order: int, match: Match) -> None:
        if self.limit is not None and len(self.best) >= self.limit:
            return  # distinct values alone fill the cap, now and from here on: no repeat is returned
        self._pushed += 1
        entry = (goodness, self._pushed, order, match)
        if self.limit is not None and len(self.repeats) >= self.limit:
            heapq.heappushpop(self.repeats, entry)
        else:
            heapq.heappush(self.repeats, entry)

    @property
    def unique_count(self) -> int:
        return len(self.best)

    def ranked(self) -> list[tuple[int, Match]]:
        """(part order, match) of what may be returned, best first, at most ``limit``."""
        distinct = sorted(self.best.values(), key=lambda item: item[0], reverse=True)
        repeats = sorted(self.repeats, key=lambda item: (item[0], -item[1]), reverse=True)
        ranked = [(order, match) for _, order, match in distinct]
        ranked += [(order, match) for _, _, order, match in repeats]
        return ranked if self.limit is None else ranked[: self.limit]


def round_robin(lists: Sequence[Sequence[T]], limit: int | None) -> list[list[T]]:
    """A prefix of each list, at most ``limit`` items in all: every list's first item
    before any list's second, and so on (in the order of ``lists``)."""
    if limit is None:
        return [list(items) for items in lists]
    taken = [0] * len(lists)
    left = limit
    depth = 0
    while left > 0:
        progressed = False
        for position, items in enumerate(lists):
            if left == 0:
                break
            if depth < len(items):
                taken[position] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
        depth += 1
    return [list(items[:count]) for items, count in zip(lists, taken, strict=True)]


def results(tallies: Iterable[tuple[str, str, SitTally]], max_matches: int | None) -> tuple[SitResult, ...]:
    """SIT results (in the order given, SITs without matches left out) under the request-wide cap."""
    found = [(sit_id, name, tally) for sit_id, name, tally in tallies if tally.count]
    chosen = round_robin([tally.ranked() for _, _, tally in found], max_matches)
    made: list[SitResult] = []
    for (sit_id, name, tally), kept in zip(found, chosen, strict=True):
        kept.sort(key=lambda item: (item[0], item[1].start, item[1].end))
        made.append(
            SitResult(
                sit_id,
                name,
                tuple(match for _, match in kept),
                count=tally.count,
                unique_count=tally.unique_count,
                confidence=tally.confidence,
                truncated=len(kept) < tally.count,
            )
        )
    return tuple(made)
