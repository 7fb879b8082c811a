"""Every example of every built-in definition is a test case (as gitleaks does for its rules)."""

from __future__ import annotations

import pytest

from service.definitions import load_builtin_definitions
from service.definitions.lint import Severity, lint
from service.engine import Scanner
from service.engine.examples import ExampleOutcome, run_examples


def example_ids() -> list[str]:
    labels = []
    for definition in load_builtin_definitions():
        labels += [f"{definition.name}/match[{i}]" for i in range(len(definition.examples.match))]
        labels += [f"{definition.name}/no_match[{i}]" for i in range(len(definition.examples.no_match))]
    return labels


@pytest.fixture(scope="module")
def outcomes(builtin_scanner: Scanner) -> dict[str, ExampleOutcome]:
    return {
        outcome.label.replace(" match[", "/match[").replace(" no_match[", "/no_match["): outcome
        for outcome in run_examples(builtin_scanner, builtin_scanner.definitions)
    }


@pytest.mark.parametrize("label", example_ids())
def test_definition_example(outcomes: dict[str, ExampleOutcome], label: str) -> None:
    outcome = outcomes[label]
    assert outcome.passed, f"{outcome.sit.source}: {outcome.label}: {outcome.detail}"


# The SITs that prove the model carry more examples than the minimum of three.
FOUNDATION_SITS = {
    "GitHub personal access token",
    "PyPI API token",
    "Credit card number",
    "U.S. social security number (SSN)",
}


def test_every_builtin_sit_has_enough_examples() -> None:
    loaded = {definition.name: definition for definition in load_builtin_definitions()}
    assert set(loaded) >= FOUNDATION_SITS
    for name, definition in loaded.items():
        minimum = 5 if name in FOUNDATION_SITS else 3
        assert len(definition.examples.match) >= minimum, name
        assert len(definition.examples.no_match) >= minimum, name


# Reviewed: "from" before an address is how mail headers and SSH logs name the host it
# came from, and the examples of both IP SITs depend on it.
KNOWN_WARNINGS = {
    ("sit_definitions/general/ip_address_v4.yaml", "keyword-term-stop-word", "elements.kw_ip.keywords.terms[9]"),
    ("sit_definitions/general/ip_address_v6.yaml", "keyword-term-stop-word", "elements.kw_ip.keywords.terms[9]"),
}


def test_builtin_definitions_lint_without_errors(builtin_scanner: Scanner) -> None:
    findings = lint(builtin_scanner.definitions, scanner=builtin_scanner)
    assert [str(f) for f in findings if f.severity is Severity.ERROR] == []
    warnings = {(f.source, f.code, f.path) for f in findings if f.severity is Severity.WARNING}
    assert warnings == KNOWN_WARNINGS


def test_the_catalogue_is_up_to_date() -> None:
    from pathlib import Path

    from service.definitions.catalogue import render_catalogue

    committed = (Path(__file__).parent.parent / "docs" / "sits.md").read_text()
    assert committed == render_catalogue(load_builtin_definitions()), "run: dlp sits catalogue > docs/sits.md"


# Each built-in SIT proves itself on at least this many texts of each kind: a value it must
# find, and a placeholder, a wrong checksum or length, or the value without its context.
MIN_EXAMPLES = 3


def test_every_builtin_sit_has_enough_examples_of_each_kind() -> None:
    short = [
        f"{d.name}: {len(d.examples.match)} match, {len(d.examples.no_match)} no_match"
        for d in load_builtin_definitions()
        if len(d.examples.match) < MIN_EXAMPLES or len(d.examples.no_match) < MIN_EXAMPLES
    ]
    assert short == []
