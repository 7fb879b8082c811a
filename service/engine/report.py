"""The result of a classification, and its JSON form.

Values are kept in full inside the objects (the engine needs them to count unique
values); ``Report.to_dict`` masks them unless the caller asks to reveal them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.engine.document import PartError
from service.summary.masking import mask_value


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


@dataclass(frozen=True)
class SitResult:
    sit_id: str
    sit_name: str
    matches: tuple[Match, ...]

    @property
    def confidence(self) -> int:
        return max(match.confidence for match in self.matches)

    @property
    def count(self) -> int:
        return len(self.matches)

    @property
    def unique_count(self) -> int:
        return len({match.normalized for match in self.matches})

    def to_dict(self, reveal: bool) -> dict[str, Any]:
        return {
            "sit": {"id": self.sit_id, "name": self.sit_name},
            "confidence": self.confidence,
            "count": self.count,
            "unique_count": self.unique_count,
            "matches": [match.to_dict(reveal) for match in self.matches],
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
    stage: str  # 'check', 'validator', 'pattern', 'overlap' or 'confidence'
    reason: str

    def to_dict(self, reveal: bool) -> dict[str, Any]:
        return {
            "sit": {"id": self.sit_id, "name": self.sit_name},
            "part": self.part,
            "element": self.element,
            "start": self.start,
            "end": self.end,
            "value": self.value if reveal else mask_value(self.value),
            "stage": self.stage,
            "reason": self.reason,
        }


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
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[PartSummary]:
        return [part for part in self.parts if part.error is not None]

    @property
    def complete(self) -> bool:
        """False when some part could not be classified; its error says why."""
        return not self.errors

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
            "stats": {
                "parts": len(self.parts),
                "chars": sum(part.chars for part in self.parts),
                "sits_scanned": self.sits_scanned,
                "elapsed_ms": round(self.elapsed_ms, 3),
                "engine_timeouts": self.timeouts,
                **self.stats,
            },
        }
        if self.trace is not None:
            data["trace"] = [rejection.to_dict(reveal) for rejection in self.trace]
        return data
