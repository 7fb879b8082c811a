"""The text of one part as a reader produces it, charged to the document's budget as it grows.

A reader writes small pieces (a run of a paragraph, a cell); the sink counts them against
``max_part_bytes`` and the document's total, checks the time now and then, and keeps
its memory near the size of the text however many pieces there are. When a limit is
reached it raises, and the text written before it stays available: it is still scanned.
"""

from __future__ import annotations

import contextlib

from service.extract.limits import Budget, LimitExceeded

# Pieces are charged and joined in steps of this many characters: often enough to stop
# early, rarely enough to cost nothing.
STEP = 64 * 1024


class TextSink:
    __slots__ = ("_chunks", "_pieces", "_uncharged", "budget", "charged", "size")

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self._chunks: list[str] = []
        self._pieces: list[str] = []
        self._uncharged = 0
        self.size = 0  # characters kept
        self.charged = 0  # characters charged to the budget

    def write(self, text: str) -> None:
        self._pieces.append(text)
        self._uncharged += len(text)
        if self._uncharged >= STEP or len(self._pieces) >= 4096:
            self.settle()

    def settle(self) -> None:
        """Charge what was written since the last time; raises when a limit is reached (the text stays)."""
        if not self._pieces:
            return
        written = "".join(self._pieces)
        self._pieces.clear()
        self._uncharged = 0
        limit: LimitExceeded | None = None
        room = self.budget.limits.max_part_bytes - self.size
        if len(written) > room:
            written = written[: max(0, room)]
            limit = LimitExceeded("part_too_large", f"its text is longer than {self.budget.limits.max_part_bytes}")
        allowed, over_total = self.budget.grant(len(written))
        if over_total is not None:
            written, limit = written[:allowed], over_total
        self._chunks.append(written)
        self.size += len(written)
        self.charged += allowed
        if limit is not None:
            raise limit
        self.budget.check_time()

    def text(self) -> str:
        """Everything kept so far: the last pieces are charged too, cut to the limits if need be."""
        with contextlib.suppress(LimitExceeded):  # reported by whoever stopped reading
            self.settle()
        return "".join(self._chunks)

    def refund(self) -> None:
        """Forget the text and give its charge back: it is being produced again another way."""
        self.budget.refund(self.charged)
        self._chunks.clear()
        self._pieces.clear()
        self._uncharged = self.size = self.charged = 0
