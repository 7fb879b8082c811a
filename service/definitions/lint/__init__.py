"""The definition linter: problems a definition can load with but should not ship with.

Errors make ``dlp sits validate`` fail; warnings and infos are shown but pass. Each finding
has a stable code (the table in docs/definitions.md), names the SIT's file and the field it
is about. One module per family of rules; this one runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from service.definitions.errors import Problem
from service.definitions.lint.collection import duplicate_findings, problem_findings
from service.definitions.lint.elements import backtracking_findings, unused_element_findings
from service.definitions.lint.evidence import confidence_findings, evidence_findings
from service.definitions.lint.examples import (
    MIN_EXAMPLES,
    example_count_findings,
    example_outcomes,
    failed_example_findings,
)
from service.definitions.lint.findings import SEVERITIES, Code, LintFinding, Severity
from service.definitions.lint.keywords import keyword_findings
from service.definitions.lint.patterns import dominated_pattern_findings, repeated_pattern_findings
from service.definitions.lint.proximity import window_findings
from service.definitions.model import SitDefinition
from service.engine import Scanner
from service.engine.examples import ExampleOutcome

__all__ = [
    "DEFINITION_RULES",
    "MIN_EXAMPLES",
    "PURVIEW_LIMIT_RULES",
    "SEVERITIES",
    "Code",
    "DefinitionRule",
    "LintFinding",
    "LintReport",
    "Severity",
    "lint",
    "lint_definition",
    "lint_report",
]

DefinitionRule = Callable[[SitDefinition], Iterable[LintFinding]]

# The rules that look at one definition at a time, in the order their findings are listed.
DEFINITION_RULES: list[DefinitionRule] = [
    evidence_findings,
    confidence_findings,
    unused_element_findings,
    repeated_pattern_findings,
    dominated_pattern_findings,
    backtracking_findings,
    keyword_findings,
    window_findings,
    example_count_findings,
]


# Purview's own limits on a rule package (sizes, counts): shown as information, since only
# an export to Purview would fail on them.
def _purview_limits(definition: SitDefinition) -> list[LintFinding]:
    # Imported when first used: the Purview package itself reports through the linter's findings.
    from service.definitions.purview.limits import purview_limit_findings

    return purview_limit_findings(definition)


PURVIEW_LIMIT_RULES: list[DefinitionRule] = [_purview_limits]


@dataclass(frozen=True)
class LintReport:
    findings: tuple[LintFinding, ...]
    outcomes: tuple[ExampleOutcome, ...]  # every example run, passed or not

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity is Severity.ERROR)


def lint(
    definitions: Iterable[SitDefinition], scanner: Scanner | None = None, run_examples: bool = True
) -> list[LintFinding]:
    """Every finding about the definitions; ``scanner``, when given, must hold them all."""
    return list(lint_report(definitions, scanner=scanner, run_examples=run_examples).findings)


def lint_definition(definition: SitDefinition, run_examples: bool = True) -> list[LintFinding]:
    """Every finding about one definition on its own (no clash with others is looked for)."""
    outcomes = example_outcomes([definition]) if run_examples else []
    return [*_rule_findings(definition), *failed_example_findings(outcomes)]


def lint_report(
    definitions: Iterable[SitDefinition],
    problems: Sequence[Problem] = (),
    scanner: Scanner | None = None,
    run_examples: bool = True,
) -> LintReport:
    """The findings about loaded definitions and the loader's ``problems`` with the files that did not load."""
    loaded = list(definitions)
    outcomes = example_outcomes(loaded, scanner) if run_examples and loaded else []
    failed: dict[tuple[str, str, str], list[ExampleOutcome]] = {}
    for outcome in outcomes:
        failed.setdefault(_key(outcome.sit), []).append(outcome)
    findings = [*problem_findings(problems), *duplicate_findings(loaded)]
    for definition in loaded:
        findings.extend(_rule_findings(definition))
        findings.extend(failed_example_findings(failed.pop(_key(definition), [])))
    return LintReport(tuple(findings), tuple(outcomes))


def _rule_findings(definition: SitDefinition) -> list[LintFinding]:
    return [found for rule in (*DEFINITION_RULES, *PURVIEW_LIMIT_RULES) for found in rule(definition)]


def _key(definition: SitDefinition) -> tuple[str, str, str]:
    return definition.source, definition.id, definition.name
