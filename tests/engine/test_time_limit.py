"""A pathological definition cannot hang classification: the time limit ends it with a clear error."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from service.definitions import load_definitions
from service.engine import ClassifyOptions, Part, Scanner, compile_scanner, sit_evaluation
from tests.conftest import DEFINITION_FIXTURES
from tests.fixtures.generate_token_examples import github_token

GITHUB = "GitHub personal access token"


def test_catastrophic_regex_ends_within_its_time_limit_with_an_error() -> None:
    scanner = compile_scanner(load_definitions([DEFINITION_FIXTURES / "catastrophic"]), time_limit=0.5, engine="regex")
    text = "a" * 50_000 + "!"
    started = time.monotonic()
    report = scanner.classify([Part("body", text)], ClassifyOptions(min_confidence=1))
    elapsed = time.monotonic() - started
    # Generous bound: the point is that it ends, not how fast (machines here are shared).
    assert elapsed < 10
    assert not report.complete
    # The only SIT with work in the part ran out: the part as a whole is not classified.
    assert report.timeouts == 1
    (first,) = report.errors
    assert first.name == "body" and first.error is not None
    assert first.error.code == "engine_timeout"
    assert "part not classified" in first.error.message
    assert "matching element 'runaway' of SIT 'Catastrophic regex'" in first.error.message
    assert report.results == () and report.incomplete == ()
    assert report.to_dict()["stats"]["engine_timeouts"] == 1


def test_a_part_cannot_spend_the_time_of_the_parts_after_it(
    builtin_scanner: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(8)
    tokens = [github_token(rng, "ghp_") for _ in range(201)]
    build = sit_evaluation.make_match

    def slow_match(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.01)  # confirming a match now takes long: 200 of them cannot fit
        return build(*args, **kwargs)

    monkeypatch.setattr(sit_evaluation, "make_match", slow_match)
    monkeypatch.setattr(sit_evaluation, "DEADLINE_STRIDE", 1)
    # Another SIT has work in the part too (an address to confirm), and finishes: the part
    # was classified, except for the SIT that ran out.
    body = "mail alice.martin@contoso.com\n" + "".join(f"token {token}\n" for token in tokens[:200])
    report = builtin_scanner.classify(
        [Part("body", body), Part("small", f"token {tokens[200]}\n")], ClassifyOptions(time_limit=1.5)
    )
    # The first part had only its share: it is incomplete, the one after it was classified in full.
    assert {(item.part, item.sit_name) for item in report.incomplete} == {("body", GITHUB)}
    assert "its share of the time limit" in report.incomplete[0].message
    github = report.result_for(GITHUB)
    assert github is not None and tokens[200] in {match.value for match in github.matches}
    assert report.errors == []


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
