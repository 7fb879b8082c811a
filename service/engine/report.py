"""The result of a classification, and its JSON form.

Values are kept in full inside the objects (the engine needs them to count unique
values); ``Report.to_dict`` masks them unless the caller asks to reveal them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from service.engine.document import PartError
from service.masking import mask_value


@dataclass(frozen=True)
class Evidence:
    element: str
    start: int
    end: int
    text: str
    sensitive: bool  # regex/function evidence may itself be a secret; keywords are not

    def to_dict(self, reveal: bool) -> dict[str, Any]:
        shown = self.text if reveal or not self.sensitive else mask_value(self.text)
        return {"element": self.element, "start": self.start, "end": self.end, "text": shown}


@dataclass(frozen=True)
class Match:
    part: str
    start: int
    end: int
    confidence: int
    pattern: str
    element: str  # the primary element that matched
    value: str
    normalized: str  # the value as counted for uniqueness (e.g. digits only)
    evidence: tuple[Evidence, ...] = ()

    def to_dict(self, reveal: bool) -> dict[str, Any]:
        return {
            "part": self.part,
            "start": self.start,
            "end": self.end,
            "confidence": self.confidence,
            "pattern": self.pattern,
            "value": self.value if reveal else mask_value(self.value),
            "evidence": [item.to_dict(reveal) for item in self.evidence],
        }

    def shifted(self, delta: int) -> Match:
        """The same match with every offset moved by ``delta`` (into a larger or smaller text)."""
        return replace(
            self,
            start=self.start + delta,
            end=self.end + delta,
            evidence=tuple(replace(e, start=e.start + delta, end=e.end + delta) for e in self.evidence),
        )


@dataclass(frozen=True)
class SitResult:
    """One SIT's findings. ``matches`` may be a selection (``truncated``); the figures are
    always about every match found: ``count``, ``unique_count`` (distinct normalized
    values) and ``confidence`` (the highest of all) are computed by the engine before
    matches are dropped. ``from_matches`` computes them from a complete list."""

    sit_id: str
    sit_name: str
    matches: tuple[Match, ...]
    count: int
    unique_count: int
    confidence: int
    truncated: bool = False

    @classmethod
    def from_matches(cls, sit_id: str, sit_name: str, matches: tuple[Match, ...]) -> SitResult:
        return cls(
            sit_id,
            sit_name,
            matches,
            count=len(matches),
            unique_count=len({match.normalized for match in matches}),
            confidence=max((match.confidence for match in matches), default=0),
        )

    def to_dict(self, reveal: bool) -> dict[str, Any]:
        return {
            "sit": {"id": self.sit_id, "name": self.sit_name},
            "confidence": self.confidence,
            "count": self.count,
            "unique_count": self.unique_count,
            "truncated": self.truncated,
            "matches": [match.to_dict(reveal) for match in self.matches],
        }


class IncompleteReason(StrEnum):
    """Why a SIT could not finish in a part."""

    ENGINE_TIMEOUT = "engine_timeout"


class RejectionStage(StrEnum):
    """Where a candidate was turned down: a check of its element (Purview's filters and
    additional checks), a placeholder, another validator, no pattern holding, an overlap
    with a better match of the SIT, or a confidence below the threshold."""

    CHECK = "check"
    PLACEHOLDER = "placeholder"
    VALIDATOR = "validator"
    PATTERN = "pattern"
    OVERLAP = "overlap"
    CONFIDENCE = "confidence"


class MissKind(StrEnum):
    """Why a supporting requirement of a pattern did not hold around a candidate."""

    ABSENT = "absent"  # the element occurs nowhere in the part
    TOO_FAR = "too_far"  # it occurs, but not within the pattern's proximity
    EXCLUDED = "excluded"  # an element that must not be near (``max: 0``) is near
    TOO_MANY = "too_many"  # more of a group's requirements hold than its ``max`` allows


@dataclass(frozen=True)
class Miss:
    element: str
    kind: MissKind
    distance: int | None = None  # characters to the nearest occurrence (TOO_FAR)
    proximity: int | None = None  # the window the occurrence had to be in

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"element": self.element, "kind": str(self.kind)}
        if self.distance is not None:
            data["distance"] = self.distance
        if self.proximity is not None:
            data["proximity"] = self.proximity
        return data


@dataclass(frozen=True)
class PatternMiss:
    """A pattern that did not hold around a candidate, and what it missed."""

    pattern: str
    confidence: int
    misses: tuple[Miss, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "confidence": self.confidence,
            "missing": [miss.to_dict() for miss in self.misses],
        }


@dataclass(frozen=True)
class IncompleteSit:
    """A SIT that could not finish in one part: its other matches there may be missing.

    Matches it had already confirmed are still reported; the part's other SITs answered.
    """

    sit_id: str
    sit_name: str
    part: str
    reason: IncompleteReason
    message: str  # what was running (never any text of the document)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sit": {"id": self.sit_id, "name": self.sit_name},
            "part": self.part,
            "reason": self.reason,
            "message": self.message,
        }


@dataclass(frozen=True)
class Rejection:
    """A candidate that did not become a match, and why (returned only when asked to explain)."""

    sit_id: str
    sit_name: str
    part: str
    element: str
    start: int
    end: int
    value: str
    stage: RejectionStage
    reason: str
    validator: str | None = None  # the validator that failed (PLACEHOLDER, VALIDATOR)
    patterns: tuple[PatternMiss, ...] = ()  # the patterns that did not hold (PATTERN, CONFIDENCE)
    confidence: int | None = None  # the match's confidence and the threshold it missed (CONFIDENCE)
    threshold: int | None = None

    def to_dict(self, reveal: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "sit": {"id": self.sit_id, "name": self.sit_name},
            "part": self.part,
            "element": self.element,
            "start": self.start,
            "end": self.end,
            "value": self.value if reveal else mask_value(self.value),
            "stage": self.stage,
            "reason": self.reason,
        }
        if self.validator is not None:
            data["validator"] = self.validator
        if self.patterns:
            data["patterns"] = [pattern.to_dict() for pattern in self.patterns]
        if self.confidence is not None:
            data["confidence"] = self.confidence
            data["threshold"] = self.threshold
        return data


@dataclass(frozen=True)
class PartSummary:
    name: str
    media_type: str
    chars: int
    size: int | None = None
    error: PartError | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "media_type": self.media_type, "chars": self.chars}
        if self.size is not None:
            data["size"] = self.size
        if self.error is not None:
            data["error"] = {"code": self.error.code, "message": self.error.message}
        return data


@dataclass(frozen=True)
class Report:
    results: tuple[SitResult, ...]
    parts: tuple[PartSummary, ...]
    elapsed_ms: float
    sits_scanned: int
    trace: tuple[Rejection, ...] | None = None
    input_bytes: int | None = None  # bytes of the documents as received, when known
    incomplete: tuple[IncompleteSit, ...] = ()
    trace_truncated: bool = False  # the trace holds a selection of the rejections

    @property
    def errors(self) -> list[PartSummary]:
        return [part for part in self.parts if part.error is not None]

    @property
    def complete(self) -> bool:
        """False when some part could not be classified (its error says why) or some SIT
        could not finish in some part (``incomplete`` says which)."""
        return not self.errors and not self.incomplete

    @property
    def truncated(self) -> bool:
        """True when some result returns fewer matches than it counts."""
        return any(result.truncated for result in self.results)

    @property
    def timeouts(self) -> int:
        return sum(1 for part in self.errors if part.error is not None and part.error.code == "engine_timeout")

    def result_for(self, id_or_name: str) -> SitResult | None:
        key = id_or_name.casefold()
        return next((r for r in self.results if key in (r.sit_id.casefold(), r.sit_name.casefold())), None)

    def to_dict(self, reveal: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "results": [result.to_dict(reveal) for result in self.results],
            "parts": [part.to_dict() for part in self.parts],
            "complete": self.complete,
            "incomplete": [item.to_dict() for item in self.incomplete],
            "truncated": self.truncated,
            "stats": {
                "parts": len(self.parts),
                "chars": sum(part.chars for part in self.parts),
                "sits_scanned": self.sits_scanned,
                "elapsed_ms": round(self.elapsed_ms, 3),
                "engine_timeouts": self.timeouts,
                "incomplete_sits": len(self.incomplete),
                "matches_found": sum(result.count for result in self.results),
                "matches_returned": sum(len(result.matches) for result in self.results),
            },
        }
        if self.input_bytes is not None:
            data["stats"]["bytes"] = self.input_bytes
        if self.trace is not None:
            data["trace"] = [rejection.to_dict(reveal) for rejection in self.trace]
            data["trace_truncated"] = self.trace_truncated
        return data
