"""Office documents: Word, Excel and PowerPoint (OOXML), and OpenDocument text, sheets and slides.

Every XML member is read as a stream (``xml_stream``), never as a tree, and only after
its declared size was checked against the budget, ``max_part_bytes`` and the
compression ratio: a member declared larger than allowed is unpacked only up to the
limit, what it holds so far is read and scanned, and the part reports the limit. The
number of elements of each member is bounded too, and the time checked while reading.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator

from service.extract.detect import Kind
from service.extract.extractor import Extraction, handles
from service.extract.limits import DOCUMENT_WIDE, Budget, LimitExceeded
from service.extract.sink import TextSink
from service.extract.xml_stream import Fallback, XmlReader, XmlText, read_xml

CHUNK = 1024 * 1024
_HEADER_FOOTER = re.compile(r"^word/(header|footer)\d*\.xml$")
_WORD_EXTRAS = {"word/comments.xml": "comments", "word/footnotes.xml": "footnotes", "word/endnotes.xml": "endnotes"}
# Transitional and strict OOXML name the same elements in different namespaces.
_WORD_NS = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main}",
    "http://purl.oclc.org/ooxml/wordprocessingml/main}",
)
_SHEET_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main}",
    "http://purl.oclc.org/ooxml/spreadsheetml/main}",
)
_DRAWING_NS = ("http://schemas.openxmlformats.org/drawingml/2006/main}", "http://purl.oclc.org/ooxml/drawingml/main}")
_SLIDE_NS = (
    "http://schemas.openxmlformats.org/presentationml/2006/main}",
    "http://purl.oclc.org/ooxml/presentationml/main}",
)
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_MAX_COLUMN = 16_384  # Excel's last column, XFD


# What an element means to a reader (one numbering for all readers: the tables below share them).
(_TEXT, _TAB, _BREAK, _PARAGRAPH, _RUN, _SPACE, _CELL, _VALUE, _INLINE, _ROW, _STRING_ITEM, _PHONETIC,
 _TABLE_CELL, _TABLE_ROW, _SHAPE, _PLACEHOLDER) = range(16)  # fmt: skip


def _tags(namespaces: tuple[str, ...], **kinds: int) -> dict[str, int]:
    return {namespace + local: kind for namespace in namespaces for local, kind in kinds.items()}


# -- members ------------------------------------------------------------------------------


def member_chunks(budget: Budget, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The unpacked bytes of a member, up to the cap its declared sizes allow; then the limit is raised."""
    cap, limit = budget.read_cap(info.compress_size)
    if cap <= 0:
        raise limit
    total = 0
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(min(CHUNK, cap - total + 1))
            if not chunk:
                return
            over = total + len(chunk) > cap  # the declared size was over the cap, or the header lied
            if over:
                chunk = chunk[: cap - total]
            total += len(chunk)
            budget.take_bytes(len(chunk))
            yield chunk
            if over:
                raise limit


def _member_text(
    extraction: Extraction,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    make_reader: Callable[[TextSink], XmlReader],
    fallback: Fallback,
) -> XmlText:
    budget = extraction.budget
    return read_xml(budget, lambda: member_chunks(budget, archive, info), make_reader, fallback)


def _emit(extraction: Extraction, path: str, result: XmlText, media_type: str) -> bool:
    return extraction.add_partial(path, result.text, media_type, result.error, charged=True)


def _combined(results: list[XmlText]) -> XmlText:
    """Several members read into one part (Word's headers and footers)."""
    error = next((result.error for result in results if result.error is not None), None)
    return XmlText("\n".join(result.text for result in results if result.text), error)


# -- Word ---------------------------------------------------------------------------------

_WORD = _tags(_WORD_NS, t=_TEXT, tab=_TAB, br=_BREAK, cr=_BREAK, p=_PARAGRAPH, r=_RUN)
_WORD_FALLBACK = Fallback(breaks=frozenset({"p", "br", "cr", "tr"}), tabs=frozenset({"tab", "tc"}), attributes=False)


