"""Run elements: values found from the runs of their alphabet equal those a scan of each element finds."""

from __future__ import annotations

import random
import string

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from service.definitions import load_builtin_definitions
from service.engine import compile_scanner
from service.engine.deadline import Deadline
from service.engine.scanner import Scanner
from service.engine.sensitive import FUNCTION_MARGIN, RANGE_MARGIN, sensitive_spans
from service.engine.token_runs import build_run_index, run_shape, run_values
from service.spans import merge_spans
from tests.fixtures.corpus import make_corpus

SCANNER = compile_scanner(load_builtin_definitions())


@pytest.mark.parametrize(
    ("pattern", "shape"),
    [
        (r"(?<![A-Za-z0-9_-])[0-9a-f]{32}(?![=A-Za-z0-9_-])", (32, 32)),
        (r"(?<![A-Za-z0-9_-])glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}(?![A-Za-z0-9_-])", (46, 46)),
        (r"(?<![A-Za-z0-9_+/-])[A-Za-z0-9+/]{40,44}={0,2}(?![=A-Za-z0-9_+/-])", None),  # '=' not in B
        (r"(?<![A-Za-z0-9_-])(?:[a-z0-9]{20}|[a-z0-9]{24})(?![A-Za-z0-9_-])", (20, 24)),
        (r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-]|\.\d)", (11, 11)),
        (r"(?<![\w.])\d{3} \d{3}(?![\w.])", None),  # the space is not refused around it
    ],
)
def test_run_shape_reads_lengths_of_provable_patterns(pattern: str, shape: tuple[int, int] | None) -> None:
    found = run_shape(pattern)
    assert (None if found is None else (found.shortest, found.longest)) == shape


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?<![A-Za-z0-9])[0-9a-f]{32,}(?![A-Za-z0-9])",  # unbounded
        r"(?<![a-f0-9])[0-9a-z]{32}(?![A-Za-z0-9])",  # the body has characters outside B
        r"(?<![A-Za-z0-9])[0-9a-f]{32}(?![a-f])",  # the look-ahead refuses less than B
        r"[0-9a-f]{32}(?![A-Za-z0-9])",  # no look-behind
        r"(?<![A-Za-z0-9])[0-9a-f]{32}(?=[^A-Za-z0-9]|$)",  # a look-ahead, not a refusal
        r"(?<![A-Za-z0-9_-])ab[0-9]{4}\b(?![A-Za-z0-9_-])",  # an assertion in the body
    ],
)
def test_run_shape_refuses_what_it_cannot_prove(pattern: str) -> None:
    assert run_shape(pattern) is None


def test_case_folding_and_unicode_classes_are_not_run_shapes() -> None:
    hexadecimal = r"(?<![A-Za-z0-9])[0-9a-f]{32}(?![A-Za-z0-9])"
    assert run_shape(hexadecimal) is not None
    assert run_shape(hexadecimal, regex.ASCII | regex.IGNORECASE) is None
    # \d and \w are ASCII sets under the ASCII flag, and Unicode ones without it.
    digits = r"(?<![\w.,/:-])\d{9}(?![\w-]|[.,]\d)"
    shape = run_shape(digits, regex.ASCII)
    assert shape is not None and shape.shortest == shape.longest == 9
    # The widest alphabet both assertions refuse: word characters and the hyphen.
    assert shape.alphabet == frozenset(string.ascii_letters + string.digits + "_-")
    assert run_shape(digits, 0) is None


def test_most_generated_credential_shapes_are_run_elements() -> None:
    index = SCANNER.run_index
    assert len(index.members) + len(index.others) == len(SCANNER.regexes)
    # The table rows' charset shapes, at least: they are the bulk of the credential SITs.
    assert len(index.members) >= 150


def scanned_values(scanner: Scanner, elements: object, text: str, start: int, end: int) -> set[tuple[int, int]]:
    """The reference: each element scanned with overlapping matches over the whole text."""
    spans = set()
    for compiled in elements:  # type: ignore[attr-defined]
        for match in compiled.pattern.finditer(text, overlapped=True):
            group = compiled.element.value_group
            low, high = match.span(group) if group else match.span()
            if low < high and high > start and low < end:
                spans.add((low, high))
    return spans


def example_values() -> list[str]:
    values = []
    for definition in load_builtin_definitions():
        for example in definition.examples.match:
            values.append(example.text)
    return values


EXAMPLES = example_values()
SEPARATORS = [" ", "\n", "=", ":", '"', "'", ".", ",", "/", "-", "_", "+", "é", "\t", "==", "@"]


@st.composite
def texts_with_tokens(draw: st.DrawFn) -> str:
    pieces = draw(
        st.lists(
            st.one_of(
                st.sampled_from(EXAMPLES),
                st.text("0123456789abcdef", min_size=16, max_size=70),
                st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=16, max_size=70),
                st.sampled_from(SEPARATORS),
            ),
            min_size=1,
            max_size=12,
        )
    )
    return "".join(pieces)


@settings(max_examples=150, deadline=None)
@given(texts_with_tokens(), st.data())
def test_run_values_equal_a_scan_of_every_run_element(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    index = SCANNER.run_index
    found = {span for span in run_values(index, text, start, end) if span[0] < span[1]}
    assert found == scanned_values(SCANNER, index.members, text, start, end)


def reference_sensitive_spans(scanner: Scanner, text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """What masking must find: every element's values overlapping a range, each element scanned."""
    found: set[tuple[int, int]] = set()
    size = len(text)
    for start, end in merge_spans(ranges):
        low, high = max(0, start - RANGE_MARGIN), min(size, end + RANGE_MARGIN)
        for compiled in scanner.regexes:
            for match in compiled.pattern.finditer(text, low, high, overlapped=True):
                group = compiled.element.value_group
                span = match.span(group) if group else match.span()
                if span[0] < span[1] and span[1] > start and span[0] < end:
                    found.add(span)
        f_low, f_high = max(0, start - FUNCTION_MARGIN), min(size, end + FUNCTION_MARGIN)
        for function in scanner.functions:
            for f_start, f_end in function.find(text[f_low:f_high]):
                span = (f_low + f_start, f_low + f_end)
                if span[0] < span[1] and span[1] > start and span[0] < end:
                    found.add(span)
    return sorted(found)


def test_masking_finds_what_scanning_every_element_finds_on_a_corpus() -> None:
    text = make_corpus(120_000, seed=7)
    chooser = random.Random(11)
    for _ in range(60):
        start = chooser.randrange(0, len(text) - 400)
        ranges = [(start, start + chooser.randrange(20, 300))]
        ranges.append((ranges[0][1] + chooser.randrange(0, 600), ranges[0][1] + 700))
        assert sensitive_spans(SCANNER, text, ranges, Deadline(30)) == reference_sensitive_spans(SCANNER, text, ranges)


def test_an_index_of_no_run_elements_scans_them_all() -> None:
    plain = [c for c in SCANNER.regexes if c.pattern.flags & regex.IGNORECASE]
    assert plain
    index = build_run_index(plain)
    assert index.members == () and index.others == tuple(plain)
