"""Answers stay small however many matches a part holds, and their figures stay exact."""

from __future__ import annotations

import random

import pytest

from service.engine import ClassifyOptions, Part, Report, Scanner
from service.engine.stream import classify_stream, window_overlap
from tests.fixtures.generate_token_examples import card_number, github_token

CARD = "Credit card number"
UNCAPPED = ClassifyOptions(min_confidence=65, max_matches_per_sit=None, max_matches=None)


def cards(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    made: dict[str, None] = {}
    while len(made) < count:
        made[card_number(rng, "4", 16)] = None
    return list(made)


def card_text(alone: list[str], with_keyword: list[str]) -> str:
    """Cards far from any keyword (confidence 65) first, then cards each with its keyword (85)."""
    lines = [f"ref {number}" for number in alone] + [""] * 30  # beyond the 300-character proximity
    lines += [f"card number {number}" for number in with_keyword]
    return "\n".join(lines) + "\n"


def summary(report: Report) -> dict[str, tuple[int, int, int]]:
    return {r.sit_name: (r.count, r.unique_count, r.confidence) for r in report.results}


def test_five_thousand_cards_are_counted_exactly_and_the_most_confident_returned(builtin_scanner: Scanner) -> None:
    numbers = cards(5000)
    text = card_text(numbers[:4850], numbers[4850:])
    report = builtin_scanner.classify([Part("cards", text)], ClassifyOptions(min_confidence=65))
    result = report.result_for(CARD)
    assert result is not None
    assert (result.count, result.unique_count, result.confidence) == (5000, 5000, 85)
    assert len(result.matches) == 100 and result.truncated
    assert all(match.confidence == 85 for match in result.matches)
    assert [m.start for m in result.matches] == sorted(m.start for m in result.matches)  # document order
    data = report.to_dict()
    assert data["truncated"] is True
    card = next(r for r in data["results"] if r["sit"]["name"] == CARD)
    assert (card["count"], card["unique_count"], card["truncated"], len(card["matches"])) == (5000, 5000, True, 100)
    assert data["stats"]["matches_returned"] <= 1000 < data["stats"]["matches_found"]


def test_distinct_values_are_returned_before_repeats(builtin_scanner: Scanner) -> None:
    numbers = cards(40, seed=2)
    repeated = numbers[0]
    text = card_text([], [repeated] * 150 + numbers[1:])
    result = builtin_scanner.classify([Part("cards", text)], ClassifyOptions(max_matches_per_sit=60)).result_for(CARD)
    assert result is not None
    assert (result.count, result.unique_count, len(result.matches)) == (189, 40, 60)
    assert {m.value for m in result.matches} == set(numbers)  # every distinct value, then 21 repeats
    assert sum(m.value == repeated for m in result.matches) == 21


def test_random_caps_keep_counts_and_confidences_exact(builtin_scanner: Scanner) -> None:
    rng = random.Random(11)
    numbers = cards(300, seed=3)
    tokens = [github_token(rng, "ghp_") for _ in range(40)]
    lines = [f"ref {n}" if i % 3 else f"visa {n}" for i, n in enumerate(numbers + numbers[:50])]
    lines += [f"GITHUB_TOKEN={t}" for t in tokens + tokens[:7]]
    lines += [
        f"Employee SSN: {rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}" for _ in range(30)
    ]
    rng.shuffle(lines)
    parts = [Part("one", "\n".join(lines[:200])), Part("two", "\n".join(lines[200:]))]
    full = builtin_scanner.classify(parts, UNCAPPED)
    assert not full.truncated and len(full.results) >= 3
    every = {(r.sit_name, m.part, m.start, m.end) for r in full.results for m in r.matches}
    for _ in range(25):
        per_sit, total = rng.choice([0, 1, 2, 5, 17, 100, None]), rng.choice([0, 1, 3, 10, 50, None])
        options = ClassifyOptions(min_confidence=65, max_matches_per_sit=per_sit, max_matches=total)
        capped = builtin_scanner.classify(parts, options)
        assert summary(capped) == summary(full)
        returned = [(r.sit_name, m.part, m.start, m.end) for r in capped.results for m in r.matches]
        assert set(returned) <= every
        assert all(per_sit is None or len(r.matches) <= per_sit for r in capped.results)
        assert total is None or len(returned) <= total
        assert all(r.truncated == (len(r.matches) < r.count) for r in capped.results)
        if total is not None and per_sit is not None and per_sit > 0 and total >= len(full.results):
            # The request-wide cap takes every SIT's best match before any SIT's second.
            assert all(r.matches for r in capped.results)


def test_the_trace_is_capped_and_says_so(builtin_scanner: Scanner) -> None:
    text = "password=\n" * 3000 + "SSN: 536-22-8726\n" * 50
    report = builtin_scanner.classify([Part("padded", text)], ClassifyOptions(explain=True, max_trace=40))
    assert report.trace is not None and len(report.trace) == 40 and report.trace_truncated
    data = report.to_dict()
    assert data["trace_truncated"] is True and len(data["trace"]) == 40
    # Each SIT with rejections is represented before any has a second one.
    full = builtin_scanner.classify([Part("padded", text)], ClassifyOptions(explain=True, max_trace=None))
    assert full.trace is not None and not full.trace_truncated and len(full.trace) > 40
    sits = {r.sit_name for r in full.trace}
    assert {r.sit_name for r in report.trace} == sits or len(sits) > 40


def test_negative_caps_are_refused(builtin_scanner: Scanner) -> None:
    with pytest.raises(ValueError, match="max_matches_per_sit"):
        builtin_scanner.classify([Part("x", "x")], ClassifyOptions(max_matches_per_sit=-1))


def test_a_stream_caps_what_it_returns_and_counts_every_window(builtin_scanner: Scanner) -> None:
    numbers = cards(10_000, seed=4)
    text = "\n".join(f"card number {n}" for n in numbers) + "\n"
    window = 5 * window_overlap(builtin_scanner)
    assert len(text) > 3 * window
    chunks = [text[i : i + 4096] for i in range(0, len(text), 4096)]
    options = ClassifyOptions(max_matches_per_sit=50)
    streamed = classify_stream(builtin_scanner, "cards.txt", chunks, options, window=window)
    one_pass = builtin_scanner.classify([Part("cards.txt", text)], options)
    result = streamed.result_for(CARD)
    assert result is not None and (result.count, result.unique_count, len(result.matches)) == (10_000, 10_000, 50)
    assert summary(streamed) == summary(one_pass)