class WordText(XmlReader):
    """Paragraphs on lines; runs' text, tabs and breaks (a tab stop defined in a paragraph's style is no tab)."""

    def __init__(self, sink: TextSink) -> None:
        super().__init__(sink)
        self.in_text = False
        self.runs = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        kind = _WORD.get(tag)
        if kind is None:
            return
        if kind == _TEXT:
            self.in_text = True
        elif kind == _RUN:
            self.runs += 1
        elif self.runs and kind == _TAB:
            self.sink.write("\t")
        elif self.runs and kind == _BREAK:
            self.sink.write("\n")

    def end(self, tag: str) -> None:
        kind = _WORD.get(tag)
        if kind == _TEXT:
            self.in_text = False
        elif kind == _RUN and self.runs:
            self.runs -= 1
        elif kind == _PARAGRAPH:
            self.sink.write("\n")

    def text(self, data: str) -> None:
        if self.in_text:
            self.sink.write(data)

    def finish(self, text: str) -> str:
        return text.removesuffix("\n")


@handles(Kind.DOCX)
def read_docx(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    media = Kind.DOCX.value
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: info for info in archive.infolist()}
        body = _member_text(extraction, archive, members["word/document.xml"], WordText, _WORD_FALLBACK)
        if not _emit(extraction, f"{path}/body", body, media):
            return
        around = [
            _member_text(extraction, archive, members[name], WordText, _WORD_FALLBACK)
            for name in sorted(members)
            if _HEADER_FOOTER.match(name)
        ]
        combined = _combined(around)
        if (combined.text.strip() or combined.error) and not _emit(
            extraction, f"{path}/headers-footers", combined, media
        ):
            return
        for member, label in _WORD_EXTRAS.items():
            if member in members:
                extra = _member_text(extraction, archive, members[member], WordText, _WORD_FALLBACK)
                if (extra.text.strip() or extra.error) and not _emit(extraction, f"{path}/{label}", extra, media):
                    return


# -- Excel --------------------------------------------------------------------------------

_SHEET = _tags(_SHEET_NS, c=_CELL, v=_VALUE, t=_INLINE, row=_ROW, si=_STRING_ITEM, rPh=_PHONETIC)
_SHEET_FALLBACK = Fallback(breaks=frozenset({"row", "si"}), tabs=frozenset({"c"}), attributes=False)


class SharedStrings(XmlReader):
    """The workbook's shared strings, kept as one text and the offsets where each string ends."""

    def __init__(self, sink: TextSink) -> None:
        super().__init__(sink)
        self.ends = array("q", [0])
        self.length = 0
        self.in_item = self.in_text = False
        self.phonetic = 0
        self.strings = ""
        self.complete = False  # False when read by the fallback: no strings to look up then

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        kind = _SHEET.get(tag)
        if kind == _STRING_ITEM:
            self.in_item = True
        elif kind == _INLINE:
            self.in_text = self.in_item and not self.phonetic
        elif kind == _PHONETIC:
            self.phonetic += 1  # a reading aid for East Asian text: not the text itself

    def end(self, tag: str) -> None:
        kind = _SHEET.get(tag)
        if kind == _STRING_ITEM:
            self.in_item = False
            self.ends.append(self.length)
        elif kind == _INLINE:
            self.in_text = False
        elif kind == _PHONETIC and self.phonetic:
            self.phonetic -= 1

    def text(self, data: str) -> None:
        if self.in_text:
            self.sink.write(data)
            self.length += len(data)

    def finish(self, text: str) -> str:
        self.strings, self.complete = text, True
        return text

    def get(self, index: str) -> str:
        try:
            number = int(index)
        except ValueError:
            return ""
        if not 0 <= number < len(self.ends) - 1:
            return ""
        return self.strings[self.ends[number] : self.ends[number + 1]]


