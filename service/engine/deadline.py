"""A per-document time budget shared by every regex call and loop of one classification.

The budget is handed down in shares: each part gets a share of what is left of the
document's, and each SIT a share of what is left of its part's (``Deadline.share``), so
that one expensive part or SIT runs out of its own time instead of everyone's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

DEFAULT_TIME_LIMIT_SECONDS = 10.0
# The regex package refuses a zero time-out; a tiny positive one times out at once.
_MIN_TIMEOUT = 1e-6
# Ends closer than this are the same end (shares are computed from clock readings).
_SAME_END = 1e-3


class EngineTimeout(Exception):
    """The time ran out; ``where`` says what was running (never any text of the document).

    ``share`` is set when only a share of the time limit ran out (the document's budget
    was not spent): the SIT or part that had it is incomplete, the others carry on.
    """

    def __init__(self, limit: float, where: str, share: float | None = None) -> None:
        self.limit = limit
        self.where = where
        self.share = share
        if share is None:
            message = f"time limit of {limit:g} s exceeded while {where}"
        else:
            message = f"its share of the time limit ({share:.3g} s of {limit:g} s) ran out while {where}"
        super().__init__(message)


@dataclass
class Deadline:
    limit: float
    started: float = field(default_factory=time.monotonic)
    parent: Deadline | None = None

    @property
    def ends(self) -> float:
        return self.started + self.limit

    @property
    def root(self) -> Deadline:
        deadline = self
        while deadline.parent is not None:
            deadline = deadline.parent
        return deadline

    def remaining(self) -> float:
        return max(_MIN_TIMEOUT, self.ends - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.ends

    def share(self, seconds: float) -> Deadline:
        """A deadline ending ``seconds`` from now, or with this one if that comes first."""
        now = time.monotonic()
        return Deadline(max(0.0, min(seconds, self.ends - now)), now, self)

    def timeout(self, where: str) -> EngineTimeout:
        """The exception saying this deadline ran out: the whole limit, or only a share of it."""
        # The deadline that actually cut: the outermost one ending no later than this one
        # (a share given "all that is left" ends with its parent).
        cut: Deadline = self
        parent = self.parent
        while parent is not None:
            if parent.ends <= self.ends + _SAME_END:
                cut = parent
            parent = parent.parent
        root = self.root
        if cut is root or root.expired():
            return EngineTimeout(root.limit, where)
        return EngineTimeout(root.limit, where, share=cut.limit)

    def check(self, where: str) -> None:
        if self.expired():
            raise self.timeout(where)
