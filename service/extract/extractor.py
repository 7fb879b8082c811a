"""Bytes of a document → parts, recursing into mail, archives and office files within limits.

Each part has a path-like name (``message.eml/attachments/report.zip/q3.xlsx/Sheet1``),
its media type, and its text. A part that cannot be read — over a limit, encrypted,
corrupt, unsupported — is reported with an error instead, and the rest of the document
is still extracted. Nothing is ever written to disk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from service.engine.document import Part, PartError
from service.extract.detect import Kind, detect
from service.extract.limits import DOCUMENT_WIDE, REPORTED_ONCE, Budget, ExtractionLimits, LimitExceeded

logger = logging.getLogger("dlp.extract")


class Encrypted(Exception):
    """The content is encrypted and no key was given."""


class Unsupported(Exception):
    """A format this extractor does not read."""


class ForbiddenContent(Exception):
    """The content tries something unsafe (XML entity expansion, external entities)."""


@dataclass
class Extraction:
    """The state of extracting one document: its budget and the parts found so far."""

    limits: ExtractionLimits
    budget: Budget
    parts: list[Part] = field(default_factory=list)
    reported: set[str] = field(default_factory=set)
    occurrences: dict[str, int] = field(default_factory=dict)

    def finish(self) -> list[Part]:
        """The parts, with errors reported once updated to say how often they occurred."""
        finished = []
        for part in self.parts:
            count = self.occurrences.get(part.error.code, 1) if part.error is not None else 1
            if part.error is not None and part.error.code in REPORTED_ONCE and count > 1:
                error = PartError(
                    part.error.code, f"{part.error.message} (first of {count} such parts; the others are skipped)"
                )
                part = Part(part.name, part.text, part.media_type, part.size, error)
            finished.append(part)
        return finished

    def add_text(
        self, path: str, text: str, media_type: str, size: int | None = None, *, charged: bool = False
    ) -> None:
        """A part's text; ``charged`` when a ``TextSink`` already counted it against the budget."""
        self.budget.take_part()
        if not charged:
            self.budget.take_bytes(len(text))
        self.parts.append(Part(path, text, media_type=media_type, size=size))

    def add_partial(
        self,
        path: str,
        text: str,
        media_type: str,
        error: LimitExceeded | PartError | None,
        size: int | None = None,
        *,
        charged: bool = False,
    ) -> bool:
        """A part's text and, if its reading was cut short or fell back, an error part beside it.

        The text read before a limit (or by a fallback) is a part of its own, without error,
        so that it is scanned; the error part ``<path>#incomplete`` says why the part is not
        complete. Without text there is only the error part, under ``path``. Returns False
        when the error is a document-wide limit: the reader should stop.
        """
        has_text = bool(text.strip())
        if error is None or has_text:
            self.add_text(path, text, media_type, size, charged=charged)
        elif charged:
            self.budget.refund(len(text))
        if error is None:
            return True
        code, message = (error.code, error.message)
        self.add_error(f"{path}#incomplete" if has_text else path, media_type, code, message, size)
        return code not in DOCUMENT_WIDE

    def fit_text(self, text: str) -> tuple[str, LimitExceeded | None]:
        """``text`` cut to what the budget allows, charged, and the limit that cut it (if any)."""
        allowed = min(len(text), self.limits.max_part_bytes)
        limit = (
            LimitExceeded("part_too_large", f"its text is longer than {self.limits.max_part_bytes}")
            if allowed < len(text)
            else None
        )
        granted, over_total = self.budget.grant(allowed)
        return text[:granted], over_total or limit

    def add_error(self, path: str, media_type: str, code: str, message: str, size: int | None = None) -> None:
        # Error parts do not count against max_parts: the report must always say what went wrong.
        # A document-wide limit is reported once, where it was first reached, not for every later part.
        if code in REPORTED_ONCE:
            self.occurrences[code] = self.occurrences.get(code, 0) + 1
            if code in self.reported:
                return
            self.reported.add(code)
        elif self.budget.parts >= self.limits.max_parts:
            # Errors are parts too: a container of a million broken members must not make a million.
            self.add_error(
                path, media_type, "too_many_parts", f"the document has more than {self.limits.max_parts} parts"
            )
            return
        self.budget.parts += 1
        self.parts.append(Part(path, "", media_type=media_type, size=size, error=PartError(code, message)))

    def extract(self, data: bytes, path: str, depth: int, declared_type: str | None = None) -> None:
        """Extract ``data`` (found at ``path``, ``depth`` containers deep) into parts."""
        kind = detect(data, path)
        if depth > self.limits.max_depth:
            self.add_error(
                path, kind.value, "too_deep", f"nested more than {self.limits.max_depth} levels deep", len(data)
            )
            return
        handler = HANDLERS.get(kind)
        try:
            self.budget.check_time()
            if handler is None:
                raise Unsupported(f"{kind.value} content is not read")
            handler(self, data, path, depth)
        except LimitExceeded as error:
            self.add_error(path, kind.value, error.code, error.message, len(data))
        except Encrypted as error:
            self.add_error(path, kind.value, "encrypted", str(error) or "encrypted content", len(data))
        except Unsupported as error:
            self.add_error(path, kind.value, "unsupported_format", str(error), len(data))
        except ForbiddenContent as error:
            self.add_error(path, kind.value, "forbidden_content", str(error), len(data))
        except RecursionError:
            self.add_error(path, kind.value, "corrupt", "structure nested too deeply to read", len(data))
        except Exception as error:  # a broken file of any format must not break the request
            # The message of a parser error may quote content: report and log its type only.
            logger.info("cannot read %s part: %s", kind.value, type(error).__name__)
            self.add_error(
                path, kind.value, "corrupt", f"{_label(kind)} could not be read ({type(error).__name__})", len(data)
            )


Handler = Callable[[Extraction, bytes, str, int], None]
HANDLERS: dict[Kind, Handler] = {}


def handles(*kinds: Kind) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        for kind in kinds:
            HANDLERS[kind] = function
        return function

    return register


def _label(kind: Kind) -> str:
    return {Kind.DOCX: "Word document", Kind.XLSX: "Excel workbook", Kind.PPTX: "PowerPoint presentation",
            Kind.PDF: "PDF", Kind.ZIP: "zip archive", Kind.TAR: "tar archive", Kind.EMAIL: "mail message",
            Kind.MSG: "Outlook message"}.get(kind, kind.value)  # fmt: skip


def extract_document(
    data: bytes, name: str, media_type: str | None = None, limits: ExtractionLimits | None = None
) -> list[Part]:
    """All parts of one document. ``media_type`` is a hint only: the content decides."""
    limits = limits or ExtractionLimits()
    extraction = Extraction(limits, Budget(limits))
    if len(data) > limits.max_input_bytes:
        extraction.add_error(
            name,
            media_type or Kind.BINARY.value,
            "too_large",
            f"the document is larger than {limits.max_input_bytes} bytes",
            len(data),
        )
        return extraction.parts
    extraction.extract(data, name, depth=0, declared_type=media_type)
    if not extraction.parts:
        # An empty archive or a PDF without pages still is a document of the request: say so.
        extraction.parts.append(Part(name, "", media_type=detect(data, name).value, size=len(data)))
    return extraction.finish()
