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
    # XML elements visited in one XML stream (a Word body, a sheet, a slide, an XML file): an
    # office file of ten million empty paragraphs is small and below every byte limit.
    max_xml_elements: int = 5_000_000


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

    def grant(self, count: int) -> tuple[int, LimitExceeded | None]:
        """Charge up to ``count`` bytes to the document's total; how many fit, and the limit if not all did.

        Text is charged as it is produced: what fits is kept (and scanned), the rest is reported.
        """
        allowed = max(0, min(count, self.limits.max_total_bytes - self.total_bytes))
        self.total_bytes += allowed
        if allowed < count:
            return allowed, LimitExceeded(
                "total_size", f"the document unpacks to more than {self.limits.max_total_bytes} bytes"
            )
        return allowed, None

    def refund(self, count: int) -> None:
        """Give back bytes charged for text that was thrown away (and produced again another way)."""
        self.total_bytes = max(0, self.total_bytes - count)

    def read_cap(self, packed: int) -> tuple[int, LimitExceeded]:
        """How many bytes of a member packed in ``packed`` bytes may be unpacked, and the limit that says so.

        Decided before anything is unpacked: a member that declares more is read only up to
        the cap (what was read is still scanned) and then reported with that limit. Headers
        can lie, so the cap is enforced on the bytes actually unpacked too.
        """
        limits = self.limits
        candidates = [
            (
                limits.max_part_bytes,
                LimitExceeded("part_too_large", f"unpacks to more than {limits.max_part_bytes} bytes"),
            ),
            (
                max(0, limits.max_total_bytes - self.total_bytes),
                LimitExceeded("total_size", f"the document unpacks to more than {limits.max_total_bytes} bytes"),
            ),
        ]
        if packed > 0:
            candidates.append(
                (
                    max(1 * MiB, int(packed * limits.max_compression_ratio)),
                    LimitExceeded(
                        "compression_ratio", f"compression ratio is above {limits.max_compression_ratio:g}:1"
                    ),
                )
            )
        return min(candidates, key=lambda candidate: candidate[0])

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
