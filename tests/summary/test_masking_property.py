"""A masked span always wins, as a property over the whole built-in library.

Every SIT's ``match`` examples are joined in pairs (every pair of SITs) and some triples,
with and without keywords between them, each joined text one part. Classified with the
lowest threshold and explanations on, the masked answer must not contain, anywhere
(values, evidence, summaries, trace), any value that a regex or function element found
in one of the examples on its own — whether it became a match, evidence or only a
rejected candidate.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

import pytest
import regex

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
# Shorter values (a three-digit CVV) are too common as plain text to be told apart.
MIN_SECRET_LENGTH = 4
TRIPLES = 400
OPTIONS = ClassifyOptions(min_confidence=1, explain=True, time_limit=60)


def _examples(scanner: Scanner) -> list[tuple[str, str]]:
    """(SIT name, text) of one match example per SIT per round, cycling through each SIT's examples."""
    return [(d.name, e.text) for d in scanner.definitions for e in d.examples.match]


def _values_found(scanner: Scanner, text: str) -> set[str]:
    """Every value any element found in ``text`` alone: matches, sensitive evidence, rejected candidates."""
    report = scanner.classify([Part("alone", text)], OPTIONS)
    values = {match.value for result in report.results for match in result.matches}
    values |= {e.text for r in report.results for m in r.matches for e in m.evidence if e.sensitive}
    values |= {rejection.value for rejection in report.trace or ()}
    return {value for value in values if len(value.strip()) >= MIN_SECRET_LENGTH}


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
    return {text: _values_found(builtin_scanner, text) for _, text in _examples(builtin_scanner)}


def _joined_parts(scanner: Scanner, seed: int) -> list[tuple[Part, list[str]]]:
    by_sit: dict[str, list[str]] = {}
    for name, text in _examples(scanner):
        by_sit.setdefault(name, []).append(text)
    names = sorted(by_sit)
    rng = random.Random(seed)
    groups: list[tuple[str, ...]] = list(itertools.combinations(names, 2))
    groups += [tuple(rng.sample(names, 3)) for _ in range(TRIPLES)]
    parts: list[tuple[Part, list[str]]] = []
    for number, group in enumerate(groups):
        texts = [rng.choice(by_sit[name]) for name in group]
        if number % 2:
            texts.reverse()
        separator = SEPARATORS[number % len(SEPARATORS)]
        parts.append((Part(f"joined-{number}", separator.join(texts)), texts))
    return parts


def test_no_value_of_any_example_shows_when_examples_of_every_pair_of_sits_meet(
    builtin_scanner: Scanner, secrets_by_example: dict[str, set[str]]
) -> None:
    assert len(builtin_scanner.definitions) >= 100  # the property covers the real library
    leaks: list[str] = []
    batch = 400
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
    parts = [part for part, _ in _joined_parts(builtin_scanner, seed=1)[:300]]
    report = builtin_scanner.classify(parts, OPTIONS)
    assert sum(result.count for result in report.results) > 300
