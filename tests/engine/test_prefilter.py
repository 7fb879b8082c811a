"""What Hyperscan is given: cheaper expressions that match at least what the exact ones do."""

from __future__ import annotations

import pytest
import regex

from service.definitions import load_definitions
from service.engine import compile_scanner
from service.engine.hyperscan_build import hyperscan_available
from service.engine.prefilter import MARGIN, _loosen
from tests.conftest import DEFINITION_FIXTURES


def test_a_back_reference_to_a_simple_group_becomes_the_group_pattern() -> None:
    pattern = r"\d{4}(?P<sep>[ \-]?)\d{4}(?P=sep)\d{4}"
    assert _loosen(pattern) == r"\d{4}(?P<sep>[ \-]?)\d{4}(?:[ \-]?)\d{4}"


def test_the_loosened_pattern_matches_everything_the_exact_one_does() -> None:
    pattern = r"\d{3}(?P<sep>[\- ])\d{2}(?P=sep)\d{4}"
    loosened = regex.compile(_loosen(pattern))
    for text in ["123-45-6789", "123 45 6789", "123-45 6789"]:
        exact = regex.fullmatch(pattern, text)
        assert loosened.fullmatch(text) or not exact
    assert regex.fullmatch(pattern, "123-45 6789") is None
    assert loosened.fullmatch("123-45 6789")  # more, never less


def test_a_back_reference_to_a_group_with_groups_inside_is_kept() -> None:
    pattern = r"BEGIN (?P<kind>(?:RSA )?KEY) .+ END (?P=kind)"
    assert _loosen(pattern) == pattern


def test_wide_counted_repeats_are_opened_and_narrow_ones_kept() -> None:
    assert _loosen(r"[A-Z]{1,256}x\d{2,8}") == r"[A-Z]{1,}x\d{2,8}"


@pytest.mark.skipif(not hyperscan_available(), reason="needs the hyperscan package")
def test_confirm_keeps_only_the_windows_where_hyperscan_sees_the_element() -> None:
    scanner = compile_scanner(load_definitions([DEFINITION_FIXTURES / "gating"]), engine="hyperscan")
    assert scanner.prefilter is not None
    (order,) = [c for c in scanner.regexes if c.element.pattern.startswith("ORD")]
    text = "nothing to see here, move along. " + "your order: ORD-12345678 today. " + "é and more plain words here."
    windows = [(0, 33), (33, 65), (65, len(text))]
    assert scanner.prefilter.confirm(text, order.index, windows) == [(33, 65)]


@pytest.mark.skipif(not hyperscan_available(), reason="needs the hyperscan package")
def test_refine_keeps_the_pieces_around_each_match_with_room_for_its_context() -> None:
    scanner = compile_scanner(load_definitions([DEFINITION_FIXTURES / "gating"]), engine="hyperscan")
    assert scanner.prefilter is not None
    (order,) = [c for c in scanner.regexes if c.element.pattern.startswith("ORD")]
    filler = "plain words without any order token in them at all. " * 200
    text = filler + "ORD-12345678 " + filler + "ORD-87654321 " + filler
    pieces = scanner.prefilter.refine(text, order.index, [(0, len(text))])
    assert 2 <= len(pieces) <= 4
    assert sum(high - low for low, high in pieces) < 5_000
    for value in ("ORD-12345678", "ORD-87654321"):
        start = text.index(value)
        assert any(low + MARGIN <= start and start + len(value) + MARGIN <= high for low, high in pieces)
