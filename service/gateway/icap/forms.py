"""Uploads and form posts as documents: multipart/form-data and urlencoded forms decoded.

werkzeug's form parser (the one Flask uses) does the parsing. Form fields become one
text document of ``name: value`` lines, so a field's name stays next to its value as
keyword evidence; each uploaded file is a document of its own, named by its file name.
A form that does not parse is classified as the raw body instead: nothing goes uninspected.
"""

from __future__ import annotations

import io

from werkzeug.exceptions import HTTPException
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header

from service.classify import Document

FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
FIELDS_NAME = "form fields"
# Media types a browser gives files it knows nothing about: let detection decide instead.
_UNTYPED = frozenset({"", "application/octet-stream"})


def form_documents(body: bytes, content_type: str, max_parts: int) -> list[Document] | None:
    """The fields and files of a form body, or None when the body is no form or does not parse."""
    media_type, options = parse_options_header(content_type)
    if media_type not in FORM_TYPES:
        return None
    parser = FormDataParser(
        max_form_memory_size=len(body) + 1,  # the body is already within the body limit
        max_content_length=len(body) + 1,
        silent=False,
        max_form_parts=max_parts,
    )
    try:
        _, fields, files = parser.parse(io.BytesIO(body), media_type, len(body), options)
    except (ValueError, HTTPException):
        return None
    documents: list[Document] = []
    lines = [f"{name}: {value}" for name, values in fields.lists() for value in values]
    if lines:
        documents.append(Document("\n".join(lines), name=FIELDS_NAME, media_type="text/plain"))
    for field, upload in files.items(multi=True):
        try:
            content = upload.read()
        finally:
            upload.close()
        media = upload.mimetype if upload.mimetype not in _UNTYPED else None
        documents.append(Document(content, name=upload.filename or field, media_type=media))
    # A non-empty body the parser found nothing in is no form it understood: inspect it raw.
    return documents if documents or not body.strip() else None
