"""Padding cannot hide a secret: a SIT that runs out of its share of the time limit is
reported incomplete, and the other SITs still answer for the part."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from service.definitions import load_builtin_definitions
from service.engine import ClassifyOptions, Part, Report, Scanner, compile_scanner, sit_evaluation
from tests.conftest import DEFINITION_FIXTURES
from tests.fixtures.generate_token_examples import github_token

GITHUB = "GitHub personal access token"
SSN = "U.S. social security number (SSN)"
TOKEN = github_token(random.Random(41), "ghp_")


def padded(size: int, extra: str = "") -> str:
    """A password name and a code value on every line (each a candidate that its checks
    refuse), a valid token and an SSN with its keyword in the middle."""
    line = "password = lexer_value\n"
    pad = line * (size // len(line) // 2)
    return f"{pad}export GITHUB_TOKEN={TOKEN}\nEmployee SSN: 412-61-3309\n{extra}{pad}"


def found(report: Report) -> dict[str, int]:
    return {result.sit_name: result.count for result in report.results}


def incomplete(report: Report) -> set[str]:
    return {item.sit_name for item in report.incomplete}


@pytest.fixture(scope="module")
def with_runaway() -> Scanner:
    pytest.importorskip("hyperscan")
    definitions = load_builtin_definitions([DEFINITION_FIXTURES / "catastrophic_prefiltered"])
    return compile_scanner(definitions, engine="hyperscan")


def test_a_runaway_sit_is_incomplete_and_the_others_still_answer(with_runaway: Scanner) -> None:
    # The runaway SIT never finishes on a long run of 'a': it must spend only its own share.
    text = padded(200_000, extra="a" * 50_000 + "\n")
    report = with_runaway.classify([Part("padded", text)], ClassifyOptions(min_confidence=1, time_limit=3))
    assert found(report)[GITHUB] == 1 and found(report)[SSN] == 1
    assert "Catastrophic regex behind a look-behind" in incomplete(report)
    assert not report.complete and report.errors == []
    data = report.to_dict()
    assert data["complete"] is False
    entry = next(e for e in data["incomplete"] if e["sit"]["name"] == "Catastrophic regex behind a look-behind")
    assert entry["part"] == "padded" and entry["reason"] == "engine_timeout"
    assert "matching element 'runaway'" in entry["message"]
    assert data["stats"]["incomplete_sits"] == len(report.incomplete)
    assert data["stats"]["engine_timeouts"] == 0


def test_with_a_low_limit_the_padding_sits_run_out_and_the_token_is_still_reported(
    builtin_scanner: Scanner,
) -> None:
    text = padded(1_000_000)
    started = time.perf_counter()
    full = builtin_scanner.classify([Part("padded", text)], ClassifyOptions(time_limit=600))
    needed = time.perf_counter() - started
    assert full.complete and found(full)[GITHUB] == 1
    # About a quarter of the run is the shared keyword and prefilter pass; the rest is the
    # password SITs matching every line. Half the time they need cannot be enough for them.
    report = builtin_scanner.classify([Part("padded", text)], ClassifyOptions(time_limit=needed * 0.5))
    assert found(report)[GITHUB] == 1 and found(report)[SSN] == 1
    assert report.errors == [] and not report.complete
    assert incomplete(report) and incomplete(report) <= {"General password", "User login credentials"}


def test_with_the_default_limit_padded_inputs_complete(builtin_scanner: Scanner) -> None:
    for text in (padded(300_000), "SSN: 536-22-8726\n" * 20_000, "password= " * 30_000):
        report = builtin_scanner.classify([Part("padded", text)])
        assert report.complete, report.incomplete


def test_matches_confirmed_before_the_time_ran_out_are_kept(
    builtin_scanner: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(3)
    tokens = [github_token(rng, "ghp_") for _ in range(200)]
    text = "".join(f"token {token}\n" for token in tokens) + "Employee SSN: 412-61-3309\n"
    build = sit_evaluation.make_match

    def slow_match(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.01)  # confirming a match now takes long: 200 of them cannot fit
        return build(*args, **kwargs)

    monkeypatch.setattr(sit_evaluation, "make_match", slow_match)
    monkeypatch.setattr(sit_evaluation, "DEADLINE_STRIDE", 1)
    report = builtin_scanner.classify([Part("tokens", text)], ClassifyOptions(time_limit=0.6))
    github = report.result_for(GITHUB)
    assert github is not None and 0 < github.count < len(tokens)
    assert {m.value for m in github.matches} <= set(tokens)
    assert GITHUB in incomplete(report)
    assert found(report)[SSN] == 1 and SSN not in incomplete(report)
    assert report.errors == []
