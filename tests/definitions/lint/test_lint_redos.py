"""Catastrophic backtracking: the shapes found on the tree, and the bounded run that confirms them."""

from __future__ import annotations

import pytest
import regex

from service import regex_parser
from service.definitions import load_builtin_definitions
from service.definitions.lint.redos import CONFIRM_TIMEOUT_SECONDS, Shape, examine
from service.definitions.model import RegexElement
from service.definitions.semantics import regex_flags

FLAGS = regex.ASCII


@pytest.mark.parametrize(
    ("pattern", "shape"),
    [
        (r"(a+)+$", Shape.NESTED_QUANTIFIERS),
        (r"(\d|\d\d)+z", Shape.OVERLAPPING_ALTERNATION),
        (r"(.*a){12}", Shape.NESTED_QUANTIFIERS),
        (r"(\w+\s?)+$", Shape.NESTED_QUANTIFIERS),
        (r"\d+\d+z", Shape.ADJACENT_QUANTIFIERS),
    ],
)
def test_dangerous_patterns_are_found_and_confirmed(pattern: str, shape: Shape) -> None:
    verdict = examine(pattern, FLAGS)
    assert verdict.analysed
    assert shape in {suspect.shape for suspect in verdict.suspects}
    assert verdict.timed_out


@pytest.mark.parametrize(
    "pattern",
    [
        r"a+$",
        r"[a-z]+\.[a-z]+",
        r"(?:[a-z0-9]{1,63}\.){1,8}[a-z]{2,24}",
        r"(?:\d{3}-){2}\d{4}",
        r"(?>a+)+$",  # atomic: nothing inside is tried again
        r"(?:a++)+$",  # possessive
        r"\s{0,32}=\s{0,32}",
    ],
)
def test_safe_patterns_have_no_suspect(pattern: str) -> None:
    verdict = examine(pattern, FLAGS)
    assert verdict.suspects == () and not verdict.timed_out


def test_a_shape_the_engine_copes_with_is_a_risk_not_an_error() -> None:
    verdict = examine(r"^(a+)+$", FLAGS)
    assert verdict.suspects and not verdict.timed_out


class RecordingPattern:
    """A compiled pattern that notes the time limit of every run it is asked for."""

    def __init__(self, compiled: regex.Pattern[str]) -> None:
        self.compiled = compiled
        self.timeouts: list[float | None] = []

    def search(self, text: str, timeout: float | None = None) -> object:
        self.timeouts.append(timeout)
        return self.compiled.search(text, timeout=timeout)

    def fullmatch(self, text: str, timeout: float | None = None) -> object:
        self.timeouts.append(timeout)
        return self.compiled.fullmatch(text, timeout=timeout)


def test_the_confirmation_run_is_bounded_by_its_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded: list[RecordingPattern] = []
    original = regex.compile

    def compile_recording(pattern: str, flags: int = 0) -> RecordingPattern:
        recorded.append(RecordingPattern(original(pattern, flags)))
        return recorded[-1]

    monkeypatch.setattr(regex, "compile", compile_recording)
    verdict = examine(r"(a+)+$", FLAGS)
    (runs,) = recorded
    # Every run had the limit, and the first one ended because of it (regex raised TimeoutError).
    assert runs.timeouts == [CONFIRM_TIMEOUT_SECONDS]
    assert verdict.timed_out and verdict.timeout == CONFIRM_TIMEOUT_SECONDS
    safe = examine(r"a{1,64}!", FLAGS)
    assert not safe.timed_out


def test_crafted_inputs_lead_into_the_repeat() -> None:
    (suspect, *_) = examine(r"key=(a+)+;", FLAGS).suspects
    assert suspect.prefix == "key=" and suspect.pump == "a" and suspect.suffix == ";"
    assert all(text.startswith("key=aaaa") for text in suspect.inputs())


def test_without_a_tree_generic_inputs_still_confirm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regex_parser, "PARSER", None)
    dangerous = examine(r"(a+)+$", FLAGS)
    assert not dangerous.analysed and dangerous.timed_out
    safe = examine(r"[a-z]{1,8}", FLAGS)
    assert not safe.analysed and not safe.timed_out


def test_a_pattern_that_does_not_compile_is_left_to_the_loader() -> None:
    verdict = examine(r"(unclosed", FLAGS)
    assert verdict.suspects == () and not verdict.timed_out


def test_no_regex_of_a_builtin_definition_is_suspect() -> None:
    suspects = [
        f"{definition.source}: {name}"
        for definition in load_builtin_definitions()
        for name, element in definition.elements.items()
        if isinstance(element, RegexElement) and examine(element.pattern, regex_flags(element)).suspects
    ]
    assert suspects == []