class SheetText(XmlReader):
    """Cells tab-separated in their columns, rows on lines, trailing empty cells left out."""

    def __init__(self, sink: TextSink, strings: SharedStrings | None) -> None:
        super().__init__(sink)
        self.strings = strings
        self.rows = 0
        self.pending_lines = 0
        self.column = 0  # of the last cell written in this row (1-based; 0: none yet)
        self.cell_column = 0
        self.cell_type = ""
        self.value: list[str] | None = None  # collecting a <v> or an inline string
        self.pieces: list[str] = []
        self.phonetic = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        kind = _SHEET.get(tag)
        if kind is None:
            return
        if kind == _ROW:
            if self.rows:
                self.pending_lines += 1
            self.rows += 1
            self.column = 0
        elif kind == _CELL:
            self.cell_type = attrs.get("t", "n")
            self.cell_column = _column(attrs.get("r", ""), self.column + 1)
            self.pieces = []
        elif kind == _VALUE or (kind == _INLINE and not self.phonetic):
            self.value = self.pieces
        elif kind == _PHONETIC:
            self.phonetic += 1

    def end(self, tag: str) -> None:
        kind = _SHEET.get(tag)
        if kind is None:
            return
        if kind in (_VALUE, _INLINE):
            self.value = None
        elif kind == _PHONETIC and self.phonetic:
            self.phonetic -= 1
        elif kind == _CELL:
            self._write_cell("".join(self.pieces))
            self.pieces = []

    def text(self, data: str) -> None:
        if self.value is not None:
            self.value.append(data)

    def _write_cell(self, raw: str) -> None:
        if self.cell_type == "s":
            value = self.strings.get(raw) if self.strings is not None else ""
        elif self.cell_type == "b":
            value = {"1": "TRUE", "0": "FALSE"}.get(raw.strip(), raw)
        else:
            value = raw
        if not value:
            return
        if self.pending_lines:
            self.sink.write("\n" * self.pending_lines)
            self.pending_lines = 0
        column = self.cell_column if self.cell_column > self.column else self.column + 1
        tabs = column - 1 if self.column == 0 else column - self.column
        self.sink.write("\t" * min(tabs, _MAX_COLUMN) + value)
        self.column = column


def _column(reference: str, default: int) -> int:
    """The 1-based column of a cell reference such as ``C5``."""
    number = 0
    for char in reference:
        if "A" <= char <= "Z":
            number = number * 26 + ord(char) - 64
            if number > _MAX_COLUMN:
                return _MAX_COLUMN
        else:
            break
    return number or default


class Attributes(XmlReader):
    """The attributes of some elements of a small XML member (relationships, the workbook's sheets).

    At most ``max_parts`` of them: more sheets or slides than parts could not be reported.
    """

    def __init__(self, sink: TextSink, tags: frozenset[str]) -> None:
        super().__init__(sink)
        self.tags = tags
        self.found: list[dict[str, str]] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag in self.tags:
            if len(self.found) >= self.sink.budget.limits.max_parts:
                raise LimitExceeded("too_many_parts", f"lists more than {self.sink.budget.limits.max_parts} entries")
            self.found.append(attrs)


def _attributes(
    extraction: Extraction, archive: zipfile.ZipFile, name: str, tags: frozenset[str]
) -> list[dict[str, str]] | None:
    """The attributes of ``tags`` in member ``name``; None when it is missing or cannot be parsed."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    readers: list[Attributes] = []

    def make(sink: TextSink) -> Attributes:
        readers.append(Attributes(sink, tags))
        return readers[-1]

    result = _member_text(extraction, archive, info, make, Fallback())
    if isinstance(result.error, LimitExceeded) and result.error.code in DOCUMENT_WIDE:
        raise result.error
    # Cut short or broken: what was parsed before is still the best list there is.
    return readers[0].found or None


def _relationships(extraction: Extraction, archive: zipfile.ZipFile, source: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, member name) of the member ``source``."""
    folder, file = posixpath.split(source)
    found = _attributes(
        extraction, archive, posixpath.join(folder, "_rels", f"{file}.rels"), frozenset({_RELATIONSHIPS})
    )
    targets = {}
    for relation in found or []:
        target = relation.get("Target", "")
        if relation.get("TargetMode") == "External" or not target:
            continue
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        targets[relation.get("Id", "")] = (relation.get("Type", ""), member)
    return targets


