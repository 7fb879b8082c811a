"""Whether a definition's patterns can prove anything, and reach the confidence it is reported at."""

from __future__ import annotations

from collections.abc import Iterator

from service.definitions.lint.findings import Code, LintFinding, finding, pattern_path
from service.definitions.model import RegexElement, SitDefinition, needs_evidence


def evidence_findings(definition: SitDefinition) -> Iterator[LintFinding]:
    for index, pattern in enumerate(definition.patterns):
        if needs_evidence(pattern.supporting):
            continue
        if not definition.checksum:
            # Purview's rule: without a checksum the primary element alone proves nothing.
            yield finding(
                definition,
                Code.PATTERN_WITHOUT_EVIDENCE,
                pattern_path(index),
                f"pattern {pattern.name!r} fires on its primary element alone, but the SIT has checksum: false; "
                "require supporting evidence or set checksum: true",
            )
            continue
        element = definition.elements.get(pattern.primary)
        if isinstance(element, RegexElement) and not element.validators:
            yield finding(
                definition,
                Code.UNVALIDATED_SELF_SUFFICIENT_PATTERN,
                pattern_path(index),
                f"pattern {pattern.name!r} fires on {pattern.primary!r} alone but that element has no validator",
            )


def confidence_findings(definition: SitDefinition) -> Iterator[LintFinding]:
    top = max(pattern.confidence for pattern in definition.patterns)
    if top < definition.recommended_confidence:
        yield finding(
            definition,
            Code.UNREACHABLE_RECOMMENDED_CONFIDENCE,
            "recommended_confidence",
            f"is {definition.recommended_confidence} but no pattern reaches it (highest {top}): "
            "the SIT could never be reported",
        )
