"""The regex tree read with the standard parser, and what the linter learns from it."""

from __future__ import annotations

import pytest
import regex

from service import regex_parser
from service.definitions.lint import regex_tree
from service.definitions.lint.regex_tree import Chars, Repeat, max_length, min_length, parse, run_lengths


def tree(pattern: str, flags: int = regex.ASCII) -> regex_tree.Node:
    root = parse(pattern, flags)
    assert root is not None
    return root


@pytest.mark.parametrize(
    ("pattern", "shortest", "longest"),
    [
        (r"EMP-\d{6}", 10, 10),
        (r"(?<!\d)\d{3}-?\d{2}(?!\d)", 5, 6),
        (r"BADGE-[A-Z]{2,20}", 8, 26),
        (r"a+", 1, None),
        (r"(?:ab|c)?", 0, 2),
        (r"(?P<x>ab)(?P=x)", 2, None),  # a back-reference has no known length
        (r"^$", 0, 0),
    ],
)
def test_match_lengths(pattern: str, shortest: int, longest: int | None) -> None:
    assert min_length(tree(pattern)) == shortest
    assert max_length(tree(pattern)) == longest


def test_classes_use_ascii_meanings_and_case_folding() -> None:
    digits = tree(r"\d")
    assert isinstance(digits, Chars) and digits.members == frozenset("0123456789")
    upper = tree("[A-C]", regex.ASCII | regex.IGNORECASE)
    assert isinstance(upper, Chars) and upper.members == frozenset("ABCabc")
    inline = tree("(?i:q)")
    assert isinstance(inline, Chars) and inline.members == frozenset("qQ")
    assert "\n" not in tree(".").members  # type: ignore[union-attr]
    assert "\n" in tree("(?s).").members  # type: ignore[union-attr]
    negated = tree(r"[^\s]")
    assert isinstance(negated, Chars) and " " not in negated.members and "é" in negated.members


def test_possessive_repeats_are_marked() -> None:
    possessive = tree("a++")
    greedy = tree("a+")
    assert isinstance(possessive, Repeat) and not possessive.backtracks
    assert isinstance(greedy, Repeat) and greedy.backtracks


def test_run_lengths_of_one_character() -> None:
    assert run_lengths(tree(r"\d|\d\d"), "1") == (1, 2)
    assert run_lengths(tree(r"\d{3}"), "1") == (3, 3)
    assert run_lengths(tree(r".*a"), "a") == (1, None)
    assert run_lengths(tree(r"[a-z]+\."), "a") is None  # the dot ends every run of letters


def test_samples_match_what_they_were_drawn_from() -> None:
    for pattern in (r"key=[A-Z]{4}\d", r"(?:foo|ba)r{2}", r"x(?=y)"):
        text = regex_tree.sample(tree(pattern))
        assert regex.match(pattern.replace("(?=y)", ""), text), (pattern, text)


def test_syntax_only_the_regex_package_reads_gives_no_tree() -> None:
    assert parse(r"\p{Lu}+") is None
    assert parse(r"(?<name>a)") is None


def test_without_the_private_parser_there_is_no_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regex_parser, "PARSER", None)
    assert parse("a+") is None


def test_a_pathologically_deep_pattern_gives_no_tree() -> None:
    assert parse("(?:x|y" * 10 + "z" + ")" * 10) is not None
    assert parse("(?:x|y" * 40 + "z" + ")" * 40) is None
