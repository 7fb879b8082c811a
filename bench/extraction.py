"""Extraction throughput per format on a mixed corpus: MB/s of input and of text produced.

Documents are built in memory from the seeded corpus with the same libraries that write
the test fixtures (python-docx, openpyxl, python-pptx, fpdf2, the standard library), each
holding about 1 MB of text. Run: ``python -m bench.extraction``
"""

from __future__ import annotations

import bz2
import email.policy
import gzip
import io
import json
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from service.extract import extract_document
from tests.fixtures.corpus import make_corpus
from tests.fixtures.make_documents import tar_bytes, zip_bytes

RESULTS = Path(__file__).parent / "results"
TEXT_SIZE = 1_000_000


def lines() -> list[str]:
    return make_corpus(TEXT_SIZE, seed=11).splitlines()


def docx() -> bytes:
    from docx import Document

    document = Document()
    for line in lines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data")
    for line in lines():
        sheet.append(line.split(",")[:8])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    text = lines()
    for start in range(0, len(text), 200):
        slide = presentation.slides.add_slide(presentation.slide_layouts[6])
        box = slide.shapes.add_textbox(Inches(0.5), Inches(0.5), Inches(9), Inches(6))
        box.text_frame.text = "\n".join(text[start : start + 200])
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def pdf() -> bytes:
    from fpdf import FPDF

    document = FPDF()
    document.set_font("Helvetica", size=8)
    text = [line.encode("latin-1", "replace").decode("latin-1") for line in lines()[:4000]]
    for start in range(0, len(text), 60):
        document.add_page()
        for line in text[start : start + 60]:
            document.multi_cell(0, 4, line[:150], new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def eml() -> bytes:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "report"
    message.set_content("\n".join(lines()[: len(lines()) // 2]))
    message.add_attachment("\n".join(lines()[len(lines()) // 2 :]).encode(), maintype="text", subtype="plain",
                           filename="rest.txt")  # fmt: skip
    return message.as_bytes()


def html() -> bytes:
    return ("<html><body>" + "".join(f"<p>{line}</p>" for line in lines()) + "</body></html>").encode()


FORMATS: dict[str, Callable[[], bytes]] = {
    "text": lambda: make_corpus(TEXT_SIZE, seed=11).encode(),
    "html": html,
    "eml": eml,
    "zip (100 text files)": lambda: zip_bytes({f"f{i}.txt": "\n".join(lines()[i::100]).encode() for i in range(100)}),
    "tar.bz2": lambda: bz2.compress(tar_bytes({"a.txt": make_corpus(TEXT_SIZE, seed=11).encode()})),
    "gzip": lambda: gzip.compress(make_corpus(TEXT_SIZE, seed=11).encode()),
    "docx": docx,
    "xlsx": xlsx,
    "pptx": pptx,
    "pdf": pdf,
}


def main() -> None:
    figures = {}
    print(f"{'format':<22} {'input MB':>9} {'text MB':>8} {'input MB/s':>11} {'text MB/s':>10}")
    columns = ("input_mb", "text_mb", "input_mb_per_s", "text_mb_per_s")
    widths = (9, 8, 11, 10)
    for name, build in FORMATS.items():
        data = build()
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            parts = extract_document(data, f"doc.{name}")
            timings.append(time.perf_counter() - started)
        assert all(p.error is None for p in parts), [p.error for p in parts]
        best = min(timings)
        text_mb = sum(len(p.text.encode()) for p in parts) / 1e6
        row = {
            "input_mb": round(len(data) / 1e6, 2),
            "text_mb": round(text_mb, 2),
            "input_mb_per_s": round(len(data) / 1e6 / best, 1),
            "text_mb_per_s": round(text_mb / best, 1),
        }
        figures[name] = row
        print(f"{name:<22} " + " ".join(f"{row[c]:>{w}}" for c, w in zip(columns, widths, strict=True)))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "extraction.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
