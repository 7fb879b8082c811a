"""Office documents: Word, Excel and PowerPoint (OOXML), and OpenDocument text, sheets and slides.

Word and OpenDocument XML is read directly (with defusedxml: no entity expansion); Excel
goes through openpyxl and PowerPoint through python-pptx, which know how those formats
spread text over sheets, shared strings, slides and notes.
"""

from __future__ import annotations

import io
import re
import zipfile

from defusedxml import ElementTree as SafeElementTree

from service.extract.detect import Kind
from service.extract.extractor import Extraction, handles
from service.extract.formats.archives import read_bounded

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_HEADER_FOOTER = re.compile(r"^word/(header|footer)\d*\.xml$")
_WORD_EXTRAS = {"word/comments.xml": "comments", "word/footnotes.xml": "footnotes", "word/endnotes.xml": "endnotes"}


def _read_member(extraction: Extraction, archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    extraction.budget.check_ratio(info.compress_size, info.file_size)
    with archive.open(info) as stream:
        return read_bounded(stream, extraction, info.compress_size)


def _word_paragraphs(xml: bytes) -> str:
    root = SafeElementTree.fromstring(xml, forbid_dtd=True)
    paragraphs = []
    for paragraph in root.iter(f"{W}p"):
        pieces = []
        for node in paragraph.iter():
            if node.tag == f"{W}t" and node.text:
                pieces.append(node.text)
            elif node.tag in (f"{W}tab", f"{W}br", f"{W}cr"):
                pieces.append("\t" if node.tag == f"{W}tab" else "\n")
        paragraphs.append("".join(pieces))
    return "\n".join(paragraphs)


@handles(Kind.DOCX)
def read_docx(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        extraction.add_text(
            f"{path}/body", _word_paragraphs(_read_member(extraction, archive, "word/document.xml")), Kind.DOCX.value
        )
        around = [
            _word_paragraphs(_read_member(extraction, archive, name))
            for name in sorted(names)
            if _HEADER_FOOTER.match(name)
        ]
        if any(text.strip() for text in around):
            extraction.add_text(f"{path}/headers-footers", "\n".join(around), Kind.DOCX.value)
        for member, label in _WORD_EXTRAS.items():
            if member in names:
                text = _word_paragraphs(_read_member(extraction, archive, member))
                if text.strip():
                    extraction.add_text(f"{path}/{label}", text, Kind.DOCX.value)


@handles(Kind.XLSX)
def read_xlsx(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    import openpyxl  # uses defusedxml when installed, as it is here

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            extraction.budget.check_ratio(info.compress_size, info.file_size)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            rows = []
            for row in sheet.iter_rows(values_only=True):
                extraction.budget.check_time()
                cells = ["" if value is None else str(value) for value in row]
                while cells and not cells[-1]:
                    cells.pop()
                rows.append("\t".join(cells))
            extraction.add_text(f"{path}/{sheet.title}", "\n".join(rows).rstrip("\n"), Kind.XLSX.value)
    finally:
        workbook.close()


@handles(Kind.PPTX)
def read_pptx(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    from pptx import Presentation

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            extraction.budget.check_ratio(info.compress_size, info.file_size)
    presentation = Presentation(io.BytesIO(data))
    for number, slide in enumerate(presentation.slides, start=1):
        extraction.budget.check_time()
        texts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                texts.extend("\t".join(cell.text for cell in row.cells) for row in shape.table.rows)
        extraction.add_text(f"{path}/slide{number}", "\n".join(texts), Kind.PPTX.value)
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = slide.notes_slide.notes_text_frame.text
            if notes.strip():
                extraction.add_text(f"{path}/slide{number}/notes", notes, Kind.PPTX.value)


@handles(Kind.ODF)
def read_opendocument(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = SafeElementTree.fromstring(_read_member(extraction, archive, "content.xml"), forbid_dtd=True)
    paragraphs = ["".join(node.itertext()) for node in root.iter() if node.tag in (f"{TEXT_NS}p", f"{TEXT_NS}h")]
    extraction.add_text(f"{path}/content", "\n".join(paragraphs), Kind.ODF.value)
