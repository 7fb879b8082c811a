"""Runs the ``match`` and ``no_match`` examples a definition carries, as its own test-suite.

A match example passes when the SIT is found at exactly the expected highest confidence
(and, if given, with the expected value among its matches). A no-match example passes
when the SIT finds nothing at all, at any confidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from service.definitions.model import SitDefinition
from service.engine.document import Part
from service.engine.report import Report
from service.engine.scanner import ClassifyOptions, Scanner
from service.masking import mask_value


class ExampleKind(StrEnum):
    MATCH = "match"
    NO_MATCH = "no_match"


@dataclass(frozen=True)
class ExampleOutcome:
    sit: SitDefinition
    kind: ExampleKind
    index: int
    text: str
    passed: bool
    detail: str

    @property
    def label(self) -> str:
        return f"{self.sit.name} {self.kind}[{self.index}]"


def run_examples(scanner: Scanner, definitions: Iterable[SitDefinition]) -> list[ExampleOutcome]:
    outcomes: list[ExampleOutcome] = []
    for definition in definitions:
        options = ClassifyOptions(min_confidence=1, sits=(definition.id,), explain=True)
        for index, example in enumerate(definition.examples.match):
            report = scanner.classify([Part("example", example.text)], options)
            outcomes.append(_judge_match(definition, index, example.text, example.confidence, example.value, report))
        for index, counter in enumerate(definition.examples.no_match):
            report = scanner.classify([Part("example", counter.text)], options)
            result = report.result_for(definition.id)
            if result is None:
                outcomes.append(
                    ExampleOutcome(definition, ExampleKind.NO_MATCH, index, counter.text, True, "nothing found")
                )
            else:
                found = ", ".join(f"{mask_value(m.value)} at {m.confidence} by {m.pattern!r}" for m in result.matches)
                outcomes.append(
                    ExampleOutcome(
                        definition, ExampleKind.NO_MATCH, index, counter.text, False, f"unexpectedly found {found}"
                    )
                )
    return outcomes


def _judge_match(
    definition: SitDefinition, index: int, text: str, confidence: int | None, value: str | None, report: Report
) -> ExampleOutcome:
    def outcome(passed: bool, detail: str) -> ExampleOutcome:
        return ExampleOutcome(definition, ExampleKind.MATCH, index, text, passed, detail)

    if not report.complete:
        return outcome(False, "; ".join(p.error.message for p in report.errors if p.error is not None))
    result = report.result_for(definition.id)
    if result is None:
        reasons = "; ".join(f"{r.element}: {r.reason}" for r in report.trace or ()) or "no candidate found"
        return outcome(False, f"not found ({reasons})")
    if confidence is not None and result.confidence != confidence:
        return outcome(False, f"found at confidence {result.confidence}, expected {confidence}")
    if value is not None and value not in {match.value for match in result.matches}:
        return outcome(False, "the expected value is not among the matches")
    return outcome(True, f"found at confidence {result.confidence}")
