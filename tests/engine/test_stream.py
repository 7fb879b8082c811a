"""Windowed classification of large texts gives the same report as one pass, boundaries included."""

from __future__ import annotations

from typing import Any

import pytest

from service.engine import ClassifyOptions, Part, Report, Scanner
from service.engine.stream import classify_stream, classify_stream_with_excerpts, window_overlap
from tests.fixtures.corpus import make_corpus

TOKEN = "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"


def comparable(report: Report) -> dict[str, Any]:
    data = report.to_dict(reveal=True)
    data["stats"].pop("elapsed_ms")
    return data


def chunked(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@pytest.mark.parametrize("chunk_size", [997, 65_536])
def test_windows_give_the_one_pass_report(builtin_scanner: Scanner, chunk_size: int) -> None:
    text = make_corpus(600_000, seed=9, plant_every=10)
    window = 5 * window_overlap(builtin_scanner)
    assert len(text) > 3 * window  # several windows, so several boundaries
    options = ClassifyOptions(min_confidence=1)
    one_pass = builtin_scanner.classify([Part("big.log", text)], options)
    streamed = classify_stream(builtin_scanner, "big.log", chunked(text, chunk_size), options, window=window)
    assert sum(r.count for r in one_pass.results) > 100
    assert comparable(streamed) == comparable(one_pass)


def test_a_match_and_its_keyword_across_a_window_boundary_count_once(builtin_scanner: Scanner) -> None:
    overlap = window_overlap(builtin_scanner)
    window = 5 * overlap
    # The second window starts at window - 2 * overlap and owns from window - overlap on:
    # plant values right at the ownership boundary and at the buffer edges.
    boundaries = [window - overlap, window - 2 * overlap, window]
    filler = list("lorem ipsum dolor sit amet " * (window // 9))
    for position in boundaries:
        planted = f" Employee SSN: 536-22-8726 token {TOKEN} "
        filler[position - 20 : position - 20 + len(planted)] = list(planted)
    text = "".join(filler)[: 3 * window]
    options = ClassifyOptions(min_confidence=1)
    streamed = classify_stream(builtin_scanner, "t", chunked(text, 4096), options, window=window)
    one_pass = builtin_scanner.classify([Part("t", text)], options)
    assert comparable(streamed) == comparable(one_pass)
    github = streamed.result_for("GitHub personal access token")
    assert github is not None and github.count == len(boundaries) and github.unique_count == 1


def test_too_small_a_window_is_refused(builtin_scanner: Scanner) -> None:
    with pytest.raises(ValueError, match="window must be larger than"):
        classify_stream(builtin_scanner, "t", ["x"], window=10)


def test_each_returned_match_keeps_the_text_around_it_and_nothing_more(
    builtin_scanner: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.engine.stream.EXCERPTS_BEFORE_PRUNING", 8)
    text = make_corpus(600_000, seed=9, plant_every=10)
    margin = 300
    window = 5 * window_overlap(builtin_scanner, margin)
    options = ClassifyOptions(min_confidence=1, max_matches_per_sit=3, max_matches=20)
    streamed = classify_stream_with_excerpts(builtin_scanner, "big.log", chunked(text, 65_536), margin, options, window)
    returned = [match for result in streamed.report.results for match in result.matches]
    assert sum(r.count for r in streamed.report.results) > len(returned) > 5
    assert set(streamed.excerpts) == set(returned)
    for match in returned:
        excerpt = streamed.excerpts[match]
        assert excerpt.text == text[excerpt.offset : excerpt.offset + len(excerpt.text)]
        low = min([match.start, *(e.start for e in match.evidence)]) - margin
        high = max([match.end, *(e.end for e in match.evidence)]) + margin
        assert excerpt.offset == max(0, low) and excerpt.offset + len(excerpt.text) == min(len(text), high)
