"""A per-document time budget shared by every regex call and loop of one classification."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

DEFAULT_TIME_LIMIT_SECONDS = 10.0
# The regex package refuses a zero time-out; a tiny positive one times out at once.
_MIN_TIMEOUT = 1e-6


class EngineTimeout(Exception):
    """The time limit ran out; ``where`` says what was running (never any text of the document)."""

    def __init__(self, limit: float, where: str) -> None:
        self.limit = limit
        self.where = where
        super().__init__(f"time limit of {limit:g} s exceeded while {where}")


@dataclass
class Deadline:
    limit: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return max(_MIN_TIMEOUT, self.started + self.limit - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.started + self.limit

    def check(self, where: str) -> None:
        if self.expired():
            raise EngineTimeout(self.limit, where)
