"""The definition linter: problems a definition can load with but should not ship with.

Errors make ``dlp sits validate`` fail; warnings are shown but pass. Each finding names
the SIT's file and the field it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    found: list[LintFinding] = []

    def report(severity: Severity, path: str, message: str) -> None:
        found.append(LintFinding(severity, definition.source, definition.name, path, message))

    for index, pattern in enumerate(definition.patterns):
        if not definition.checksum and not needs_evidence(pattern.supporting):
            # Purview's rule: without a checksum the primary element alone proves nothing.
            report(
                Severity.ERROR,
                f"patterns.{index}",
                f"pattern {pattern.name!r} fires on its primary element alone, but the SIT has checksum: false; "
                "require supporting evidence or set checksum: true",
            )
    if definition.checksum:
        for index, pattern in enumerate(definition.patterns):
            element = definition.elements.get(pattern.primary)
            if not needs_evidence(pattern.supporting) and isinstance(element, RegexElement) and not element.validators:
                report(
                    Severity.WARNING,
                    f"patterns.{index}",
                    f"pattern {pattern.name!r} fires on {pattern.primary!r} alone but that element has no validator",
                )
    used = {
        name for pattern in definition.patterns for name in [pattern.primary, *requirement_elements(pattern.supporting)]
    }
    for name in definition.elements:
        if name not in used:
            report(Severity.WARNING, f"elements.{name}", "no pattern uses this element")
    top = max(pattern.confidence for pattern in definition.patterns)
    if top < definition.recommended_confidence:
        report(
            Severity.ERROR,
            "recommended_confidence",
            f"is {definition.recommended_confidence} but no pattern reaches it (highest {top}): "
            "the SIT could never be reported",
        )
    seen: dict[tuple[str, object, int], int] = {}
    for index, pattern in enumerate(definition.patterns):
        key = (pattern.primary, pattern.supporting, pattern.confidence)
        if key in seen:
            report(Severity.WARNING, f"patterns.{index}", f"repeats pattern {seen[key]}")
        seen.setdefault(key, index)
    if len(definition.examples.match) < MIN_EXAMPLES:
        report(
            Severity.WARNING,
            "examples.match",
            f"has {len(definition.examples.match)} examples; give at least {MIN_EXAMPLES}",
        )
    if len(definition.examples.no_match) < MIN_EXAMPLES:
        report(
            Severity.WARNING,
            "examples.no_match",
            f"has {len(definition.examples.no_match)} examples; give at least {MIN_EXAMPLES}",
        )
    return found
