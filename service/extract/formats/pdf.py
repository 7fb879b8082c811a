"""PDF text, page by page (pypdf). Encrypted PDFs are reported unless they open with an empty password."""

from __future__ import annotations

import io
import logging

from service.extract.detect import Kind
from service.extract.extractor import Encrypted, Extraction, handles

# pypdf reports recoverable oddities of real-world PDFs as warnings: not ours to show.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@handles(Kind.PDF)
def read_pdf(extraction: Extraction, data: bytes, path: str, depth: int) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))
        except Exception:  # an unsupported cipher is the same answer: it cannot be opened
            opened = False
        if not opened:
            raise Encrypted("the PDF is encrypted with a password")
    for number, page in enumerate(reader.pages, start=1):
        extraction.budget.check_time()  # before each page: one page's text is the smallest step pypdf takes
        text, limit = extraction.fit_text(page.extract_text() or "")
        if not extraction.add_partial(f"{path}/page{number}", text, Kind.PDF.value, limit, charged=True):
            return
