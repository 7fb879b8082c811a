"""Bytes of a text document → its text, in whatever common encoding it was written.

A byte-order mark decides first; then strict UTF-8; then, for text that is neither,
Windows-1252 (a superset of Latin-1 for printable text). Content with NUL bytes and no
UTF-16/32 mark is binary, which this extractor does not read: it says so instead of
scanning garbage.
"""

from __future__ import annotations

import codecs

from service.engine.document import Part, PartError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class NotText(ValueError):
    """The bytes are not text in an encoding this extractor reads."""


def decode_text(data: bytes) -> str:
    for bom, encoding in _BOMS:  # UTF-32-LE's mark starts with UTF-16-LE's: order matters
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise NotText(f"invalid {encoding} at byte {error.start + len(bom)}") from None
    if b"\x00" in data:
        raise NotText("binary content (NUL bytes) with no text encoding mark")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def text_part(name: str, data: bytes, media_type: str = "text/plain") -> Part:
    try:
        text = decode_text(data)
    except NotText as error:
        return Part(
            name,
            "",
            media_type="application/octet-stream",
            size=len(data),
            error=PartError("unsupported_format", str(error)),
        )
    return Part(name, text, media_type=media_type, size=len(data))
