"""Plain text, HTML and XML."""

from __future__ import annotations

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeElementTree

from service.extract.detect import Kind
from service.extract.extractor import Extraction, ForbiddenContent, Unsupported, handles
from service.extract.html import html_to_text
from service.extract.text import NotText, decode_text


def _decode(data: bytes) -> str:
    try:
        return decode_text(data)
    except NotText as error:
        raise Unsupported(str(error)) from None


@handles(Kind.TEXT)
def read_text(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    extraction.add_text(path, _decode(data), Kind.TEXT.value, len(data))


@handles(Kind.HTML)
def read_html(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    extraction.add_text(path, html_to_text(_decode(data)), Kind.HTML.value, len(data))


@handles(Kind.XML)
def read_xml(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    extraction.add_text(path, xml_text(data), Kind.XML.value, len(data))


def xml_text(data: bytes) -> str:
    """Text and attribute values of an XML document, parsed with entity expansion and DTDs refused."""
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (EntitiesForbidden, ExternalReferenceForbidden, DTDForbidden) as error:
        raise ForbiddenContent(
            f"XML with entity declarations or external references is refused ({type(error).__name__})"
        ) from None
    pieces: list[str] = []
    for element in root.iter():
        pieces.extend(value for value in element.attrib.values() if value.strip())
        if element.text and element.text.strip():
            pieces.append(element.text.strip())
        if element.tail and element.tail.strip():
            pieces.append(element.tail.strip())
    return "\n".join(pieces)
