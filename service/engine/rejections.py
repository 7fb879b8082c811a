"""Explanations: the candidates that did not become matches, and why.

Built only when asked to explain; a scan that is not explaining passes ``None`` instead of
a log and builds no reason at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.engine.compiled import CompiledSit
from service.engine.report import PatternMiss, Rejection, RejectionStage
from service.engine.selection import round_robin

_Order = tuple[int, int, int, int, str, str]


class Trace:
    """Rejections of a whole classification, at most ``limit`` returned: each SIT's first
    before any SIT's second (one SIT's thousands of placeholders must not hide why another's
    value did not match). Returned in document order: by part, SIT, then offset."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.by_sit: dict[int, list[tuple[_Order, Rejection]]] = {}
        self.made = 0

    def add(self, part: int, sit_index: int, rejection: Rejection) -> None:
        self.made += 1
        kept = self.by_sit.setdefault(sit_index, [])
        if self.limit is None or len(kept) < self.limit:
            order = (part, sit_index, rejection.start, rejection.end, rejection.element, rejection.stage)
            kept.append((order, rejection))

    @property
    def truncated(self) -> bool:
        return self.limit is not None and self.made > self.limit

    def selected(self) -> tuple[Rejection, ...]:
        chosen = round_robin([self.by_sit[index] for index in sorted(self.by_sit)], self.limit)
        ordered = sorted((item for items in chosen for item in items), key=lambda item: item[0])
        return tuple(rejection for _, rejection in ordered)


@dataclass(frozen=True)
class RejectionLog:
    """The trace as one part's scan writes to it."""

    trace: Trace
    part: int  # position of the part in the document
    part_name: str

    def add(
        self,
        sit: CompiledSit,
        element: str,
        span: tuple[int, int, str],
        stage: RejectionStage,
        reason: str,
        *,
        validator: str | None = None,
        patterns: tuple[PatternMiss, ...] = (),
        confidence: int | None = None,
        threshold: int | None = None,
    ) -> None:
        """Log one candidate (``span``: its start, end and value) turned down at ``stage``."""
        definition = sit.definition
        start, end, value = span
        rejection = Rejection(
            definition.id,
            definition.name,
            self.part_name,
            element,
            start,
            end,
            value,
            stage,
            reason,
            validator=validator,
            patterns=patterns,
            confidence=confidence,
            threshold=threshold,
        )
        self.trace.add(self.part, sit.index, rejection)
