"""The one entry point every front end calls: a document in, a Report out.

The REST API, the CLI and the gateways all go through ``classify`` so that extraction,
limits and options behave the same everywhere.
"""

from __future__ import annotations

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


def document_parts(document: Document) -> list[Part]:
    if isinstance(document.content, str):
        return [Part(document.name, document.content, media_type=document.media_type or "text/plain")]
    return [text_part(document.name, document.content, document.media_type or "text/plain")]


def classify(scanner: Scanner, document: Document, options: ClassifyOptions | None = None) -> Report:
    return scanner.classify(document_parts(document), options)
