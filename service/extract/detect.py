"""What a document is, from its first bytes (and only then its name): a mislabelled file is read right."""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text/plain"
    HTML = "text/html"
    XML = "application/xml"
    EMAIL = "message/rfc822"
    MSG = "application/vnd.ms-outlook"
    ZIP = "application/zip"
    TAR = "application/x-tar"
    GZIP = "application/gzip"
    BZIP2 = "application/x-bzip2"
    XZ = "application/x-xz"
    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ODF = "application/vnd.oasis.opendocument"
    OLE = "application/x-ole-storage"
    BINARY = "application/octet-stream"


_OOXML_MAIN = {"word/document.xml": Kind.DOCX, "xl/workbook.xml": Kind.XLSX, "ppt/presentation.xml": Kind.PPTX}
_EMAIL_HEADERS = (b"received:", b"from:", b"to:", b"subject:", b"message-id:", b"mime-version:", b"return-path:",
                  b"date:", b"delivered-to:", b"content-type:", b"reply-to:", b"x-")  # fmt: skip


def detect(data: bytes, name: str = "") -> Kind:
    head = data[:512]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_flavour(data)
    if head.startswith(b"\x1f\x8b"):
        return Kind.GZIP
    if head.startswith(b"BZh") and len(head) > 3 and head[3:4].isdigit():
        return Kind.BZIP2
    if head.startswith(b"\xfd7zXZ\x00"):
        return Kind.XZ
    if head.startswith(b"%PDF-"):
        return Kind.PDF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return (
            Kind.MSG
            if name.lower().endswith(".msg") or b"__substg1.0_" in data[:65536].replace(b"\x00", b"")
            else Kind.OLE
        )
    if len(data) > 262 and data[257:262] == b"ustar":
        return Kind.TAR
    return _text_flavour(head, name)


def _zip_flavour(data: bytes) -> Kind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            for main, kind in _OOXML_MAIN.items():
                if main in names:
                    return kind
            if "mimetype" in names and "content.xml" in names:
                return Kind.ODF
    except (zipfile.BadZipFile, OSError, ValueError):
        pass  # a damaged zip is still a zip; the archive reader reports what is wrong
    return Kind.ZIP


def _text_flavour(head: bytes, name: str) -> Kind:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 markup is markup too: look at its first characters as UTF-8.
        encoding = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
        sample = head[2 : len(head) - len(head) % 2].decode(encoding, errors="ignore").encode("utf-8", errors="ignore")
        kind = _text_flavour(sample, name)
        return kind if kind in (Kind.HTML, Kind.XML) else Kind.TEXT
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html")) or (stripped.startswith(b"<") and b"<body" in stripped):
        return Kind.HTML
    if stripped.startswith(b"<?xml") or (stripped.startswith(b"<") and name.lower().endswith(".xml")):
        return Kind.XML
    lines = stripped.split(b"\n", 8)[:8]
    header_lines = sum(1 for line in lines if line.startswith(_EMAIL_HEADERS) or line[:1] in (b" ", b"\t"))
    if lines and lines[0].startswith(_EMAIL_HEADERS) and header_lines >= min(3, len(lines)):
        return Kind.EMAIL
    lowered = name.lower()
    if lowered.endswith((".eml", ".mht")) and b":" in head.split(b"\n", 1)[0]:
        return Kind.EMAIL
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Kind.BINARY
    return Kind.TEXT
