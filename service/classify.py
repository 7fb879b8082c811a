"""The one entry point every front end calls: documents in, a Report out.

The REST API, the CLI and the gateways all go through ``classify`` so that extraction,
part naming, limits and options behave the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.engine.document import Part
from service.engine.report import Report
from service.engine.scanner import ClassifyOptions, Scanner
from service.extract import text_part


@dataclass(frozen=True)
class Document:
    content: bytes | str
    name: str = "document"
    media_type: str | None = None


@dataclass(frozen=True)
class Classification:
    """The report and the parts it was made from (summaries need the parts' text)."""

    report: Report
    parts: tuple[Part, ...]

    @property
    def size(self) -> int:
        return sum(p.size if p.size is not None else len(p.text.encode("utf-8")) for p in self.parts)


def document_parts(document: Document) -> list[Part]:
    if isinstance(document.content, str):
        return [Part(document.name, document.content, media_type=document.media_type or "text/plain")]
    return [text_part(document.name, document.content, document.media_type or "text/plain")]


def classify(scanner: Scanner, documents: Sequence[Document], options: ClassifyOptions | None = None) -> Classification:
    parts: list[Part] = []
    seen: dict[str, int] = {}
    for document in documents:
        for part in document_parts(document):
            count = seen.get(part.name, 0) + 1
            seen[part.name] = count
            # Two documents with one name must stay apart: offsets are per part.
            parts.append(
                part if count == 1 else Part(f"{part.name}#{count}", part.text, part.media_type, part.size, part.error)
            )
    return Classification(scanner.classify(parts, options), tuple(parts))
