"""One set of span helpers for every layer: checked against the plain definitions they stand for."""

from __future__ import annotations

import itertools
import random

from service.spans import Span, covered, intersect, merge_spans, widen


def characters(spans: list[Span]) -> set[int]:
    return {i for start, end in spans for i in range(start, end)}


def random_spans(rng: random.Random, count: int, size: int = 500) -> list[Span]:
    spans = []
    for _ in range(count):
        start = rng.randrange(size)
        spans.append((start, min(size, start + rng.randint(1, 30))))
    return spans


def test_merging_keeps_every_character_and_leaves_sorted_disjoint_spans() -> None:
    rng = random.Random(11)
    for _ in range(300):
        spans = random_spans(rng, rng.randint(0, 25))
        merged = merge_spans(spans)
        assert characters(merged) == characters(spans)
        assert all(a[1] < b[0] for a, b in itertools.pairwise(merged))  # touching ones are joined
        assert covered(merged) == len(characters(spans))


def test_widening_is_merging_the_widened_spans_and_stops_past_the_budget() -> None:
    rng = random.Random(12)
    for _ in range(300):
        spans = sorted(random_spans(rng, rng.randint(0, 25)))
        reach, size = rng.randint(0, 40), 520
        expected = merge_spans((max(0, s - reach), min(size, e + reach)) for s, e in spans)
        assert widen(spans, reach, size) == expected
        total = covered(expected)
        if total:
            assert widen(spans, reach, size, most=total - 1) is None
            assert widen(spans, reach, size, most=total) == expected


def test_intersecting_keeps_exactly_the_shared_characters() -> None:
    rng = random.Random(13)
    for _ in range(300):
        first = merge_spans(random_spans(rng, rng.randint(0, 15)))
        second = merge_spans(random_spans(rng, rng.randint(0, 15)))
        assert characters(intersect(first, second)) == characters(first) & characters(second)
        assert intersect(first, None) == first
