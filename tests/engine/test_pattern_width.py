"""Widths of patterns size the scanner's windows, so they must never be too small; the
private standard-library parser they come from is optional."""

from __future__ import annotations

from service.definitions import load_builtin_definitions
from service.definitions.model import RegexElement
from service.engine import compile_scanner
from service.engine.pattern_width import MAX_REGION_WIDTH, max_width


def test_widths_of_bounded_patterns() -> None:
    assert max_width(r"\d{3}-\d{2}-\d{4}") == 11
    assert max_width(r"(?:ab|abcd)e?") == 5


def test_unbounded_or_unreadable_patterns_have_no_width() -> None:
    assert max_width(r"a+") is None
    assert max_width(f"x{{{MAX_REGION_WIDTH + 1}}}") is None
    assert max_width(r"\p{Lu}{3}") is None  # `regex` syntax the standard parser does not read
    assert max_width(r"(") is None


def test_without_the_private_parser_every_width_is_unknown() -> None:
    assert max_width(r"\d{3}", parser=None) is None


def test_no_match_of_a_builtin_example_is_longer_than_its_elements_width() -> None:
    """Every value of every built-in example fits the width of the element that found it."""
    definitions = load_builtin_definitions()
    scanner = compile_scanner(definitions, engine="regex")
    widths = {key: c.width for c in scanner.regexes for key in c.keys if c.width is not None}
    assert len(widths) > 100
    checked = 0
    for compiled in scanner.regexes:
        if compiled.width is None:
            continue
        element = compiled.element
        assert isinstance(element, RegexElement)
        for sit_index, _ in compiled.keys:
            for example in scanner.sits[sit_index].definition.examples.match:
                for match in compiled.pattern.finditer(example.text):
                    assert match.end() - match.start() <= compiled.width, (element.name, match.group())
                    checked += 1
    assert checked > 200