def _relationship_id(attrs: dict[str, str]) -> str:
    return next((value for key, value in attrs.items() if key.endswith("relationships}id")), "")


def _numbered(names: list[str], pattern: str) -> list[str]:
    """Members named like ``slide12.xml`` in their numeric order: when the package does not list them."""
    matcher = re.compile(pattern)
    found = [(int(m.group(1)), name) for name in names if (m := matcher.match(name))]
    return [name for _, name in sorted(found)]


@handles(Kind.XLSX)
def read_xlsx(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    media = Kind.XLSX.value
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: info for info in archive.infolist()}
        relations = _relationships(extraction, archive, "xl/workbook.xml")
        strings: SharedStrings | None = None
        shared = next((m for kind, m in relations.values() if kind.endswith("/sharedStrings")), "xl/sharedStrings.xml")
        if shared in members:
            readers: list[SharedStrings] = []

            def make_strings(sink: TextSink) -> SharedStrings:
                readers.append(SharedStrings(sink))
                return readers[-1]

            result = _member_text(extraction, archive, members[shared], make_strings, _SHEET_FALLBACK)
            strings = readers[0]
            if not strings.complete:
                # Read by the fallback: its text is scanned as a part of its own.
                if not _emit(extraction, f"{path}/{shared}", result, media):
                    return
            elif result.error is not None:
                extraction.add_error(f"{path}/{shared}", media, result.error.code, result.error.message)
                if result.error.code in DOCUMENT_WIDE:
                    return
        for title, member in _sheets(extraction, archive, relations, list(members)):
            if member not in members:
                continue
            sheet = _member_text(
                extraction, archive, members[member], lambda sink: SheetText(sink, strings), _SHEET_FALLBACK
            )
            if not _emit(extraction, f"{path}/{title}", sheet, media):
                return


def _sheets(
    extraction: Extraction, archive: zipfile.ZipFile, relations: dict[str, tuple[str, str]], names: list[str]
) -> list[tuple[str, str]]:
    """(title, member) of each worksheet in the workbook's order."""
    listed = _attributes(extraction, archive, "xl/workbook.xml", frozenset(ns + "sheet" for ns in _SHEET_NS))
    sheets = []
    for attrs in listed or []:
        kind, member = relations.get(_relationship_id(attrs), ("", ""))
        if member and kind.endswith("/worksheet"):
            sheets.append((attrs.get("name", "") or posixpath.basename(member), member))
    if sheets:
        return sheets
    return [
        (posixpath.splitext(posixpath.basename(m))[0], m) for m in _numbered(names, r"^xl/worksheets/sheet(\d+)\.xml$")
    ]


# -- PowerPoint ---------------------------------------------------------------------------

_DRAWING = _tags(_DRAWING_NS, t=_TEXT, br=_BREAK, p=_PARAGRAPH, tc=_TABLE_CELL, tr=_TABLE_ROW)
_DRAWING.update(_tags(_SLIDE_NS, sp=_SHAPE, ph=_PLACEHOLDER))
_SLIDE_FALLBACK = Fallback(breaks=frozenset({"p", "br", "tr"}), tabs=frozenset({"tc"}), attributes=False)
# Placeholders of a notes page that hold no notes: the slide's picture, its number, header, footer, date.
_NOT_NOTES = frozenset({"sldImg", "sldNum", "hdr", "ftr", "dt"})


