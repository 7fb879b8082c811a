from __future__ import annotations

import codecs

import pytest

from service.extract import decode_text, extract_document

TEXT = "Kreditkarte Jürgen: 4895 6866 7767 5908 — ok"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"),
    ],
)
def test_unicode_encodings_with_or_without_mark_decode(data: bytes) -> None:
    assert decode_text(data) == TEXT


def test_legacy_single_byte_text_decodes_as_windows_1252() -> None:
    assert decode_text("Jürgen – café".encode("cp1252")) == "Jürgen – café"


def test_binary_content_becomes_a_part_error_not_garbage() -> None:
    (part,) = extract_document(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "blob.bin")
    assert part.text == ""
    assert part.error is not None
    assert part.error.code == "unsupported_format"
    assert part.size == 16
