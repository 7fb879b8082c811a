"""Office and XML bombs, generated at test time: bounded memory, an error part, and the text before the limit scanned.

Each bomb is written into a temporary folder by this process and extracted, with the
default limits, in a child process whose peak resident memory (VmHWM) is measured: the
ceiling below is what a worker may spend on one document, imports included.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from service.extract import ExtractionLimits, extract_document
from tests.fixtures import make_documents as make

ROOT = Path(__file__).parent.parent.parent
TOKEN = make.TOKEN
PEAK_CEILING_MB = 400

PROBE = """
import json, sys
from pathlib import Path
from service.extract import extract_document
data = Path(sys.argv[1]).read_bytes()
parts = extract_document(data, sys.argv[2])
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"peak_mb": peak_kb // 1024,
                  "parts": [[p.name, p.text if "ghp_" in p.text else "", p.error.code if p.error else None]
                            for p in parts]}))
"""

# bomb → (file name, the part that must hold the token, the error part and its code)
BOMBS: dict[str, tuple[Callable[[], bytes], str, str, str, str]] = {
    # 2.4 MB presentation, first slide 335 MB of paragraphs (140:1): cut at max_part_bytes.
    "slide": (make.slide_bomb, "deck.pptx", "deck.pptx/slide1", "deck.pptx/slide1#incomplete", "part_too_large"),
    # 2.6 MB workbook, 335 MB of shared strings: cut at max_part_bytes; the sheet using the first one still reads it.
    "shared strings": (make.shared_strings_bomb, "book.xlsx", "book.xlsx/Summary", "book.xlsx/xl/sharedStrings.xml",
                       "part_too_large"),
    # 430 KB Word document of ten million empty paragraphs (60 MB, 152:1): cut at max_xml_elements.
    "empty paragraphs": (make.empty_paragraphs_docx, "long.docx", "long.docx/body", "long.docx/body#incomplete",
                         "part_too_large"),
    # 350 KB OpenDocument text, 6.5 million empty paragraphs in content.xml.
    "content.xml": (make.content_bomb, "notes.odt", "notes.odt/content", "notes.odt/content#incomplete",
                    "part_too_large"),
    # 680 KB gzip of an XML file of 15 million elements.
    "xml elements": (make.xml_elements_gzip, "log.xml.gz", "log.xml.gz/log.xml", "log.xml.gz/log.xml#incomplete",
                     "part_too_large"),
}  # fmt: skip


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_bomb_is_read_in_bounded_memory_up_to_its_limit(tmp_path: Path, bomb: str) -> None:
    build, name, text_part, error_part, code = BOMBS[bomb]
    target = tmp_path / name
    target.write_bytes(build())
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, str(target), name], capture_output=True, text=True, check=True, cwd=ROOT
    )
    result = json.loads(completed.stdout)
    parts = {part_name: (text, error) for part_name, text, error in result["parts"]}
    assert parts[error_part][1] == code, result["parts"]
    assert TOKEN in parts[text_part][0], "the text read before the limit is not in its part"
    assert parts[text_part][1] is None  # a part without error: it is scanned
    assert result["peak_mb"] < PEAK_CEILING_MB, result["peak_mb"]


def test_a_member_declaring_a_ratio_above_the_limit_is_read_only_up_to_it() -> None:
    head, tail = make.word_body(b"")
    block = b"<w:p/>" * 100_000
    data = make.rebuild(make.docx_bytes(), {"word/document.xml": make.repeated(head, block, 200, tail)})
    parts = extract_document(data, "r.docx", limits=ExtractionLimits(max_compression_ratio=50))
    errors = {p.name: p.error.code for p in parts if p.error is not None}
    assert errors == {"r.docx/body#incomplete": "compression_ratio"}
    body = next(p for p in parts if p.name == "r.docx/body")
    assert TOKEN in body.text


def test_the_element_limit_is_configurable_and_keeps_what_came_before() -> None:
    rows = "".join(f"<row><note>line {n}</note></row>" for n in range(20_000))
    data = f'<?xml version="1.0"?><log><secret>export GITHUB_TOKEN={TOKEN}</secret>{rows}</log>'.encode()
    parts = extract_document(data, "log.xml", limits=ExtractionLimits(max_xml_elements=10_000))
    (text,) = [p for p in parts if p.error is None]
    (error,) = [p for p in parts if p.error is not None]
    assert error.name == "log.xml#incomplete" and error.error is not None
    assert error.error.code == "part_too_large" and "10000 XML elements" in error.error.message
    assert TOKEN in text.text and "line 100\n" in text.text and "line 19999" not in text.text


def test_text_over_the_part_limit_is_cut_and_what_fits_is_scanned() -> None:
    data = (f"export GITHUB_TOKEN={TOKEN}\n" + "x" * 5000).encode()
    parts = extract_document(data, "big.txt", limits=ExtractionLimits(max_part_bytes=1000))
    assert [(p.name, p.error.code if p.error else None) for p in parts] == [
        ("big.txt", None),
        ("big.txt#incomplete", "part_too_large"),
    ]
    assert len(parts[0].text) == 1000 and TOKEN in parts[0].text


def test_office_text_counts_against_the_total_as_it_is_produced() -> None:
    # Each paragraph is charged as it is read: the body stops at the document's total, not after it.
    limits = ExtractionLimits(max_total_bytes=3 * 1024 * 1024, max_part_bytes=3 * 1024 * 1024)
    parts = extract_document(make.long_docx(200_000), "l.docx", limits=limits)
    codes = {p.name: p.error.code for p in parts if p.error is not None}
    assert codes == {"l.docx/body#incomplete": "total_size"}
    body = next(p for p in parts if p.name == "l.docx/body")
    assert TOKEN in body.text and len(body.text) < limits.max_total_bytes
