"""Trying a draft: lint it, compile it on its own, run its examples, and classify each
sample with explanations — Purview's Test-DataClassification, with the reasons it never gives.

The draft is compiled in isolation and never touches the loaded set; it runs under the
same limits and time budget as a classify request. Summaries mask the values of the loaded
definitions too, so a sample shown back cannot uncover a secret the draft does not know.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.classify import Document, UnreadableDocument, classify
from service.definitions.errors import DefinitionError
from service.definitions.lint import LintFinding, Severity, lint
from service.definitions.sets import DefinitionSet
from service.engine import ClassifyOptions, Scanner, compile_scanner
from service.engine.deadline import Deadline
from service.engine.examples import ExampleOutcome, run_examples
from service.extract import ExtractionLimits
from service.summary.present import PresentOptions, present_report
from service.tuning.draft import Draft, DraftError

# Of the request's budget, the share the draft's own examples may use (samples get the rest).
EXAMPLES_SHARE = 0.25


@dataclass(frozen=True)
class DraftLimits:
    """The limits a classify request runs under, applied to the draft and its samples."""

    request_time_limit: float = 20.0
    engine_time_limit: float = 10.0
    extraction: ExtractionLimits = dataclasses.field(default_factory=ExtractionLimits)
    max_matches_per_sit: int = 100
    max_matches: int = 1000
    max_trace: int = 1000
    context: int = 100


@dataclass(frozen=True)
class SampleOutcome:
    name: str
    answer: dict[str, Any] | None  # the presented report, or None when the sample was unreadable
    error: str | None = None


@dataclass(frozen=True)
class DraftTrial:
    definitions: DefinitionSet
    notes: tuple[str, ...]  # what reading the draft translated or left out
    findings: tuple[LintFinding, ...]
    examples: tuple[ExampleOutcome, ...]
    samples: tuple[SampleOutcome, ...]
    elapsed_ms: float

    @property
    def passed(self) -> bool:
        """No lint error and every example as expected."""
        return not any(f.severity is Severity.ERROR for f in self.findings) and all(e.passed for e in self.examples)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "definitions": [{"id": d.id, "name": d.name} for d in self.definitions],
            "definitions_version": self.definitions.version,
            "import_notes": list(self.notes),
            "lint": [_finding(finding) for finding in self.findings],
            "examples": [_example(outcome) for outcome in self.examples],
            "samples": [_sample(sample) for sample in self.samples],
            "elapsed_ms": round(self.elapsed_ms, 3),
        }


def try_draft(
    loaded: Draft,
    samples: Sequence[Document],
    limits: DraftLimits,
    *,
    min_confidence: int | None = None,
    reveal: bool = False,
    also_mask: tuple[Scanner, ...] = (),
) -> DraftTrial:
    """Lint, compile and run the draft; raises ``DraftError`` when it cannot be compiled."""
    started = time.perf_counter()
    draft = loaded.definitions
    deadline = Deadline(limits.request_time_limit)
    findings = tuple(lint(draft))
    try:
        scanner = compile_scanner(draft, time_limit=limits.engine_time_limit, engine="regex")
    except DefinitionError as error:
        raise DraftError(error.problems) from None
    examples_deadline = deadline.share(deadline.remaining() * EXAMPLES_SHARE)
    examples = tuple(run_examples(_bounded(scanner, examples_deadline), draft))
    outcomes = tuple(
        _run_sample(scanner, sample, limits, deadline, min_confidence, reveal, also_mask) for sample in samples
    )
    return DraftTrial(draft, loaded.notes, findings, examples, outcomes, (time.perf_counter() - started) * 1000)


def _bounded(scanner: Scanner, deadline: Deadline) -> Scanner:
    """The scanner with a time limit no longer than what the deadline has left."""
    return dataclasses.replace(scanner, time_limit=min(scanner.time_limit, deadline.remaining()))


def _run_sample(
    scanner: Scanner,
    sample: Document,
    limits: DraftLimits,
    deadline: Deadline,
    min_confidence: int | None,
    reveal: bool,
    also_mask: tuple[Scanner, ...],
) -> SampleOutcome:
    options = ClassifyOptions(
        min_confidence=min_confidence,
        explain=True,
        time_limit=limits.engine_time_limit,
        max_matches_per_sit=limits.max_matches_per_sit,
        max_matches=limits.max_matches,
        max_trace=limits.max_trace,
    )
    try:
        classification = classify(scanner, [sample], options, limits.extraction, deadline)
    except UnreadableDocument:
        return SampleOutcome(sample.name, None, "the sample could not be read")
    shown = PresentOptions(reveal=reveal, context=limits.context, deadline=deadline, also_mask=also_mask)
    answer = present_report(classification.report, classification.parts, scanner, shown)
    answer["not_matched"] = answer.pop("trace", [])
    answer["not_matched_truncated"] = answer.pop("trace_truncated", False)
    return SampleOutcome(sample.name, answer)


def _finding(finding: LintFinding) -> dict[str, Any]:
    return finding.to_dict()


def _example(outcome: ExampleOutcome) -> dict[str, Any]:
    return {
        "sit": {"id": outcome.sit.id, "name": outcome.sit.name},
        "kind": str(outcome.kind),
        "index": outcome.index,
        "passed": outcome.passed,
        "detail": outcome.detail,
    }


def _sample(sample: SampleOutcome) -> dict[str, Any]:
    if sample.answer is None:
        return {"name": sample.name, "error": sample.error}
    return {"name": sample.name, **sample.answer}
