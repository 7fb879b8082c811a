"""The one entry point every front end calls: documents in, a Report out.

The REST API, the CLI and the gateways all go through ``classify`` so that extraction,
part naming, limits and options behave the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from service.engine.deadline import Deadline
from service.engine.document import Part
from service.engine.report import Report
from service.engine.scanner import ClassifyOptions, Scanner
from service.extract import ExtractionLimits, extract_document


@dataclass(frozen=True)
class Document:
    content: bytes | str
    name: str = "document"
    media_type: str | None = None


# Errors that mean the content itself could not be read (as opposed to a limit or a password).
# Of the time left after extraction, the share scanning may use (masking needs the rest).
SCAN_SHARE = 0.85

UNREADABLE = frozenset({"corrupt", "unsupported_format"})


class UnreadableDocument(ValueError):
    """No document of a request could be read at all: nothing was classified."""


@dataclass(frozen=True)
class Classification:
    """The report and the parts it was made from (summaries need the parts' text)."""

    report: Report
    parts: tuple[Part, ...]

    @property
    def size(self) -> int:
        """Bytes of the documents as received (of their parts' text where the source size is unknown)."""
        return self.report.input_bytes or 0


def document_parts(document: Document, limits: ExtractionLimits | None = None) -> list[Part]:
    if isinstance(document.content, str):
        return [Part(document.name, document.content, media_type=document.media_type or "text/plain")]
    return extract_document(document.content, document.name, document.media_type, limits)


def classify(
    scanner: Scanner,
    documents: Sequence[Document],
    options: ClassifyOptions | None = None,
    limits: ExtractionLimits | None = None,
    deadline: Deadline | None = None,
) -> Classification:
    """Extract every document into parts (within ``limits``) and classify them together.

    ``deadline`` is the caller's whole budget (a request's): extraction and scanning each
    get at most what is left of it, so that every stage ends before the caller's own
    time-out, and what remains is left for masking and formatting.
    """
    options = options or ClassifyOptions()
    if deadline is not None:
        limits = limits or ExtractionLimits()
        limits = replace(limits, time_limit=min(limits.time_limit, deadline.remaining()))
    parts: list[Part] = []
    seen: dict[str, int] = {}
    unreadable: list[str] = []
    for document in documents:
        extracted = document_parts(document, limits)
        if extracted and all(p.error is not None and p.error.code in UNREADABLE for p in extracted):
            unreadable.append(f"{document.name}: {extracted[0].error.message if extracted[0].error else ''}")
        for part in extracted:
            count = seen.get(part.name, 0) + 1
            seen[part.name] = count
            # Two documents with one name must stay apart: offsets are per part.
            parts.append(
                part if count == 1 else Part(f"{part.name}#{count}", part.text, part.media_type, part.size, part.error)
            )
    if documents and len(unreadable) == len(documents):
        raise UnreadableDocument("; ".join(unreadable))
    if deadline is not None:
        # Masking and formatting need a share of what is left; scanning takes the rest.
        scan_budget = deadline.remaining() * SCAN_SHARE
        options = replace(options, time_limit=min(options.time_limit or scanner.time_limit, scan_budget))
    report = scanner.classify(parts, options)
    size = sum(p.size if p.size is not None else len(p.text.encode("utf-8")) for p in parts)
    return Classification(replace(report, input_bytes=size), tuple(parts))
