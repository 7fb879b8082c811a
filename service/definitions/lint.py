"""The definition linter: problems a definition can load with but should not ship with.

Errors make ``dlp sits validate`` fail; warnings are shown but pass. Each finding names
the SIT's file and the field it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from service.definitions.model import RegexElement, SitDefinition, needs_evidence, requirement_elements

MIN_EXAMPLES = 3


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class LintFinding:
    severity: Severity
    source: str
    sit: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        return f"{self.severity}: {where}: {self.message}"


def lint(definitions: Iterable[SitDefinition]) -> list[LintFinding]:
    findings: list[LintFinding] = []
    for definition in definitions:
        findings.extend(lint_definition(definition))
    return findings


def lint_definition(definition: SitDefinition) -> list[LintFinding]:
    rules = (_evidence_rules, _unused_elements, _reachable_confidence, _repeated_patterns, _example_counts)
    return [
        LintFinding(severity, definition.source, definition.name, path, message)
        for rule in rules
        for severity, path, message in rule(definition)
    ]


# What a rule finds: (severity, path in the definition, message).
_Finding = tuple[Severity, str, str]


def _evidence_rules(definition: SitDefinition) -> Iterator[_Finding]:
    for index, pattern in enumerate(definition.patterns):
        if not definition.checksum and not needs_evidence(pattern.supporting):
            # Purview's rule: without a checksum the primary element alone proves nothing.
            yield (
                Severity.ERROR,
                f"patterns.{index}",
                f"pattern {pattern.name!r} fires on its primary element alone, but the SIT has checksum: false; "
                "require supporting evidence or set checksum: true",
            )
    if definition.checksum:
        for index, pattern in enumerate(definition.patterns):
            element = definition.elements.get(pattern.primary)
            if not needs_evidence(pattern.supporting) and isinstance(element, RegexElement) and not element.validators:
                yield (
                    Severity.WARNING,
                    f"patterns.{index}",
                    f"pattern {pattern.name!r} fires on {pattern.primary!r} alone but that element has no validator",
                )


def _unused_elements(definition: SitDefinition) -> Iterator[_Finding]:
    used = {
        name for pattern in definition.patterns for name in [pattern.primary, *requirement_elements(pattern.supporting)]
    }
    for name in definition.elements:
        if name not in used:
            yield Severity.WARNING, f"elements.{name}", "no pattern uses this element"


def _reachable_confidence(definition: SitDefinition) -> Iterator[_Finding]:
    top = max(pattern.confidence for pattern in definition.patterns)
    if top < definition.recommended_confidence:
        yield (
            Severity.ERROR,
            "recommended_confidence",
            f"is {definition.recommended_confidence} but no pattern reaches it (highest {top}): "
            "the SIT could never be reported",
        )


def _repeated_patterns(definition: SitDefinition) -> Iterator[_Finding]:
    seen: dict[tuple[str, object, int], int] = {}
    for index, pattern in enumerate(definition.patterns):
        key = (pattern.primary, pattern.supporting, pattern.confidence)
        if key in seen:
            yield Severity.WARNING, f"patterns.{index}", f"repeats pattern {seen[key]}"
        seen.setdefault(key, index)


def _example_counts(definition: SitDefinition) -> Iterator[_Finding]:
    for kind, examples in (("match", definition.examples.match), ("no_match", definition.examples.no_match)):
        if len(examples) < MIN_EXAMPLES:
            yield Severity.WARNING, f"examples.{kind}", f"has {len(examples)} examples; give at least {MIN_EXAMPLES}"
