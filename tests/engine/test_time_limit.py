"""A pathological definition cannot hang classification: the time limit ends it with a clear error."""

from __future__ import annotations

import time

import pytest

from service.definitions import load_definitions
from service.engine import ClassifyOptions, Part, compile_scanner
from tests.conftest import DEFINITION_FIXTURES


def test_catastrophic_regex_ends_within_its_time_limit_with_an_error() -> None:
    # A limit large enough that the first part's share cannot overrun the second's on a busy machine.
    scanner = compile_scanner(load_definitions([DEFINITION_FIXTURES / "catastrophic"]), time_limit=5, engine="regex")
    text = "a" * 50_000 + "!"
    started = time.monotonic()
    report = scanner.classify([Part("body", text), Part("second", "fine")], ClassifyOptions(min_confidence=1))
    elapsed = time.monotonic() - started
    # Generous bound: the point is that it ends, not how fast (machines here are shared).
    assert elapsed < 20
    assert not report.complete
    # The only SIT with work in the first part ran out: that part as a whole is not classified.
    assert report.timeouts == 1
    (first,) = report.errors
    assert first.name == "body" and first.error is not None
    assert first.error.code == "engine_timeout"
    assert "part not classified" in first.error.message
    assert "ran out while matching element 'runaway' of SIT 'Catastrophic regex'" in first.error.message
    # The first part had only its share of the limit: the second one, after it, was still classified.
    assert report.parts[1].error is None
    assert report.results == ()
    assert report.to_dict()["stats"]["engine_timeouts"] == 1


def test_each_part_runs_out_of_its_own_share_of_the_limit() -> None:
    scanner = compile_scanner(load_definitions([DEFINITION_FIXTURES / "catastrophic"]), time_limit=5, engine="regex")
    runaway = "a" * 50_000 + "!"
    report = scanner.classify([Part("small", "fine"), Part("body", runaway), Part("last", runaway)])
    assert [p.error.code if p.error else None for p in report.parts] == [None, "engine_timeout", "engine_timeout"]
    body, last = report.parts[1].error, report.parts[2].error
    assert body is not None and last is not None
    # A part that is not the last has only its share; the last one has what is left of the limit.
    assert "its share of the time limit" in body.message and "of 5 s) ran out while matching" in body.message
    assert "time limit of 5 s exceeded while matching element 'runaway'" in last.message


def test_time_limit_can_be_set_per_call() -> None:
    scanner = compile_scanner(load_definitions([DEFINITION_FIXTURES / "catastrophic"]), time_limit=60, engine="regex")
    report = scanner.classify([Part("body", "a" * 50_000 + "!")], ClassifyOptions(time_limit=0.2))
    assert report.timeouts == 1


def test_prefilter_proves_the_backtracking_regex_cannot_match_and_skips_it() -> None:
    pytest.importorskip("hyperscan")
    scanner = compile_scanner(
        load_definitions([DEFINITION_FIXTURES / "catastrophic"]), time_limit=0.5, engine="hyperscan"
    )
    report = scanner.classify([Part("body", "a" * 50_000 + "!")], ClassifyOptions(min_confidence=1))
    assert report.complete and report.results == ()


def test_time_limit_holds_when_the_prefilter_lets_a_catastrophic_regex_through() -> None:
    pytest.importorskip("hyperscan")
    definitions = load_definitions([DEFINITION_FIXTURES / "catastrophic_prefiltered"])
    scanner = compile_scanner(definitions, time_limit=0.5, engine="hyperscan")
    report = scanner.classify([Part("body", "a" * 50_000 + "!")], ClassifyOptions(min_confidence=1))
    assert report.timeouts == 1
