"""Limits on what one document may unpack to, and the budget that enforces them.

Every limit is explicit and configurable. Breaking one never stops the whole document:
the part that broke it is reported with an error code, and extraction goes on where it
safely can (or stops cleanly once a document-wide budget is spent).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

MiB = 1024 * 1024


@dataclass(frozen=True)
class ExtractionLimits:
    max_input_bytes: int = 100 * MiB  # one document as received
    max_total_bytes: int = 256 * MiB  # every byte unpacked from it, at every level together
    max_part_bytes: int = 64 * MiB  # one member, attachment or decompressed stream
    max_depth: int = 5  # containers inside containers
    max_parts: int = 10_000
    max_compression_ratio: float = 200.0  # unpacked size / packed size of one member
    time_limit: float = 30.0  # seconds for the whole document


# Limits on the whole document: once broken, nothing more of it can be read.
DOCUMENT_WIDE = frozenset({"too_many_parts", "total_size", "time_limit"})
# Reported once per document, with a count, instead of once per member (a bomb has thousands).
REPORTED_ONCE = DOCUMENT_WIDE | {"too_deep"}


class LimitExceeded(Exception):
    """A limit was reached; ``code`` names it for the part error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Budget:
    limits: ExtractionLimits
    total_bytes: int = 0
    parts: int = 0  # parts reported, text or error
    entries: int = 0  # archive members and attachments opened, at every level
    started: float = field(default_factory=time.monotonic)

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.limits.time_limit:
            raise LimitExceeded("time_limit", f"extraction took longer than {self.limits.time_limit:g} s")

    def take_bytes(self, count: int) -> None:
        self.check_time()
        if count > self.limits.max_part_bytes:
            raise LimitExceeded("part_too_large", f"unpacks to more than {self.limits.max_part_bytes} bytes")
        if self.total_bytes + count > self.limits.max_total_bytes:
            raise LimitExceeded("total_size", f"the document unpacks to more than {self.limits.max_total_bytes} bytes")
        self.total_bytes += count

    def check_parts(self) -> None:
        if self.parts >= self.limits.max_parts:
            raise LimitExceeded("too_many_parts", f"the document has more than {self.limits.max_parts} parts")

    def take_part(self) -> None:
        self.check_parts()
        self.parts += 1

    def take_entry(self) -> None:
        """One more archive member or attachment; bounds the work of containers of tiny or nested entries."""
        if self.entries >= self.limits.max_parts:
            raise LimitExceeded("too_many_parts", f"the document has more than {self.limits.max_parts} entries")
        self.entries += 1

    def remaining_bytes(self) -> int:
        return max(0, min(self.limits.max_part_bytes, self.limits.max_total_bytes - self.total_bytes))

    def check_ratio(self, packed: int, unpacked: int) -> None:
        if packed > 0 and unpacked / packed > self.limits.max_compression_ratio and unpacked > 1 * MiB:
            raise LimitExceeded(
                "compression_ratio",
                f"compression ratio {unpacked // packed}:1 is above {self.limits.max_compression_ratio:g}:1",
            )
