"""A masked span always wins, as a property over the whole built-in library.

Every SIT's ``match`` examples are joined so that the examples of every pair of SITs stand
next to each other once: one walk through every pair (an Eulerian circuit of the complete
graph of SITs) cut into parts of a few dozen examples, plus random triples, with and
without keywords between them. Classified with the
lowest threshold and explanations on, the masked answer must not contain, anywhere
(values, evidence, summaries, trace), any value that a regex or function element found
in one of the examples on its own — whether it became a match, evidence or only a
rejected candidate. (A value that is one of the definitions' own keyword terms, or a word
their regexes spell out, is published vocabulary, shown as evidence by design: it is not
counted as a secret.)
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

import pytest
import regex

from service.definitions.model import KeywordElement, RegexElement
from service.engine import Scanner
from service.engine.deadline import Deadline
from service.engine.document import Part
from service.engine.scanner import ClassifyOptions
from service.summary.present import PresentOptions, present_report

# Joins between two examples: plain, on a new line, and with keywords of many SITs between.
SEPARATORS = (
    " ",
    "\n",
    " password: ",
    " token pypi github key ",
    "\nSSN card visa exp cvv secret ",
)
# Strings of the answer that name things of ours, never text of the document.
NAMING_KEYS = frozenset({"id", "name", "pattern", "element", "kind", "media_type", "part", "fingerprint", "stage"})
# What a masked value looks like in an answer: an optional kind prefix, the mask, the length.
MASKED = regex.compile(r"[a-z0-9_+.:/-]*\*\*\*\*…\(\d+\)")
# Shorter values (a three-digit CVV) are too common as plain text to be told apart, and so are
# numbers of four digits (a year, the last four digits a card receipt shows, an Amex CVV).
MIN_SECRET_LENGTH = 4
MIN_SECRET_DIGITS = 5
TRIPLES = 400
# Examples per part along the walk; consecutive parts share their edge example, so no pair is cut.
WALK_PART = 24
OPTIONS = ClassifyOptions(min_confidence=1, explain=True, time_limit=60)


def _examples(scanner: Scanner) -> list[tuple[str, str]]:
    """(SIT name, text) of one match example per SIT per round, cycling through each SIT's examples."""
    return [(d.name, e.text) for d in scanner.definitions for e in d.examples.match]


# A word spelled out in a definition's regex (a setting's name such as MicrosoftAppPassword).
_PATTERN_WORD = regex.compile(r"(?<![\\\w])[A-Za-z_][A-Za-z0-9_]{3,}")


def _keyword_terms(scanner: Scanner) -> frozenset[str]:
    """The definitions' own vocabulary: keyword terms, and the words their regexes spell out."""
    terms: set[str] = set()
    for definition in scanner.definitions:
        for element in definition.elements.values():
            if isinstance(element, KeywordElement):
                terms.update(term.casefold() for term in element.terms)
            elif isinstance(element, RegexElement):
                terms.update(word.casefold() for word in _PATTERN_WORD.findall(element.pattern))
    return frozenset(terms)


def _values_found(scanner: Scanner, text: str, keywords: frozenset[str] = frozenset()) -> set[str]:
    """Every value any element found in ``text`` alone: matches, sensitive evidence, rejected candidates."""
    report = scanner.classify([Part("alone", text)], OPTIONS)
    values = {match.value for result in report.results for match in result.matches}
    values |= {e.text for r in report.results for m in r.matches for e in m.evidence if e.sensitive}
    values |= {rejection.value for rejection in report.trace or ()}
    return {value for value in values if _may_be_secret(value.strip()) and value.casefold() not in keywords}


def _may_be_secret(value: str) -> bool:
    return len(value) >= (MIN_SECRET_DIGITS if value.isdigit() else MIN_SECRET_LENGTH)


def _shown_strings(data: Any, key: str | None = None) -> Iterator[str]:
    """Every string of the answer that may carry document text, masks removed."""
    if isinstance(data, dict):
        for name, value in data.items():
            if name == "sit":
                continue
            yield from _shown_strings(value, name)
    elif isinstance(data, list):
        for item in data:
            yield from _shown_strings(item, key)
    elif isinstance(data, str) and key not in NAMING_KEYS:
        yield MASKED.sub("\x00", data)


@pytest.fixture(scope="module")
def secrets_by_example(builtin_scanner: Scanner) -> dict[str, set[str]]:
    keywords = _keyword_terms(builtin_scanner)
    return {text: _values_found(builtin_scanner, text, keywords) for _, text in _examples(builtin_scanner)}


