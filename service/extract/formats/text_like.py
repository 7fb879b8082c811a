"""Plain text, HTML and XML."""

from __future__ import annotations

from collections.abc import Iterator

from service.extract.detect import Kind
from service.extract.extractor import Extraction, Unsupported, handles
from service.extract.html import html_to_text
from service.extract.sink import TextSink
from service.extract.text import NotText, decode_text
from service.extract.xml_stream import Fallback, XmlReader, read_xml

CHUNK = 1024 * 1024


def _decode(data: bytes) -> str:
    try:
        return decode_text(data)
    except NotText as error:
        raise Unsupported(str(error)) from None


@handles(Kind.TEXT)
def read_text(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    text, limit = extraction.fit_text(_decode(data))
    extraction.add_partial(path, text, Kind.TEXT.value, limit, len(data), charged=True)


@handles(Kind.HTML)
def read_html(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    text, limit = extraction.fit_text(html_to_text(_decode(data), extraction.budget.check_time))
    extraction.add_partial(path, text, Kind.HTML.value, limit, len(data), charged=True)


class XmlValues(XmlReader):
    """Text and attribute values, each on its own line (as in the document, stripped of blank space)."""

    def __init__(self, sink: TextSink) -> None:
        super().__init__(sink)
        self.pending: list[str] = []
        self.first = True

    def _line(self, value: str) -> None:
        value = value.strip()
        if value:
            if not self.first:
                self.sink.write("\n")
            self.first = False
            self.sink.write(value)

    def _flush(self) -> None:
        if self.pending:
            self._line("".join(self.pending))
            self.pending = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self._flush()
        for value in attrs.values():
            self._line(value)

    def end(self, tag: str) -> None:
        self._flush()

    def text(self, data: str) -> None:
        self.pending.append(data)
        if len(self.pending) > 64:  # a very long text node arrives in pieces: keep them few
            self.pending = ["".join(self.pending)]


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


@handles(Kind.XML)
def read_xml_document(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    result = read_xml(extraction.budget, lambda: _chunks(data), XmlValues, Fallback())
    extraction.add_partial(path, result.text, Kind.XML.value, result.error, len(data), charged=True)