class SlideText(XmlReader):
    """Every paragraph of a slide (grouped shapes too) on its line; table cells tab-separated."""

    def __init__(self, sink: TextSink, notes: bool = False) -> None:
        super().__init__(sink)
        self.notes = notes
        self.in_text = False
        self.skipping = False  # inside a notes page's placeholder that is not the notes
        self.pending = ""
        self.written = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        kind = _DRAWING.get(tag)
        if kind == _TEXT:
            self.in_text = True
        elif kind == _BREAK:
            self.pending = "\n" if not self.pending else self.pending
        elif kind == _PLACEHOLDER and self.notes and attrs.get("type") in _NOT_NOTES:
            self.skipping = True

    def end(self, tag: str) -> None:
        kind = _DRAWING.get(tag)
        if kind is None:
            return
        if kind == _TEXT:
            self.in_text = False
        elif kind == _PARAGRAPH:
            self.pending = self.pending or "\n"
        elif kind == _TABLE_CELL:
            self.pending = ("" if self.pending == "\n" else self.pending) + "\t"
        elif kind == _TABLE_ROW:
            self.pending = "\n"
        elif kind == _SHAPE:
            self.skipping = False

    def text(self, data: str) -> None:
        if self.in_text and not self.skipping:
            if self.pending and self.written:
                self.sink.write(self.pending)
            self.pending = ""
            self.written = True
            self.sink.write(data)


@handles(Kind.PPTX)
def read_pptx(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    media = Kind.PPTX.value
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {info.filename: info for info in archive.infolist()}
        relations = _relationships(extraction, archive, "ppt/presentation.xml")
        listed = _attributes(extraction, archive, "ppt/presentation.xml", frozenset(ns + "sldId" for ns in _SLIDE_NS))
        slides = [relations.get(_relationship_id(attrs), ("", ""))[1] for attrs in listed or []]
        slides = [member for member in slides if member in members] or _numbered(
            list(members), r"^ppt/slides/slide(\d+)\.xml$"
        )
        for number, member in enumerate(slides, start=1):
            slide = _member_text(extraction, archive, members[member], SlideText, _SLIDE_FALLBACK)
            if not _emit(extraction, f"{path}/slide{number}", slide, media):
                return
            notes = [
                m for kind, m in _relationships(extraction, archive, member).values() if kind.endswith("/notesSlide")
            ]
            if notes and notes[0] in members:
                text = _member_text(
                    extraction, archive, members[notes[0]], lambda sink: SlideText(sink, notes=True), _SLIDE_FALLBACK
                )
                if (text.text.strip() or text.error) and not _emit(
                    extraction, f"{path}/slide{number}/notes", text, media
                ):
                    return


# -- OpenDocument -------------------------------------------------------------------------

_ODF = _tags((_ODF_TEXT,), p=_PARAGRAPH, h=_PARAGRAPH, s=_SPACE, tab=_TAB)
_ODF[f"{_ODF_TEXT}line-break"] = _BREAK
_ODF_FALLBACK = Fallback(breaks=frozenset({"p", "h", "line-break"}), tabs=frozenset({"tab"}), attributes=False)


class OpenDocumentText(XmlReader):
    """Paragraphs and headings on their lines, with their spaces, tabs and line breaks."""

    def __init__(self, sink: TextSink) -> None:
        super().__init__(sink)
        self.depth = 0  # paragraphs open

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        kind = _ODF.get(tag)
        if kind == _PARAGRAPH:
            self.depth += 1
        elif self.depth and kind == _SPACE:
            count = attrs.get(f"{_ODF_TEXT}c", "1")
            self.sink.write(" " * min(int(count) if count.isdigit() else 1, 1000))
        elif self.depth and kind == _TAB:
            self.sink.write("\t")
        elif self.depth and kind == _BREAK:
            self.sink.write("\n")

    def end(self, tag: str) -> None:
        if _ODF.get(tag) == _PARAGRAPH and self.depth:
            self.depth -= 1
            self.sink.write("\n")

    def text(self, data: str) -> None:
        if self.depth:
            self.sink.write(data)

    def finish(self, text: str) -> str:
        return text.removesuffix("\n")


@handles(Kind.ODF)
def read_opendocument(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = _member_text(extraction, archive, archive.getinfo("content.xml"), OpenDocumentText, _ODF_FALLBACK)
    _emit(extraction, f"{path}/content", content, Kind.ODF.value)