def every_pair_walk(count: int) -> list[int]:
    """A walk through 0..count-1 in which every pair of distinct numbers is adjacent exactly
    once (Hierholzer's algorithm on the complete graph; with an even count, the graph has
    odd degrees, so one extra pairing per two vertices is walked twice)."""
    unused: list[set[int]] = [set(range(count)) - {vertex} for vertex in range(count)]
    if count % 2 == 0:
        for vertex in range(0, count, 2):  # make every degree even: drop one edge per vertex
            unused[vertex].discard(vertex + 1)
            unused[vertex + 1].discard(vertex)
    stack, walk = [0], []
    while stack:
        vertex = stack[-1]
        if unused[vertex]:
            following = min(unused[vertex])
            unused[vertex].discard(following)
            unused[following].discard(vertex)
            stack.append(following)
        else:
            walk.append(stack.pop())
    if count % 2 == 0:
        walk += [vertex for pair in range(0, count, 2) for vertex in (pair, pair + 1)]
    return walk


def _walk_groups(names: list[str]) -> list[tuple[str, ...]]:
    """The walk through every pair of SITs, cut in groups that share their edge SIT."""
    walk = [names[vertex] for vertex in every_pair_walk(len(names))]
    return [tuple(walk[start : start + WALK_PART]) for start in range(0, len(walk) - 1, WALK_PART - 1)]


def _joined_parts(scanner: Scanner, seed: int) -> list[tuple[Part, list[str]]]:
    by_sit: dict[str, list[str]] = {}
    for name, text in _examples(scanner):
        by_sit.setdefault(name, []).append(text)
    names = sorted(by_sit)
    rng = random.Random(seed)
    groups = _walk_groups(names) + [tuple(rng.sample(names, 3)) for _ in range(TRIPLES)]
    parts: list[tuple[Part, list[str]]] = []
    for number, group in enumerate(groups):
        texts = [rng.choice(by_sit[name]) for name in group]
        # Every separator between every kind of neighbour: it changes along the walk.
        separators = [SEPARATORS[(number + position) % len(SEPARATORS)] for position in range(len(texts) - 1)]
        joined = texts[0] + "".join(separator + text for separator, text in zip(separators, texts[1:], strict=True))
        parts.append((Part(f"joined-{number}", joined), texts))
    return parts


def test_no_value_of_any_example_shows_when_examples_of_every_pair_of_sits_meet(
    builtin_scanner: Scanner, secrets_by_example: dict[str, set[str]]
) -> None:
    assert len(builtin_scanner.definitions) >= 100  # the property covers the real library
    leaks: list[str] = []
    batch = 100
    joined = _joined_parts(builtin_scanner, seed=20261201)
    for first in range(0, len(joined), batch):
        chunk = joined[first : first + batch]
        parts = [part for part, _ in chunk]
        report = builtin_scanner.classify(parts, OPTIONS)
        data = present_report(report, parts, builtin_scanner, PresentOptions(deadline=Deadline(120)))
        shown_by_part: dict[str, list[str]] = {}
        for result in data["results"]:
            for match in result["matches"]:
                shown_by_part.setdefault(match["part"], []).extend(_shown_strings(match))
        for rejection in data.get("trace", []):
            shown_by_part.setdefault(rejection["part"], []).extend(_shown_strings(rejection))
        for part, texts in chunk:
            secrets = set().union(*(secrets_by_example[text] for text in texts))
            for shown in shown_by_part.get(part.name, []):
                leaks += [f"{part.name}: {secret[:6]}… in {shown[:80]!r}" for secret in secrets if secret in shown]
    assert leaks == [], f"{len(leaks)} leaks, e.g. {leaks[:5]}"


def test_the_property_sees_real_matches(builtin_scanner: Scanner) -> None:
    # Guard against a vacuous pass: the joined texts do produce matches and summaries to check.
    parts = [part for part, _ in _joined_parts(builtin_scanner, seed=1)[:100]]
    report = builtin_scanner.classify(parts, OPTIONS)
    assert sum(result.count for result in report.results) > 1000


@pytest.mark.parametrize("count", [2, 3, 4, 7, 10, 11])
def test_the_walk_puts_every_pair_side_by_side(count: int) -> None:
    walk = every_pair_walk(count)
    adjacent = {frozenset(pair) for pair in itertools.pairwise(walk) if pair[0] != pair[1]}
    assert adjacent == {frozenset(pair) for pair in itertools.combinations(range(count), 2)}
    if count % 2:  # an Eulerian circuit: each pair once, nothing more
        assert len(walk) - 1 == count * (count - 1) // 2


def test_the_parts_cut_no_pair_of_the_walk(builtin_scanner: Scanner) -> None:
    names = sorted({name for name, _ in _examples(builtin_scanner)})
    groups = _walk_groups(names)
    assert all(len(group) <= WALK_PART for group in groups)
    adjacent = {frozenset(pair) for group in groups for pair in itertools.pairwise(group) if pair[0] != pair[1]}
    assert adjacent == {frozenset(pair) for pair in itertools.combinations(names, 2)}
    # The parts classified are these groups, one example of each SIT in turn.
    joined = _joined_parts(builtin_scanner, seed=3)
    assert [len(texts) for _, texts in joined[: len(groups)]] == [len(group) for group in groups]
